package sqlstore_test

import (
	"fmt"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// BenchmarkImport measures an all-or-nothing import of 5,000 new assets.
func BenchmarkImport(b *testing.B) {
	for range b.N {
		b.StopTimer()
		db := MustOpenDB(b, "sqlite")
		org := sqlstore.NewOrgService(db)
		if err := org.CreateSite(system, &medsec.Site{Code: "HQ", Name: "本院"}); err != nil {
			b.Fatal(err)
		}
		rows := make([]medsec.AssetRow, 5000)
		for i := range rows {
			rows[i] = medsec.AssetRow{Line: i + 2, Site: "本院", Asset: medsec.Asset{Name: fmt.Sprintf("pump-%05d", i), Kind: medsec.KindInfusionPump,
				Serial: fmt.Sprintf("SN%06d", i), IPs: []string{fmt.Sprintf("10.1.%d.%d", i/250, 1+i%250)}}}
		}
		b.StartTimer()
		if _, err := sqlstore.NewAssetService(db).ImportAssets(system, medsec.AssetImport{Source: "bench.csv", Rows: rows}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(5000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
