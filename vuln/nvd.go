package vuln

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// nvdCVE is the "cve" object of the NVD CVE API 2.0 schema (cve_api_json_2.0.schema), as
// far as medsec reads it.
type nvdCVE struct {
	ID               string `json:"id"`
	SourceIdentifier string `json:"sourceIdentifier"`
	Published        string `json:"published"`
	LastModified     string `json:"lastModified"`
	VulnStatus       string `json:"vulnStatus"`
	Descriptions     []struct {
		Lang  string `json:"lang"`
		Value string `json:"value"`
	} `json:"descriptions"`
	Metrics map[string][]struct {
		Source   string `json:"source"`
		Type     string `json:"type"`
		CVSSData struct {
			VectorString string `json:"vectorString"`
		} `json:"cvssData"`
	} `json:"metrics"`
	Weaknesses []struct {
		Description []struct {
			Value string `json:"value"`
		} `json:"description"`
	} `json:"weaknesses"`
	Configurations []Configuration `json:"configurations"`
}

// nvdDoc is any of the NVD CVE API 2.0 shapes medsec accepts: a response page or yearly
// file ({"format":"NVD_CVE","vulnerabilities":[{"cve":{...}}]}), one wrapped record
// ({"cve":{...}}), or one bare record ({"id":"CVE-…",…}).
type nvdDoc struct {
	Format          string `json:"format"`
	Vulnerabilities []struct {
		CVE *nvdCVE `json:"cve"`
	} `json:"vulnerabilities"`
	CVE *nvdCVE `json:"cve"`
	nvdCVE
}

var cveIDPattern = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)

