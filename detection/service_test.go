package detection_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/demo"
	"medsec/detection"
	"medsec/eventbus"
	"medsec/i18n"
	"medsec/internal/pgtest"
	"medsec/logs"
	"medsec/logstore"
	"medsec/notify"
	"medsec/sqlstore"
)

var system = medsec.NewContextWithUser(context.Background(), medsec.SystemUser)

// openDB opens an empty store on the engine (PostgreSQL in a fresh schema of
// MEDSEC_TEST_POSTGRES_DSN), with a fixed clock.
func openDB(t *testing.T, engine string, now time.Time) *sqlstore.DB {
	t.Helper()
	db, _ := openDBAt(t, engine, now)
	return db
}

// openDBAt is openDB, returning the DSN too (a file for SQLite, with search_path for
// PostgreSQL), for tests that reach the database beside the store.
func openDBAt(t *testing.T, engine string, now time.Time) (*sqlstore.DB, string) {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "medsec.db")
	if engine == "postgres" {
		dsn = pgtest.DSN(t)
	}
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.Now = func() time.Time { return now }
	t.Cleanup(func() { db.Close() })
	return db, dsn
}

func forEachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) { fn(t, e) })
	}
}

// notes records notifications (the notification service's own tests cover delivery).
type notes struct {
	mu  sync.Mutex
	got []medsec.Notification
}

func (n *notes) Notify(_ context.Context, x medsec.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, x)
	return nil
}

type fixture struct {
	db     *sqlstore.DB
	dsn    string
	bus    *eventbus.Memory
	svc    *detection.Service
	store  *sqlstore.DetectionService
	notes  *notes
	site   *medsec.Site
	ot, it *medsec.Zone
	ct     *medsec.Asset
}

func newFixture(t *testing.T, engine string, now time.Time) *fixture {
	t.Helper()
	f := &fixture{bus: eventbus.New(0, nil), notes: &notes{}}
	f.db, f.dsn = openDBAt(t, engine, now)
	f.db.Events = f.bus
	f.store = sqlstore.NewDetectionService(f.db)
	f.svc = detection.New(detection.Stores{Rules: f.store, Alerts: f.store, Suppressions: f.store, Events: sqlstore.NewEventService(f.db), Notifier: f.notes}, nil)
	if err := f.svc.InstallBuiltins(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Start(f.bus); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.svc.Stop() })
	org := sqlstore.NewOrgService(f.db)
	f.site = &medsec.Site{Code: "HQ", Name: "示範醫學中心"}
	if err := org.CreateSite(system, f.site); err != nil {
		t.Fatal(err)
	}
	zones := sqlstore.NewZoneService(f.db)
	f.it = &medsec.Zone{SiteID: f.site.ID, Name: "院內系統網路", Kind: medsec.ZoneIntranet, Ranges: []string{"10.1.10.0/24"}}
	f.ot = &medsec.Zone{SiteID: f.site.ID, Name: "醫療設備網路", Kind: medsec.ZoneOT, Ranges: []string{"10.1.40.0/24"}}
	for _, z := range []*medsec.Zone{f.it, f.ot} {
		if err := zones.CreateZone(system, z); err != nil {
			t.Fatal(err)
		}
	}
	f.ct = &medsec.Asset{SiteID: f.site.ID, Name: "CT-01", Kind: medsec.KindModality, IPs: []string{"10.1.40.7"}}
	if err := sqlstore.NewAssetService(f.db).CreateAsset(system, f.ct); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) alerts(t *testing.T) []*medsec.Alert {
	t.Helper()
	if err := f.bus.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	as, _, err := f.store.FindAlerts(system, medsec.AlertFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return as
}

func TestFailedLoginBurstRaisesOneAlert(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
		users := sqlstore.NewUserService(f.db)
		if _, err := users.EnsureAdmin(system, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		from := medsec.NewContextWithRemoteAddr(system, "10.9.9.9")
		for range 9 {
			users.Authenticate(from, "admin", "wrong", "")
		}
		if got := f.alerts(t); len(got) != 0 {
			t.Fatalf("nine failures raised %v", got)
		}
		users.Authenticate(from, "admin", "wrong", "")
		// Correlation input waits Lateness for late events; the heartbeat releases it.
		if err := f.bus.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Advance(context.Background(), time.Date(2026, 11, 30, 2, 1, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
		got := f.alerts(t)
		if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 10 || got[0].Level != "high" || got[0].SiteID != 0 {
			t.Fatalf("alerts: %+v", got)
		}
		a, err := f.store.FindAlertByID(system, got[0].ID)
		if err != nil || len(a.Events) != 10 || a.Events[0].Ref.Type != medsec.EventRefAudit || a.Events[0].Fields["user.name"] != "admin" {
			t.Fatalf("alert events: %+v, %v", a, err)
		}
		if len(a.Tags) != 2 || a.Tags[1] != "attack.t1110" {
			t.Errorf("tags: %v", a.Tags)
		}
		if len(f.notes.got) != 1 || f.notes.got[0].Kind != medsec.KindAlertRaised || f.notes.got[0].Severity != medsec.SeverityWarning {
			t.Fatalf("notifications: %+v", f.notes.got)
		}
		// Each recipient reads the built-in rule's title in their language.
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
			title := bundle.T(lang, "builtin_rule.5b844acf-d201-4466-bfdb-ceec6a5e48e0.title")
			m := notify.Render(bundle, &f.notes.got[0], lang, "")
			if title == "" || !strings.Contains(m.Subject, title) || !strings.Contains(m.Body, title) || !strings.Contains(m.Subject, bundle.T(lang, "alert.level.high")) {
				t.Errorf("%s: notification %q / %q lacks %q", lang, m.Subject, m.Body, title)
			}
			// The alert is of no site: the notice says the whole organisation, not "at ."
			// (bt13g LOW).
			if org := bundle.T(lang, "notify.org_wide"); org == "" || org == "notify.org_wide" || !strings.Contains(m.Body, org) {
				t.Errorf("%s: notification of an organisation alert %q does not say %q", lang, m.Body, org)
			}
		}
		rules, _ := f.store.FindRules(system, medsec.RuleFilter{Query: "failed"})
		hits := map[string]int64{}
		for _, r := range rules {
			hits[r.Title] = r.Hits
		}
		if hits["Failed login"] != 10 || hits["Many failed logins in a short time"] != 1 {
			t.Errorf("hits: %v", hits)
		}
	})
}

func TestNetworkRulesRaiseAlertsWithAssetAndZone(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
		zones := sqlstore.NewZoneService(f.db)
		flows := "src,dst,proto,port,app\n10.1.40.7,10.1.10.11,tcp,3389,\n10.1.40.7,10.1.10.11,tcp,3389,\n"
		if _, err := zones.ImportFlowsCSV(system, f.site.ID, strings.NewReader(flows), "flows.csv"); err != nil {
			t.Fatal(err)
		}
		got := f.alerts(t)
		if len(got) != 1 || got[0].Title != "Cross-zone flow outside any conduit" || got[0].AssetID != f.ct.ID || got[0].ZoneID != f.ot.ID || got[0].ZoneName != f.ot.Name || got[0].SiteID != f.site.ID {
			t.Fatalf("alerts: %+v", got)
		}
		// Disabled at the site, the rule raises nothing more; the open alert stays.
		if err := f.store.SetRuleEnabled(system, got[0].RuleID, f.site.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := zones.ImportFlowsCSV(system, f.site.ID, strings.NewReader("src,dst,proto,port,app\n10.1.40.8,10.1.10.11,tcp,22,\n"), "more.csv"); err != nil {
			t.Fatal(err)
		}
		if got := f.alerts(t); len(got) != 1 {
			t.Errorf("disabled rule raised: %+v", got)
		}
	})
}

