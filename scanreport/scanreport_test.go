package scanreport

import (
	"errors"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/internal/shareddata"
)

// TestRealReports reads the real reports of ../shared/data/scanners and checks the counts
// its README gives for each.
func TestRealReports(t *testing.T) {
	for _, tc := range []struct {
		file     string
		format   Format
		hosts    int
		results  int
		cves     int
		severity map[string]int
		check    func(t *testing.T, r *Report)
	}{
		{file: "nessus/libnessus-nessus_report_local_3.nessus", format: Nessus, hosts: 3, results: 106, cves: 44,
			severity: map[string]int{SevCritical: 2, SevHigh: 3, SevMedium: 20, SevLow: 10, SevInfo: 71},
			check: func(t *testing.T, r *Report) {
				var addrs []string
				for _, h := range r.Hosts {
					addrs = append(addrs, h.Address)
				}
				slices.Sort(addrs)
				if !slices.Equal(addrs, []string{"192.168.2.100", "192.168.2.101", "192.168.2.104"}) {
					t.Errorf("hosts %q", addrs)
				}
				// Nessus 5 writes only HOST_START text: the scan ran in March 2014, so an
				// old report must not pass for a new scan (the cadence reads this time).
				if want := time.Date(2014, 3, 20, 0, 30, 57, 0, time.UTC); !r.ScannedAt.Equal(want) {
					t.Errorf("scanned at %v, want %v (HOST_START)", r.ScannedAt, want)
				}
			}},
		{file: "nessus/defectdojo-nessus_with_cvssv3.nessus.gz", format: Nessus, hosts: 1, results: 49, cves: 136,
			check: func(t *testing.T, r *Report) {
				h := r.Hosts[0]
				if h.Address != "44.228.249.3" || h.Hostname != "testphp.vulnweb.com" {
					t.Errorf("host %q %q", h.Address, h.Hostname)
				}
				if want := time.Unix(1648042311, 0).UTC(); !r.ScannedAt.Equal(want) {
					t.Errorf("scanned at %v, want %v (HOST_START_TIMESTAMP)", r.ScannedAt, want)
				}
				v3 := 0
				for _, res := range h.Results {
					if len(res.Vector) > 5 && res.Vector[:5] == "CVSS:" {
						v3++
					}
				}
				if v3 != 9 {
					t.Errorf("%d results with CVSS v3, want 9", v3)
				}
			}},
		{file: "openvas/defectdojo-openvas-many_vuln.xml", format: OpenVAS, hosts: 1, results: 44, cves: 46,
			// 19 High (8 of them scored 9.0 or more: critical), 23 Medium, and 2 with no
			// threat whose severity 4.0 reads medium.
			severity: map[string]int{SevCritical: 8, SevHigh: 11, SevMedium: 25, SevInfo: 0},
			check: func(t *testing.T, r *Report) {
				if r.Hosts[0].Address != "192.168.1.1001" {
					t.Errorf("host %q: the invalid address is kept as written", r.Hosts[0].Address)
				}
			}},
		{file: "openvas/defectdojo-openvas-report_detail_v2.xml", format: OpenVAS, hosts: 1, results: 1, cves: 93,
			check: func(t *testing.T, r *Report) {
				h := r.Hosts[0]
				res := h.Results[0]
				if h.Address != "10.99.99.99" || h.Hostname != "server99" || res.Port != "42/tcp" || res.Score != 9.8 ||
					res.Severity != SevCritical || res.Vector != "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H" {
					t.Errorf("host %+v result %+v", h.Address, res)
				}
			}},
		{file: "trivy/defectdojo-trivy-issue_9333.json", format: Trivy, hosts: 1, results: 13, cves: 12},
		{file: "trivy/trivy-integration-ubuntu-1804.json", format: Trivy, hosts: 1, results: 5, cves: 2,
			check: func(t *testing.T, r *Report) {
				if r.Hosts[0].Target != "testdata/fixtures/images/ubuntu-1804.tar.gz" || r.Hosts[0].Results[0].PURL == "" {
					t.Errorf("target %q, purl %q", r.Hosts[0].Target, r.Hosts[0].Results[0].PURL)
				}
			}},
		{file: "grype/defectdojo-grype-issue_9618.json", format: Grype, hosts: 1, results: 35, cves: 19,
			check: func(t *testing.T, r *Report) {
				for _, res := range r.Hosts[0].Results {
					if res.ID == "CVE-2024-26308" && res.Severity != SevUnknown {
						t.Errorf("CVE-2024-26308 severity %q, want unknown (the report gives none)", res.Severity)
					}
				}
			}},
		{file: "grype/defectdojo-grype-many_vulns_with_epss_values.json", format: Grype, hosts: 1, results: -1, cves: 15,
			check: func(t *testing.T, r *Report) {
				if r.Hosts[0].Target != "busybox:1.32.1" {
					t.Errorf("target %q", r.Hosts[0].Target)
				}
			}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data := shareddata.Data(t, "scanners/"+tc.file)
			if got := Detect(data); got != tc.format {
				t.Fatalf("Detect = %q, want %q", got, tc.format)
			}
			r, err := Parse(tc.file, data)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Hosts) != tc.hosts || tc.results >= 0 && r.Results() != tc.results || len(r.CVEs()) != tc.cves {
				t.Errorf("%d hosts, %d results, %d CVEs; want %d, %d, %d", len(r.Hosts), r.Results(), len(r.CVEs()), tc.hosts, tc.results, tc.cves)
			}
			if tc.severity != nil {
				got := map[string]int{}
				for _, h := range r.Hosts {
					for _, res := range h.Results {
						got[res.Severity]++
					}
				}
				for s, n := range tc.severity {
					if got[s] != n {
						t.Errorf("%d %s results, want %d (all: %v)", got[s], s, n, got)
					}
				}
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestRefused checks that broken reports are refused naming the line or path.
func TestRefused(t *testing.T) {
	for _, tc := range []struct {
		name, data, field, key string
		line                   int
	}{
		{"unknown", `{"foo": 1}`, "file", "scan.err.format", 0},
		{"nessus syntax", "<?xml version=\"1.0\"?>\n<NessusClientData_v2>\n<Report name=\"x\">\n<ReportHost name=\"10.0.0.1\"><ReportItem port=\"80\"></Report>", "xml", "scan.err.syntax", 4},
		{"nessus no host", "<NessusClientData_v2><Report><ReportHost name=\" \"></ReportHost></Report></NessusClientData_v2>", "NessusClientData_v2/Report/ReportHost[1]", "scan.err.missing", 0},
		{"openvas no host", "<report format_id=\"a\"><report><gmp><version>22</version></gmp><results><result><name>x</name><host></host></result></results></report></report>", "report/results/result[1]/host", "scan.err.missing", 0},
		{"trivy version", "{\"SchemaVersion\": 2, \"ArtifactName\": \"x\",\n\"Results\": [{\"Target\": \"t\", \"Vulnerabilities\": [{\"VulnerabilityID\": 5}]}]}", "Results.Vulnerabilities.VulnerabilityID", "scan.err.type", 2},
		{"grype syntax", "{\"descriptor\": {\"name\": \"grype\"},\n\"matches\": [\n{]}", "json", "scan.err.syntax", 3},
		{"grype no id", `{"descriptor": {"name": "grype"}, "matches": [{"vulnerability": {"id": ""}}]}`, "matches[0].vulnerability.id", "scan.err.missing", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("r.file", []byte(tc.data))
			var ve *medsec.ValidationError
			if !errors.As(err, &ve) || ve.Source != "r.file" {
				t.Fatalf("err = %v", err)
			}
			fe := ve.Errors[0]
			if fe.Field != tc.field || fe.Key != tc.key || fe.Line != tc.line {
				t.Errorf("got %q %q line %d (%s), want %q %q line %d", fe.Field, fe.Key, fe.Line, fe.Message, tc.field, tc.key, tc.line)
			}
		})
	}
}
