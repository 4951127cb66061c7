package sqlstore_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestClinicalSystems keeps a PACS of three assets on both engines: create with members
// and continuity targets, update, add and remove members, the audit trail with the
// system before and after, an asset in two systems, and the scope rules — a branch user
// neither sees nor changes it, a member asset of another site is refused naming the
// field "members", a vendor user is forbidden.
func TestClinicalSystems(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		mk := func(site int64, name string, kind medsec.AssetKind) *medsec.Asset {
			a := &medsec.Asset{SiteID: site, Name: name, Kind: kind}
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		app, dbsrv, archive := mk(main.ID, "PACS-APP", medsec.KindApplicationServer), mk(main.ID, "PACS-DB", medsec.KindApplicationServer), mk(main.ID, "PACS-ARCHIVE", medsec.KindPACS)
		ws := mk(main.ID, "RAD-WS-01", medsec.KindWorkstation)
		other := mk(branch.ID, "BR-PACS", medsec.KindPACS)
		owner := &medsec.Person{Name: "林放射"}
		if err := sqlstore.NewOrgService(db).CreatePerson(system, owner); err != nil {
			t.Fatal(err)
		}
		svc := sqlstore.NewClinicalSystemService(db)
		pacs := &medsec.ClinicalSystem{SiteID: main.ID, Name: "PACS", OwnerID: owner.ID, Description: "影像儲傳系統", RTOHours: 4, RPOHours: 1,
			Fallback: "film and paper request forms", Members: []medsec.SystemMember{{AssetID: app.ID}, {AssetID: dbsrv.ID}, {AssetID: archive.ID}}}
		if err := svc.CreateClinicalSystem(system, pacs); err != nil {
			t.Fatal(err)
		}
		if got := pacs.MemberIDs(); pacs.ID == 0 || pacs.OwnerName != "林放射" || len(got) != 3 || pacs.Members[0].Name != "PACS-APP" {
			t.Errorf("created = %+v", pacs)
		}
		dup := &medsec.ClinicalSystem{SiteID: main.ID, Name: "PACS"}
		var ve *medsec.ValidationError
		if err := svc.CreateClinicalSystem(system, dup); !errors.As(err, &ve) || ve.Errors[0].Field != "name" {
			t.Errorf("a second PACS at the site: err = %v", err)
		}
		// An HIS sharing the workstation: an asset may be in several systems.
		his := &medsec.ClinicalSystem{SiteID: main.ID, Name: "HIS", Members: []medsec.SystemMember{{AssetID: ws.ID}}}
		if err := svc.CreateClinicalSystem(system, his); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.SetSystemMembers(system, pacs.ID, []int64{ws.ID}, []int64{dbsrv.ID}); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindClinicalSystems(system, medsec.ClinicalSystemFilter{AssetID: ws.ID})
		if err != nil || len(got) != 2 {
			t.Fatalf("systems of the workstation = %v, %v", got, err)
		}
		p, err := svc.FindClinicalSystem(system, pacs.ID)
		if err != nil || !slices.Equal(p.MemberIDs(), []int64{app.ID, archive.ID, ws.ID}) {
			t.Errorf("members after add/remove = %v, %v", p.MemberIDs(), err)
		}

		// A member asset of another site is refused, naming the field.
		_, err = svc.SetSystemMembers(system, pacs.ID, []int64{other.ID}, nil)
		if !errors.As(err, &ve) || ve.Errors[0].Field != "members" || ve.Errors[0].Key != "err.system_member_site" {
			t.Errorf("member of the branch: err = %v", err)
		}
		bad := &medsec.ClinicalSystem{SiteID: main.ID, Name: "LIS", Members: []medsec.SystemMember{{AssetID: other.ID}}}
		if err := svc.CreateClinicalSystem(system, bad); !errors.As(err, &ve) || ve.Errors[0].Field != "members" {
			t.Errorf("create with a member of the branch: err = %v", err)
		}
		if err := svc.CreateClinicalSystem(system, &medsec.ClinicalSystem{SiteID: main.ID, Name: "X", RTOHours: -1}); !errors.As(err, &ve) || ve.Errors[0].Field != "rto_hours" {
			t.Errorf("negative RTO: err = %v", err)
		}

		p.RTOHours, p.Fallback = 8, "paper orders; films from the modality consoles"
		if err := svc.UpdateClinicalSystem(system, p); err != nil {
			t.Fatal(err)
		}
		if p.RTOHours != 8 || len(p.Members) != 3 {
			t.Errorf("updated = %+v", p)
		}

		// A backup plan of a member asset that sets no continuity targets of its own is
		// covered by the system's: no no-continuity finding, the system's RTO counted.
		backups := sqlstore.NewBackupService(db)
		covered := &medsec.BackupPlan{AssetID: archive.ID, Name: "archive", FrequencyHours: 24, Generations: 7, ImmutableFrom: 3}
		bare := &medsec.BackupPlan{AssetID: dbsrv.ID, Name: "db (no longer a member)", FrequencyHours: 24, Generations: 7, ImmutableFrom: 3}
		for _, bp := range []*medsec.BackupPlan{covered, bare} {
			if err := backups.CreateBackupPlan(system, bp); err != nil {
				t.Fatal(err)
			}
		}
		if len(covered.Systems) != 1 || covered.Systems[0].Name != "PACS" {
			t.Errorf("the plan's systems = %+v", covered.Systems)
		}
		if rto, _, fallback := covered.Continuity(); rto != 8 || fallback == "" {
			t.Errorf("the plan's continuity = %d %q, want the system's", rto, fallback)
		}
		fs, err := backups.BackupFindings(system, medsec.BackupPlanFilter{})
		if err != nil {
			t.Fatal(err)
		}
		noContinuity := map[int64]bool{}
		for _, f := range fs {
			if f.Kind == medsec.FindingNoContinuity {
				noContinuity[f.PlanID] = true
			}
		}
		if noContinuity[covered.ID] || !noContinuity[bare.ID] {
			t.Errorf("no-continuity findings = %v: want only the plan of the asset in no system (%d)", noContinuity, bare.ID)
		}

		// Every change is audited with the system before and after.
		for _, action := range []string{medsec.ActionSystemCreate, medsec.ActionSystemMembers, medsec.ActionSystemUpdate} {
			entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: action})
			if err != nil || len(entries) == 0 {
				t.Fatalf("audit %s = %v, %v", action, entries, err)
			}
			if action == medsec.ActionSystemUpdate {
				var before, after medsec.ClinicalSystem
				if json.Unmarshal(entries[0].Before, &before) != nil || json.Unmarshal(entries[0].After, &after) != nil || before.RTOHours != 4 || after.RTOHours != 8 {
					t.Errorf("update audit before %s after %s", entries[0].Before, entries[0].After)
				}
			}
		}

		// A user of the branch sees none of it and changes nothing; a vendor is forbidden.
		branchUser := as(&medsec.User{ID: 99, Username: "br", Role: medsec.RoleITOperations, SiteIDs: []int64{branch.ID}})
		if _, err := svc.FindClinicalSystem(branchUser, pacs.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user reads: err = %v", err)
		}
		if ss, err := svc.FindClinicalSystems(branchUser, medsec.ClinicalSystemFilter{}); err != nil || len(ss) != 0 {
			t.Errorf("branch user sees %d systems (%v)", len(ss), err)
		}
		if _, err := svc.SetSystemMembers(branchUser, pacs.ID, nil, []int64{app.ID}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user changes members: err = %v", err)
		}
		if err := svc.UpdateClinicalSystem(branchUser, &medsec.ClinicalSystem{ID: pacs.ID, Name: "mine"}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user updates: err = %v", err)
		}
		if err := svc.CreateClinicalSystem(branchUser, &medsec.ClinicalSystem{SiteID: main.ID, Name: "RIS"}); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user creates at the main site: err = %v", err)
		}
		if err := svc.DeleteClinicalSystem(branchUser, pacs.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("branch user deletes: err = %v", err)
		}
		vendor := as(&medsec.User{ID: 98, Username: "v", Role: medsec.RoleVendor, VendorID: 1})
		if _, err := svc.FindClinicalSystems(vendor, medsec.ClinicalSystemFilter{}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("vendor: err = %v", err)
		}
		readOnly := as(&medsec.User{ID: 97, Username: "aud", Role: medsec.RoleAuditor})
		if err := svc.DeleteClinicalSystem(readOnly, his.ID); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor deletes: err = %v", err)
		}

		if err := svc.DeleteClinicalSystem(system, his.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.FindClinicalSystem(system, his.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("deleted system: err = %v", err)
		}
		if _, err := assets.FindAssetByID(system, ws.ID); err != nil {
			t.Errorf("the deleted system's asset went with it: %v", err)
		}
	})
}