func TestTriageScopeAndAudit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
		zones := sqlstore.NewZoneService(f.db)
		if _, err := zones.ImportFlowsCSV(system, f.site.ID, strings.NewReader("src,dst,proto,port,app\n10.1.40.7,10.1.10.11,tcp,3389,\n"), "flows.csv"); err != nil {
			t.Fatal(err)
		}
		alerts := f.alerts(t)
		if len(alerts) != 1 {
			t.Fatalf("alerts: %v", alerts)
		}
		org := sqlstore.NewOrgService(f.db)
		branch := &medsec.Site{Code: "BR", Name: "分院"}
		if err := org.CreateSite(system, branch); err != nil {
			t.Fatal(err)
		}
		users := sqlstore.NewUserService(f.db)
		aurora := &medsec.Vendor{Name: "Aurora"}
		if err := org.CreateVendor(system, aurora); err != nil {
			t.Fatal(err)
		}
		soc := &medsec.User{Username: "soc", Role: medsec.RoleSOCAnalyst}
		other := &medsec.User{Username: "branch", Role: medsec.RoleITOperations, SiteIDs: []int64{branch.ID}}
		vendor := &medsec.User{Username: "vendor", Role: medsec.RoleVendor, VendorID: aurora.ID}
		auditor := &medsec.User{Username: "aud", Role: medsec.RoleAuditor}
		for _, u := range []*medsec.User{soc, other, vendor, auditor} {
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		as := func(u *medsec.User) context.Context { return medsec.NewContextWithUser(context.Background(), u) }
		id := alerts[0].ID
		if _, err := f.store.FindAlertByID(as(other), id); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reads the alert: %v", err)
		}
		if list, _, _ := f.store.FindAlerts(as(vendor), medsec.AlertFilter{}); len(list) != 0 {
			t.Errorf("vendor without the asset sees %v", list)
		}
		st := medsec.AlertInvestigating
		v1 := alerts[0].Version
		if _, err := f.store.UpdateAlert(as(auditor), id, medsec.AlertUpdate{Version: &v1, Status: &st}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor triages: %v", err)
		}
		bad := medsec.AlertStatus("solved")
		if _, err := f.store.UpdateAlert(as(soc), id, medsec.AlertUpdate{Version: &v1, Status: &bad}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("unknown state: %v", err)
		}
		if _, err := f.store.UpdateAlert(as(soc), id, medsec.AlertUpdate{Version: &v1, AssigneeID: &other.ID}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("assignee outside the site: %v", err)
		}
		if _, err := f.store.UpdateAlert(as(soc), id, medsec.AlertUpdate{Status: &st}); medsec.ErrorCode(err) != medsec.EINVALID || !strings.Contains(err.Error(), "version") {
			t.Errorf("change without a version: %v", err)
		}
		note := "RDP from the CT: vendor session outside any plan"
		a, err := f.store.UpdateAlert(as(soc), id, medsec.AlertUpdate{Version: &v1, Status: &st, AssigneeID: &soc.ID, Note: &note})
		if err != nil || a.Status != st || a.AssigneeName != "soc" || a.Note != note || a.Version != v1+1 {
			t.Fatalf("triage: %+v, %v", a, err)
		}
		// A second analyst working from the same page (version v1) is refused, not applied.
		closed := medsec.AlertTruePositive
		if _, err := f.store.UpdateAlert(as(soc), id, medsec.AlertUpdate{Version: &v1, Status: &closed}); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("stale version: %v, want conflict", err)
		}
		v2 := a.Version
		if a, err = f.store.UpdateAlert(as(soc), id, medsec.AlertUpdate{Version: &v2, Status: &closed}); err != nil || a.ClosedAt.IsZero() {
			t.Fatalf("close: %+v, %v", a, err)
		}
		entries, _, err := sqlstore.NewAuditService(f.db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "alert", ObjectID: id})
		if err != nil || len(entries) != 3 || entries[0].Action != "alert.update" || entries[2].Action != "alert.raise" {
			t.Errorf("audit: %+v, %v", entries, err)
		}
		// A closed alert does not absorb a new occurrence: the same flow again opens another.
		if _, err := zones.ImportFlowsCSV(system, f.site.ID, strings.NewReader("src,dst,proto,port,app\n10.1.40.7,10.1.10.11,tcp,3389,\n"), "again.csv"); err != nil {
			t.Fatal(err)
		}
		if got := f.alerts(t); len(got) != 2 {
			t.Errorf("after closing: %d alerts, want 2", len(got))
		}
	})
}

func TestHuntOverStoredEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		now := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, now)
		f.svc.Stop() // events are stored, not evaluated live
		users := sqlstore.NewUserService(f.db)
		users.EnsureAdmin(system, "a long enough password")
		from := medsec.NewContextWithRemoteAddr(system, "10.9.9.9")
		for range 3 {
			users.Authenticate(from, "admin", "wrong", "")
		}
		rule := "title: Any failed login of admin\nid: 33333333-3333-4333-8333-333333333333\nlogsource: {product: medsec, service: auth}\n" +
			"detection:\n  sel:\n    event.outcome: failure\n    user.name: admin\n  condition: sel\nlevel: low\n"
		res, err := f.svc.Hunt(system, medsec.HuntRequest{YAML: rule, Since: now.Add(-time.Hour), Until: now.Add(time.Hour)})
		if err != nil || res.Events != 3 || res.Hits != 3 || len(res.List) != 3 || res.Raised != 0 {
			t.Fatalf("test: %+v, %v", res, err)
		}
		if res, err = f.svc.Hunt(system, medsec.HuntRequest{YAML: rule, Since: now.Add(time.Hour), Until: now.Add(2 * time.Hour)}); err != nil || res.Hits != 0 {
			t.Errorf("empty range: %+v, %v", res, err)
		}
		if _, err := f.svc.Hunt(system, medsec.HuntRequest{YAML: "title: x\nid: y\ndetection: {condition: nothing}\n", Since: now.Add(-time.Hour), Until: now}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("bad rule: %v", err)
		}
		// A retro-hunt with the enabled rules: three failures are below the burst threshold.
		res, err = f.svc.Hunt(system, medsec.HuntRequest{Since: now.Add(-time.Hour), Until: now.Add(time.Hour), Raise: true})
		if err != nil || res.Hits != 0 {
			t.Errorf("retro-hunt: %+v, %v", res, err)
		}
	})
}

// TestBuiltinRulesFire feeds each built-in rule the events it is for, as log records
// (ECS fields) would bring them, and events just outside it.
func TestBuiltinRulesFire(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
	// 2026-11-30 is a Monday; Taipei is UTC+8.
	at := func(h, m int) time.Time { return time.Date(2026, 11, 30, h-8, m, 0, 0, time.UTC) }
	n := 0
	ev := func(t time.Time, kv ...any) medsec.Event {
		n++
		e := medsec.Event{ID: fmt.Sprintf("log:%d", n), Time: t, SiteID: f.site.ID, Ref: medsec.EventRef{Type: medsec.EventRefLog, ID: int64(n)}}
		for i := 0; i < len(kv); i += 2 {
			e.Set(kv[i].(string), kv[i+1])
		}
		return e
	}
	cases := []struct {
		title string
		fire  []medsec.Event
		quiet []medsec.Event
	}{
		{"Data export outside working hours",
			[]medsec.Event{ev(at(22, 15), "event.action", "patient-export", "user.name", "dr.x")},
			[]medsec.Event{ev(at(10, 0), "event.action", "patient-export", "user.name", "dr.y")}},
		{"PACS storage growing abnormally",
			[]medsec.Event{ev(at(9, 0), "host.name", "pacs-01", "system.filesystem.used.bytes", int64(1000)), ev(at(12, 0), "host.name", "pacs-01", "system.filesystem.used.bytes", int64(1250))},
			[]medsec.Event{ev(at(9, 0), "host.name", "pacs-02", "system.filesystem.used.bytes", int64(1000)), ev(at(12, 0), "host.name", "pacs-02", "system.filesystem.used.bytes", int64(1150))}},
		{"Emergency account used",
			[]medsec.Event{ev(at(3, 0), "event.category", "authentication", "event.outcome", "success", "user.name", "breakglass")},
			[]medsec.Event{ev(at(3, 0), "event.category", "authentication", "event.outcome", "failure", "user.name", "breakglass")}},
		{"Remote maintenance outside the approved window",
			[]medsec.Event{ev(at(20, 0), "event.category", "authentication", "event.outcome", "success", "source.ip", "198.51.100.7", "user.name", "vendor1")},
			[]medsec.Event{ev(at(10, 0), "event.category", "authentication", "event.outcome", "success", "source.ip", "198.51.100.8", "user.name", "vendor2")}},
		{"New device on a device network",
			[]medsec.Event{ev(at(10, 0), "event.dataset", medsec.DatasetDiscovery, "event.action", "host.new", "source.ip", "10.1.40.99", "medsec.zone.kind", "ot")},
			[]medsec.Event{ev(at(10, 0), "event.dataset", medsec.DatasetDiscovery, "event.action", "host.new", "source.ip", "10.1.10.99", "medsec.zone.kind", "intranet")}},
	}
	var burst []medsec.Event
	for i := range 5 {
		burst = append(burst, ev(at(23, i), "file.path", "/etc/shadow", "event.outcome", "failure", "source.ip", "10.1.10.50"))
	}
	cases = append(cases, struct {
		title string
		fire  []medsec.Event
		quiet []medsec.Event
	}{"Repeated attempts on sensitive directories", burst,
		[]medsec.Event{ev(at(23, 0), "file.path", "/etc/shadow", "event.outcome", "failure", "source.ip", "10.1.10.51")}})
	for _, c := range cases {
		if err := f.svc.Handle(context.Background(), append(c.quiet, c.fire...)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Advance(context.Background(), at(23, 59)); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, a := range f.alerts(t) {
		got[a.Title]++
	}
	for _, c := range cases {
		if got[c.title] != 1 {
			t.Errorf("%s: %d alerts, want 1 (all: %v)", c.title, got[c.title], got)
		}
	}
}

// TestAlertLinksAssetByHostOrAddress raises alerts from events that carry no asset id
// at sites holding demo assets: the alert is linked to the asset of the event's site
// named as its host.name, else holding its host.ip, else its source.ip; an address that
// only another site's asset holds links nothing.
func TestAlertLinksAssetByHostOrAddress(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
		branch := &medsec.Site{Code: "BR", Name: "分院"}
		if err := sqlstore.NewOrgService(f.db).CreateSite(system, branch); err != nil {
			t.Fatal(err)
		}
		// Two demo assets with addresses, one at each site, and a branch asset holding the
		// first one's address (sites reuse private ranges).
		var picked []medsec.Asset
		for _, row := range demo.Hospital().Assets {
			if a := row.Asset; len(a.IPs) > 0 && len(picked) < 2 && (len(picked) == 0 || a.IPs[0] != picked[0].IPs[0]) {
				a.VendorID, a.DepartmentID, a.ResponsibleID = 0, 0, 0
				picked = append(picked, a)
			}
		}
		hq, br, twin := picked[0], picked[1], picked[0]
		hq.SiteID, br.SiteID, twin.SiteID, twin.Name, twin.MACs, twin.Serial = f.site.ID, branch.ID, branch.ID, picked[0].Name+" (branch)", nil, ""
		assets := sqlstore.NewAssetService(f.db)
		for _, a := range []*medsec.Asset{&hq, &br, &twin} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		login := func(site int64, id string, fields ...string) medsec.Event {
			e := medsec.Event{ID: id, Time: time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC), SiteID: site, Ref: medsec.EventRef{Type: medsec.EventRefEvent},
				Fields: map[string]any{"event.category": "authentication", "event.outcome": "success", "user.name": "breakglass"}}
			for i := 0; i+1 < len(fields); i += 2 {
				e.Fields[fields[i]] = fields[i+1]
			}
			return e
		}
		for _, tt := range []struct {
			name string
			ev   medsec.Event
			want int64
		}{
			{"host.name", login(f.site.ID, "t:1", "host.name", strings.ToUpper(hq.Name)), hq.ID},
			{"host.ip", login(f.site.ID, "t:2", "host.ip", hq.IPs[0], "user.name", "emergency"), hq.ID},
			{"source.ip at the branch", login(branch.ID, "t:3", "source.ip", hq.IPs[0]), twin.ID},
			{"source.ip of another site", login(branch.ID, "t:4", "source.ip", "10.250.250.250", "host.name", hq.Name), 0},
			{"empty host.ip, then source.ip", login(branch.ID, "t:5", "host.ip", "", "source.ip", br.IPs[0], "user.name", "emergency"), br.ID},
		} {
			before, _, _ := f.store.FindAlerts(system, medsec.AlertFilter{})
			if err := f.svc.Handle(system, []medsec.Event{tt.ev}); err != nil {
				t.Fatal(err)
			}
			after, _, err := f.store.FindAlerts(system, medsec.AlertFilter{})
			if err != nil || len(after) != len(before)+1 {
				t.Fatalf("%s: %d alerts after, %d before (%v)", tt.name, len(after), len(before), err)
			}
			if got := after[0].AssetID; got != tt.want {
				t.Errorf("%s: alert on asset %d, want %d", tt.name, got, tt.want)
			}
		}
	})
}

