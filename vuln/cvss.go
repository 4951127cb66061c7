package vuln

import (
	"fmt"
	"math"
	"strings"

	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"
)

// Version is a CVSS specification version a vector declares by its prefix ("CVSS:3.1/").
type Version string

// The CVSS versions medsec scores. CVSS v2 vectors carry no version prefix and are refused
// (see ParseCVSS): NVD stopped scoring with v2 in 2022 and FIRST retired it.
const (
	V20 Version = "2.0" // CVSS v2 Complete Documentation (FIRST, 2007); only ScoreVector reads it
	V30 Version = "3.0" // CVSS v3.0 Specification Document (FIRST, 2015)
	V31 Version = "3.1" // CVSS v3.1 Specification Document, revision 1 (FIRST, 2019)
	V40 Version = "4.0" // CVSS v4.0 Specification Document (FIRST, 2023)
)

// Severity is a qualitative severity rating: CVSS v3.1 §5 (Table 14) and CVSS v4.0 §6
// give the same scale (v3.0 §5 too).
type Severity string

// The ratings of the qualitative severity rating scale.
const (
	SeverityNone     Severity = "None"     // 0.0
	SeverityLow      Severity = "Low"      // 0.1-3.9
	SeverityMedium   Severity = "Medium"   // 4.0-6.9
	SeverityHigh     Severity = "High"     // 7.0-8.9
	SeverityCritical Severity = "Critical" // 9.0-10.0
)

// Rate returns the qualitative severity of a score of 0.0 to 10.0 (CVSS v3.1 §5, v4.0 §6).
// Scores are compared in tenths, as the specification publishes them, so 6.95 computed
// in floating point is not silently taken for 7.0: the score is rounded to one decimal
// first. A score outside 0 to 10, or NaN, is rated None; ParseCVSS never produces one.
func Rate(score float64) Severity {
	t := tenths(score)
	switch {
	case t >= 90 && t <= 100:
		return SeverityCritical
	case t >= 70 && t < 90:
		return SeverityHigh
	case t >= 40 && t < 70:
		return SeverityMedium
	case t >= 1 && t < 40:
		return SeverityLow
	}
	return SeverityNone
}

// RateIn returns the qualitative severity of a score computed by the CVSS version v.
// CVSS v2 has no rating scale of its own; NVD's for v2 scores has three ratings and no
// Critical (NVD, "Vulnerability Metrics", https://nvd.nist.gov/vuln-metrics/cvss: "Low
// 0.0-3.9, Medium 4.0-6.9, High 7.0-10.0"), so a v2 score of 10.0 is High, and a v2 score
// of 0.0 is Low. Every other version (and "", a score of no known vector) is rated by Rate.
// Ratings are labels only: a fix deadline follows the score, not the rating
// (ComputeDeadline), so a v2 score of 9.3 gets the window of a score ≥ 7.0 whatever it is
// called.
func RateIn(v Version, score float64) Severity {
	if v != V20 {
		return Rate(score)
	}
	t := tenths(score)
	switch {
	case t >= 70 && t <= 100:
		return SeverityHigh
	case t >= 40 && t < 70:
		return SeverityMedium
	case t >= 0 && t < 40:
		return SeverityLow
	}
	return SeverityNone
}

// tenths returns score*10 rounded to an integer, or -1 for NaN.
func tenths(score float64) int {
	if math.IsNaN(score) {
		return -1
	}
	return int(math.Round(score * 10))
}

