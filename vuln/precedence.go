package vuln

// Precedence of a manufacturer's word over NVD (issue 11).
//
// A CSAF advisory is the manufacturer's (or CISA's on its behalf) statement about its
// own products; an NVD record's CPE configuration is a third party's generic range for
// the CVE. When a CSAF advisory says of the device's product that a CVE is fixed or
// known_not_affected (CSAF 2.0 §3.2.3.9), and the advisory's product was matched to the
// device by its product identification helper (CPE, purl, model number, SKU), by its full
// product name or as a product version (confidence high or medium), the statement outranks
// NVD's match of the same CVE on the same device: the NVD match raises no finding (an
// existing one is marked gone), whatever the order the two were imported in. A statement
// matched only loosely (a product name prefix, no vendor branch, a version medsec could not
// test: confidence low) never suppresses anything: the finding stands and carries the
// statement as a note ("vendor says not affected, low-confidence match") the analyst can
// confirm by marking the finding not affected. Another CSAF advisory that lists the
// device's product as affected for the same CVE is not overruled: two statements of
// manufacturers are for a person to weigh.

// VendorStatement reports whether a match is a CSAF advisory's statement that the target
// is not affected by the CVE: status fixed or known_not_affected on a product of the
// advisory's product tree.
func VendorStatement(m Match) bool {
	return m.ProductID != "" && (m.Status == "fixed" || m.Status == "known_not_affected")
}

// StatementDecides reports whether a vendor statement (VendorStatement) outranks NVD's
// matches of its CVE on the same device: it does when its product was matched by an
// identifier, the full product name or a product version (confidence high or medium),
// never when the match is low-confidence.
func StatementDecides(m Match) bool {
	return VendorStatement(m) && m.Confidence != ConfidenceLow
}

// FromNVD reports whether a match is an NVD CPE configuration's (not a CSAF product
// tree's).
func FromNVD(m Match) bool {
	return m.ProductID == ""
}

// VendorStatements returns, by CVE, the surest vendor statement (VendorStatement) among
// the matches of a device's targets (the asset and its components): the one of highest
// confidence, then of the smallest advisory and product ID, so the choice does not depend
// on the order of the matches.
func VendorStatements(ms []Match) map[string]Match {
	rank := map[Confidence]int{ConfidenceHigh: 3, ConfidenceMedium: 2, ConfidenceLow: 1}
	out := map[string]Match{}
	for _, m := range ms {
		if !VendorStatement(m) {
			continue
		}
		best, ok := out[m.CVE]
		switch {
		case !ok, rank[m.Confidence] > rank[best.Confidence]:
			out[m.CVE] = m
		case rank[m.Confidence] == rank[best.Confidence] &&
			(m.AdvisoryID < best.AdvisoryID || m.AdvisoryID == best.AdvisoryID && m.ProductID < best.ProductID):
			out[m.CVE] = m
		}
	}
	return out
}
