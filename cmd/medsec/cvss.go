package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"medsec/vuln"
)

// cvssUsage is printed for "medsec cvss -h" and a command line without vectors.
const cvssUsage = `usage:
  medsec cvss VECTOR...

Scores CVSS v3.0, v3.1 and v4.0 vectors (FIRST's specifications) and prints one
JSON object per vector, one per line: version, vector, base score and severity,
temporal (v3) or threat (v4.0) score, environmental score, the vector's score
and severity (and, for v4.0, its nomenclature: CVSS-B, -BT, -BE or -BTE).
A vector that cannot be scored is named on standard error with the metric at
fault; the others are still printed, and the exit status is 1.
`

// cvssResult is the JSON object "medsec cvss" prints for one vector. Scores are in
// tenths, 0.0 to 10.0; severities are the qualitative ratings of CVSS v3.1 §5 / v4.0 §6.
type cvssResult struct {
	Version            vuln.Version  `json:"version"`
	Vector             string        `json:"vector"`
	BaseScore          float64       `json:"base_score"`
	BaseSeverity       vuln.Severity `json:"base_severity"`
	TemporalScore      *float64      `json:"temporal_score,omitempty"`
	ThreatScore        *float64      `json:"threat_score,omitempty"`
	EnvironmentalScore float64       `json:"environmental_score"`
	Score              float64       `json:"score"`
	Severity           vuln.Severity `json:"severity"`
	Nomenclature       string        `json:"nomenclature,omitempty"`
}

// runCVSS implements "medsec cvss VECTOR..." (issue 11, scoring). It prints every vector
// it can score and returns an error listing each one it cannot, naming the metric.
func runCVSS(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, cvssUsage)
		return usageError("cli.err.cvss_usage", "cvss: give at least one vector")
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		fmt.Fprint(stdout, cvssUsage)
		return nil
	}
	enc := json.NewEncoder(stdout)
	var errs []error
	for _, v := range args {
		c, err := vuln.ParseCVSS(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("cvss: %w", err))
			continue
		}
		if err := enc.Encode(cvssResultOf(c)); err != nil {
			return fmt.Errorf("cvss: write: %w", err)
		}
	}
	return errors.Join(errs...)
}

// cvssResultOf fills the printed object: temporal_score for v3, threat_score and
// nomenclature for v4.0.
func cvssResultOf(c vuln.CVSS) cvssResult {
	r := cvssResult{
		Version:            c.Version,
		Vector:             c.Vector,
		BaseScore:          inTenths(c.Base),
		BaseSeverity:       c.BaseSeverity(),
		EnvironmentalScore: inTenths(c.Environmental),
		Score:              inTenths(c.Score()),
		Severity:           c.Severity(),
		Nomenclature:       c.Nomenclature,
	}
	if c.Version == vuln.V40 {
		t := inTenths(c.Threat)
		r.ThreatScore = &t
	} else {
		t := inTenths(c.Temporal)
		r.TemporalScore = &t
	}
	return r
}

// inTenths rounds a score to one decimal so that JSON shows 5.6, not 5.6000000000000005.
func inTenths(s float64) float64 { return math.Round(s*10) / 10 }
