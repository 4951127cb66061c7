package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestLevelConfirmationClearsTheHint: confirming the current level against medsec's
// suggestion is recorded on the incident — who, when, against which suggestion — so the
// incident no longer asks for a confirmation (LevelToConfirm) and the scheduler no longer
// tells the responders of that suggestion; a later, more serious suggestion asks again.
// Was: the confirmation was only on the timeline and the "level to confirm" hint stayed.
// Both engines.
func TestLevelConfirmationClearsTheHint(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		// A key-department outage (level 2 after 2 h) confirmed at 3, 150 minutes in.
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "檢驗系統中斷", Outage: medsec.OutageDepartment,
			DetectedAt: f.now.Add(-150 * time.Minute), Level: 3, LevelReason: "僅檢驗模組"})
		if err != nil {
			t.Fatal(err)
		}
		if !inc.LevelToConfirm() || inc.LevelConfirmedBy != "" {
			t.Fatalf("opened at 3, suggested %d: to confirm %v, confirmed by %q", inc.SuggestedLevel, inc.LevelToConfirm(), inc.LevelConfirmedBy)
		}
		suggested := inc.SuggestedLevel
		*f.now = f.now.Add(time.Minute)
		if inc, err = f.svc.ChangeLevel(f.ciso, inc.ID, inc.Version, 3, "只影響檢驗模組"); err != nil {
			t.Fatal(err)
		}
		if inc.LevelToConfirm() || inc.LevelConfirmedBy != "ciso" || !inc.LevelConfirmedAt.Equal(*f.now) || inc.LevelConfirmedAgainst != suggested {
			t.Errorf("confirmed: to confirm %v, by %q at %v against %d (want ciso at %v against %d)", inc.LevelToConfirm(), inc.LevelConfirmedBy,
				inc.LevelConfirmedAt, inc.LevelConfirmedAgainst, *f.now, suggested)
		}
		if inc, err = f.svc.FindIncidentByID(f.auditor, inc.ID); err != nil || inc.LevelToConfirm() || inc.LevelConfirmedBy != "ciso" {
			t.Errorf("read again: %v, to confirm %v, by %q", err, inc.LevelToConfirm(), inc.LevelConfirmedBy)
		}
		if rising, err := f.svc.LevelSuggestions(system); err != nil || len(rising) != 0 {
			t.Errorf("a level confirmed against its suggestion is still told: %d %v", len(rising), err)
		}
		// A more serious suggestion later (patient data exposed at large scale) asks again.
		if inc, err = f.svc.RecordExposure(f.soc, inc.ID, inc.Version, medsec.ExposureFinding{Exposure: medsec.ExposureLargeScale, Note: "病歷外洩"}); err != nil {
			t.Fatal(err)
		}
		if inc.SuggestedLevel == suggested || !inc.LevelToConfirm() {
			t.Errorf("a new suggestion %d (confirmed against %d): to confirm %v", inc.SuggestedLevel, suggested, inc.LevelToConfirm())
		}
	})
}
