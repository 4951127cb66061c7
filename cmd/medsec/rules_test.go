package main

import (
	"context"
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
	out.Reset()
	if err := run(ctx, []string{"rules", "list", "--data", data}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1+10+320 || !strings.Contains(out.String(), "builtin   correlation  high") || strings.Contains(out.String(), "55555555") {
		t.Errorf("list: %d lines\n%.1500s", len(lines), out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"alerts", "list", "--data", data}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "0 alerts") {
		t.Errorf("alerts list: %v %s", err, out.String())
	}
}
