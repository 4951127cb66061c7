package vuln

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const vulnDataDir = "../../shared/data/vuln"

func sharedFile(t testing.TB, rel string) []byte {
	t.Helper()
	p := filepath.Join(vulnDataDir, rel)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Skipf("%s is absent (the shared data sits beside the repository): %v", p, err)
	}
	return data
}

// TestICSMAIndex parses each of the 72 real ICSMA advisories and checks the tracking ID,
// the number of CVEs and of products against their INDEX.tsv.
func TestICSMAIndex(t *testing.T) {
	index := sharedFile(t, "csaf-icsma/INDEX.tsv")
	sc := bufio.NewScanner(strings.NewReader(string(index)))
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		file, id := f[0], f[2]
		wantCVEs, _ := strconv.Atoi(f[5])
		wantProducts, _ := strconv.Atoi(f[6])
		a, err := ParseCSAF(file, sharedFile(t, "csaf-icsma/"+file))
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		n++
		if a.ID != id {
			t.Errorf("%s: id %q, want %q", file, a.ID, id)
		}
		if len(a.Vulnerabilities) != wantCVEs {
			t.Errorf("%s: %d vulnerabilities, want %d", file, len(a.Vulnerabilities), wantCVEs)
		}
		if len(a.Products) != wantProducts {
			t.Errorf("%s: %d products, want %d", file, len(a.Products), wantProducts)
		}
		for _, v := range a.Vulnerabilities {
			if v.Vector != "" {
				if _, err := ParseCVSS(v.Vector); err != nil {
					t.Errorf("%s %s: %v", file, v.CVE, err)
				}
			}
		}
	}
	if n != 72 {
		t.Errorf("parsed %d advisories, want 72", n)
	}
}

func TestCSAFRefused(t *testing.T) {
	good := string(sharedFile(t, "csaf-icsma/icsma-18-037-02.json"))
	for _, tc := range []struct {
		name, doc, where string
	}{
		{"not json", "{", "/"},
		{"bad category", strings.Replace(good, `"category": "product_version_range"`, `"category": "bogus"`, 1), "/product_tree/branches/0/branches/0/branches/0/category"},
		{"unknown product", strings.Replace(good, `"CSAFPID-0001",`, `"CSAFPID-9999",`, 1), "/vulnerabilities/0/product_status/known_affected/0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseCSAF("x.json", []byte(tc.doc))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want *InputError", err)
			}
			if ie.File != "x.json" || ie.Where != tc.where {
				t.Errorf("err = %v, want file x.json at %q", err, tc.where)
			}
		})
	}
}

