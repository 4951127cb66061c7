package sqlstore_test

import (
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/systemio"
)

// TestImportClinicalSystems imports a hospital's list of systems on both engines: members
// named by host name, serial number (asset tag) and IP address; the owner by name. A file
// with any problem — an unknown member (its line named), one several assets match, an
// unknown owner, a site the caller may not change, an unknown site — imports nothing and
// reports every problem with line and column as written. A second import updates the
// system the site has (members replaced, the columns it lacks kept) and leaves an equal
// one alone; each change and each import is audited; a read-only role is refused.
func TestImportClinicalSystems(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		app := &medsec.Asset{SiteID: main.ID, Name: "HIS-APP-01", Kind: medsec.KindApplicationServer}
		dbs := &medsec.Asset{SiteID: main.ID, Name: "HIS-DB-01", Kind: medsec.KindApplicationServer, Serial: "TAG-0042"}
		ws := &medsec.Asset{SiteID: main.ID, Name: "NS-WS-07", Kind: medsec.KindWorkstation, IPs: []string{"10.1.20.7"}}
		twinA := &medsec.Asset{SiteID: main.ID, Name: "PACS", Kind: medsec.KindPACS, Serial: "P1"}
		twinB := &medsec.Asset{SiteID: main.ID, Name: "pacs", Kind: medsec.KindPACS, Serial: "P2"}
		other := &medsec.Asset{SiteID: branch.ID, Name: "BR-APP", Kind: medsec.KindApplicationServer}
		for _, a := range []*medsec.Asset{app, dbs, ws, twinA, twinB, other} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		svc := sqlstore.NewClinicalSystemService(db)
		branchUser := as(&medsec.User{ID: 99, Username: "br", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})

		bad := "系統名稱,院區,負責人,成員資產\r\nHIS,HQ,林醫工,HIS-APP-01;NOPE-9\r\nRIS,HQ,無此人,pacs\r\nLIS,HQ,,BR-APP\r\nX,Nowhere,,\r\n"
		_, err := svc.ImportClinicalSystems(system, systemio.ReadSystems([]byte(bad), "systems.csv"))
		var got []string
		if ve, ok := err.(*medsec.ValidationError); ok {
			for _, fe := range ve.Errors {
				got = append(got, fe.Error()+" ["+fe.Key+"]")
			}
		}
		want := []string{`line 2: 成員資產: no asset of site "HQ" has the name, serial number or IP address "NOPE-9" [err.system_member_not_found]`,
			`line 3: 負責人: no person of the roster has the employee number or name "無此人" [err.unknown_person]`,
			`line 3: 成員資產: several assets of site "HQ" are named "pacs" or have it as serial number or IP address [err.system_member_ambiguous]`,
			`line 4: 成員資產: no asset of site "HQ" has the name, serial number or IP address "BR-APP" [err.system_member_not_found]`,
			`line 5: 院區: unknown site "Nowhere" [err.unknown_site]`}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("problems (%v) =\n%s\nwant\n%s", err, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if cs, _ := svc.FindClinicalSystems(system, medsec.ClinicalSystemFilter{}); len(cs) != 0 {
			t.Fatalf("a bad file left %d systems", len(cs))
		}
		if _, err := svc.ImportClinicalSystems(branchUser, systemio.ReadSystems([]byte("name,site\nHIS,HQ\n"), "s.csv")); medsec.ErrorCode(err) != medsec.EINVALID ||
			!strings.Contains(err.Error(), "err.forbidden_site") && !strings.Contains(err.Error(), "may not change") {
			t.Errorf("branch user imports into the main site: %v", err)
		}
		viewer := as(&medsec.User{ID: 98, Username: "v", Role: medsec.RoleAuditor})
		if _, err := svc.ImportClinicalSystems(viewer, systemio.ReadSystems([]byte("name,site\nHIS,HQ\n"), "s.csv")); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor (read-only) imports: %v", err)
		}

		good := "name,site,owner,rto_hours,fallback,members\nHIS,HQ,林醫工,4,paper,\"HIS-APP-01; TAG-0042, 10.1.20.7\"\nRIS,示範醫學中心,,,,P1\n"
		res, err := svc.ImportClinicalSystems(system, systemio.ReadSystems([]byte(good), "systems.csv"))
		if err != nil || res.Created != 2 {
			t.Fatalf("import = %+v, %v", res, err)
		}
		cs, err := svc.FindClinicalSystems(system, medsec.ClinicalSystemFilter{SiteID: main.ID})
		if err != nil || len(cs) != 2 {
			t.Fatalf("systems = %v, %v", cs, err)
		}
		his := cs[0]
		if his.Name != "HIS" || his.OwnerName != "林醫工" || his.RTOHours != 4 || his.Fallback != "paper" || len(his.Members) != 3 {
			t.Errorf("HIS = %+v", his)
		}
		// The second file lacks the rto and fallback columns: they stay; the members are
		// the row's; RIS is unchanged.
		res, err = svc.ImportClinicalSystems(system, systemio.ReadSystems([]byte("name,site,members\nHIS,HQ,HIS-APP-01\nRIS,HQ,P1\n"), "again.csv"))
		if err != nil || res.Created != 0 || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("second import = %+v, %v", res, err)
		}
		after, err := svc.FindClinicalSystem(system, his.ID)
		if err != nil || after.RTOHours != 4 || after.Fallback != "paper" || len(after.Members) != 1 || after.Members[0].AssetID != app.ID || after.Name != "HIS" {
			t.Errorf("HIS after the second import = %+v, %v", after, err)
		}
		audit := sqlstore.NewAuditService(db)
		for action, n := range map[string]int{medsec.ActionSystemCreate: 2, medsec.ActionSystemMembers: 1, medsec.ActionSystemImport: 2} {
			entries, _, err := audit.FindAuditEntries(system, medsec.AuditFilter{Action: action})
			if err != nil || len(entries) != n {
				t.Errorf("%s audit rows = %d (%v), want %d", action, len(entries), err, n)
			}
		}
	})
}

