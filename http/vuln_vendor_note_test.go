package http_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"medsec"
	mhttp "medsec/http"
	"medsec/internal/shareddata"
	"medsec/internal/vulntest"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestFindingPageShowsVendorNote (issue 11): NVD's CVE-2017-9657 matches an MX40 on
// B.06.17 by CPE, and a manufacturer's CSAF bulletin that says the product is not
// affected matches the device by a prefix of its name only (low confidence). The finding
// stands, and its page says, in each language, what the manufacturer said of which product
// and why it did not outrank NVD; the API returns the note as vendor_note.
func TestFindingPageShowsVendorNote(t *testing.T) {
	db := openEngine(t, "sqlite")
	vulns := sqlstore.NewVulnService(db)
	f := newFixtureOn(t, db, func(s *mhttp.Services) { s.Vulns = vulns })
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	org := sqlstore.NewOrgService(db)
	philips := &medsec.Vendor{Name: "Philips"}
	if err := org.CreateVendor(ctx, philips); err != nil {
		t.Fatal(err)
	}
	mx := &medsec.Asset{SiteID: f.assetHQ.SiteID, Name: "MX40-01", Kind: medsec.KindPatientMonitor, VendorID: philips.ID, Model: "IntelliVue MX40", Firmware: "B.06.17"}
	if err := sqlstore.NewAssetService(db).CreateAsset(ctx, mx); err != nil {
		t.Fatal(err)
	}
	nvd, err := vuln.ParseNVD("CVE-2017-9657.json", shareddata.Data(t, "vuln/nvd-cve-2.0/CVE-2017-9657.json"))
	if err != nil {
		t.Fatal(err)
	}
	note := vulntest.VendorStatement(t, "known_not_affected", true)
	note.ID = "PHILIPS-PSA-2017-9657-NAME"
	if _, err := vulns.Import(ctx, sqlstore.VulnImport{Advisories: append(nvd, note)}); err != nil {
		t.Fatal(err)
	}
	list, _, err := vulns.FindFindings(ctx, medsec.FindingFilter{AssetID: mx.ID, CVE: "CVE-2017-9657"})
	if err != nil || len(list) != 1 || list[0].VendorNote == nil {
		t.Fatalf("findings of the MX40: %d %v, want one carrying the manufacturer's note", len(list), err)
	}
	id := strconv.FormatInt(list[0].ID, 10)

	code, body := f.do("GET", "/api/v1/findings/"+id, f.tokens[medsec.RoleAdmin], "")
	var got struct {
		VendorNote *medsec.VendorNote `json:"vendor_note"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil || got.VendorNote == nil || got.VendorNote.Advisory != note.ID || got.VendorNote.Confidence != "low" {
		t.Fatalf("API finding: %d %s, want vendor_note naming %s", code, body, note.ID)
	}
	c := f.browserClient("u-admin")
	for _, tc := range []struct{ lang, title, text string }{
		{"en", "Vendor says not affected (low-confidence match)", note.ID + " says of product CSAFPID-0001: not affected. It was matched to this device with low confidence only, so NVD's match stands."},
		{"zh-TW", "原廠稱未受影響（低信度比對）", note.ID + " 對產品 CSAFPID-0001 的狀態為「不受影響」，但與本設備僅以低信度比對，故 NVD 的比對仍成立。"},
		{"zh-CN", "厂商称未受影响（低置信度匹配）", note.ID + " 对产品 CSAFPID-0001 的状态为“不受影响”，但与本设备仅以低置信度匹配，故 NVD 的匹配仍成立。"},
		{"ja", "製造元は影響なしと表明（低信頼度の照合）", note.ID + " は製品 CSAFPID-0001 について「影響なし」としていますが、本機器との照合は低信頼度のみのため、NVD の照合が有効です。"},
	} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/vulnerabilities/"+id, nil)
		code, _, page := sendLang(t, c, req, tc.lang)
		page = html.UnescapeString(page)
		if code != http.StatusOK || !strings.Contains(page, tc.title) || !strings.Contains(page, tc.text) {
			t.Errorf("finding page in %s: %d, lacks the note %q / %q", tc.lang, code, tc.title, tc.text)
		}
	}

}
