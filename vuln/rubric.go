package vuln

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"medsec"
)

// The answers of the rubric questions (medsec.RubricAnswers). The questions follow MITRE's
// "Rubric for Applying CVSS to Medical Devices" (2020, qualified by the FDA as a Medical
// Device Development Tool): it asks how an attacker reaches the device, whether a loss of
// integrity or availability could harm a patient, how the device is used clinically and
// whether it holds patient data, and scores what the answers say rather than what an
// enterprise IT system would suffer. docs/VULNERABILITIES.md gives the questions in full.
var (
	// ReachAnswers: from where can an attacker reach the vulnerable interface?
	// internet (reachable from the Internet), hospital (the routed hospital network),
	// segment (only an isolated clinical segment or a shared wireless link), local (a
	// user or program on the device), physical (touching the device or a serial cable).
	ReachAnswers = []string{"internet", "hospital", "segment", "local", "physical"}
	// HarmAnswers: could a loss of the device's integrity (wrong dose, altered result or
	// setting) or availability (the device stops) harm a patient? serious (serious injury
	// or death), minor (minor injury or a delay in care), none.
	HarmAnswers = []string{"serious", "minor", "none"}
	// ClinicalUseAnswers: what is the device used for? life-sustaining, therapy,
	// diagnosis (diagnosis or monitoring), non-clinical.
	ClinicalUseAnswers = []string{"life-sustaining", "therapy", "diagnosis", "non-clinical"}
	// PatientDataAnswers: what patient data does it hold or send? many (records of many
	// patients), one (the patient being treated), none.
	PatientDataAnswers = []string{"many", "one", "none"}
)

// RubricError reports an answer that is not one of its question's.
type RubricError struct {
	// Question is the answer's JSON name ("reach", "integrity_harm").
	Question string
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *RubricError) Error() string { return "rubric: " + e.Question + ": " + e.Reason }

// CheckRubric returns a *RubricError naming the first answer that is not one its
// question allows; "" (not answered) is allowed for each.
func CheckRubric(a medsec.RubricAnswers) error {
	for _, q := range []struct {
		name, value string
		allowed     []string
	}{
		{"reach", a.Reach, ReachAnswers}, {"integrity_harm", a.IntegrityHarm, HarmAnswers}, {"availability_harm", a.AvailabilityHarm, HarmAnswers},
		{"clinical_use", a.ClinicalUse, ClinicalUseAnswers}, {"patient_data", a.PatientData, PatientDataAnswers},
	} {
		if q.value != "" && !slices.Contains(q.allowed, q.value) {
			return &RubricError{Question: q.name, Reason: fmt.Sprintf("%q is not an answer (%s)", q.value, strings.Join(q.allowed, ", "))}
		}
	}
	return nil
}

// SuggestReach answers the reach question from the kind of zone the device is placed in
// by the zone model, or "" when it is in none: a device of the Internet zone is reachable
// from the Internet; of the hospital intranet from the routed network; of the OT zone or a
// device LAN, Bluetooth, RF or IR link only from its segment (CVSS's Adjacent); of an
// RS232 link only by its cable.
func SuggestReach(k medsec.ZoneKind) string {
	switch k {
	case medsec.ZoneInternet:
		return "internet"
	case medsec.ZoneIntranet:
		return "hospital"
	case medsec.ZoneOT, medsec.ZoneTrustedLocalLAN, medsec.ZoneTrustedBluetooth, medsec.ZoneTrustedRF, medsec.ZoneTrustedIR:
		return "segment"
	case medsec.ZoneTrustedRS232:
		return "physical"
	}
	return ""
}

