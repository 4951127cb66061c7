package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
	"medsec/vuln"
)

// TestFindingWhyInEveryLanguage: why a device matched is data, said in the reader's
// language. Real NVD and ICSMA records matched against an MX40 on B.06.17 and a GE
// Optima 520: the API returns the reason structured (identifier, rule and version test
// kinds with their parameters: the version compared, the bound, the operator and the NVD
// field it came from); the finding page, the advisory page and the vulnerability ledger
// report say it in zh-TW, zh-CN and ja with no English sentence once the values taken
// from the data (model and product names, CPEs, versions) are set aside, and in English
// as before.
func TestFindingWhyInEveryLanguage(t *testing.T) {
	nvd, err := os.ReadFile("../../shared/data/vuln/nvd-cve-2.0/CVE-2017-9657.json")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	icsma, _ := os.ReadFile("../../shared/data/vuln/csaf-icsma/icsma-18-037-02.json")
	db := openEngine(t, "sqlite")
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	services := mhttp.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Assets: sqlstore.NewAssetService(db), Vulns: sqlstore.NewVulnService(db)}
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := services.Org.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	ge, philips := &medsec.Vendor{Name: "GE Healthcare"}, &medsec.Vendor{Name: "Philips"}
	for _, v := range []*medsec.Vendor{ge, philips} {
		if err := services.Org.CreateVendor(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []*medsec.Asset{
		{SiteID: site.ID, Name: "XR-01", Kind: medsec.KindModality, VendorID: ge.ID, Model: "Optima 520", Firmware: "3.0"},
		{SiteID: site.ID, Name: "MX40-01", Kind: medsec.KindPatientMonitor, VendorID: philips.ID, Model: "IntelliVue MX40", Firmware: "B.06.17"},
	} {
		if err := services.Assets.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	users := services.Users.(*sqlstore.UserService)
	u := &medsec.User{Username: "ce", Role: medsec.RoleClinicalEngineer}
	if err := users.CreateUser(ctx, u, testPassword); err != nil {
		t.Fatal(err)
	}
	token, _ := users.CreateAPIToken(ctx, u.ID, "test")
	session, _ := users.CreateSession(ctx, u.ID)
	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	get := func(path, lang string, api bool) []byte {
		t.Helper()
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if api {
			req.Header.Set("Authorization", "Bearer "+token)
		} else {
			req.AddCookie(&http.Cookie{Name: "medsec_session", Value: session})
		}
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	advs, err := vuln.ParseNVD("CVE-2017-9657.json", nvd)
	if err != nil {
		t.Fatal(err)
	}
	csaf, err := vuln.ParseCSAF("icsma-18-037-02.json", icsma)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := services.Vulns.(*sqlstore.VulnService).Import(ctx, sqlstore.VulnImport{Advisories: append(advs, csaf)}); err != nil {
		t.Fatal(err)
	}

	// The API: the MX40's finding from NVD says, as data, which version was compared
	// with which bound by which operator from which NVD field.
	var list struct {
		Items []medsec.Finding `json:"items"`
	}
	if err := json.Unmarshal(get("/api/v1/findings?q=MX40-01&limit=100", "ja", true), &list); err != nil {
		t.Fatal(err)
	}
	var mx, xr *medsec.Finding
	for i, f := range list.Items {
		if f.CVE == "CVE-2017-9657" {
			c := list.Items[i]
			mx = &c
		}
	}
	if mx == nil || mx.Why == nil {
		t.Fatalf("MX40 finding without a structured why: %+v", list.Items)
	}
	w := mx.Why
	if w.Rule.Kind != "nvd_configuration" || w.Rule.Params["n"] == "" || len(w.Identifiers) == 0 || w.Identifiers[0].Params["criterion"] == "" || len(w.VersionTests) == 0 {
		t.Fatalf("MX40 why %+v", w)
	}
	vt := w.VersionTests[0]
	if vt.Kind != "range_check" || vt.Params["version"] != "B.06.17" || vt.Params["op"] != "<" || !strings.EqualFold(vt.Params["bound"], "B.06.18") || vt.Params["field"] != "versionEndExcluding" {
		t.Errorf("MX40 version test %+v, want B.06.17 < B.06.18 from versionEndExcluding", vt)
	}
	var xrList struct {
		Items []medsec.Finding `json:"items"`
	}
	if err := json.Unmarshal(get("/api/v1/findings?q=XR-01&limit=100", "en", true), &xrList); err != nil || len(xrList.Items) == 0 {
		t.Fatalf("XR findings: %v", err)
	}
	xr = &xrList.Items[0]
	if xr.Why == nil || !strings.HasPrefix(xr.Why.Rule.Kind, "csaf_") {
		t.Fatalf("Optima why %+v", xr.Why)
	}

	// The values taken from the data, set aside before looking for English.
	var values []string
	for _, f := range []*medsec.Finding{mx, xr} {
		for _, p := range append(append(f.Why.Identifiers, f.Why.Rule), f.Why.VersionTests...) {
			for k, v := range p.Params {
				if k != "part" && k != "what" {
					values = append(values, v)
				}
			}
		}
	}
	stripValues := func(s string) string {
		for _, v := range values {
			if v != "" {
				s = strings.ReplaceAll(s, v, " ")
			}
		}
		return s
	}
	tags := regexp.MustCompile(`<[^>]+>`)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"zh-TW", "zh-CN", "ja", "en"} {
		var texts []string
		for _, f := range []*medsec.Finding{mx, xr} {
			b := string(get(fmt.Sprintf("/vulnerabilities/%d", f.ID), lang, false))
			i := strings.Index(b, `id="finding-why">`)
			if i < 0 {
				t.Fatalf("%s finding page %d: no why", lang, f.ID)
			}
			texts = append(texts, html.UnescapeString(tags.ReplaceAllString(b[i+len(`id="finding-why">`):i+strings.Index(b[i:], "</dd>")], "\n")))
		}
		b := string(get("/advisories/CVE-2017-9657", lang, false))
		i := strings.Index(b, `id="advisory-devices"`)
		texts = append(texts, html.UnescapeString(tags.ReplaceAllString(b[i:i+strings.Index(b[i:], "</table>")], "\n")))
		// The vulnerability ledger report's why column.
		period, _ := report.ParsePeriod("2026", time.UTC)
		doc, err := report.Build(ctx, report.Params{Name: report.VulnLedger, Lang: lang, Period: period, Now: now},
			report.Sources{Org: services.Org, Assets: services.Assets, Vulns: services.Vulns}, func(key string, args ...any) string { return bundle.T(lang, key, args...) })
		if err != nil {
			t.Fatal(err)
		}
		col := -1
		for _, s := range doc.Sections {
			for _, tb := range s.Tables {
				for ci, c := range tb.Columns {
					if c.Header == bundle.T(lang, "vuln.why") {
						col = ci
						for _, r := range tb.Rows {
							texts = append(texts, fmt.Sprint(r[ci]))
						}
					}
				}
			}
		}
		if col < 0 {
			t.Fatalf("%s: the ledger report has no why column", lang)
		}
		for _, text := range texts {
			rest := stripValues(text)
			if lang == "en" {
				if !strings.Contains(text, "matches") && !strings.Contains(text, "CSAF") {
					t.Errorf("en why %q", text)
				}
				continue
			}
			if m := englishSentence.FindString(rest); m != "" || !strings.ContainsFunc(rest, isCJK) {
				t.Errorf("%s why %q holds English %q", lang, text, m)
			}
		}
	}
}
