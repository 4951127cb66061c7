package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestRulesSuppressCLI suppresses the failed-login burst for a scanner's network at a
// site by its code, refuses one without a reason, lists it with its count, and expires
// it [issue 13 finding 12].
func TestRulesSuppressCLI(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := sqlstore.NewOrgService(store).CreateSite(asSystem(ctx), site); err != nil {
		t.Fatal(err)
	}
	store.Close()
	if err := run(ctx, []string{"rules", "list", "--data", data}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	burst := "5b844acf-d201-4466-bfdb-ceec6a5e48e0"
	err = run(ctx, []string{"rules", "suppress", "--data", data, "--rule", burst, "--site", "HQ", "--source", "10.1.99.0/24"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "reason") {
		t.Errorf("without a reason: %v", err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"rules", "suppress", "--data", data, "--rule", burst, "--site", "HQ", "--source", "10.1.99.0/24", "--expires", "2099-01-31", "--reason", "IT scanner"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"rules", "suppressions", "--data", data}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "10.1.99.0/24") || !strings.Contains(s, "本院") || !strings.Contains(s, "2099-01-31T16:00:00Z") || !strings.Contains(s, "IT scanner") {
		t.Errorf("list:\n%s", s)
	}
	if err := run(ctx, []string{"rules", "unsuppress", "--data", data, "1"}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	run(ctx, []string{"rules", "suppressions", "--data", data}, &out, io.Discard)
	if !strings.Contains(out.String(), "expired") {
		t.Errorf("after unsuppress:\n%s", out.String())
	}
}