// CVSS is a parsed and scored CVSS vector. The scores have one decimal, as the
// specifications round them: v3.0 and v3.1 with Roundup (v3.1 Appendix A), v4.0 half up
// (§8), as FIRST's reference calculator does. go-cvss v0.6.4 as published rounds a v4.0
// score that float64 lands one ULP under an exact x.x5 tie down (5.6 for 5.65); medsec
// builds a copy patched to lift the value by 10^-6 before rounding, the reference
// calculator's rule (third_party/go-cvss/README.md), so every vector of the reference set
// in ../shared/data/cvss scores as the reference does.
type CVSS struct {
	// Version is the specification the vector's prefix names.
	Version Version
	// Vector is the vector string as given.
	Vector string
	// Base is the base score: v3 §7.1 equations; for v4.0, CVSS-B (§1.3 nomenclature),
	// the score of the base metrics alone.
	Base float64
	// Temporal is the v3 temporal score (§7.2); equal to Base when the vector has no
	// temporal metric. Zero for v4.0, which has no temporal group.
	Temporal float64
	// Threat is the v4.0 CVSS-BT score (§1.3): base and threat (E) metrics, without the
	// environmental ones. Zero for v3.
	Threat float64
	// Environmental is the v3 environmental score (§7.3), which also takes the temporal
	// metrics into account; for v4.0 the score of every metric given (CVSS-BTE, §1.3).
	// It is the vector's overall score in both versions; equal to Temporal (v3) or Threat
	// (v4.0) when no environmental metric is given.
	Environmental float64
	// Nomenclature names, for v4.0, which metric groups the vector's score used:
	// "CVSS-B", "CVSS-BT", "CVSS-BE" or "CVSS-BTE" (§1.3). Empty for v3.
	Nomenclature string
}

// Score returns the vector's overall score: the environmental score, which FIRST's
// calculators show as the vector's score (v3.1 §7.3, v4.0 §1.3).
func (c CVSS) Score() float64 { return c.Environmental }

// Severity returns the qualitative rating of the overall score (v3.1 §5, v4.0 §6; NVD's
// three v2 ratings for a v2 vector, RateIn).
func (c CVSS) Severity() Severity { return RateIn(c.Version, c.Environmental) }

// BaseSeverity returns the qualitative rating of the base score (v3.1 §5, v4.0 §6; NVD's
// three v2 ratings for a v2 vector, RateIn).
func (c CVSS) BaseSeverity() Severity { return RateIn(c.Version, c.Base) }

// VectorError reports a vector that cannot be scored. Its message starts with the vector
// and names the metric at fault when there is one:
//
//	CVSS:3.1/AV:X/...: metric AV: value "X" not allowed (N, A, L, P)
type VectorError struct {
	// Vector is the vector string as given.
	Vector string
	// Metric is the abbreviation of the metric at fault ("AV", "MSI"), or "" when the
	// fault is the prefix or the vector's shape.
	Metric string
	// Reason says what is wrong, without the vector or metric.
	Reason string
	// Key is the translation key of Reason and Args its arguments, for the command line
	// to say it in the user's language (bt11g M6); "" for the library's own reasons.
	Key  string
	Args []string
}

// vectorReasonKeys are the translation keys of ParseCVSS's reasons, by their English form.
var vectorReasonKeys = map[string]string{
	"CVSS v2 vectors are not supported; give a CVSS v3.0, v3.1 or v4.0 vector": "cvss.err.v2",
	"prefix: CVSS version %q not supported (3.0, 3.1 or 4.0)":                  "cvss.err.version",
	`prefix: want "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/"`:                     "cvss.err.prefix",
	"empty metric at position %d":                                              "cvss.err.empty",
	"unknown metric in CVSS v%s":                                               "cvss.err.unknown_metric",
	"no value":                                                                 "cvss.err.no_value",
	"given more than once":                                                     "cvss.err.repeated",
	"value %q not allowed (%s)":                                                "cvss.err.value",
	"out of order: CVSS v4.0 §7 puts it before %s":                             "cvss.err.order",
	"missing (a base metric, mandatory)":                                       "cvss.err.missing",
}

// Error implements error.
func (e *VectorError) Error() string {
	if e.Metric != "" {
		return fmt.Sprintf("%s: metric %s: %s", e.Vector, e.Metric, e.Reason)
	}
	return fmt.Sprintf("%s: %s", e.Vector, e.Reason)
}

// metricDef is one metric of a version: its abbreviation, its allowed values and whether
// a vector must give it.
type metricDef struct {
	abbr      string
	values    []string
	mandatory bool
}

// ciaValues are the v3 Confidentiality, Integrity and Availability values (§2.3).
var ciaValues = []string{"H", "L", "N"}

