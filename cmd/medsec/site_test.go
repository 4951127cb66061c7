package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
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

// TestSiteRetireCommand retires a site with "medsec site retire": refused naming the
// active assets while one is there, done once it is retired, and shown by "site list".
func TestSiteRetireCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	site := &medsec.Site{Code: "OLD", Name: "舊院區"}
	if err := sqlstore.NewOrgService(store).CreateSite(asSystem(ctx), site); err != nil {
		t.Fatal(err)
	}
	a := &medsec.Asset{SiteID: site.ID, Name: "X-Ray-1", Kind: medsec.KindModality}
	assets := sqlstore.NewAssetService(store)
	if err := assets.CreateAsset(asSystem(ctx), a); err != nil {
		t.Fatal(err)
	}
	store.Close()
	var out bytes.Buffer
	args := []string{"site", "retire", "--data", data, "--id", fmt.Sprint(site.ID)}
	if err := run(ctx, args, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "1 assets that are not retired") {
		t.Errorf("retire with an active asset: %v", err)
	}
	store, err = sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewAssetService(store).RetireAsset(asSystem(ctx), a.ID); err != nil {
		t.Fatal(err)
	}
	store.Close()
	if err := run(ctx, args, &out, io.Discard); err != nil || !strings.Contains(out.String(), "retired 20") {
		t.Fatalf("retire: %v %q", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"site", "list", "--data", data}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "RETIRED") || !regexp.MustCompile(`OLD +舊院區 .*\d{4}-\d\d-\d\dT`).MatchString(out.String()) {
		t.Errorf("list: %v %q", err, out.String())
	}
}