// TestImportClinicalSystemTwiceOrInOtherCase (bt15i H1, H2): a file that names one system
// twice, its site once by code and once by name or its name in another case, is refused
// naming both lines, not stored as the union of the rows nor failed on the database's
// unique name; and a file naming a system exactly updates that system even when another
// system of the site differs from it only in case.
func TestImportClinicalSystemTwiceOrInOtherCase(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewClinicalSystemService(db)
		for _, file := range []string{"name,site,rto_hours\nRIS,HQ,8\nRIS,示範醫學中心,2\n", "name,site,rto_hours\nCaseSys,HQ,8\ncasesys,示範醫學中心,2\n"} {
			_, err := svc.ImportClinicalSystems(system, systemio.ReadSystems([]byte(file), "twice.csv"))
			ve, ok := err.(*medsec.ValidationError)
			if !ok || len(ve.Errors) != 1 || ve.Errors[0].Key != "err.system_duplicate" || ve.Errors[0].Line != 3 || ve.Errors[0].Args[0] != "2" {
				t.Errorf("%q: %v; want line 3 refused as also on line 2", file, err)
			}
		}
		if cs, _ := svc.FindClinicalSystems(system, medsec.ClinicalSystemFilter{}); len(cs) != 0 {
			t.Fatalf("a refused file left %d systems", len(cs))
		}
		for _, name := range []string{"Lab", "LAB"} {
			if err := svc.CreateClinicalSystem(system, &medsec.ClinicalSystem{SiteID: main.ID, Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		res, err := svc.ImportClinicalSystems(system, systemio.ReadSystems([]byte("name,site,description\nLab,HQ,x\n"), "lab.csv"))
		if err != nil || res.Updated != 1 {
			t.Fatalf("import of Lab = %+v, %v; want Lab updated", res, err)
		}
		cs, err := svc.FindClinicalSystems(system, medsec.ClinicalSystemFilter{SiteID: main.ID})
		if err != nil || len(cs) != 2 {
			t.Fatalf("systems = %v, %v", cs, err)
		}
		for _, c := range cs {
			if want := map[string]string{"Lab": "x", "LAB": ""}[c.Name]; c.Description != want {
				t.Errorf("%s: description %q, want %q", c.Name, c.Description, want)
			}
		}
	})
}