func TestParseNVD(t *testing.T) {
	env, err := ParseNVD("env.json", sharedFile(t, "nvd-cve-2.0/nvd-api2-envelope-medical-sample.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(env) != 4 {
		t.Fatalf("%d records, want 4", len(env))
	}
	one, err := ParseNVD("CVE-2017-9657.json", sharedFile(t, "nvd-cve-2.0/CVE-2017-9657.json"))
	if err != nil {
		t.Fatal(err)
	}
	v := one[0].Vulnerabilities[0]
	if one[0].ID != "CVE-2017-9657" || v.Vector != "CVSS:3.0/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H" || len(v.Configurations) != 1 {
		t.Errorf("got %s %q %d configurations", one[0].ID, v.Vector, len(v.Configurations))
	}
	bad := strings.Replace(string(sharedFile(t, "nvd-cve-2.0/CVE-2017-9657.json")), "cpe:2.3:h:philips:intellivue_mx40:-", "cpe:2.3:h:philips", 1)
	_, err = ParseNVD("bad.json", []byte(bad))
	var ie *InputError
	if !errors.As(err, &ie) || ie.Where != "/configurations/0/nodes/1/cpeMatch/0/criteria" {
		t.Errorf("err = %v, want the criteria's JSON pointer", err)
	}
}

func TestParseKEV(t *testing.T) {
	c, err := ParseKEV("kev.json", sharedFile(t, "kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Entries) != 1404 || c.Version != "2025.08.25" {
		t.Errorf("%d entries, version %s; want 1404, 2025.08.25", len(c.Entries), c.Version)
	}
	if e := c.Entries[0]; e.CVE != "CVE-2025-48384" || e.DueDate.Format("2006-01-02") != "2025-09-15" {
		t.Errorf("first entry %+v", e)
	}
	_, err = ParseKEV("k.json", []byte(`{"vulnerabilities":[{"cveID":"CVE-2020-1234","dateAdded":"2020-13-01"}]}`))
	var ie *InputError
	if !errors.As(err, &ie) || ie.Where != "/vulnerabilities/0/dateAdded" {
		t.Errorf("err = %v", err)
	}
}

func TestParseEPSS(t *testing.T) {
	f, err := ParseEPSS("e.csv", sharedFile(t, "epss/epss_scores-2026-09-29-head.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Scores) != 202 || f.Model != "v2026.06.15" || f.Scores[0] != (EPSSScore{"CVE-1999-0001", 0.03351, 0.88255}) {
		t.Errorf("%d scores, model %s, first %+v", len(f.Scores), f.Model, f.Scores[0])
	}
	if _, err := ParseEPSS("v.csv", sharedFile(t, "epss/vunnel-example-1.csv")); err != nil {
		t.Error(err)
	}
	for file, where := range map[string]string{"epss/vunnel-invalid-header.csv": "line 2", "epss/vunnel-missing-date.csv": "line 1"} {
		_, err := ParseEPSS(file, sharedFile(t, file))
		var ie *InputError
		if !errors.As(err, &ie) || ie.Where != where {
			t.Errorf("%s: err = %v, want at %s", file, err, where)
		}
	}
	// gzip, as FIRST serves it.
	gz := gzipBytes(t, sharedFile(t, "epss/vunnel-example-1.csv"))
	if g, err := ParseEPSS("e.csv.gz", gz); err != nil || len(g.Scores) != 5 {
		t.Errorf("gzip: %v", err)
	}
}

// TestNVDVectorsReportedAndV2Scored: a malformed CVSS vector in a real NVD record is
// reported with the file, the record and the JSON pointer and never scored from; a record
// NVD scored only in CVSS v2 gets its v2 base score (3.3 for CVE-2017-9657, as NVD
// publishes it), labelled v2.0, not a guess.
func TestNVDVectorsReportedAndV2Scored(t *testing.T) {
	var rec map[string]any
	if err := json.Unmarshal(sharedFile(t, "nvd-cve-2.0/CVE-2017-9657.json"), &rec); err != nil {
		t.Fatal(err)
	}
	cve := rec
	if c, ok := rec["cve"].(map[string]any); ok {
		cve = c
	}
	metrics := cve["metrics"].(map[string]any)
	v30 := metrics["cvssMetricV30"].([]any)[0].(map[string]any)["cvssData"].(map[string]any)
	v30["vectorString"] = "CVSS:3.0/AV:Q/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
	bad, _ := json.Marshal(rec)
	as, err := ParseNVD("bad.json", bad)
	if err != nil {
		t.Fatal(err)
	}
	a := as[0]
	if len(a.Warnings) != 1 {
		t.Fatalf("warnings %v, want one", a.Warnings)
	}
	w := a.Warnings[0].Error()
	for _, want := range []string{"bad.json", "CVE-2017-9657", "/metrics/cvssMetricV30/0/cvssData/vectorString", "metric AV"} {
		if !strings.Contains(w, want) {
			t.Errorf("warning %q does not name %q", w, want)
		}
	}
	if v := a.Vulnerabilities[0].Vector; strings.Contains(v, "AV:Q") {
		t.Errorf("scored from the malformed vector %q", v)
	}
	// Without its v3.0 metric the record is v2-only.
	delete(metrics, "cvssMetricV30")
	v2only, _ := json.Marshal(rec)
	as, err = ParseNVD("v2.json", v2only)
	if err != nil {
		t.Fatal(err)
	}
	vec := as[0].Vulnerabilities[0].Vector
	c, err := ScoreVector(vec)
	if err != nil {
		t.Fatalf("v2 vector %q: %v", vec, err)
	}
	if c.Version != V20 || c.Base != 3.3 || VectorVersion(vec) != V20 {
		t.Errorf("v2-only record: %q scored %+v, want v2.0 base 3.3", vec, c)
	}
	if _, err := ParseCVSS(vec); err == nil {
		t.Errorf("medsec cvss (ParseCVSS) must still refuse v2 vectors")
	}
}
