package vuln

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Source names the kind of feed an advisory came from.
type Source string

// The feeds medsec reads.
const (
	// SourceCSAF is a CSAF 2.0 advisory (OASIS CSAF v2.0), such as CISA's ICS Medical
	// Advisories (ICSMA) or a manufacturer's bulletin.
	SourceCSAF Source = "csaf"
	// SourceNVD is an NVD CVE API 2.0 record; the advisory's ID is the CVE ID.
	SourceNVD Source = "nvd"
)

// Advisory is one published advisory: a CSAF document or an NVD CVE record. Its
// vulnerabilities name the products they affect, by the CSAF product tree (Products) or by
// NVD CPE configurations (Vulnerability.Configurations).
type Advisory struct {
	// ID is the CSAF document's /document/tracking/id ("ICSMA-18-037-02") or the CVE ID of
	// an NVD record.
	ID string `json:"id"`
	// Source is the kind of feed.
	Source Source `json:"source"`
	// Title is /document/title, or the NVD record's English description cut short.
	Title string `json:"title"`
	// Publisher is /document/publisher/name, or NVD's sourceIdentifier.
	Publisher string `json:"publisher,omitempty"`
	// Published and Updated are the initial and current release dates.
	Published time.Time `json:"published,omitzero"`
	Updated   time.Time `json:"updated,omitzero"`
	// Revision is a CSAF document's /document/tracking/version ("1", "2.1.0"); empty for
	// NVD, whose records are told apart by Updated (lastModified).
	Revision string `json:"revision,omitempty"`
	// File is the file the advisory was read from (for messages); not stored.
	File string `json:"-"`
	// Products are the leaves of the CSAF product tree; empty for NVD.
	Products []Product `json:"products,omitempty"`
	// Vulnerabilities are the CVEs the advisory describes.
	Vulnerabilities []Vulnerability `json:"vulnerabilities"`
	// Warnings are what was read but not used, each naming file, record and JSON pointer:
	// a CVSS vector that does not parse (the record is imported unscored from it). The
	// importer reports them; they are not stored with the advisory.
	Warnings []*InputError `json:"-"`
}

// Product is one full product name of a CSAF product tree (CSAF 2.0 §3.1.3.4), with what
// its branches and identification helper say about it.
type Product struct {
	// ID is the product_id the vulnerabilities refer to.
	ID string `json:"id"`
	// Name is the full product name as written.
	Name string `json:"name"`
	// Vendor is the name of the enclosing "vendor" branch, as written.
	Vendor string `json:"vendor,omitempty"`
	// ProductName is the name of the enclosing "product_name" (or "product_family")
	// branch, as written.
	ProductName string `json:"product_name,omitempty"`
	// Version is the name of a "product_version" branch: one exact version.
	Version string `json:"version,omitempty"`
	// VersionRange is the name of a "product_version_range" branch: a vers string
	// ("vers:all/*", "vers:generic/<1.2") or the free text advisories write ("< 1.003",
	// "2.3.6 and below").
	VersionRange string `json:"version_range,omitempty"`
	// CPE, PURL, ModelNumbers and SKUs are the product_identification_helper's
	// (CSAF 2.0 §3.1.3.3).
	CPE          string   `json:"cpe,omitempty"`
	PURL         string   `json:"purl,omitempty"`
	ModelNumbers []string `json:"model_numbers,omitempty"`
	SKUs         []string `json:"skus,omitempty"`
}

// Vulnerability is one CVE of an advisory.
type Vulnerability struct {
	// CVE is the CVE ID; for a CSAF vulnerability without one, the first ids entry's text.
	CVE string `json:"cve"`
	// Title is the CSAF title, or the CWE name.
	Title string `json:"title,omitempty"`
	// CWE is the weakness ID ("CWE-287"), if given.
	CWE string `json:"cwe,omitempty"`
	// Vector is the CVSS vector the advisory gives (the highest version it has: v4.0, v3.1,
	// v3.0, and for an NVD record with none of these its v2 vector, scored by ScoreVector).
	Vector string `json:"cvss_vector,omitempty"`
	// VectorSource names who gave Vector in an NVD record: its source and type
	// ("nvd@nist.gov (Primary)", "psirt@example.com (Secondary)"); empty for CSAF.
	VectorSource string `json:"cvss_source,omitempty"`
	// Scores are every valid CVSS vector of an NVD record, with source and type, in the
	// record's order (v4.0, v3.1, v3.0, v2); Vector is the one chosen.
	Scores []ScoreSource `json:"cvss_scores,omitempty"`
	// Description is the English description (NVD) or summary note (CSAF).
	Description string `json:"description,omitempty"`
	// Status lists, per CSAF product status, the product IDs (CSAF 2.0 §3.2.3.9).
	Affected           []string `json:"known_affected,omitempty"`
	NotAffected        []string `json:"known_not_affected,omitempty"`
	Fixed              []string `json:"fixed,omitempty"`
	UnderInvestigation []string `json:"under_investigation,omitempty"`
	// Remediations are the CSAF remediations, in order.
	Remediations []Remediation `json:"remediations,omitempty"`
	// Configurations are the NVD CPE applicability statements; any one matching makes a
	// target affected.
	Configurations []Configuration `json:"configurations,omitempty"`
}

