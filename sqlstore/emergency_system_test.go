package sqlstore_test

import (
	"testing"
	"time"

	"medsec"
	"medsec/account"
	"medsec/sqlstore"
)

// TestSystemEmergencyAccountFromLogs runs the real detection service on both engines with
// an emergency account of a clinical system (the HIS's own break-glass account, not one of
// a server's): the account is among the privileged accounts once per member asset, and a
// login with it on an HIS server becomes one use on that server, linked to the system's
// account. Before, the lookups joined accounts through an asset only, so the system's
// account was never marked in the logs and no use was recorded.
func TestSystemEmergencyAccountFromLogs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return now }
		app := &medsec.Asset{SiteID: main.ID, Name: "HIS-APP-01", Kind: medsec.KindApplicationServer, IPs: []string{"10.1.5.5"}}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, app); err != nil {
			t.Fatal(err)
		}
		his := &medsec.ClinicalSystem{SiteID: main.ID, Name: "HIS", Members: []medsec.SystemMember{{AssetID: app.ID}}}
		if err := sqlstore.NewClinicalSystemService(db).CreateClinicalSystem(system, his); err != nil {
			t.Fatal(err)
		}
		imp := account.ReadAccounts([]byte("username,type,enabled,last login,password changed\n"+
			"HIS-Break,break-glass,yes,2026-11-01,2026-03-01\ndr.wang,personal,yes,2026-11-19,2026-10-01\n"), "his.csv")
		imp.SystemID = his.ID
		if _, err := sqlstore.NewAccountService(db).ImportAccounts(system, imp); err != nil {
			t.Fatal(err)
		}
		accts, err := sqlstore.NewAccountService(db).FindAccounts(system, medsec.AccountFilter{SystemID: his.ID})
		if err != nil {
			t.Fatal(err)
		}
		var breakGlass int64
		for _, a := range accts {
			if a.Username == "HIS-Break" {
				breakGlass = a.ID
			}
		}
		uses := sqlstore.NewEmergencyUseService(db)
		priv, err := uses.PrivilegedAccounts(system)
		if err != nil || len(priv) != 1 || priv[0].Username != "HIS-Break" || priv[0].SiteID != main.ID || priv[0].AssetID != app.ID {
			t.Fatalf("privileged accounts = %+v, %v; want the HIS's break-glass account on its member", priv, err)
		}
		svc := loginDetector(t, db, uses)
		used := time.Date(2026, 11, 19, 22, 15, 0, 0, time.UTC)
		login := medsec.Event{ID: "t:1", Time: used, SiteID: main.ID, Ref: medsec.EventRef{Type: medsec.EventRefEvent},
			Fields: map[string]any{"event.category": "authentication", "event.outcome": "success", "user.name": "his-break", "source.ip": "10.9.9.9", "host.ip": "10.1.5.5"}}
		if err := svc.Handle(system, []medsec.Event{login}); err != nil {
			t.Fatal(err)
		}
		list, err := uses.FindEmergencyUses(system, medsec.EmergencyUseFilter{})
		if err != nil || len(list) != 1 {
			t.Fatalf("uses = %+v, %v; want the HIS account's login", list, err)
		}
		if u := list[0]; u.AssetID != app.ID || u.AccountID != breakGlass || breakGlass == 0 || u.Username != "his-break" {
			t.Errorf("use = %+v; want on %d with the HIS's account %d", u, app.ID, breakGlass)
		}
	})
}