// metricsV3 lists the CVSS v3.0 and v3.1 metrics, in the order of v3.1 §6 Table 15 (the
// two versions share their metrics and values).
var metricsV3 = []metricDef{
	{"AV", []string{"N", "A", "L", "P"}, true},
	{"AC", []string{"L", "H"}, true},
	{"PR", []string{"N", "L", "H"}, true},
	{"UI", []string{"N", "R"}, true},
	{"S", []string{"U", "C"}, true},
	{"C", ciaValues, true},
	{"I", ciaValues, true},
	{"A", ciaValues, true},
	{"E", []string{"X", "H", "F", "P", "U"}, false},
	{"RL", []string{"X", "U", "W", "T", "O"}, false},
	{"RC", []string{"X", "C", "R", "U"}, false},
	{"CR", []string{"X", "H", "M", "L"}, false},
	{"IR", []string{"X", "H", "M", "L"}, false},
	{"AR", []string{"X", "H", "M", "L"}, false},
	{"MAV", []string{"X", "N", "A", "L", "P"}, false},
	{"MAC", []string{"X", "L", "H"}, false},
	{"MPR", []string{"X", "N", "L", "H"}, false},
	{"MUI", []string{"X", "N", "R"}, false},
	{"MS", []string{"X", "U", "C"}, false},
	{"MC", []string{"X", "H", "L", "N"}, false},
	{"MI", []string{"X", "H", "L", "N"}, false},
	{"MA", []string{"X", "H", "L", "N"}, false},
}

// metricsV4 lists the CVSS v4.0 metrics in the order of §7 Table 23 (base, threat,
// environmental, supplemental), which go-cvss, like FIRST's calculator, requires.
var metricsV4 = []metricDef{
	{"AV", []string{"N", "A", "L", "P"}, true},
	{"AC", []string{"L", "H"}, true},
	{"AT", []string{"N", "P"}, true},
	{"PR", []string{"N", "L", "H"}, true},
	{"UI", []string{"N", "P", "A"}, true},
	{"VC", ciaValues, true},
	{"VI", ciaValues, true},
	{"VA", ciaValues, true},
	{"SC", ciaValues, true},
	{"SI", ciaValues, true},
	{"SA", ciaValues, true},
	{"E", []string{"X", "A", "P", "U"}, false},
	{"CR", []string{"X", "H", "M", "L"}, false},
	{"IR", []string{"X", "H", "M", "L"}, false},
	{"AR", []string{"X", "H", "M", "L"}, false},
	{"MAV", []string{"X", "N", "A", "L", "P"}, false},
	{"MAC", []string{"X", "L", "H"}, false},
	{"MAT", []string{"X", "N", "P"}, false},
	{"MPR", []string{"X", "N", "L", "H"}, false},
	{"MUI", []string{"X", "N", "P", "A"}, false},
	{"MVC", []string{"X", "H", "L", "N"}, false},
	{"MVI", []string{"X", "H", "L", "N"}, false},
	{"MVA", []string{"X", "H", "L", "N"}, false},
	{"MSC", []string{"X", "H", "L", "N"}, false},
	{"MSI", []string{"X", "S", "H", "L", "N"}, false},
	{"MSA", []string{"X", "S", "H", "L", "N"}, false},
	{"S", []string{"X", "N", "P"}, false},
	{"AU", []string{"X", "N", "Y"}, false},
	{"R", []string{"X", "A", "U", "I"}, false},
	{"V", []string{"X", "D", "C"}, false},
	{"RE", []string{"X", "L", "M", "H"}, false},
	{"U", []string{"X", "Clear", "Green", "Amber", "Red"}, false},
}

// v4 group boundaries in metricsV4: base metrics are [0, v4Threat), the threat metric is
// [v4Threat, v4Env), environmental metrics [v4Env, v4Supp), supplemental the rest.
const (
	v4Threat = 11
	v4Env    = 12
	v4Supp   = 26
)

// metricValue is one "abbr:value" of a vector, with the index of its definition.
type metricValue struct {
	def   int
	abbr  string
	value string
}

