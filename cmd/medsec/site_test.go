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

// TestSiteCommand sets a site's jurisdiction and time zone with "medsec site set" on a
// fresh store and reads them back with "site list"; a bad zone is refused naming the flag
// and changes nothing.
func TestSiteCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	site := &medsec.Site{Code: "TKY", Name: "東京分院"}
	if err := sqlstore.NewOrgService(store).CreateSite(asSystem(ctx), site); err != nil {
		t.Fatal(err)
	}
	store.Close()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"site", "set", "--data", data, "--id", "1", "--time-zone", "Mars/Olympus"}, io.Discard, &errOut); err == nil || !strings.Contains(err.Error(), "--time-zone") {
		t.Errorf("bad zone: %v", err)
	}
	if err := run(ctx, []string{"site", "set", "--data", data, "--id", "1", "--jurisdiction", "JP"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Asia/Tokyo") {
		t.Errorf("set: %q", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"site", "list", "--data", data}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "JP") || !strings.Contains(got, "Asia/Tokyo (jurisdiction's)") {
		t.Errorf("list:\n%s", got)
	}
}
