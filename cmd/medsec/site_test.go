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

// TestAssetsChangeCommand retires the assets a filter selects with "medsec assets change
// --all" and sets a level by --ids on a fresh store; each change is audited, and a bad
// action is refused naming the field, nothing changed.
func TestAssetsChangeCommand(t *testing.T) {
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
	assets := sqlstore.NewAssetService(store)
	for _, name := range []string{"ECG-1 心電圖機", "ECG-2 心電圖機", "CT-1"} {
		if err := assets.CreateAsset(asSystem(ctx), &medsec.Asset{SiteID: site.ID, Name: name, Kind: medsec.KindModality}); err != nil {
			t.Fatal(err)
		}
	}
	store.Close()
	var out bytes.Buffer
	if err := run(ctx, []string{"assets", "change", "--data", data, "--action", "explode", "--ids", "1"}, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "action") {
		t.Errorf("bad action: %v", err)
	}
	if err := run(ctx, []string{"assets", "change", "--data", data, "--action", "level", "--level", "high", "--ids", "3"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"assets", "change", "--data", data, "--action", "retire", "--all", "--q", "心電圖"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "level: 1 assets changed, 0 already so\nretire: 2 assets changed, 0 already so\n" {
		t.Errorf("output = %q", got)
	}
	store, err = sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	list, _, err := sqlstore.NewAssetService(store).FindAssets(asSystem(ctx), medsec.AssetFilter{Status: medsec.StatusActive})
	if err != nil || len(list) != 1 || list[0].Name != "CT-1" || list[0].Level != medsec.LevelHigh {
		t.Errorf("active assets after the changes: %v, %v", list, err)
	}
	_, n, _ := sqlstore.NewAuditService(store).FindAuditEntries(asSystem(ctx), medsec.AuditFilter{Action: "asset.update"})
	if n != 3 {
		t.Errorf("%d asset.update audit rows, want 3", n)
	}
}
