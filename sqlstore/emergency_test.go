package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/account"
	"medsec/detection"
	"medsec/notify"
	"medsec/sqlstore"
)

// TestEmergencyUseFromLogs runs the real detection service on both engines with the
// account inventory wired in: a login with an account the PACS's inventory types as
// emergency (a name the detection settings do not list) becomes one use on the PACS's
// account, due a day later, however often the event is delivered; a failed login is none.
// The use is overdue and notified once past its deadline; it cannot close before it is
// justified; closing it records the password change on the account, whose "emergency
// used" finding ends; a closed use cannot change; a user of the branch sees none of it;
// each step is in the audit trail.
func TestEmergencyUseFromLogs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		pacs := &medsec.Asset{SiteID: main.ID, Name: "PACS-01", Kind: medsec.KindPACS, IPs: []string{"10.1.2.3"}}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pacs); err != nil {
			t.Fatal(err)
		}
		imp := account.ReadAccounts([]byte("username,type,enabled,last login,password changed\n"+
			"ER-Break,break-glass,yes,2026-11-01,2026-03-01\nvendor1,vendor,yes,2026-11-01,2026-03-01\ndr.lin,personal,yes,2026-11-19,2026-10-01\n"), "pacs.csv")
		imp.AssetID = pacs.ID
		if _, err := sqlstore.NewAccountService(db).ImportAccounts(system, imp); err != nil {
			t.Fatal(err)
		}
		uses := sqlstore.NewEmergencyUseService(db)
		priv, err := uses.PrivilegedAccounts(system)
		if err != nil || len(priv) != 2 || priv[0].Username != "ER-Break" || priv[0].Type != medsec.AccountTypeEmergency || priv[0].SiteID != main.ID {
			t.Fatalf("privileged accounts = %+v, %v", priv, err)
		}
		svc := loginDetector(t, db, uses)
		used := time.Date(2026, 11, 19, 22, 15, 0, 0, time.UTC)
		login := func(key, outcome string) medsec.Event {
			return medsec.Event{ID: key, Time: used, SiteID: main.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent},
				Fields: map[string]any{"event.category": "authentication", "event.outcome": outcome, "user.name": "er-break", "source.ip": "10.9.9.9", "host.ip": "10.1.2.3"}}
		}
		for range 2 {
			if err := svc.Handle(system, []medsec.Event{login("t:1", "success"), login("t:2", "failure")}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := uses.FindEmergencyUses(system, medsec.EmergencyUseFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("uses = %+v, %v; want the one successful login", list, err)
		}
		u := list[0]
		if u.AssetID != pacs.ID || u.AccountID == 0 || u.Username != "er-break" || u.SourceIP != "10.9.9.9" || !u.UsedAt.Equal(used) ||
			!u.ResetDue.Equal(used.Add(24*time.Hour)) || u.Overdue || u.Closed() || u.AlertID == 0 || u.EventKey != "t:1" {
			t.Fatalf("use = %+v", u)
		}

		// Past the deadline: overdue, and told once per use.
		now = used.Add(25 * time.Hour)
		if got, err := uses.FindEmergencyUses(system, medsec.EmergencyUseFilter{Overdue: true}); err != nil || len(got) != 1 || !got[0].Overdue {
			t.Fatalf("overdue = %+v, %v", got, err)
		}
		c := &collectNotifier{}
		if err := (&notify.EmergencyResets{Uses: uses, Notifier: c}).Run(context.Background(), now); err != nil {
			t.Fatal(err)
		}
		if len(c.got) != 1 || c.got[0].Kind != medsec.KindEmergencyResetOverdue || c.got[0].Scope.AssetID != pacs.ID || c.got[0].Perm != medsec.PermAccountRead ||
			c.got[0].Link != "/accounts/emergency/"+itoa(u.ID) || c.got[0].Args[0].Text != "er-break" {
			t.Fatalf("notifications = %+v", c.got)
		}

		// The branch's user sees nothing of it, and cannot change it.
		branchUser := as(&medsec.User{ID: 98, Username: "br", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		if got, err := uses.FindEmergencyUses(branchUser, medsec.EmergencyUseFilter{}); err != nil || len(got) != 0 {
			t.Errorf("branch user sees %+v (%v)", got, err)
		}
		if _, err := uses.JustifyEmergencyUse(branchUser, u.ID, "test"); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user's justification: err = %v", err)
		}
		auditor := as(&medsec.User{ID: 97, Username: "aud", Role: medsec.RoleAuditor})
		if _, err := uses.JustifyEmergencyUse(auditor, u.ID, "test"); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor's justification: err = %v", err)
		}

		ce := as(&medsec.User{ID: 96, Username: "ce.lin", Role: medsec.RoleClinicalEngineer})
		if _, err := uses.ConfirmEmergencyReset(ce, u.ID, ""); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Fatalf("reset before justification: err = %v", err)
		}
		if _, err := uses.JustifyEmergencyUse(ce, u.ID, "  "); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Fatalf("empty justification: err = %v", err)
		}
		if u, err = uses.JustifyEmergencyUse(ce, u.ID, "HIS down 22:00-23:30; radiologist read a stroke CT"); err != nil || u.JustifiedBy != "ce.lin" {
			t.Fatalf("justify: %+v, %v", u, err)
		}
		if u, err = uses.ConfirmEmergencyReset(ce, u.ID, "ticket 4711, changed by IT"); err != nil || !u.Closed() || u.ResetBy != "ce.lin" || u.Overdue {
			t.Fatalf("reset: %+v, %v", u, err)
		}
		if _, err := uses.JustifyEmergencyUse(ce, u.ID, "again"); medsec.ErrorCode(err) != medsec.ECONFLICT {
			t.Errorf("justify a closed use: err = %v", err)
		}
		if got, _ := uses.FindEmergencyUses(system, medsec.EmergencyUseFilter{Open: true}); len(got) != 0 {
			t.Errorf("open uses after the reset: %+v", got)
		}
		fs, err := sqlstore.NewAccountService(db).AccountFindings(system, medsec.AccountFilter{AssetID: pacs.ID}, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Kind == medsec.FindingEmergencyUsed {
				t.Errorf("finding after the reset: %+v", f)
			}
		}
		for _, action := range []string{medsec.ActionEmergencyUseRecord, medsec.ActionEmergencyUseJustify, medsec.ActionEmergencyUseReset} {
			entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: action})
			if err != nil || len(entries) != 1 {
				t.Errorf("audit %s: %d entries, %v", action, len(entries), err)
			}
		}
		if err := (&notify.EmergencyResets{Uses: uses, Notifier: c}).Run(context.Background(), now); err != nil || len(c.got) != 1 {
			t.Errorf("a closed use is told again: %+v, %v", c.got, err)
		}
		if !strings.Contains(u.Justification, "stroke") {
			t.Errorf("justification = %q", u.Justification)
		}
	})
}

// loginDetector is the real detection service on db with the account inventory and the
// emergency-use follower wired in and the built-in rules installed and loaded, as
// `medsec serve` runs it.
func loginDetector(t *testing.T, db *sqlstore.DB, uses *sqlstore.EmergencyUseService) *detection.Service {
	t.Helper()
	det := sqlstore.NewDetectionService(db)
	svc := detection.New(detection.Stores{Rules: det, Alerts: det, Events: sqlstore.NewEventService(db), Accounts: uses, Followers: []medsec.AlertFollower{uses}}, nil)
	if err := svc.InstallBuiltins(system); err != nil {
		t.Fatal(err)
	}
	if err := svc.Load(system); err != nil {
		t.Fatal(err)
	}
	return svc
}
