package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// sharedAdvisories parses every CSAF and NVD file of ../shared/data/vuln.
func sharedAdvisories(tb testing.TB) []*vuln.Advisory {
	tb.Helper()
	var out []*vuln.Advisory
	csafs, _ := filepath.Glob(filepath.Join(vulnData, "csaf-icsma", "*.json"))
	nvds, _ := filepath.Glob(filepath.Join(vulnData, "nvd-cve-2.0", "*.json"))
	if len(csafs) == 0 || len(nvds) == 0 {
		tb.Skip("shared data absent")
	}
	for _, p := range csafs {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		a, err := vuln.ParseCSAF(filepath.Base(p), data)
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		out = append(out, a)
	}
	seen := map[string]bool{}
	for _, p := range nvds {
		data, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		as, err := vuln.ParseNVD(filepath.Base(p), data)
		if err != nil {
			tb.Fatalf("%s: %v", p, err)
		}
		for _, a := range as {
			if !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// fleetOfAdvisories returns devices the advisories name: per CSAF advisory, its first
// products' vendor, product name and version (or 1.0); per NVD record, a device carrying
// each vulnerable criterion's CPE at its version or at the range's start — a fleet the
// shared data matches in many ways (names, prefixes, CPEs, ranges).
func fleetOfAdvisories(advs []*vuln.Advisory) []medsec.Asset {
	var out []medsec.Asset
	for _, a := range advs {
		n := 0
		for _, p := range a.Products {
			if p.Vendor == "" || p.ProductName == "" || n >= 2 {
				continue
			}
			n++
			fw := p.Version
			if fw == "" {
				fw = "1.0"
			}
			out = append(out, medsec.Asset{Name: fmt.Sprintf("%s-%d", a.ID, n), Model: p.ProductName, Firmware: fw, Notes: p.Vendor})
		}
		for _, v := range a.Vulnerabilities {
			for _, c := range v.Configurations {
				for _, nd := range c.Nodes {
					for _, cm := range nd.CPEMatch {
						parts := strings.Split(cm.Criteria, ":")
						if len(parts) < 6 || n >= 4 {
							continue
						}
						if parts[5] == "*" {
							parts[5] = cm.VersionStartIncluding
							if parts[5] == "" {
								parts[5] = "0.1"
							}
						}
						n++
						as := medsec.Asset{Name: fmt.Sprintf("%s-%d", a.ID, n), Notes: parts[3], Model: parts[4]}
						if parts[2] == "h" {
							as.HardwareCPE = strings.Join(parts, ":")
						} else {
							as.FirmwareCPE = strings.Join(parts, ":")
						}
						out = append(out, as)
					}
				}
			}
		}
	}
	return out
}

// addFleet creates the fleet's devices at the site, each with its vendor (named in Notes),
// and returns their IDs; each creation matches the device (through the advisory index).
func addFleet(tb testing.TB, db *sqlstore.DB, siteID int64, fleet []medsec.Asset) []int64 {
	tb.Helper()
	org, assets := sqlstore.NewOrgService(db), sqlstore.NewAssetService(db)
	vendors := map[string]int64{}
	var ids []int64
	for i := range fleet {
		a := fleet[i]
		name := strings.TrimSpace(a.Notes)
		if vendors[strings.ToLower(name)] == 0 {
			v := &medsec.Vendor{Name: name}
			if err := org.CreateVendor(system, v); err != nil {
				tb.Fatalf("vendor %q: %v", name, err)
			}
			vendors[strings.ToLower(name)] = v.ID
		}
		a.SiteID, a.Kind, a.VendorID, a.Notes = siteID, medsec.KindOther, vendors[strings.ToLower(name)], ""
		if err := assets.CreateAsset(system, &a); err != nil {
			tb.Fatalf("asset %s: %v", a.Name, err)
		}
		ids = append(ids, a.ID)
	}
	return ids
}

// BenchmarkDeviceChangeRematch times matching one device again after a change, with every
// CSAF and NVD advisory of ../shared/data/vuln stored and the devices they name in the
// inventory (SQLite): "index" reads only the advisories sharing an index key with the
// device (migration 0072), "full-scan" — the peer, as before — decodes every stored
// advisory. Each run is a transaction rolled back; the device is an NVD-matched one.
func BenchmarkDeviceChangeRematch(b *testing.B) {
	advs := sharedAdvisories(b)
	db := MustOpenDB(b, "sqlite")
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := sqlstore.NewOrgService(db).CreateSite(system, site); err != nil {
		b.Fatal(err)
	}
	svc := sqlstore.NewVulnService(db)
	if _, err := svc.Import(system, sqlstore.VulnImport{Advisories: advs}); err != nil {
		b.Fatal(err)
	}
	ids := addFleet(b, db, site.ID, fleetOfAdvisories(advs))
	device := ids[len(ids)-1]
	for _, mode := range []struct {
		name  string
		index bool
	}{{"index", true}, {"full-scan", false}} {
		b.Run(mode.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := svc.RematchAssetsTimed(system, mode.index, device); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestAdvisoryIndexMatchesFullScan: matching a device change reads only the advisories
// sharing an index key with the device (migration 0072), and gives the same findings as
// decoding every stored advisory. Every CSAF and NVD advisory of ../shared/data/vuln is
// imported; their keys are dropped (as a store from before 0072 has none) so the first
// device change fills them; devices named by the advisories are added one by one (each
// matched through the index); then a full re-match of every advisory against every
// device changes nothing — same findings, same why, same deadlines — on both engines.
func TestAdvisoryIndexMatchesFullScan(t *testing.T) {
	advs := sharedAdvisories(t)
	fleet := fleetOfAdvisories(advs)
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewVulnService(db)
		if _, err := svc.Import(system, sqlstore.VulnImport{Advisories: advs}); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecRaw(t.Context(), `DELETE FROM vuln_advisory_keys`); err != nil {
			t.Fatal(err)
		}
		if err := db.ExecRaw(t.Context(), `UPDATE vuln_advisories SET keys_version = 0`); err != nil {
			t.Fatal(err)
		}
		addFleet(t, db, main.ID, fleet)
		snapshot := func() map[string]string {
			out := map[string]string{}
			err := svc.EachFinding(system, medsec.FindingFilter{}, func(f *medsec.Finding) error {
				why, _ := json.Marshal(f.Why)
				out[fmt.Sprintf("%d/%d/%s", f.AssetID, f.ComponentID, f.CVE)] = fmt.Sprintf("%v|%s|%s|%s|%s|%s|%v", f.Advisories, f.AdvisoryStatus, why, f.Confidence, f.Due, f.DeadlineRule, f.GoneAt)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		compare := func(what string) int {
			byIndex := snapshot()
			sum, err := svc.Rematch(system)
			if err != nil {
				t.Fatal(err)
			}
			full := snapshot()
			if sum.NewFindings != 0 || sum.Updated != 0 || sum.Gone != 0 {
				t.Errorf("%s: a full re-match changed findings: %+v", what, sum)
			}
			keys := make([]string, 0, len(full))
			for k := range full {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				if byIndex[k] != full[k] {
					t.Errorf("%s: finding %s: %q, full scan %q", what, k, byIndex[k], full[k])
				}
			}
			if len(byIndex) != len(full) {
				t.Errorf("%s: %d findings, %d by the full scan", what, len(byIndex), len(full))
			}
			return len(full)
		}
		n := compare("devices matched through the index")
		if n < 40 {
			t.Fatalf("only %d findings from the index: the test would prove little", n)
		}
		t.Logf("%d advisories, %d devices, %d findings", len(advs), len(fleet), n)
		// A feed import matches only the devices it can change (t11 finding 25): a new
		// revision of a third of the advisories, each first vulnerability's affected
		// products now fixed, and KEV, give what a full re-match gives.
		var again []*vuln.Advisory
		for i, a := range advs {
			if i%3 != 0 {
				continue
			}
			c := *a
			// A new revision: a higher tracking version (CSAF), a later lastModified (NVD).
			c.Revision, c.Updated = "99", a.Updated.AddDate(1, 0, 0)
			c.Vulnerabilities = slices.Clone(a.Vulnerabilities)
			if len(c.Vulnerabilities) > 0 {
				v := &c.Vulnerabilities[0]
				v.Fixed, v.Affected = append(slices.Clone(v.Fixed), v.Affected...), nil
			}
			again = append(again, &c)
		}
		kev, err := vuln.ParseKEV("kev.json", readVulnFile(t, "kev/known_exploited_vulnerabilities.json"))
		if err != nil {
			t.Fatal(err)
		}
		sum, err := svc.Import(system, sqlstore.VulnImport{Advisories: again, KEV: kev})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Gone == 0 {
			t.Errorf("the new revisions closed no finding: %+v", sum)
		}
		compare("a narrowed feed import")
	})
}
