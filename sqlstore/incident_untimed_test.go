package sqlstore_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/incident"
	"medsec/sqlstore"
)

// TestLedgerHoldsUntimedTasks: a scenario template's tasks that have no clock (ransomware:
// block the sources, check the backups are clean, restore from backup) are in the ledger
// row of a drill, each done (when, by whom) or not done, in the JSON row, the CSV and the
// XLSX; a task with a clock is not repeated there (the clocks' counts hold it). Was: the
// ledger counted clocks only, so a drill closed early did not say which of those steps
// the team left undone (bt M5, first half). Both engines.
func TestLedgerHoldsUntimedTasks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "演練：勒索軟體", Drill: true,
			Scenario: medsec.ScenarioRansomware, Level: 2, LevelReason: "演練情境"})
		if err != nil {
			t.Fatal(err)
		}
		var block int64
		for _, k := range inc.Tasks {
			if k.Key == "block-sources" {
				block = k.ID
			}
		}
		*f.now = testNow.Add(3 * time.Minute)
		if inc, err = f.svc.CompleteTask(f.ciso, inc.ID, inc.Version, block, "防火牆已封鎖"); err != nil {
			t.Fatal(err)
		}
		ledger, err := f.svc.Ledger(f.auditor, medsec.IncidentFilter{Drill: "yes"})
		if err != nil || len(ledger) != 1 {
			t.Fatalf("ledger %v %v", ledger, err)
		}
		l := ledger[0]
		got := map[string]medsec.LedgerTask{}
		for _, k := range l.Tasks {
			got[k.Key] = k
		}
		if k := got["block-sources"]; !k.Done || !k.DoneAt.Equal(testNow.Add(3*time.Minute)) || k.DoneBy != "ciso" {
			t.Errorf("block-sources in the ledger: %+v, want done at +3m by ciso", k)
		}
		for _, key := range []string{"check-backups-clean", "restore-backup"} {
			if k, ok := got[key]; !ok || k.Done {
				t.Errorf("%s in the ledger: %+v (present %v), want not done", key, k, ok)
			}
		}
		for _, key := range []string{"isolate-infected", "patch-high", "patch-medium"} {
			if _, ok := got[key]; ok {
				t.Errorf("%s has a clock and is counted there, but is listed among the untimed tasks", key)
			}
		}
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
			tr := func(k string) string { return bundle.T(lang, k) }
			var csv bytes.Buffer
			if err := incident.WriteLedger(&csv, incident.LedgerCSV, ledger, tr); err != nil {
				t.Fatal(err)
			}
			out := csv.String()
			for _, want := range []string{tr("incident.ledger.tasks_untimed"), tr("incident.task.block-sources"), tr("incident.task.check-backups-clean"),
				strings.Replace(tr("incident.ledger.task_open"), "%s", tr("incident.task.restore-backup"), 1)} {
				if !strings.Contains(out, want) {
					t.Errorf("%s CSV lacks %q:\n%s", lang, want, out)
				}
			}
			var xlsx bytes.Buffer
			if err := incident.WriteLedger(&xlsx, incident.LedgerXLSX, ledger, tr); err != nil || xlsx.Len() == 0 {
				t.Errorf("XLSX: %v", err)
			}
		}
	})
}