// ScoreSource is one CVSS vector of an NVD record and who gave it: Source is the
// record's metric source (an e-mail or UUID of NVD or the CNA), Type "Primary" (NVD's own)
// or "Secondary".
type ScoreSource struct {
	Vector string `json:"vector"`
	Source string `json:"source,omitempty"`
	Type   string `json:"type,omitempty"`
}

// Remediation is one CSAF remediation (CSAF 2.0 §3.2.3.12).
type Remediation struct {
	// Category is vendor_fix, mitigation, workaround, none_available or no_fix_planned.
	Category string `json:"category"`
	// Details is the text.
	Details string `json:"details"`
	// ProductIDs are the products it applies to.
	ProductIDs []string `json:"product_ids,omitempty"`
}

// Configuration is one NVD configuration: nodes combined by Operator (AND or OR, OR when
// empty), negated as a whole when Negate is set (NVD CVE API 2.0 schema,
// "configurations").
type Configuration struct {
	Operator string `json:"operator,omitempty"`
	Negate   bool   `json:"negate,omitempty"`
	Nodes    []Node `json:"nodes"`
}

// Node is one NVD configuration node: CPE match criteria combined by Operator, negated
// when Negate is set.
type Node struct {
	Operator string     `json:"operator"`
	Negate   bool       `json:"negate,omitempty"`
	CPEMatch []CPEMatch `json:"cpeMatch"`
}

// CPEMatch is one NVD match criterion: a CPE 2.3 formatted string, maybe with a version
// range, and whether a match is the vulnerable part (false for the hardware a firmware
// runs on).
type CPEMatch struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	VersionStartIncluding string `json:"versionStartIncluding,omitempty"`
	VersionStartExcluding string `json:"versionStartExcluding,omitempty"`
	VersionEndIncluding   string `json:"versionEndIncluding,omitempty"`
	VersionEndExcluding   string `json:"versionEndExcluding,omitempty"`
	// crit is Criteria as ParseNVD read it (nil when the criterion came otherwise), so
	// that the matcher does not parse it again.
	crit *cpeName
}

// InputError is a refused input: the file, the place in it (a JSON pointer such as
// "/product_tree/branches/0/name", or "line 14") and what is wrong.
type InputError struct {
	File   string
	Where  string
	Reason string
	// Key, when set, is the translation key of Reason and Args its arguments, so that the
	// command line and the pages say the reason in the reader's language (bt11g M6): the
	// CSAF schema's rules (SchemaRule).
	Key  string
	Args []string
	// More counts the further faults of the same kind the file has (schema errors).
	More int
}

// Error implements error: "file: where: reason".
func (e *InputError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Where != "" {
		b.WriteString(e.Where)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

func inputErr(file, where, format string, args ...any) *InputError {
	return &InputError{File: file, Where: where, Reason: fmt.Sprintf(format, args...)}
}

// ProductByID returns the advisory's product with the ID, and whether there is one.
func (a *Advisory) ProductByID(id string) (Product, bool) {
	for _, p := range a.Products {
		if p.ID == id {
			return p, true
		}
	}
	return Product{}, false
}

// GoneStatus is the VEX status of a device whose finding of cve, matched to the product
// productID of this advisory, medsec marked gone (the latest matching no longer finds it):
// "fixed" when the advisory now lists that product as fixed (first_fixed, fixed: a new
// revision saying so); otherwise the device no longer matches the advisory's affected
// products (its version is outside the range, its identity changed), which CSAF 2.0 says
// as known_not_affected with the justification vulnerable_code_not_present (§3.2.3.5; the
// csaf_vex profile wants each not-affected product justified, §4.5). The device is kept in
// the document rather than left out, so that the vendor reads the hospital's answer for it.
func (a *Advisory) GoneStatus(cve, productID string) (status, justification string) {
	for _, v := range a.Vulnerabilities {
		if v.CVE == cve && productID != "" && slices.Contains(v.Fixed, productID) {
			return "fixed", ""
		}
	}
	return "known_not_affected", "vulnerable_code_not_present"
}

// CVEs returns the CVE IDs of the advisory, in order.
func (a *Advisory) CVEs() []string {
	out := make([]string, 0, len(a.Vulnerabilities))
	for _, v := range a.Vulnerabilities {
		out = append(out, v.CVE)
	}
	return out
}

// parseTime reads an RFC 3339 time or a date, as feeds write them ("2018-02-06T00:00:00Z",
// NVD's "2018-02-06T17:29:00.123" without zone, "2025-08-25"); zero when empty.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: not RFC 3339", s)
}
