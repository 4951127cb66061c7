package sqlstore_test

import (
	"errors"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestIncidentJoinChosen: a person joins an alert to an open incident they pick, which
// medsec would not have matched (another rule, no shared asset): the alert is linked, the
// incident's timeline says so, the change is audited as chosen. An incident of another
// site, a closed one, or one out of the caller's scope is refused, as is asking for a
// new incident at the same time.
func TestIncidentJoinChosen(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		target, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "可疑登入", Level: 4})
		if err != nil {
			t.Fatal(err)
		}
		a := insertAlert(t, db, 41, "Brute force on VPN", "high", f.main.ID, 0)
		got, joined, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a, IncidentID: target.ID})
		if err != nil || !joined || got.ID != target.ID || len(got.AlertIDs) != 1 || got.AlertIDs[0] != a || got.Version != target.Version+1 {
			t.Fatalf("join chosen: joined %v %+v %v", joined, got, err)
		}
		last := got.Timeline[len(got.Timeline)-1]
		if last.Kind != "alert" || last.Username != "soc.wang" || last.Msg == nil || last.Msg.Key != "incident.tl.alert_joined" {
			t.Errorf("timeline: %+v", last)
		}
		if auditCount(t, db, "incident.alert") != 1 {
			t.Errorf("audit rows: %d", auditCount(t, db, "incident.alert"))
		}
		// Asked again, it answers the incident without a second link.
		if again, joined, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a, IncidentID: target.ID}); err != nil || !joined || len(again.AlertIDs) != 1 {
			t.Errorf("again: %v %+v %v", joined, again, err)
		}
		// It answers one incident: another open incident cannot take it too (t14
		// break-test 3), and a drill takes no real alert.
		other, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "另一事件", Level: 4})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: a, IncidentID: other.ID}); fieldKey(err, "incident_id") != "incident.err.join_linked" {
			t.Errorf("a second incident for the alert: %v", err)
		}
		drill, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "年度演練", Level: 4, Drill: true})
		if err != nil {
			t.Fatal(err)
		}

		b := insertAlert(t, db, 42, "Port scan", "medium", f.main.ID, 0)
		if _, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: b, IncidentID: drill.ID}); fieldKey(err, "incident_id") != "incident.err.join_drill" {
			t.Errorf("a real alert into a drill: %v", err)
		}
		branchInc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.branch.ID, Title: "分院事件", Level: 4})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: b, IncidentID: branchInc.ID}); !hasField(err, "incident_id") {
			t.Errorf("other site: %v", err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: b, IncidentID: target.ID, New: true}); !hasField(err, "new") {
			t.Errorf("new and chosen: %v", err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: b, IncidentID: 99999}); code(err) != medsec.ENOTFOUND {
			t.Errorf("missing incident: %v", err)
		}
		// A branch user cannot reach the main site's incident through a branch alert.
		c := insertAlert(t, db, 43, "Port scan", "medium", f.branch.ID, 0)
		if _, _, err := f.svc.OpenFromAlert(f.branchOnly, &medsec.IncidentFromAlert{AlertID: c, IncidentID: target.ID}); code(err) != medsec.ENOTFOUND {
			t.Errorf("out of scope: %v", err)
		}
		if err := db.ExecRaw(t.Context(), `UPDATE incidents SET status = 'closed' WHERE id = ?`, target.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.OpenFromAlert(f.soc, &medsec.IncidentFromAlert{AlertID: b, IncidentID: target.ID}); !hasField(err, "incident_id") {
			t.Errorf("closed: %v", err)
		}
		if auditCount(t, db, "incident.alert") != 1 {
			t.Errorf("refusals audited as joins: %d", auditCount(t, db, "incident.alert"))
		}
	})
}

// TestIncidentPage: FindIncidents returns the page Offset and Limit ask for, newest first,
// and CountIncidents every incident of the filter the caller sees. Both engines.
func TestIncidentPage(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		var ids []int64
		for _, site := range []int64{f.main.ID, f.main.ID, f.main.ID, f.branch.ID} {
			inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: site, Title: "x", Level: 4})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, inc.ID)
		}
		got, err := f.svc.FindIncidents(f.soc, medsec.IncidentFilter{SiteID: f.main.ID, Offset: 1, Limit: 1})
		if err != nil || len(got) != 1 || got[0].ID != ids[1] {
			t.Fatalf("page: %v %v", got, err)
		}
		if n, err := f.svc.CountIncidents(f.soc, medsec.IncidentFilter{SiteID: f.main.ID, Offset: 1, Limit: 1}); err != nil || n != 3 {
			t.Errorf("count: %d %v", n, err)
		}
		if n, err := f.svc.CountIncidents(f.branchOnly, medsec.IncidentFilter{}); err != nil || n != 1 {
			t.Errorf("branch user's count: %d %v", n, err)
		}
		if _, err := f.svc.FindIncidents(f.soc, medsec.IncidentFilter{Limit: 1001}); !hasField(err, "limit") {
			t.Errorf("limit 1001: %v", err)
		}
	})
}

// fieldKey is the message key of err's problem with field ("" for none).
func fieldKey(err error, field string) string {
	var v *medsec.ValidationError
	if errors.As(err, &v) {
		for _, e := range v.Errors {
			if e.Field == field {
				return e.Key
			}
		}
	}
	return ""
}