// TestHuntReadsTheWholeLogRange retro-hunts over 25,000 sealed log records, more than two
// pages of the log store: an emergency-account login among the oldest records and one
// among the newest are both found, and every record is read. With no time budget left
// the hunt stops after its first page and says where.
func TestHuntReadsTheWholeLogRange(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	f := newFixture(t, "sqlite", now)
	st, err := logstore.Open(logstore.Config{Dir: t.TempDir(), Site: func(logs.Record) int64 { return f.site.ID }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	const n = 25000
	start := now.Add(-n * time.Second)
	recs := make([]logs.Record, n)
	for i := range recs {
		user, outcome := fmt.Sprintf("nurse%d", i%7), "failure"
		if i == 3 || i == n-2 {
			user, outcome = "emergency", "success"
		}
		recs[i] = logs.Record{Received: start.Add(time.Duration(i) * time.Second), Format: logs.FormatJSON, Peer: "10.1.10.5:514",
			Raw:    []byte(fmt.Sprintf(`{"user.name":%q,"event.outcome":%q}`, user, outcome)),
			Fields: map[string]any{"event.category": "authentication", "event.outcome": outcome, "user.name": user, "host.name": "his01"}}
	}
	if err := st.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	st.Refresh()
	f.svc.SetLogs(sqlstore.NewLogService(f.db, st))
	emergency, err := f.store.FindRules(system, medsec.RuleFilter{Query: "emergency"})
	if err != nil || len(emergency) != 1 {
		t.Fatalf("emergency rule: %v %v", emergency, err)
	}
	req := medsec.HuntRequest{RuleIDs: []int64{emergency[0].ID}, Since: start, Until: now}
	res, err := f.svc.Hunt(system, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Logs != n || res.Events != n || res.Hits != 2 || res.Stopped != "" {
		t.Fatalf("hunt read %d logs, %d events, %d hits, stopped %q; want %d, %d, 2, none", res.Logs, res.Events, res.Hits, res.Stopped, n, n)
	}
	var at []time.Time
	for _, h := range res.List {
		at = append(at, h.Events[0].Time)
	}
	if len(at) != 2 || !at[0].Equal(start.Add(3*time.Second)) || !at[1].Equal(start.Add((n-2)*time.Second)) {
		t.Errorf("hits at %v", at)
	}
	f.svc.HuntBudget = time.Nanosecond
	res, err = f.svc.Hunt(system, req)
	if err != nil {
		t.Fatal(err)
	}
	// The budget is looked at between chunks of a page (16 events): the hunt stops after
	// the first, saying where the next would have started.
	chunkEnd := start.Add(16 * time.Second)
	if res.Stopped != medsec.HuntStopTime || !res.ReadUntil.Equal(chunkEnd) || res.Logs != 16 || res.Events != 16 || res.Hits != 1 {
		t.Errorf("budget spent: stopped %q at %v (want %v), %d logs, %d events, %d hits", res.Stopped, res.ReadUntil, chunkEnd, res.Logs, res.Events, res.Hits)
	}
}

// TestRetroHuntRaisesFailedLoginBurst retro-hunts over stored failed logins, twelve
// from one address ten seconds apart as the demo hospital's HIS reports them and the last
// events of the range, with the live stream stopped: the built-in burst correlation
// raises one alert holding the ten that reached the threshold (they are used up; the
// other two stay below it); three earlier failures from another address raise nothing.
// A second hunt over the same range raises no second alert.
func TestRetroHuntRaisesFailedLoginBurst(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		now := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, now)
		f.svc.Stop() // events are stored, not evaluated live
		var events []medsec.Event
		fail := func(at time.Time, ip string) {
			e := medsec.Event{ID: fmt.Sprintf("t:%d", len(events)+1), Time: at, SiteID: f.site.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent, ID: int64(len(events) + 1)}}
			e.Set("event.category", []string{"authentication"}).Set("event.outcome", "failure").Set("event.action", "logon-failed").
				Set("user.name", "nurse.lin").Set("source.ip", ip).Set("host.name", "HIS-AP1")
			events = append(events, e)
		}
		for i := range 3 {
			fail(now.Add(-50*time.Minute+time.Duration(i)*time.Second), "10.1.20.78")
		}
		for i := range 12 {
			fail(now.Add(-40*time.Minute+time.Duration(i)*10*time.Second), "10.1.20.77")
		}
		if err := sqlstore.NewEventService(f.db).AppendEvents(system, events...); err != nil {
			t.Fatal(err)
		}
		req := medsec.HuntRequest{Since: now.Add(-time.Hour), Until: now, Raise: true}
		res, err := f.svc.Hunt(system, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Events != 15 || res.Hits != 1 || res.Raised != 1 || len(res.List) != 1 || res.List[0].Title != "Many failed logins in a short time" ||
			res.List[0].Group != "medsec.source.network=10.1.20.77/32" || len(res.List[0].Events) != 10 {
			t.Fatalf("retro-hunt: %+v", res)
		}
		got := f.alerts(t)
		if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 10 || got[0].SiteID != f.site.ID {
			t.Fatalf("alerts: %+v", got)
		}
		if res, err = f.svc.Hunt(system, req); err != nil || res.Hits != 1 || res.Raised != 0 {
			t.Errorf("second retro-hunt: %+v, %v", res, err)
		}
		if got := f.alerts(t); len(got) != 1 {
			t.Errorf("after the second retro-hunt: %d alerts, want 1", len(got))
		}
	})
}

