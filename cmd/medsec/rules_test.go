package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medsec/internal/shareddata"
)

// TestRulesImportCLI imports SigmaHQ's rules from the shared directory (every one of
// them must read), refuses a broken file naming its line without storing anything, and
// lists the rules with the built-in ones on.
func TestRulesImportCLI(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	dir := filepath.Join(shareddata.SigmaDir(t), "rules")
	var out strings.Builder
	if err := run(ctx, []string{"rules", "import", "--data", data, dir}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "320 rules imported") {
		t.Errorf("import: %s", out.String())
	}
	bad := filepath.Join(t.TempDir(), "bad.yml")
	os.WriteFile(bad, []byte("title: x\nid: 55555555-5555-4555-8555-555555555555\nlogsource: {product: linux}\ndetection:\n  sel:\n    a|bogus: 1\n  condition: sel\n"), 0o600)
	err := run(ctx, []string{"rules", "import", "--data", data, bad}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.yml: line 6") {
		t.Errorf("bad file: %v", err)
	}
	// Two files of one run sharing an id: refused, nothing stored (before: "2 rules
	// imported", the second replacing the first).
	one, two := filepath.Join(t.TempDir(), "one.yml"), filepath.Join(t.TempDir(), "two.yml")
	rule := "title: %s\nid: 66666666-6666-4666-8666-666666666666\nlogsource: {product: linux}\ndetection:\n  sel:\n    a: 1\n  condition: sel\n"
	os.WriteFile(one, []byte(fmt.Sprintf(rule, "one")), 0o600)
	os.WriteFile(two, []byte(fmt.Sprintf(rule, "two")), 0o600)
	err = run(ctx, []string{"rules", "import", "--data", data, one, two}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), two+": id 66666666-6666-4666-8666-666666666666 is also the id of a rule in "+one) {
		t.Errorf("duplicate ids across files: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"rules", "list", "--data", data}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1+11+320 || !strings.Contains(out.String(), "builtin   correlation  high") || strings.Contains(out.String(), "55555555") || strings.Contains(out.String(), "66666666") {
		t.Errorf("list: %d lines\n%.1500s", len(lines), out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"alerts", "list", "--data", data}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "0 alerts") {
		t.Errorf("alerts list: %v %s", err, out.String())
	}
}