// ParseNVD reads NVD CVE API 2.0 JSON: an API response page or a yearly feed file (the
// same envelope), one record wrapped as {"cve": …}, or one bare record. Each record
// becomes an Advisory of SourceNVD with one Vulnerability carrying its configurations and
// the CVSS vector NVD itself gives ("Primary" first, then the highest version: v4.0, v3.1,
// v3.0, v2 last) and every other vector in Vulnerability.Scores. A record
// without a valid CVE ID, a configuration node with an unknown operator, or a criterion
// that is not a CPE 2.3 formatted string is refused with an *InputError naming the JSON
// pointer ("/vulnerabilities/3/cve/configurations/0/nodes/1/cpeMatch/0/criteria").
func ParseNVD(file string, data []byte) ([]*Advisory, error) {
	var doc nvdDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, notJSON(file, "NVD CVE API 2.0", data, err)
	}
	var out []*Advisory
	switch {
	case doc.Vulnerabilities != nil || doc.Format != "":
		if doc.Format != "" && doc.Format != "NVD_CVE" {
			return nil, inputErr(file, "/format", "format %q is not NVD_CVE", doc.Format)
		}
		for i, v := range doc.Vulnerabilities {
			if v.CVE == nil {
				return nil, inputErr(file, jsonPointer("vulnerabilities", i), "no cve object")
			}
			a, err := fromNVD(file, jsonPointer("vulnerabilities", i, "cve"), v.CVE)
			if err != nil {
				return nil, err
			}
			out = append(out, a)
		}
	case doc.CVE != nil:
		a, err := fromNVD(file, "/cve", doc.CVE)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	default:
		a, err := fromNVD(file, "", &doc.nvdCVE)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func fromNVD(file, at string, c *nvdCVE) (*Advisory, error) {
	if !cveIDPattern.MatchString(c.ID) {
		return nil, inputErr(file, at+"/id", "%q is not a CVE ID", c.ID)
	}
	a := &Advisory{ID: c.ID, Source: SourceNVD, Publisher: c.SourceIdentifier, File: file}
	var err error
	if a.Published, err = parseTime(c.Published); err != nil {
		return nil, inputErr(file, at+"/published", "%v", err)
	}
	if a.Updated, err = parseTime(c.LastModified); err != nil {
		return nil, inputErr(file, at+"/lastModified", "%v", err)
	}
	v := Vulnerability{CVE: c.ID}
	for _, d := range c.Descriptions {
		if d.Lang == "en" {
			v.Description = d.Value
			break
		}
	}
	a.Title = c.ID
	if v.Description != "" {
		a.Title = c.ID + ": " + shorten(v.Description, 120)
	}
	// NVD's own assessment ("Primary", source nvd@nist.gov) first, as NVD's pages show it:
	// the highest-version Primary vector of v3.0 or later; without one, the highest-version
	// vector of another source (a CNA's "Secondary"); v2 only when nothing newer is given
	// (Primary v2 first). So a CNA's v4.0 4.8 does not replace NVD's Primary v3.1 9.8
	// (finding 20). Every valid vector is kept in Scores with its source and type; a vector
	// that does not parse is reported (file, record, JSON pointer, metric) and never scored
	// from.
	type cand struct {
		vector, source, typ, version string
	}
	var primary, other []cand
	for _, key := range []string{"cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"} {
		version := map[string]string{"cvssMetricV40": "4.0", "cvssMetricV31": "3.1", "cvssMetricV30": "3.0", "cvssMetricV2": "2.0"}[key]
		for i, m := range c.Metrics[key] {
			if _, err := ScoreVector(m.CVSSData.VectorString); err != nil {
				a.Warnings = append(a.Warnings, inputErr(file, fmt.Sprintf("%s/metrics/%s/%d/cvssData/vectorString", at, key, i),
					"%s: CVSS vector not scored: %v", c.ID, err))
				continue
			}
			cd := cand{m.CVSSData.VectorString, m.Source, m.Type, version}
			v.Scores = append(v.Scores, ScoreSource{Vector: cd.vector, Source: cd.source, Type: cd.typ})
			if m.Type == "Primary" {
				primary = append(primary, cd)
			} else {
				other = append(other, cd)
			}
		}
	}
	var chosen *cand
	for _, list := range [][]cand{primary, other} {
		for i := range list {
			if list[i].version != "2.0" {
				chosen = &list[i]
				break
			}
		}
		if chosen != nil {
			break
		}
	}
	if chosen == nil && len(primary) > 0 {
		chosen = &primary[0]
	}
	if chosen == nil && len(other) > 0 {
		chosen = &other[0]
	}
	if chosen != nil {
		v.Vector = chosen.vector
		v.VectorSource = chosen.source
		if chosen.typ != "" {
			v.VectorSource += " (" + chosen.typ + ")"
		}
	}
	for _, w := range c.Weaknesses {
		for _, d := range w.Description {
			if strings.HasPrefix(d.Value, "CWE-") && v.CWE == "" {
				v.CWE = d.Value
			}
		}
	}
	for i, cfg := range c.Configurations {
		if err := checkOperator(cfg.Operator, true); err != nil {
			return nil, inputErr(file, fmt.Sprintf("%s/configurations/%d/operator", at, i), "%v", err)
		}
		for j, n := range cfg.Nodes {
			if err := checkOperator(n.Operator, false); err != nil {
				return nil, inputErr(file, fmt.Sprintf("%s/configurations/%d/nodes/%d/operator", at, i, j), "%v", err)
			}
			for k := range n.CPEMatch {
				m := &n.CPEMatch[k]
				c, err := parseCPE(m.Criteria)
				if err != nil {
					return nil, inputErr(file, fmt.Sprintf("%s/configurations/%d/nodes/%d/cpeMatch/%d/criteria", at, i, j, k), "%v", err)
				}
				m.crit = c
			}
		}
	}
	v.Configurations = c.Configurations
	a.Vulnerabilities = []Vulnerability{v}
	return a, nil
}

func checkOperator(op string, mayBeEmpty bool) error {
	switch op {
	case "AND", "OR":
		return nil
	case "":
		if mayBeEmpty {
			return nil
		}
	}
	return fmt.Errorf("operator %q is not AND or OR", op)
}

func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