// A rule the engine cannot compile (a placeholder without values, a correlation over no
// rule) is refused at import and at enable; one stored before (or broken since) is left
// out, named on the rules with its error and told to the officers, and the other rules of
// its sites go on detecting [issue 13 finding 1].
func TestBrokenRuleIsRefusedAndIsolated(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
	placeholder := "title: admin logon\nid: 70000000-0000-4000-8000-000000000002\nlogsource: {product: windows, service: security}\ndetection:\n  selection:\n    EventID: 4624\n    SubjectUserName|expand: '%Admins_Workstations%'\n  condition: selection\nlevel: low\n"
	_, err := f.svc.ImportRules(system, "admin_logon.yml", []byte(placeholder))
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Line != 7 || !strings.Contains(ve.Errors[0].Field, "SubjectUserName") || !strings.Contains(ve.Error(), "Admins_Workstations") {
		t.Fatalf("placeholder rule: %v", err)
	}
	corr := "title: c\nid: 70000000-0000-4000-8000-000000000001\ncorrelation:\n  type: event_count\n  rules: [does_not_exist_anywhere]\n  group-by: [source.ip]\n  timespan: 5m\n  condition: {gte: 2}\nlevel: high\n"
	_, err = f.svc.ImportRules(system, "corr.yml", []byte(corr))
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Line != 4 || ve.Errors[0].Field != "correlation.rules" || !strings.Contains(ve.Error(), "does_not_exist_anywhere") {
		t.Fatalf("correlation over no rule: %v", err)
	}
	if rs, _ := f.store.FindRules(system, medsec.RuleFilter{Origin: medsec.RuleImported}); len(rs) != 0 {
		t.Fatalf("refused imports stored %d rules", len(rs))
	}
	// Stored by an older version and enabled at the organisation (site 0): left out.
	rs, err := detection.ParseFile("admin_logon.yml", []byte(placeholder))
	if err != nil {
		t.Fatal(err)
	}
	rs[0].Enabled = true
	if err := f.store.SaveRules(system, rs); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Load(system); err != nil {
		t.Fatal(err)
	}
	stored, _ := f.store.FindRules(system, medsec.RuleFilter{Origin: medsec.RuleImported})
	if len(stored) != 1 {
		t.Fatalf("stored: %v", stored)
	}
	msg := f.svc.RuleErrors()[stored[0].ID]
	if !strings.Contains(msg, "admin_logon.yml:7") || !strings.Contains(msg, "Admins_Workstations") {
		t.Fatalf("rule error: %q (%v)", msg, f.svc.RuleErrors())
	}
	told := false
	for _, n := range f.notes.got {
		told = told || n.Key == "notify.rule_broken" && n.Link == fmt.Sprintf("/rules/%d", stored[0].ID) && n.Perm == medsec.PermRuleAdmin
	}
	if !told {
		t.Fatalf("officers not told: %+v", f.notes.got)
	}
	if err := f.svc.SetRuleEnabled(system, stored[0].ID, 0, true); !errors.As(err, &ve) || ve.Errors[0].Key != "err.rule_broken" {
		t.Fatalf("enabling a broken rule: %v", err)
	}
	// The built-in burst rule still fires at the organisation.
	users := sqlstore.NewUserService(f.db)
	if _, err := users.EnsureAdmin(system, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	from := medsec.NewContextWithRemoteAddr(system, "10.9.9.9")
	for range 10 {
		users.Authenticate(from, "admin", "wrong", "")
	}
	if err := f.bus.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Advance(context.Background(), time.Date(2026, 11, 30, 2, 1, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if got := f.alerts(t); len(got) != 1 || got[0].Title != "Many failed logins in a short time" {
		t.Fatalf("alerts beside a broken rule: %+v", got)
	}
}

// A SOC analyst limited to one site cannot change detection elsewhere: replace or delete
// a rule enabled at another site, or change the organisation-wide settings [issue 13
// finding 2]. A user not limited to sites can.
func TestSiteLimitedAnalystCannotChangeOtherSites(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC))
	org := sqlstore.NewOrgService(f.db)
	branch := &medsec.Site{Code: "BR", Name: "分院"}
	if err := org.CreateSite(system, branch); err != nil {
		t.Fatal(err)
	}
	users := sqlstore.NewUserService(f.db)
	soc := &medsec.User{Username: "soc", Role: medsec.RoleSOCAnalyst}
	limited := &medsec.User{Username: "soc.branch", Role: medsec.RoleSOCAnalyst, SiteIDs: []int64{branch.ID}}
	for _, u := range []*medsec.User{soc, limited} {
		if err := users.CreateUser(system, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
	}
	as := func(u *medsec.User) context.Context { return medsec.NewContextWithUser(context.Background(), u) }
	kw := func(title string) []byte {
		return []byte("title: " + title + "\nid: 40000000-0000-4000-8000-000000000012\nlogsource: {product: test}\ndetection:\n  s: {m: whoami}\n  condition: s\nlevel: high\n")
	}
	rs, err := f.svc.ImportRules(as(soc), "kw.yml", kw("kw"))
	if err != nil {
		t.Fatal(err)
	}
	id := rs[0].ID
	// Enabled at the branch only: the branch analyst may replace it.
	if err := f.svc.SetRuleEnabled(as(limited), id, branch.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ImportRules(as(limited), "kw.yml", kw("kw at the branch")); err != nil {
		t.Fatalf("replacing a rule of one's own site: %v", err)
	}
	// Enabled at the main site too: no longer.
	if err := f.svc.SetRuleEnabled(as(soc), id, f.site.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ImportRules(as(limited), "kw.yml", kw("kw replaced")); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
		t.Fatalf("branch analyst replaces a rule enabled at the main site: %v", err)
	}
	if err := f.svc.DeleteRule(as(limited), id); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
		t.Fatalf("branch analyst deletes a rule enabled at the main site: %v", err)
	}
	if r, _ := f.store.FindRuleByID(system, id); r == nil || r.Title != "kw at the branch" {
		t.Fatalf("rule changed: %+v", r)
	}
	set, err := f.store.FindDetectionSettings(system)
	if err != nil {
		t.Fatal(err)
	}
	set.FailedLogins.Count = 100000
	if err := f.svc.UpdateDetectionSettings(as(limited), set); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
		t.Fatalf("branch analyst changes organisation-wide settings: %v", err)
	}
	set.FailedLogins.Count = 12
	if err := f.svc.UpdateDetectionSettings(as(soc), set); err != nil {
		t.Fatalf("organisation-wide analyst: %v", err)
	}
	if _, err := f.svc.ImportRules(as(soc), "kw.yml", kw("kw replaced")); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteRule(as(soc), id); err != nil {
		t.Fatal(err)
	}
}

// Failed sshd logins in syslog, as the demo's sealed logs hold them, raise the built-in
// "Many failed logins" [003 §3.2.1, issue 13 finding 3].
func TestSyslogSSHFailuresRaiseFailedLoginBurst(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	p := &logs.Parser{}
	start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	var events []medsec.Event
	for i := range 12 {
		raw := fmt.Sprintf("<38>Dec  1 06:00:%02d web01 sshd[1234]: Failed password for invalid user admin from 203.0.113.9 port %d ssh2", i, 50000+i)
		rec, err := p.Parse([]byte(raw), start.Add(time.Duration(i)*time.Second), "10.1.10.5:514")
		if err != nil {
			t.Fatal(err)
		}
		rec.SiteID, rec.Index = f.site.ID, int64(i+1)
		events = append(events, logs.RecordEvent(rec))
	}
	if err := f.svc.Handle(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Advance(context.Background(), start.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := f.alerts(t)
	if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].SiteID != f.site.ID || !strings.Contains(got[0].DedupKey, "medsec.source.network=203.0.113.9/32") {
		t.Fatalf("alerts: %+v", got)
	}
}

// Turning the burst correlation off at a site does not make each failed login an alert:
// "Failed login" is a building block of the correlation (no "generate") [issue 13 finding 4].
func TestBuildingBlockRuleNeverAlertsAlone(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	rules, err := f.store.FindRules(system, medsec.RuleFilter{Query: "failed"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Kind == medsec.RuleKindCorrelation {
			if err := f.svc.SetRuleEnabled(system, r.ID, f.site.ID, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	var events []medsec.Event
	for i := range 12 {
		events = append(events, medsec.Event{ID: fmt.Sprintf("t:%d", i), Time: start.Add(time.Duration(i) * time.Second), SiteID: f.site.ID,
			Fields: map[string]any{"event.category": "authentication", "event.outcome": "failure", "source.ip": "198.18.2.2", "user.name": "root"}})
	}
	if err := f.svc.Handle(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Advance(context.Background(), start.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := f.alerts(t); len(got) != 0 {
		t.Fatalf("failed logins alerted with the burst rule off: %+v", got)
	}
	rules, _ = f.store.FindRules(system, medsec.RuleFilter{Query: "failed"})
	for _, r := range rules {
		if r.Title == "Failed login" && r.Hits != 12 {
			t.Errorf("building block hits: %d", r.Hits)
		}
	}
}

// A retro-hunt that asks to raise alerts with a YAML rule is refused, not silently empty
// [issue 13 finding 12].
func TestHuntRaiseWithYAMLIsRefused(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	_, err := f.svc.Hunt(system, medsec.HuntRequest{YAML: "title: kw\nid: 40000000-0000-4000-8000-000000000013\nlogsource: {product: test}\ndetection:\n  s: {m: whoami}\n  condition: s\n",
		Raise: true, Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)})
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) || ve.Errors[0].Field != "raise" || ve.Errors[0].Key != "err.hunt_raise_yaml" {
		t.Fatalf("err = %v", err)
	}
}

// ECS shippers (Winlogbeat, Elastic Agent) write event.category and event.type as JSON
// lists; twelve Windows 4625 documents in that shape, as the ingest API receives them,
// raise the failed-login burst (issue 13 break-test t13 finding 6: the lists became the
// text "[authentication]" and no rule saw them).
func TestECSListFieldsRaiseFailedLoginBurst(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	p := &logs.Parser{}
	start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	var events []medsec.Event
	for i := range 12 {
		raw := fmt.Sprintf(`{"@timestamp":"2026-12-01T06:00:%02dZ","event":{"category":["authentication"],"type":["start"],"outcome":"failure","action":"logon-failed","code":"4625"},"user":{"name":"admin"},"source":{"ip":"198.18.9.9"},"host":{"name":"ws-br-01"},"related":{"ip":["198.18.9.9",null]}}`, i)
		rec, err := p.Parse([]byte(raw), start.Add(time.Duration(i)*time.Second), "10.1.10.5:443")
		if err != nil {
			t.Fatal(err)
		}
		rec.SiteID, rec.Index = f.site.ID, int64(i+1)
		e := logs.RecordEvent(rec)
		if c, ok := e.Fields["event.category"].([]string); !ok || len(c) != 1 || c[0] != "authentication" {
			t.Fatalf("event.category: %#v", e.Fields["event.category"])
		}
		events = append(events, e)
	}
	if err := f.svc.Handle(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Advance(context.Background(), start.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := f.alerts(t)
	if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 10 || !strings.Contains(got[0].DedupKey, "medsec.source.network=198.18.9.9/32") {
		t.Fatalf("alerts: %+v", *got[0])
	}
}

// A brute force straddling a rule change is counted whole: six failed logins, an
// unrelated rule turned off at another site and the burst threshold changed in the
// settings, five more, and the burst fires with ten events (issue 13 break-test t13
// finding 1: every rule change threw the open windows away, and the burst never fired).
func TestCorrelationWindowsSurviveRuleChanges(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	failure := func(i int) medsec.Event {
		return medsec.Event{ID: fmt.Sprintf("test:f:%d", i), Time: start.Add(time.Duration(i) * time.Second), SiteID: f.site.ID,
			Fields: map[string]any{"event.dataset": "medsec.auth", "event.category": "authentication", "event.action": "login.failed", "event.outcome": "failure", "user.name": "admin", "source.ip": "198.18.6.6"}}
	}
	var first []medsec.Event
	for i := range 6 {
		first = append(first, failure(i))
	}
	if err := f.svc.Handle(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	rules, err := f.store.FindRules(system, medsec.RuleFilter{Query: "cross-zone"})
	if err != nil || len(rules) != 1 {
		t.Fatalf("cross-zone rule: %v %v", rules, err)
	}
	other := &medsec.Site{Code: "BR", Name: "分院"}
	if err := sqlstore.NewOrgService(f.db).CreateSite(system, other); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetRuleEnabled(system, rules[0].ID, other.ID, false); err != nil {
		t.Fatal(err)
	}
	set, err := f.store.FindDetectionSettings(system)
	if err != nil {
		t.Fatal(err)
	}
	set.FailedLogins.Count = 11
	if err := f.svc.UpdateDetectionSettings(system, set); err != nil {
		t.Fatal(err)
	}
	var second []medsec.Event
	for i := 6; i < 11; i++ {
		second = append(second, failure(i))
	}
	if err := f.svc.Handle(context.Background(), second); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Advance(context.Background(), start.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := f.alerts(t)
	if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || got[0].EventCount != 11 {
		for _, a := range got {
			t.Logf("alert %+v", *a)
		}
		t.Fatalf("%d alerts, want the burst of 11 events", len(got))
	}
}

// The emergency-account rule finds a settings account however the source qualifies it
// (DOMAIN\name, name@realm: medsec.account.name), and a "*" in a settings name is that
// character, not a wildcard (issue 13 break-test t13 findings 8 and 10: "*" made every
// login an emergency-account alert).
func TestEmergencyAccountQualifiedNamesAndLiteralStar(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	set, err := f.store.FindDetectionSettings(system)
	if err != nil {
		t.Fatal(err)
	}
	set.EmergencyAccounts = []string{"breakglass", "ops*"}
	if err := f.svc.UpdateDetectionSettings(system, set); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	var events []medsec.Event
	for i, user := range []string{"BREAKGLASS@hospital.local", `HOSPITAL\breakglass`, "opsadmin", "nurse", "ops*"} {
		events = append(events, medsec.Event{ID: fmt.Sprintf("test:login:%d", i), Time: start.Add(time.Duration(i) * time.Second), SiteID: f.site.ID,
			Fields: map[string]any{"event.dataset": "medsec.auth", "event.category": "authentication", "event.action": "login", "event.outcome": "success", "user.name": user, "source.ip": fmt.Sprintf("10.1.10.%d", 20+i)}})
	}
	if err := f.svc.Handle(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	var users []string
	for _, a := range f.alerts(t) {
		if a.RuleUID != medsec.RuleUIDEmergencyAccount {
			continue
		}
		full, err := f.store.FindAlertByID(system, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, fmt.Sprint(full.Events[0].Fields["user.name"]))
	}
	sort.Strings(users)
	if want := []string{"BREAKGLASS@hospital.local", `HOSPITAL\breakglass`, "ops*"}; fmt.Sprint(users) != fmt.Sprint(want) {
		t.Fatalf("emergency-account alerts for %q, want %q", users, want)
	}
}

// Re-importing a rule that runs is audited per rule, naming it, with its text before
// and after (issue 13 break-test t13 finding 3: one row "replaced: 1" named neither the
// rule nor what changed); an added rule gets a row of its own too.
func TestRuleReplaceIsAuditedWithText(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	v1 := "title: Bpfdoor\nid: 70000000-0000-4000-8000-000000000030\nlogsource: {product: linux, service: auditd}\ndetection:\n  sel:\n    type: EXECVE\n  condition: sel\nlevel: high\n"
	rs, err := f.svc.ImportRules(system, "bpf.yml", []byte(v1))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetRuleEnabled(system, rs[0].ID, f.site.ID, true); err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(v1, "type: EXECVE", "type: NEVER-MATCHES", 1)
	if _, err := f.svc.ImportRules(system, "neutered.yml", []byte(v2)); err != nil {
		t.Fatal(err)
	}
	audit := sqlstore.NewAuditService(f.db)
	for action, want := range map[string][]string{
		"rule.add":     {`"uid": "70000000-0000-4000-8000-000000000030"`, `"file_name": "bpf.yml"`, `"yaml_sha256"`},
		"rule.replace": {`"file_name": "neutered.yml"`, "NEVER-MATCHES"},
	} {
		entries, _, err := audit.FindAuditEntries(system, medsec.AuditFilter{Action: action, ObjectType: "detection_rule", ObjectID: rs[0].ID})
		if err != nil || len(entries) != 1 {
			t.Fatalf("%s: %d entries, %v", action, len(entries), err)
		}
		e, err := audit.FindAuditEntry(system, entries[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		var before, after any
		json.Unmarshal(e.Before, &before)
		json.Unmarshal(e.After, &after)
		text, _ := json.MarshalIndent(after, "", " ")
		for _, w := range want {
			if !strings.Contains(strings.ReplaceAll(string(text), "\\n", "\n"), w) {
				t.Errorf("%s: after lacks %s: %s", action, w, text)
			}
		}
		if action == "rule.replace" {
			b, _ := json.Marshal(before)
			if !strings.Contains(string(b), "EXECVE") || !strings.Contains(string(b), `"file_name":"bpf.yml"`) {
				t.Errorf("rule.replace: before lacks the old text: %s", b)
			}
		}
	}
}

// The sensitive-directory rule is not evaded by other spellings of a path: repeated
// slashes, ".", "..", percent-encoding, \\?\ and UNC admin-share prefixes, the
// directory itself (issue 13 break-test t13 finding 2); paths outside the directories
// are not hits.
func TestSensitiveDirectorySpellings(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	hit := []struct{ field, path string }{
		{"file.path", "/etc/shadow"}, {"file.path", "//etc/shadow"}, {"file.path", "/./etc/shadow"}, {"file.path", "/var/../etc/shadow"},
		{"file.path", "/etc"}, {"url.path", "/admin"}, {"url.path", "//admin/config"}, {"url.path", "/api/../admin/users"},
		{"url.path", "/%65tc/passwd"}, {"file.path", `\\?\C:\Windows\System32\config\SAM`}, {"file.path", `\\server\c$\Windows\System32\config\SAM`},
		{"file.path", `C:\Windows\System32\..\System32\config\SAM`},
	}
	miss := []struct{ field, path string }{{"file.path", "/etcetera/x"}, {"file.path", "/var/log/etc/x"}, {"url.path", "/administrator-guide"}}
	set, err := f.store.FindDetectionSettings(system)
	if err != nil {
		t.Fatal(err)
	}
	set.SensitivePaths = []string{"etc", "admin", "Windows/System32/config"}
	if err := f.svc.UpdateDetectionSettings(system, set); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	var events []medsec.Event
	for i, p := range append(hit, miss...) {
		events = append(events, medsec.Event{ID: fmt.Sprintf("test:path:%d", i), Time: start.Add(time.Duration(i) * time.Second), SiteID: f.site.ID,
			Fields: map[string]any{"event.category": "file", "event.outcome": "failure", p.field: p.path, "source.ip": fmt.Sprintf("10.0.%d.5", i)}})
	}
	if err := f.svc.Handle(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	rules, err := f.store.FindRules(system, medsec.RuleFilter{Query: "sensitive"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rules {
		if r.Title == "Attempt on a sensitive directory" && r.Hits != int64(len(hit)) {
			t.Fatalf("hits %d, want %d (one per spelling of a sensitive path)", r.Hits, len(hit))
		}
	}
	for _, c := range []struct{ in, want string }{{"/var/../ETC//shadow", "/etc/shadow/"}, {"/admin", "/admin/"}, {`\\srv\c$\Windows\x`, "/windows/x/"}, {"../../etc", "/etc/"}} {
		if got := medsec.NormalizePath(c.in); got != c.want {
			t.Errorf("NormalizePath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// One syslog line stamped 2099 does not switch off the site's correlations: its time is
// more than 5 minutes past its receive time, so detection reads it at the receive time,
// and the failed logins after it still raise the burst (issue 13 break-test t13 finding
// 22: the engine's clock jumped to 2099 and every later match was "late").
func TestFutureTimestampDoesNotStopCorrelations(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC))
	p := &logs.Parser{}
	start := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	var events []medsec.Event
	raws := []string{"<38>1 2099-01-01T00:00:00Z evilhost app 1 - - future event"}
	for i := range 12 {
		raws = append(raws, fmt.Sprintf("<38>1 2026-12-01T06:00:%02dZ srv sshd 77 - - Failed password for invalid user jack from 198.18.15.15 port %d ssh2", i+1, 40000+i))
	}
	for i, raw := range raws {
		rec, err := p.Parse([]byte(raw), start.Add(time.Duration(i)*time.Second), "10.1.10.5:514")
		if err != nil {
			t.Fatal(err)
		}
		rec.SiteID, rec.Index = f.site.ID, int64(i+1)
		events = append(events, logs.RecordEvent(rec))
		// One batch per line, as a listener would send them.
		if err := f.svc.Handle(context.Background(), events[i:i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.svc.Advance(context.Background(), start.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got := f.alerts(t)
	if len(got) != 1 || got[0].Title != "Many failed logins in a short time" || !strings.Contains(got[0].DedupKey, "198.18.15.15") {
		t.Fatalf("%d alerts after a line from 2099, want the burst", len(got))
	}
}
