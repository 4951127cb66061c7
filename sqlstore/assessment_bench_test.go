package sqlstore_test

import (
	"fmt"
	"testing"
	"time"

	"medsec"
	"medsec/catalog"
	"medsec/sqlstore"
)

// BenchmarkGapReport computes the TW gap report of 5,000 classified assets with 20,000
// assessments (from nothing each time: the kept report is dropped), against its peer, reading the same assets with FindAssets, and reports the
// ratio.
func BenchmarkGapReport(b *testing.B) {
	db := MustOpenDB(b, "sqlite")
	if err := sqlstore.NewOrgService(db).CreateSite(system, &medsec.Site{Code: "HQ", Name: "本院"}); err != nil {
		b.Fatal(err)
	}
	classes := []medsec.DeviceClass{medsec.ClassStandalone, medsec.ClassBoundary, medsec.ClassControl, medsec.ClassApplication}
	rows := make([]medsec.AssetRow, 5000)
	for i := range rows {
		rows[i] = medsec.AssetRow{Line: i + 2, Site: "本院", Asset: medsec.Asset{Name: fmt.Sprintf("host-%05d", i), Kind: medsec.KindWorkstation,
			Class: classes[i%4], Level: medsec.Levels[i%3]}}
	}
	assets := sqlstore.NewAssetService(db)
	if _, err := assets.ImportAssets(system, medsec.AssetImport{Source: "bench.csv", Rows: rows}); err != nil {
		b.Fatal(err)
	}
	svc := newAssessmentService(&testing.T{}, db)
	var ids []int64
	list, _, _ := assets.FindAssets(system, medsec.AssetFilter{Limit: 100000})
	for _, a := range list {
		ids = append(ids, a.ID)
	}
	for _, ctl := range []string{"tw-ac-1.l", "tw-ac-2.hml", "tw-au-1.l", "tw-ia-3.hml"} {
		if _, err := svc.AssessBulk(system, medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: ctl, Status: medsec.AssessPartial}, ids); err != nil {
			b.Fatal(err)
		}
	}
	var peer time.Duration
	b.ResetTimer()
	for range b.N {
		svc.ForgetGapReports() // time the computation, not the kept report
		rep, err := svc.GapReport(system, medsec.GapFilter{})
		if err != nil || rep.Subjects != 5000 {
			b.Fatalf("report: %v", err)
		}
		b.StopTimer()
		start := time.Now()
		if _, _, err := assets.FindAssets(system, medsec.AssetFilter{Limit: 100000}); err != nil {
			b.Fatal(err)
		}
		peer += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(b.Elapsed())/float64(peer), "x_FindAssets")
}
