package sqlstore_test

import (
	"testing"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestCSAFOverNVDPerDevice: two devices have CVE-2017-9657. The MX40 on B.06.17 is covered
// by Philips' CSAF advisory ICSMA-17-255-01 and NVD's record; the other device, known to
// medsec only by its firmware and hardware CPEs, is matched by NVD alone. With NVD's score
// made to differ, the MX40's finding takes the advisory's score and the other keeps NVD's
// (issue 11: the CSAF score won for every device with the CVE, whatever the order of the
// imports), in either order of the imports.
func TestCSAFOverNVDPerDevice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		const cve = "CVE-2017-9657"
		const nvdVector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
		other := &medsec.Asset{SiteID: f.mx40old.SiteID, Name: "TELE-OEM-01", Kind: medsec.KindPatientMonitor, Model: "OEM telemetry pack",
			FirmwareCPE: "cpe:2.3:o:philips:intellivue_mx40_firmware:b.06.12:*:*:*:*:*:*:*", HardwareCPE: "cpe:2.3:h:philips:intellivue_mx40:-:*:*:*:*:*:*:*"}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, other); err != nil {
			t.Fatal(err)
		}
		cp := *f.advisories[0]
		cp.Vulnerabilities = nil
		for _, v := range f.advisories[0].Vulnerabilities {
			if v.CVE == cve {
				v.Vector = nvdVector
			}
			cp.Vulnerabilities = append(cp.Vulnerabilities, v)
		}
		icsma := f.advisories[2]
		var csafVector string
		for _, v := range icsma.Vulnerabilities {
			if v.CVE == cve {
				csafVector = v.Vector
			}
		}
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{&cp, icsma}}); err != nil {
			t.Fatal(err)
		}
		check := func(a *medsec.Asset, wantOrigin, wantRef, wantVector string) {
			t.Helper()
			list, n, err := f.svc.FindFindings(system, medsec.FindingFilter{AssetID: a.ID, CVE: cve})
			if err != nil || n != 1 {
				t.Fatalf("%s: findings: %d, %v", a.Name, n, err)
			}
			c, err := vuln.ScoreVector(wantVector)
			if err != nil {
				t.Fatal(err)
			}
			got := list[0]
			if got.ScoreOrigin != wantOrigin || got.ScoreRef != wantRef || got.CVSSVector != wantVector || got.Score != c.Base {
				t.Errorf("%s: scored %.1f (%s) by %q %q; want %.1f (%s) by %q %q", a.Name, got.Score, got.CVSSVector, got.ScoreOrigin, got.ScoreRef,
					c.Base, wantVector, wantOrigin, wantRef)
			}
		}
		check(f.mx40old, medsec.ScoreOriginCSAF, "ICSMA-17-255-01", csafVector)
		check(other, medsec.ScoreOriginNVD, cve, nvdVector)

		// Imported the other way round, NVD last: the same per device.
		again := cp
		again.Updated = cp.Updated.AddDate(0, 0, 1)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{&again}}); err != nil {
			t.Fatal(err)
		}
		check(f.mx40old, medsec.ScoreOriginCSAF, "ICSMA-17-255-01", csafVector)
		check(other, medsec.ScoreOriginNVD, cve, nvdVector)
	})
}
