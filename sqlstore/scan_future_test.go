package sqlstore_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"testing"
	"time"

	"medsec"
	"medsec/scanreport"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestScanInTheFutureRefused (break-test #18): a scanner report dated ahead of the
// server's clock would satisfy the scan cadence for a scan not yet made. A real Trivy
// report whose CreatedAt lies a day ahead is refused, naming the file and the field, and
// nothing is stored; one a minute ahead (a scanner's clock running fast) is taken. A report
// stored before the refusal that is dated in the future at the schedule's clock does not
// count: the asset stays never scanned until that time comes.
func TestScanInTheFutureRefused(t *testing.T) {
	real, err := os.ReadFile("../../shared/data/scanners/trivy/trivy-integration-ubuntu-1804.json")
	if err != nil {
		t.Fatal(err)
	}
	const created = `"CreatedAt": "2021-08-25T12:20:30.000000005Z"`
	if !bytes.Contains(real, []byte(created)) {
		t.Fatal("the sample's CreatedAt changed")
	}
	dated := func(at time.Time) []byte {
		return bytes.Replace(real, []byte(created), []byte(`"CreatedAt": "`+at.Format(time.RFC3339)+`"`), 1)
	}
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		his := &medsec.Asset{SiteID: main.ID, Name: "HIS-1", Kind: medsec.KindHIS, IPs: []string{"10.0.0.10"}}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, his); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewScanService(db)
		imp := func(data []byte) error {
			rep, err := scanreport.Parse("ubuntu.json", data)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(data)
			_, err = svc.ImportScan(system, rep.Import(his.ID, "ubuntu.json", hex.EncodeToString(sum[:])))
			return err
		}
		err := imp(dated(testNow.Add(24 * time.Hour)))
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) || ve.Source != "ubuntu.json" || len(ve.Errors) != 1 || ve.Errors[0].Field != "CreatedAt" || ve.Errors[0].Key != "scan.err.future" ||
			ve.Errors[0].Value != "2026-11-24 09:00 UTC" {
			t.Fatalf("a report dated a day ahead: %v, want scan.err.future on ubuntu.json CreatedAt", err)
		}
		if reps, err := svc.FindScanReports(system); err != nil || len(reps) != 0 {
			t.Fatalf("after the refusal: %d reports (%v), want none", len(reps), err)
		}
		if err := imp(dated(testNow.Add(time.Minute))); err != nil {
			t.Fatalf("a report a minute ahead (clock skew): %v", err)
		}
		// The clock read earlier: the stored report now lies a day ahead and is no scan yet.
		due := func(now time.Time) medsec.AssetScanDue {
			t.Helper()
			db.Now = func() time.Time { return now }
			s, err := svc.ScanSchedule(system, medsec.ScanScheduleFilter{Requirement: vuln.ScanMonthly})
			if err != nil || len(s.Assets) != 1 {
				t.Fatalf("schedule: %v %+v", err, s)
			}
			return s.Assets[0]
		}
		if d := due(testNow.Add(-24 * time.Hour)); d.State != medsec.ScanNever || !d.LastScanAt.IsZero() {
			t.Errorf("a day before the report's scan time: %+v, want never scanned", d)
		}
		if d := due(testNow.Add(time.Hour)); d.State != medsec.ScanOK || !d.LastScanAt.Equal(testNow.Add(time.Minute)) {
			t.Errorf("after the report's scan time: %+v, want ok", d)
		}
	})
}
