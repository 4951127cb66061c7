package sqlstore_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// leadingGroup is the declaration the tests close incidents with: the director of the
// leading group declares the end of the response now (003 §4.4.4).
var leadingGroup = medsec.EndDeclaration{DeclaredBy: "江文雄"}

// fieldErr returns the problem err names for field, nil for none.
func fieldErr(err error, field string) *medsec.FieldError {
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	for i := range ve.Errors {
		if ve.Errors[i].Field == field {
			return &ve.Errors[i]
		}
	}
	return nil
}

// TestIncidentEndDeclaredByLeadingGroup: 當滿足終止條件時，由領導小組宣布應急響應結束 (003
// §4.4.4). Closing an incident is refused without the member of the leading group who
// declared the end (naming declared_by), with a declaration time in the future or before
// the detection (naming declared_at); a close records who and when, the timeline says
// "declared by X (leading group) at T" in the site's zone and the ledger carries both.
// A drill records its declaration too. Both engines.
func TestIncidentEndDeclaredByLeadingGroup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		var declared []time.Time
		for _, drill := range []bool{false, true} {
			inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "HIS 勒索", Drill: drill,
				Scenario: medsec.ScenarioRansomware, DetectedAt: f.now.Add(-2 * time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			inc = readyToClose(t, f, inc)
			*f.now = f.now.Add(time.Hour) // the end is declared after the conditions were met (bt14f H2)
			if _, err := f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: "  "}); code(err) != medsec.EINVALID || fieldErr(err, "declared_by") == nil ||
				fieldErr(err, "declared_by").Key != "incident.err.declared_by_required" {
				t.Fatalf("drill %v: close without declared_by: %v", drill, err)
			}
			if _, err := f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: "江文雄", DeclaredAt: f.now.Add(time.Hour)}); fieldErr(err, "declared_at") == nil ||
				fieldErr(err, "declared_at").Key != "incident.err.time_future" {
				t.Fatalf("declared in the future: %v", err)
			}
			if _, err := f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: "江文雄", DeclaredAt: f.now.Add(-4 * time.Hour)}); fieldErr(err, "declared_at") == nil ||
				fieldErr(err, "declared_at").Key != "incident.err.declared_before_detected" {
				t.Fatalf("declared before detection: %v", err)
			}
			if got, _ := f.svc.FindIncidentByID(f.ciso, inc.ID); got.Status != medsec.IncidentOpen {
				t.Fatalf("a refused close closed: %+v", got.Status)
			}
			at := f.now.Add(-30 * time.Minute)
			declared = append(declared, at)
			if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, medsec.EndDeclaration{DeclaredBy: " 江文雄 ", DeclaredAt: at}); err != nil {
				t.Fatal(err)
			}
			if inc.Status != medsec.IncidentClosed || inc.EndDeclaredBy != "江文雄" || !inc.EndDeclaredAt.Equal(at) || !inc.ClosedAt.Equal(*f.now) {
				t.Errorf("drill %v: closed %q %v %v", drill, inc.EndDeclaredBy, inc.EndDeclaredAt, inc.ClosedAt)
			}
			last := inc.Timeline[len(inc.Timeline)-1]
			if last.Kind != "closed" || last.Msg == nil || last.Msg.Key != "incident.tl.closed_declared" || len(last.Msg.Args) != 2 ||
				last.Msg.Args[0].Text != "江文雄" || last.Msg.Args[1].Text != medsec.ZonedTime(at, inc.TimeZone) {
				t.Errorf("drill %v: timeline %+v %+v", drill, last, last.Msg)
			}
		}
		// The declaration time defaults to now.
		inc, err := f.svc.CreateIncident(f.ciso, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "PACS", Scenario: medsec.ScenarioRansomware})
		if err != nil {
			t.Fatal(err)
		}
		inc = readyToClose(t, f, inc)
		*f.now = f.now.Add(time.Minute)
		if inc, err = f.svc.CloseIncident(f.ciso, inc.ID, inc.Version, leadingGroup); err != nil {
			t.Fatal(err)
		}
		if inc.EndDeclaredBy != "江文雄" || !inc.EndDeclaredAt.Equal(*f.now) {
			t.Errorf("declared %q at %v, want now %v", inc.EndDeclaredBy, inc.EndDeclaredAt, *f.now)
		}
		ledger, err := f.svc.Ledger(f.auditor, medsec.IncidentFilter{})
		if err != nil || len(ledger) != 3 {
			t.Fatalf("ledger %v %v", ledger, err)
		}
		for _, l := range ledger[:2] {
			if l.EndDeclaredBy != "江文雄" || !slices.ContainsFunc(declared, l.EndDeclaredAt.Equal) {
				t.Errorf("ledger row %d: %q %v", l.IncidentID, l.EndDeclaredBy, l.EndDeclaredAt)
			}
		}
	})
}
