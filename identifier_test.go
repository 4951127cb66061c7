package medsec

import "testing"

// TestAssetIdentifiersValidated: an asset's firmware/hardware CPE and purl are checked as
// the SBOM import checks a component's, each error naming its field (the tester's values
// "cpe:2.3:o:acme" and "not a purl" were stored and never matched); the real identifiers
// of the Philips MX40 record and a purl pass.
func TestAssetIdentifiersValidated(t *testing.T) {
	base := Asset{SiteID: 1, Name: "MX40-7F-01", Kind: KindPatientMonitor, PatchingPermitted: Unknown, DefaultCreds: CredUnknown,
		DataClass: DataClasses[0], Status: StatusActive}
	good := base
	good.FirmwareCPE = "cpe:2.3:o:philips:intellivue_mx40_firmware:b.06.17:*:*:*:*:*:*:*"
	good.HardwareCPE = "cpe:/h:philips:intellivue_mx40"
	good.PURL = "pkg:generic/freertos@10.0.1"
	if err := good.Validate(); err != nil {
		t.Fatalf("valid identifiers: %v", err)
	}
	for _, c := range []struct{ field, cpeFW, cpeHW, purl string }{
		{"firmware_cpe", "cpe:2.3:o:acme", "", ""},
		{"hardware_cpe", "", "acme monitor", ""},
		{"purl", "", "", "not a purl"},
	} {
		a := base
		a.FirmwareCPE, a.HardwareCPE, a.PURL = c.cpeFW, c.cpeHW, c.purl
		err := a.Validate()
		ve, ok := err.(*ValidationError)
		if !ok || len(ve.Errors) != 1 || ve.Errors[0].Field != c.field {
			t.Errorf("%s: %v, want one error naming %s", c.field, err, c.field)
		}
	}
}
