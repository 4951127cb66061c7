package http_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/internal/shareddata"
	"medsec/scanreport"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestFindingShowsScoreSource (issue 11 #8): a finding scored by a scanner's check (an
// OpenVAS check listing 93 CVEs with no published score) says so where its score is shown
// — the finding page and the findings list in the reader's language, naming the check, and
// the API as score_source "scanner" with score_check.
func TestFindingShowsScoreSource(t *testing.T) {
	db := openEngine(t, "sqlite")
	f := newFixtureOn(t, db, func(s *mhttp.Services) { s.Vulns = sqlstore.NewVulnService(db) })
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	const rel = "openvas/defectdojo-openvas-report_detail_v2.xml"
	data := shareddata.Data(t, "scanners/"+rel)
	r, err := scanreport.Parse(rel, data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if _, err := sqlstore.NewScanService(db).ImportScan(ctx, r.Import(f.assetHQ.ID, rel, hex.EncodeToString(sum[:]))); err != nil {
		t.Fatal(err)
	}
	list, _, err := sqlstore.NewVulnService(db).FindFindings(ctx, medsec.FindingFilter{AssetID: f.assetHQ.ID, CVE: "CVE-2025-49716"})
	if err != nil || len(list) != 1 {
		t.Fatalf("findings: %d, %v", len(list), err)
	}
	id := strconv.FormatInt(list[0].ID, 10)
	check := "1.3.6.1.4.1.25623.1.0.836484"

	code, body := f.do("GET", "/api/v1/findings/"+id, f.tokens[medsec.RoleAdmin], "")
	var got struct {
		Score       float64 `json:"score"`
		ScoreSource string  `json:"score_source"`
		ScoreCheck  string  `json:"score_check"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.Score != 9.8 || got.ScoreSource != "scanner" || !strings.HasSuffix(got.ScoreCheck, " "+check) {
		t.Fatalf("API finding: %d %s", code, body)
	}
	c := f.browserClient("u-admin")
	for _, tc := range []struct{ lang, want string }{
		{"en", "scanner&#39;s check "},
		{"ja", "スキャナーのチェック "},
		{"zh-TW", "掃描器檢查 "},
		{"zh-CN", "扫描器检查 "},
	} {
		for _, page := range []string{"/vulnerabilities/" + id, "/vulnerabilities?cve=CVE-2025-49716", "/assets/" + strconv.FormatInt(f.assetHQ.ID, 10)} {
			req, _ := http.NewRequest("GET", f.srv.URL+page, nil)
			code, _, html := sendLang(t, c, req, tc.lang)
			if code != http.StatusOK || !strings.Contains(html, tc.want) || !strings.Contains(html, check) {
				t.Errorf("%s in %s: %d, lacks %q naming check %s", page, tc.lang, code, tc.want, check)
			}
		}
	}

	// NVD publishes a score for the CVE: the finding says it is NVD's, naming the record
	// (issue 11: was "published score (NVD or advisory)" whoever published it).
	nvd := &vuln.Advisory{ID: "CVE-2025-49716", Source: vuln.SourceNVD, Title: "CVE-2025-49716", Vulnerabilities: []vuln.Vulnerability{{CVE: "CVE-2025-49716",
		Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}}}
	if _, err := sqlstore.NewVulnService(db).Import(ctx, sqlstore.VulnImport{Advisories: []*vuln.Advisory{nvd}}); err != nil {
		t.Fatal(err)
	}
	code, body = f.do("GET", "/api/v1/findings/"+id, f.tokens[medsec.RoleAdmin], "")
	var pub struct {
		ScoreSource string `json:"score_source"`
		ScoreOrigin string `json:"score_origin"`
		ScoreRef    string `json:"score_ref"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &pub) != nil || pub.ScoreSource != "advisory" || pub.ScoreOrigin != "nvd" || pub.ScoreRef != "CVE-2025-49716" {
		t.Fatalf("API finding after NVD: %d %s", code, body)
	}
	for _, tc := range []struct{ lang, want string }{
		{"en", "published score, NVD CVE-2025-49716"},
		{"ja", "公表された評価、NVD CVE-2025-49716"},
		{"zh-TW", "公布的評分，NVD CVE-2025-49716"},
		{"zh-CN", "公布的评分，NVD CVE-2025-49716"},
	} {
		for _, page := range []string{"/vulnerabilities/" + id, "/vulnerabilities?cve=CVE-2025-49716", "/assets/" + strconv.FormatInt(f.assetHQ.ID, 10)} {
			req, _ := http.NewRequest("GET", f.srv.URL+page, nil)
			if code, _, html := sendLang(t, c, req, tc.lang); code != http.StatusOK || !strings.Contains(html, tc.want) {
				t.Errorf("%s in %s after NVD: %d, lacks %q", page, tc.lang, code, tc.want)
			}
		}
	}
}
