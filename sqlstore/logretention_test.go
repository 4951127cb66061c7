package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestLogRetentionPerClass sets retention per source class on both engines: defaults of
// 190 days, the six-month floor, only an unrestricted log administrator may change it
// (audited), the store keeps the longest, and a source's class follows its asset's kind
// unless chosen.
func TestLogRetentionPerClass(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewLogRetentionService(db)
		rs, err := svc.LogRetentions(as(&medsec.User{Username: "aud", Role: medsec.RoleAuditor}))
		if err != nil || len(rs) != len(medsec.LogSourceClasses) || rs[0].Days != medsec.DefaultLogRetentionDays {
			t.Fatalf("defaults: %v %v", rs, err)
		}
		officer := as(&medsec.User{Username: "so", Role: medsec.RoleSecurityOfficer})
		if err := svc.SetLogRetention(officer, medsec.LogRetention{Class: medsec.LogClassClinicalSystem, Days: 120}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("120 days (below six months): %v", err)
		}
		if err := svc.SetLogRetention(officer, medsec.LogRetention{Class: "printer", Days: 200}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("unknown class: %v", err)
		}
		limited := as(&medsec.User{Username: "so-hq", Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{main.ID}})
		if err := svc.SetLogRetention(limited, medsec.LogRetention{Class: medsec.LogClassServer, Days: 400}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("site-limited officer changed the shared store's retention: %v", err)
		}
		if err := svc.SetLogRetention(officer, medsec.LogRetention{Class: medsec.LogClassClinicalSystem, Days: 2555}); err != nil {
			t.Fatal(err)
		}
		rs, _ = svc.LogRetentions(officer)
		if got := medsec.StoreRetentionDays(rs); got != 2555 {
			t.Errorf("store keeps %d days, want the longest class (2555)", got)
		}
		if _, n, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "log_retention.update"}); err != nil || n != 1 {
			t.Errorf("audit rows: %d %v", n, err)
		}

		pacs := &medsec.Asset{SiteID: main.ID, Name: "PACS", Kind: medsec.KindPACS, IPs: []string{"10.1.0.7"}}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pacs); err != nil {
			t.Fatal(err)
		}
		sources := sqlstore.NewLogSourceService(db)
		src := &medsec.LogSource{SiteID: main.ID, Name: "pacs", Address: "10.1.0.7", Transport: "udp", AssetID: pacs.ID}
		if _, err := sources.CreateLogSource(officer, src, false); err != nil {
			t.Fatal(err)
		}
		got, _ := sources.FindLogSource(officer, src.ID)
		if got.Class != medsec.LogClassClinicalSystem || got.ChosenClass != "" {
			t.Errorf("PACS source class %q (chosen %q), want clinical_system from its asset", got.Class, got.ChosenClass)
		}
		got.ChosenClass = medsec.LogClassServer
		if err := sources.UpdateLogSource(officer, got); err != nil || got.Class != medsec.LogClassServer {
			t.Errorf("chosen class: %v, %q", err, got.Class)
		}
		got.ChosenClass = "printer"
		if err := sources.UpdateLogSource(officer, got); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("unknown class on a source: %v", err)
		}
	})
}