// ParseCVSS parses a CVSS v3.0, v3.1 or v4.0 vector string and scores it.
//
// The vector must begin with its prefix, "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/" (v3.1
// §6, v4.0 §7), and consist of "metric:value" pairs separated by "/". Every base metric
// is mandatory; each metric may appear once; values are the specification's
// abbreviations, case-sensitive. v3 metrics may come in any order (v3.1 §6); v4.0 metrics
// must come in the order of §7 Table 23, as go-cvss and FIRST's calculator require. "X" (Not Defined) is allowed for the optional
// metrics only.
//
// A vector that breaks any of these rules is refused with a *VectorError naming the
// metric, or the prefix. CVSS v2 vectors ("AV:N/AC:L/Au:N/...") are refused with a
// message saying so.
func ParseCVSS(vector string) (CVSS, error) {
	fail := func(metric, format string, args ...any) (CVSS, error) {
		e := &VectorError{Vector: vector, Metric: metric, Reason: fmt.Sprintf(format, args...), Key: vectorReasonKeys[format]}
		for _, a := range args {
			e.Args = append(e.Args, fmt.Sprint(a))
		}
		return CVSS{}, e
	}
	var version Version
	var defs []metricDef
	switch {
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		version, defs = V30, metricsV3
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		version, defs = V31, metricsV3
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		version, defs = V40, metricsV4
	case looksLikeV2(vector):
		return fail("", "CVSS v2 vectors are not supported; give a CVSS v3.0, v3.1 or v4.0 vector")
	case strings.HasPrefix(vector, "CVSS:"):
		v, _, _ := strings.Cut(strings.TrimPrefix(vector, "CVSS:"), "/")
		return fail("", "prefix: CVSS version %q not supported (3.0, 3.1 or 4.0)", v)
	default:
		return fail("", `prefix: want "CVSS:3.0/", "CVSS:3.1/" or "CVSS:4.0/"`)
	}
	body := vector[len("CVSS:3.1/"):]
	seen := make([]bool, len(defs))
	metrics := make([]metricValue, 0, len(defs))
	last := -1
	for i, part := range strings.Split(body, "/") {
		abbr, value, ok := strings.Cut(part, ":")
		if part == "" {
			return fail("", "empty metric at position %d", i+1)
		}
		d := defIndex(defs, abbr)
		if d < 0 {
			return fail(abbr, "unknown metric in CVSS v%s", version)
		}
		if !ok || value == "" {
			return fail(abbr, "no value")
		}
		if seen[d] {
			return fail(abbr, "given more than once")
		}
		if !allowed(defs[d].values, value) {
			return fail(abbr, "value %q not allowed (%s)", value, strings.Join(defs[d].values, ", "))
		}
		if version == V40 && d < last {
			return fail(abbr, "out of order: CVSS v4.0 §7 puts it before %s", defs[last].abbr)
		}
		seen[d], last = true, d
		metrics = append(metrics, metricValue{def: d, abbr: abbr, value: value})
	}
	for d, def := range defs {
		if def.mandatory && !seen[d] {
			return fail(def.abbr, "missing (a base metric, mandatory)")
		}
	}
	c := CVSS{Version: version, Vector: vector}
	var err error
	switch version {
	case V30:
		err = score30(&c, vector)
	case V31:
		err = score31(&c, vector)
	case V40:
		err = score40(&c, metrics)
	}
	if err != nil {
		// The checks above follow the library's rules; should they ever disagree, the
		// vector is refused with the library's reason rather than scored wrongly.
		return fail("", "%v", err)
	}
	return c, nil
}

