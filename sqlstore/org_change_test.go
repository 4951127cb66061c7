package sqlstore_test

import (
	"errors"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestOrgChangeAndDelete edits and deletes departments, people and vendors: a record an
// asset refers to is refused as in use and stays; scope limits who may change what; each
// change is audited.
func TestOrgChangeAndDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		org := sqlstore.NewOrgService(db)
		depts, _ := org.FindDepartments(system)
		vendors, _ := org.FindVendors(system)
		people, _ := org.FindPeople(system)
		var mainDept, branchDept *medsec.Department
		for _, d := range depts {
			if d.SiteID == main.ID {
				mainDept = d
			} else {
				branchDept = d
			}
		}
		a := &medsec.Asset{SiteID: main.ID, DepartmentID: mainDept.ID, Name: "CT-1", Kind: medsec.KindPACS, VendorID: vendors[0].ID, ResponsibleID: people[0].ID}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		code := func(err error) string {
			var e *medsec.Error
			if errors.As(err, &e) {
				return e.Code + " " + e.Key
			}
			if err != nil {
				return err.Error()
			}
			return ""
		}
		admin := as(&medsec.User{ID: 1, Username: "admin", Role: medsec.RoleAdmin})
		branchCE := as(&medsec.User{ID: 2, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		// Referred to by the asset: refused, kept.
		for what, err := range map[string]error{
			"department": org.DeleteDepartment(admin, mainDept.ID),
			"vendor":     org.DeleteVendor(admin, vendors[0].ID),
			"person":     org.DeletePerson(admin, people[0].ID),
		} {
			if got := code(err); got != "conflict err.in_use" {
				t.Errorf("delete %s in use: %q, want conflict err.in_use", what, got)
			}
		}
		if d, _ := org.FindDepartments(system); len(d) != 2 {
			t.Errorf("%d departments after refused deletes, want 2", len(d))
		}
		// Edits, audited with before and after.
		if err := org.UpdateDepartment(admin, &medsec.Department{ID: mainDept.ID, SiteID: main.ID, Name: "影像醫學部"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := sqlstore.NewAssetService(db).FindAssetByID(system, a.ID); got.DepartmentName != "影像醫學部" {
			t.Errorf("asset's department is %q after the rename", got.DepartmentName)
		}
		if err := org.UpdateVendor(admin, &medsec.Vendor{ID: vendors[0].ID, Name: "Aurora Medical", Email: "psirt@aurora.example"}); err != nil {
			t.Fatal(err)
		}
		if err := org.UpdatePerson(admin, &medsec.Person{ID: people[0].ID, Name: "林醫工", Title: "組長", DepartmentID: mainDept.ID}); err != nil {
			t.Fatal(err)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{ObjectType: "department", ObjectID: mainDept.ID})
		if err != nil || len(entries) == 0 || entries[0].Action != "department.update" || len(entries[0].Before) == 0 {
			t.Errorf("department audit: %d entries (%v)", len(entries), err)
		}
		// Scope: a branch user neither sees the main site's department nor changes vendors.
		if got := code(org.UpdateDepartment(branchCE, &medsec.Department{ID: mainDept.ID, SiteID: branch.ID, Name: "x"})); got != "not_found err.department_not_found" {
			t.Errorf("branch user renames a main-site department: %q", got)
		}
		if got := code(org.UpdateVendor(branchCE, &medsec.Vendor{ID: vendors[0].ID, Name: "x"})); got != "forbidden err.forbidden" {
			t.Errorf("branch user changes a vendor: %q", got)
		}
		if got := code(org.DeletePerson(branchCE, people[0].ID)); got != "not_found err.person_not_found" {
			t.Errorf("branch user deletes a main-site person: %q", got)
		}
		// A taken name is a conflict; a department nothing refers to is deleted.
		if got := code(org.UpdateDepartment(branchCE, &medsec.Department{ID: branchDept.ID, SiteID: branch.ID, Name: "放射科"})); got != "" {
			t.Errorf("rename to its own name: %q", got)
		}
		if err := org.DeleteDepartment(branchCE, branchDept.ID); err != nil {
			t.Errorf("delete unused department: %v", err)
		}
		if got := code(org.DeleteDepartment(admin, branchDept.ID)); got != "not_found err.department_not_found" {
			t.Errorf("delete again: %q", got)
		}
	})
}
