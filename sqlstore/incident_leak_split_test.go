package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestLeakReportsToBothAuthorities: a mainland-China patient-data leak owes a report to
// the local health commission and one to the cyberspace office, each within 24 h of the
// leak found (患者數據泄露事件需在24小時內向屬地衛健委和網信辦報告, 003 §5.3.3): each is its
// own clock with its own addressee, and a report to one authority does not meet the
// other's (was: one clock, met by a report to either). Both engines.
func TestLeakReportsToBothAuthorities(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		if err := f.svc.SetSiteJurisdiction(system, f.branch.ID, medsec.JurisdictionCN); err != nil {
			t.Fatal(err)
		}
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.branch.ID, Title: "病历外泄", Exposure: medsec.ExposureOrdinary,
			Scenario: medsec.ScenarioDataLeak})
		if err != nil {
			t.Fatal(err)
		}
		health, cyber := clockByKey(inc, "leak-report-health"), clockByKey(inc, "leak-report-cyberspace")
		if health == nil || cyber == nil {
			t.Fatalf("clocks %v", keysOf(inc))
		}
		for _, c := range []*medsec.Clock{health, cyber} {
			if !c.Due.Equal(inc.DetectedAt.Add(24*time.Hour)) || c.Basis != medsec.BasisExposure {
				t.Errorf("%s due %v (%s), want 24 h from the leak found at %v", c.Key, c.Due, c.Basis, inc.DetectedAt)
			}
		}
		n := medsec.IncidentNotification{Recipient: medsec.RecipientCyberspace, Channel: "phone", Language: "zh-CN", Content: "报告", ClockID: health.ID}
		if _, err := f.svc.RecordNotification(f.soc, inc.ID, inc.Version, n); fieldKey(err, "recipient") != "incident.err.recipient_mismatch" {
			t.Errorf("a report to the cyberspace office met the health commission's clock: %v", err)
		}
		n.ClockID = cyber.ID
		if inc, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, n); err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "leak-report-cyberspace"); c.State != medsec.ClockMet {
			t.Errorf("cyberspace clock after its report: %+v", c)
		}
		if c := clockByKey(inc, "leak-report-health"); c.State != medsec.ClockRunning {
			t.Errorf("health commission's clock after a report to the cyberspace office only: %+v", c)
		}
		n.Recipient, n.ClockID = medsec.RecipientAuthority, health.ID
		if inc, err = f.svc.RecordNotification(f.soc, inc.ID, inc.Version, n); err != nil {
			t.Fatal(err)
		}
		if c := clockByKey(inc, "leak-report-health"); c.State != medsec.ClockMet {
			t.Errorf("health commission's clock after its report: %+v", c)
		}
		// The ledger names when the leak was found, beside the detection.
		ledger, err := f.svc.Ledger(f.auditor, medsec.IncidentFilter{})
		if err != nil || len(ledger) != 1 || !ledger[0].ExposureFoundAt.Equal(inc.DetectedAt) || !ledger[0].OccurredAt.IsZero() {
			t.Errorf("ledger %+v %v: want the exposure found at %v", ledger, err, inc.DetectedAt)
		}
		// A day later, the patients not yet told: only their clock is late.
		*f.now = testNow.Add(25 * time.Hour)
		late, err := f.svc.LateClocks(system)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range late {
			if l.Clock.Key == "leak-report-health" || l.Clock.Key == "leak-report-cyberspace" {
				t.Errorf("met report notified late: %+v", l.Clock)
			}
		}
		// A leak at a site in Taiwan owes its health authority a report and no report to
		// 網信辦, a mainland authority (bt14 #5: every site got that duty).
		tw, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "病歷外洩", Exposure: medsec.ExposureOrdinary,
			Scenario: medsec.ScenarioDataLeak})
		if err != nil {
			t.Fatal(err)
		}
		if clockByKey(tw, "leak-report-health") == nil || clockByKey(tw, "leak-report-cyberspace") != nil {
			t.Errorf("Taiwan leak: clocks %v, want the health report and no cyberspace office's", keysOf(tw))
		}
	})
}

