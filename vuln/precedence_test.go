package vuln

import "testing"

func TestVendorStatementPrecedence(t *testing.T) {
	nvd := Match{AdvisoryID: "CVE-2020-1", CVE: "CVE-2020-1", Status: "known_affected", Confidence: ConfidenceHigh}
	fixedMedium := Match{AdvisoryID: "ICSMA-B", CVE: "CVE-2020-1", ProductID: "P2", Status: "fixed", Confidence: ConfidenceMedium}
	fixedHigh := Match{AdvisoryID: "ICSMA-C", CVE: "CVE-2020-1", ProductID: "P1", Status: "known_not_affected", Confidence: ConfidenceHigh}
	lowName := Match{AdvisoryID: "ICSMA-A", CVE: "CVE-2020-1", ProductID: "P1", Status: "known_not_affected", Confidence: ConfidenceLow}
	affected := Match{AdvisoryID: "ICSMA-A", CVE: "CVE-2020-1", ProductID: "P1", Status: "known_affected", Confidence: ConfidenceHigh}
	for _, c := range []struct {
		m                        Match
		statement, decides, nvdM bool
	}{
		{nvd, false, false, true},
		{fixedMedium, true, true, false},
		{fixedHigh, true, true, false},
		{lowName, true, false, false},
		{affected, false, false, false},
	} {
		if got := VendorStatement(c.m); got != c.statement {
			t.Errorf("VendorStatement(%s %s %s) = %v, want %v", c.m.AdvisoryID, c.m.Status, c.m.Confidence, got, c.statement)
		}
		if got := StatementDecides(c.m); got != c.decides {
			t.Errorf("StatementDecides(%s %s %s) = %v, want %v", c.m.AdvisoryID, c.m.Status, c.m.Confidence, got, c.decides)
		}
		if got := FromNVD(c.m); got != c.nvdM {
			t.Errorf("FromNVD(%s) = %v, want %v", c.m.AdvisoryID, got, c.nvdM)
		}
	}
	// The surest statement wins, in either order.
	for _, in := range [][]Match{{nvd, lowName, fixedMedium, fixedHigh, affected}, {fixedHigh, affected, fixedMedium, lowName, nvd}} {
		if got := VendorStatements(in)["CVE-2020-1"]; got.AdvisoryID != "ICSMA-C" {
			t.Errorf("VendorStatements: %s, want ICSMA-C (high)", got.AdvisoryID)
		}
	}
	if got, ok := VendorStatements([]Match{nvd, lowName})["CVE-2020-1"]; !ok || got.AdvisoryID != "ICSMA-A" {
		t.Errorf("VendorStatements of a low statement: %+v %v, want it (as a note)", got, ok)
	}
	if len(VendorStatements([]Match{nvd, affected})) != 0 {
		t.Error("VendorStatements of no statement: want none")
	}
}
