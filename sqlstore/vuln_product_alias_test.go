package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestProductAliasMatches (t11 finding 4): GE's ICSMA-20-023-01 names "CARESCAPE Central
// Station (CSCS)"; the inventory calls the device "CSCS", which matching does not take for
// it. A product alias line (GE Healthcare: "CARESCAPE Central Station (CSCS)" is "CSCS")
// makes the device match, the finding's why names the line first, the line is audited, a
// duplicate is refused naming the field, and removing the line marks the findings gone;
// both engines.
func TestProductAliasMatches(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewVulnService(db)
		adv, err := vuln.ParseCSAF("icsma-20-023-01.json", readVulnFile(t, "csaf-icsma/icsma-20-023-01.json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{adv}}); err != nil {
			t.Fatal(err)
		}
		cscs := addFleet(t, db, main.ID, []medsec.Asset{{Name: "CSCS-ICU", Model: "CSCS", Firmware: "2.1", Notes: "GE Healthcare"}})[0]
		open := func() []*medsec.Finding {
			var out []*medsec.Finding
			fs, _, err := svc.FindFindings(system, medsec.FindingFilter{AssetID: cscs})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.GoneAt.IsZero() {
					out = append(out, f)
				}
			}
			return out
		}
		if n := len(open()); n != 0 {
			t.Fatalf("CSCS matched %d findings before any product alias", n)
		}
		line := &medsec.ProductAlias{Vendor: "GE Healthcare", Name: "CARESCAPE Central Station (CSCS)", Model: "CSCS"}
		if err := svc.AddProductAlias(system, line); err != nil {
			t.Fatal(err)
		}
		got := open()
		if len(got) != len(adv.Vulnerabilities) {
			t.Fatalf("CSCS has %d findings with the alias, want the advisory's %d", len(got), len(adv.Vulnerabilities))
		}
		for _, f := range got {
			if f.Why == nil || len(f.Why.Identifiers) == 0 || f.Why.Identifiers[0].Kind != "product_alias" ||
				f.Why.Identifiers[0].Params["name"] != line.Name || f.Why.Identifiers[0].Params["model"] != "CSCS" {
				t.Errorf("%s: why %+v does not name the product alias", f.CVE, f.Why)
			}
			if f.Advisory != "ICSMA-20-023-01" {
				t.Errorf("%s: advisory %s", f.CVE, f.Advisory)
			}
		}
		err = svc.AddProductAlias(system, &medsec.ProductAlias{Vendor: "ge healthcare", Name: "CARESCAPE central station (CSCS)", Model: "cscs"})
		if ve, ok := err.(*medsec.ValidationError); !ok || ve.Errors[0].Field != "name" {
			t.Errorf("the same line again: %v, want invalid naming name", err)
		}
		if err := svc.AddProductAlias(system, &medsec.ProductAlias{Vendor: "GE", Name: "", Model: "CSCS"}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("a line without name: %v", err)
		}
		lines, err := svc.FindProductAliases(system)
		if err != nil || len(lines) != 1 || lines[0].ID != line.ID {
			t.Fatalf("table %+v, %v", lines, err)
		}
		entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "vuln.product_alias.create"})
		if err != nil || len(entries) != 1 {
			t.Errorf("audit of the line: %d rows, %v", len(entries), err)
		}
		fullRematchChangesNothing(t, svc, "with the product alias")
		if err := svc.DeleteProductAlias(system, line.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(open()); n != 0 {
			t.Errorf("CSCS keeps %d findings after the line was removed", n)
		}
		if err := svc.DeleteProductAlias(system, line.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("removing it again: %v", err)
		}
		fullRematchChangesNothing(t, svc, "after the product alias was removed")
	})
}
