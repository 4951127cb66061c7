package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestGoneAtIsRewound: a finding gone from its asset in 2024 (its firmware updated) and
// back in 2025 (the firmware rolled back) was gone at the end of 2024, and a report of
// 2024 reads it so; at mid-2024, before it went, it was open (issue 16: the matcher set and
// cleared gone_at in place, so the closed year read today's state and counted it open).
func TestGoneAtIsRewound(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		at := func(s string) time.Time {
			tm, err := time.Parse(time.DateOnly, s)
			if err != nil {
				t.Fatal(err)
			}
			tm = tm.Add(9 * time.Hour)
			db.Now = func() time.Time { return tm }
			return tm
		}
		at("2024-03-01")
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		assets := sqlstore.NewAssetService(db)
		setFirmware := func(fw string) {
			t.Helper()
			a, err := assets.FindAssetByID(system, f.mx40old.ID)
			if err != nil {
				t.Fatal(err)
			}
			a.Firmware = fw
			if err := assets.UpdateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		wentAt := at("2024-09-01")
		setFirmware("B.06.18")
		at("2025-03-01")
		setFirmware("B.06.17")
		at("2026-06-01")
		now, _, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: f.mx40old.ID})
		if err != nil || len(now) == 0 {
			t.Fatalf("findings now: %v, %v", now, err)
		}
		for _, fd := range now {
			if !fd.GoneAt.IsZero() {
				t.Fatalf("finding %d is back now, yet gone since %v", fd.ID, fd.GoneAt)
			}
		}
		then := func(asOf string) map[int64]time.Time {
			t.Helper()
			tm, err := time.Parse(time.DateOnly, asOf)
			if err != nil {
				t.Fatal(err)
			}
			out := map[int64]time.Time{}
			err = f.svc.EachFinding(system, medsec.FindingFilter{AssetID: f.mx40old.ID, AsOf: tm}, func(fd *medsec.Finding) error {
				out[fd.ID] = fd.GoneAt
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		end2024 := then("2025-01-01")
		if len(end2024) != len(now) {
			t.Fatalf("at the end of 2024: %d findings, want %d", len(end2024), len(now))
		}
		for id, gone := range end2024 {
			if !gone.Equal(wentAt.UTC()) {
				t.Errorf("finding %d at the end of 2024: gone since %v, want %v (gone then, back only in 2025)", id, gone, wentAt.UTC())
			}
		}
		for id, gone := range then("2024-07-01") {
			if !gone.IsZero() {
				t.Errorf("finding %d in July 2024: gone since %v, want open (it went in September)", id, gone)
			}
		}
	})
}