// rubricMetrics returns the environmental metrics (and, for v4.0, the threat metric) the
// answers give for a vector of the version:
//
//   - reach sets the Modified Attack Vector (MAV): internet and hospital N, segment A,
//     local L, physical P;
//   - patient data sets Confidentiality Requirement (CR): many H, one M, none L;
//   - integrity harm sets Integrity Requirement (IR): serious H, minor M, none L; in
//     v4.0 serious also sets Modified Subsequent System Integrity to Safety (MSI:S), the
//     value v4.0 §4.2 gives for harm to a human, and the supplemental Safety metric
//     (S:P);
//   - clinical use and availability harm set Availability Requirement (AR), the higher
//     of: life-sustaining or therapy H, diagnosis M, non-clinical L; serious H, minor M,
//     none L; in v4.0 serious availability harm sets MSA:S and S:P;
//   - in v4.0 a vulnerability in CISA's KEV catalog is being exploited: Exploit Maturity
//     Attacked (E:A, §3.1).
func rubricMetrics(v Version, a medsec.RubricAnswers, kev bool) map[string]string {
	m := map[string]string{}
	set := func(metric, answer string, values map[string]string) {
		if x, ok := values[answer]; ok {
			m[metric] = x
		}
	}
	set("MAV", a.Reach, map[string]string{"internet": "N", "hospital": "N", "segment": "A", "local": "L", "physical": "P"})
	set("CR", a.PatientData, map[string]string{"many": "H", "one": "M", "none": "L"})
	set("IR", a.IntegrityHarm, map[string]string{"serious": "H", "minor": "M", "none": "L"})
	rank := map[string]int{"L": 1, "M": 2, "H": 3}
	for _, ar := range []string{
		map[string]string{"life-sustaining": "H", "therapy": "H", "diagnosis": "M", "non-clinical": "L"}[a.ClinicalUse],
		map[string]string{"serious": "H", "minor": "M", "none": "L"}[a.AvailabilityHarm],
	} {
		if rank[ar] > rank[m["AR"]] {
			m["AR"] = ar
		}
	}
	if v == V40 {
		if a.IntegrityHarm == "serious" {
			m["MSI"], m["S"] = "S", "P"
		}
		if a.AvailabilityHarm == "serious" {
			m["MSA"], m["S"] = "S", "P"
		}
		if kev {
			m["E"] = "A"
		}
	}
	return m
}

// Rescore re-scores a vulnerability for one device: it keeps the base metrics of the
// advisory's vector (and its v3 temporal metrics, or its v4.0 threat and supplemental
// ones), drops the environmental metrics the vector had, puts in those the rubric's
// answers give (rubricMetrics; kev says whether the CVE is in CISA's KEV catalog) and then
// the metrics given explicitly (an environmental metric, or for v4.0 the threat metric E,
// by abbreviation: "MAC": "H"), and scores the result with ParseCVSS. The environmental
// score of the returned CVSS is the device's score.
//
// Errors: a *VectorError for a base vector that does not parse, or an explicit metric
// that is not an environmental one of the vector's version or has a value the version
// does not allow (naming the metric); a *RubricError for an answer its question does not
// allow.
func Rescore(base string, a medsec.RubricAnswers, kev bool, metrics map[string]string) (CVSS, error) {
	c, err := ParseCVSS(base)
	if err != nil {
		return CVSS{}, err
	}
	if err := CheckRubric(a); err != nil {
		return CVSS{}, err
	}
	defs, from, to := metricsV3, defIndex(metricsV3, "CR"), len(metricsV3)
	if c.Version == V40 {
		defs, from, to = metricsV4, v4Env, v4Supp
	}
	env := func(abbr string) bool {
		d := defIndex(defs, abbr)
		return d >= from && d < to || c.Version == V40 && abbr == "E"
	}
	values := map[string]string{}
	for _, part := range strings.Split(base[len("CVSS:3.1/"):], "/") {
		abbr, value, _ := strings.Cut(part, ":")
		if d := defIndex(defs, abbr); d < from || d >= to {
			values[abbr] = value
		}
	}
	for k, v := range rubricMetrics(c.Version, a, kev) {
		values[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(metrics)) {
		if !env(k) {
			return CVSS{}, &VectorError{Vector: base, Metric: k, Reason: fmt.Sprintf("not an environmental metric of CVSS v%s", c.Version)}
		}
		values[k] = metrics[k]
	}
	var b strings.Builder
	b.WriteString(base[:len("CVSS:3.1")])
	for _, d := range defs {
		if v, ok := values[d.abbr]; ok && v != "X" {
			b.WriteString("/" + d.abbr + ":" + v)
		}
	}
	return ParseCVSS(b.String())
}

// ParseMetricList reads metrics written as a vector's tail, "MAC:H/MPR:L" (spaces and an
// empty string allowed), into a map for Rescore. It returns an error naming the part
// that is not "metric:value" or a metric given twice; whether each is a metric of the
// vector's version is Rescore's to check.
func ParseMetricList(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, part := range strings.Split(s, "/") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, ":")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, fmt.Errorf("%q is not metric:value", part)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("metric %s given more than once", k)
		}
		out[k] = v
	}
	return out, nil
}