// TestLeakReportSplitMigration: migration 0093 turns each incident's one leak-report
// clock (met by a report to either authority) into the two duties: met by a notification
// to the health authority, the health commission's clock stays met and the cyberspace
// office's is owed (late when past due); met by one to the cyberspace office, that
// notification meets the new clock and the health commission's is owed; met by hand (the
// old duty named both), both are met. Start, due time and basis carry over. Both engines.
func TestLeakReportSplitMigration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		if err := f.svc.SetSiteJurisdiction(system, f.main.ID, medsec.JurisdictionCN); err != nil {
			t.Fatal(err)
		}
		taiwan, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.branch.ID, Title: "病歷外洩", Exposure: medsec.ExposureOrdinary,
			Scenario: medsec.ScenarioDataLeak})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ExecForTest(`UPDATE incident_clocks SET key = 'leak-report-authority', source = '003 §5.3.3' WHERE id = ?`,
			clockByKey(taiwan, "leak-report-health").ID); err != nil {
			t.Fatal(err)
		}
		open := func(title string) *medsec.Incident {
			inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: title, Exposure: medsec.ExposureOrdinary,
				Scenario: medsec.ScenarioDataLeak})
			if err != nil {
				t.Fatal(err)
			}
			return inc
		}
		byAuthority, byCyber, byHand, unmet := open("報衛健委"), open("報網信辦"), open("人工"), open("未報")
		// The rows the old version left: one clock leak-report-authority, met as recorded.
		for _, inc := range []*medsec.Incident{byAuthority, byCyber, byHand, unmet} {
			cyber := clockByKey(inc, "leak-report-cyberspace")
			if err := db.ExecForTest(`DELETE FROM incident_clocks WHERE id = ?`, cyber.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.ExecForTest(`UPDATE incident_clocks SET key = 'leak-report-authority', source = '003 §5.3.3' WHERE id = ?`,
				clockByKey(inc, "leak-report-health").ID); err != nil {
				t.Fatal(err)
			}
		}
		metAt := testNow.Add(time.Hour)
		notify := func(inc *medsec.Incident, r medsec.Recipient) {
			old := clockByKey(inc, "leak-report-health").ID
			msg := `{"key":"incident.met.notification","args":[{"key":"recipient.` + string(r) + `"},{"key":"channel.phone"}]}`
			if err := db.ExecForTest(`UPDATE incident_clocks SET met_at = ?, met_by = 'soc.wang', met_msg = ? WHERE id = ?`, metAt, msg, old); err != nil {
				t.Fatal(err)
			}
			if err := db.ExecForTest(`INSERT INTO incident_notifications (incident_id, recipient, name, channel, sent_at, language, content, sent_by, clock_id)
				VALUES (?, ?, '', 'phone', ?, 'zh-TW', '報告', 'soc.wang', ?)`, inc.ID, string(r), metAt, old); err != nil {
				t.Fatal(err)
			}
		}
		notify(byAuthority, medsec.RecipientAuthority)
		notify(byCyber, medsec.RecipientCyberspace)
		if err := db.ExecForTest(`UPDATE incident_clocks SET met_at = ?, met_by = 'ciso', met_note = '兩處皆已電話報告' WHERE id = ?`,
			metAt, clockByKey(byHand, "leak-report-health").ID); err != nil {
			t.Fatal(err)
		}
		if err := db.RerunMigrationForTest("0093_leak_report_split.sql"); err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(25 * time.Hour)
		get := func(inc *medsec.Incident) (health, cyber *medsec.Clock, full *medsec.Incident) {
			full, err := f.svc.FindIncidentByID(f.ciso, inc.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range full.Clocks {
				if c.Key == "leak-report-authority" {
					t.Errorf("%s: the old clock is left: %+v", inc.Title, c)
				}
			}
			health, cyber = clockByKey(full, "leak-report-health"), clockByKey(full, "leak-report-cyberspace")
			if health == nil || cyber == nil {
				t.Fatalf("%s: clocks %v", inc.Title, keysOf(full))
			}
			want := clockByKey(inc, "leak-report-health")
			for _, c := range []*medsec.Clock{health, cyber} {
				if !c.Start.Equal(want.Start) || !c.Due.Equal(want.Due) || c.Basis != want.Basis {
					t.Errorf("%s %s: %v → %v (%s), want %v → %v (%s)", inc.Title, c.Key, c.Start, c.Due, c.Basis, want.Start, want.Due, want.Basis)
				}
			}
			return health, cyber, full
		}
		state := func(inc *medsec.Incident, wantHealth, wantCyber medsec.ClockState) (*medsec.Clock, *medsec.Clock, *medsec.Incident) {
			h, c, full := get(inc)
			if h.State != wantHealth || c.State != wantCyber {
				t.Errorf("%s: health %s, cyberspace %s; want %s, %s", inc.Title, h.State, c.State, wantHealth, wantCyber)
			}
			return h, c, full
		}
		state(byAuthority, medsec.ClockMet, medsec.ClockLate)
		h, c, full := state(byCyber, medsec.ClockLate, medsec.ClockMet)
		if h.MetMsg != nil || h.MetBy != "" {
			t.Errorf("health clock keeps the cyberspace report's meeting: %+v", h)
		}
		if c.MetMsg == nil || c.MetBy != "soc.wang" || !c.MetAt.Equal(metAt) {
			t.Errorf("cyberspace clock's meeting: %+v", c)
		}
		if len(full.Notifications) != 1 || full.Notifications[0].ClockID != c.ID {
			t.Errorf("the report to the cyberspace office meets clock %+v, want %d", full.Notifications, c.ID)
		}
		_, c, _ = state(byHand, medsec.ClockMet, medsec.ClockMet)
		if c.MetBy != "ciso" || c.MetNote == "" {
			t.Errorf("hand-met copy: %+v", c)
		}
		state(unmet, medsec.ClockLate, medsec.ClockLate)
		// A leak at a site in Taiwan owes no report to 網信辦, a mainland authority.
		tw, err := f.svc.FindIncidentByID(f.ciso, taiwan.ID)
		if err != nil {
			t.Fatal(err)
		}
		if clockByKey(tw, "leak-report-health") == nil || clockByKey(tw, "leak-report-cyberspace") != nil {
			t.Errorf("Taiwan leak after the migration: clocks %v, want the health report and no cyberspace office's", keysOf(tw))
		}
		// The migrated duties are met by a report to their own authority only.
		h, _, full = get(byCyber)
		n := medsec.IncidentNotification{Recipient: medsec.RecipientCyberspace, Channel: "phone", Language: "zh-TW", Content: "報告", ClockID: h.ID}
		if _, err := f.svc.RecordNotification(f.soc, full.ID, full.Version, n); fieldKey(err, "recipient") != "incident.err.recipient_mismatch" {
			t.Errorf("migrated health clock met by the cyberspace office: %v", err)
		}
	})
}

func keysOf(inc *medsec.Incident) []string {
	var out []string
	for _, c := range inc.Clocks {
		out = append(out, c.Key)
	}
	return out
}
