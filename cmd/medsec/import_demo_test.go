package main

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"

	"medsec"
	"medsec/assetio"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestReimportUnchangedExport exports the demo hospital's inventory as CSV and XLSX and
// imports each file back unchanged: nothing may change, no version may move and no audit
// row may be written (newcomer review D7: every row was "updated", 200 audit entries).
func TestReimportUnchangedExport(t *testing.T) {
	ctx := asSystem(context.Background())
	db, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db)}
	if loaded, _, err := loadDemo(ctx, s, "demo password for the test"); err != nil || !loaded {
		t.Fatalf("load demo: %v, %v", loaded, err)
	}
	// state is the sum of every asset's version and the number of audit rows.
	state := func() (assets []*medsec.Asset, versions int64, audit int) {
		assets, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range assets {
			versions += a.Version
		}
		if _, audit, err = s.Audit.FindAuditEntries(ctx, medsec.AuditFilter{Limit: 1}); err != nil {
			t.Fatal(err)
		}
		return assets, versions, audit
	}
	assets, versions, audit := state()
	if len(assets) < 150 {
		t.Fatalf("the demo has %d assets, want its whole inventory", len(assets))
	}
	for _, format := range []struct {
		name  string
		write func(*bytes.Buffer, []*medsec.Asset) error
		read  func([]byte) ([]medsec.AssetRow, error)
	}{
		{"export.csv", func(b *bytes.Buffer, a []*medsec.Asset) error { return assetio.WriteCSV(b, a) },
			func(d []byte) ([]medsec.AssetRow, error) { return assetio.ReadCSV(bytes.NewReader(d), "export.csv") }},
		{"export.xlsx", func(b *bytes.Buffer, a []*medsec.Asset) error { return assetio.WriteXLSX(b, a) },
			func(d []byte) ([]medsec.AssetRow, error) { return assetio.ReadXLSX(bytes.NewReader(d), "export.xlsx") }},
	} {
		t.Run(format.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := format.write(&b, assets); err != nil {
				t.Fatal(err)
			}
			rows, err := format.read(b.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Assets.ImportAssets(ctx, medsec.AssetImport{Source: format.name, Rows: rows})
			if err != nil {
				t.Fatal(err)
			}
			if want := (medsec.ImportResult{Unchanged: len(assets)}); !reflect.DeepEqual(res, want) {
				t.Errorf("re-import = %+v, want %+v", res, want)
			}
			_, gotVersions, gotAudit := state()
			if gotVersions != versions || gotAudit != audit {
				t.Errorf("after re-import: versions sum %d, audit rows %d; want %d and %d (unchanged)", gotVersions, gotAudit, versions, audit)
			}
		})
	}
}