// ScoreVector scores a vector an advisory gives: a v3.0, v3.1 or v4.0 vector as ParseCVSS
// does, and a CVSS v2 vector (NVD's "AV:N/AC:L/Au:N/C:P/I:P/A:P", with or without a
// "CVSS:2.0/" or parenthesised form) by the v2 equations (CVSS v2 §3.2, go-cvss's 20
// package): Base, Temporal and Environmental as v2 defines them, Version V20, so that a
// CVE NVD scored only in v2 gets its own base score rather than a guess. A vector of no
// version, or one that breaks its version's rules, is refused with a *VectorError naming
// the metric where the library names one.
func ScoreVector(vector string) (CVSS, error) {
	if !looksLikeV2(vector) {
		return ParseCVSS(vector)
	}
	plain := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(vector, "CVSS:2.0/"), "("), ")")
	v, err := gocvss20.ParseVector(plain)
	if err != nil {
		return CVSS{}, &VectorError{Vector: vector, Reason: "CVSS v2: " + err.Error()}
	}
	return CVSS{Version: V20, Vector: vector, Base: v.BaseScore(), Temporal: v.TemporalScore(), Environmental: v.EnvironmentalScore()}, nil
}

// VectorVersion names the CVSS version of a vector ("2.0", "3.0", "3.1", "4.0"), or ""
// when it is none of these; for labelling a stored score.
func VectorVersion(vector string) Version {
	switch {
	case strings.HasPrefix(vector, "CVSS:3.0/"):
		return V30
	case strings.HasPrefix(vector, "CVSS:3.1/"):
		return V31
	case strings.HasPrefix(vector, "CVSS:4.0/"):
		return V40
	case looksLikeV2(vector):
		return V20
	}
	return ""
}

// looksLikeV2 reports whether a vector is a CVSS v2 one: no prefix (or NVD's
// parenthesised form) and v2's Authentication metric "Au".
func looksLikeV2(vector string) bool {
	v := strings.TrimPrefix(strings.TrimPrefix(vector, "CVSS:2.0/"), "(")
	return strings.HasPrefix(v, "AV:") && strings.Contains(v, "/Au:")
}

func defIndex(defs []metricDef, abbr string) int {
	for i, d := range defs {
		if d.abbr == abbr {
			return i
		}
	}
	return -1
}

func allowed(values []string, v string) bool {
	for _, a := range values {
		if a == v {
			return true
		}
	}
	return false
}

// score30 scores a v3.0 vector with the v3.0 specification's equations, which differ
// from v3.1's in Roundup and in the modified impact of a changed scope (v3.1 §7.3).
func score30(c *CVSS, vector string) error {
	v, err := gocvss30.ParseVector(vector)
	if err != nil {
		return fmt.Errorf("go-cvss v3.0: %w", err)
	}
	c.Base, c.Temporal, c.Environmental = v.BaseScore(), v.TemporalScore(), v.EnvironmentalScore()
	return nil
}

// score31 scores a v3.1 vector with the v3.1 equations (§7.1 to §7.3).
func score31(c *CVSS, vector string) error {
	v, err := gocvss31.ParseVector(vector)
	if err != nil {
		return fmt.Errorf("go-cvss v3.1: %w", err)
	}
	c.Base, c.Temporal, c.Environmental = v.BaseScore(), v.TemporalScore(), v.EnvironmentalScore()
	return nil
}

// score40 scores a v4.0 vector three times (§1.3 nomenclature): its base metrics alone
// (CVSS-B), base and threat (CVSS-BT), and the whole vector, which is CVSS-B, -BT, -BE or
// -BTE according to the groups it gives. Supplemental metrics never change a score (§5).
func score40(c *CVSS, metrics []metricValue) error {
	build := func(upTo int) string {
		var b strings.Builder
		b.WriteString("CVSS:4.0")
		for _, m := range metrics {
			if m.def < upTo {
				b.WriteString("/" + m.abbr + ":" + m.value)
			}
		}
		return b.String()
	}
	scoreOf := func(vector string) (*gocvss40.CVSS40, float64, error) {
		v, err := gocvss40.ParseVector(vector)
		if err != nil {
			return nil, 0, fmt.Errorf("go-cvss v4.0: %w", err)
		}
		return v, v.Score(), nil
	}
	var err error
	if _, c.Base, err = scoreOf(build(v4Threat)); err != nil {
		return err
	}
	if _, c.Threat, err = scoreOf(build(v4Env)); err != nil {
		return err
	}
	full, s, err := scoreOf(build(len(metricsV4)))
	if err != nil {
		return err
	}
	c.Environmental, c.Nomenclature = s, full.Nomenclature()
	return nil
}
