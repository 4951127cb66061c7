package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/capture"
	"medsec/catalog"
	"medsec/sqlstore"
)

// newSearchService is the fixture's search over db and the embedded catalogs.
func newSearchService(t *testing.T, db *sqlstore.DB) *sqlstore.SearchService {
	t.Helper()
	cs, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return sqlstore.NewSearchService(db, cs)
}

// TestSearchEverything searches from one box on both engines: a Chinese word finds the
// assets of both sites, a control of the TW baseline by its original text, an incident,
// a discovered host by its station name and the audit entries that created the assets,
// each linking to its page; the page says it in four languages with translated kinds and
// audit actions; a branch engineer finds only the branch's asset and host and no audit
// trail (not its role); the API returns the same groups; an empty or overlong query is
// refused naming the field.
func TestSearchEverything(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f := newFixtureOn(t, openEngine(t, engine))
			admin := f.tokens[medsec.RoleAdmin]
			hq, br := f.assetHQ.SiteID, f.assetBR.SiteID
			ecgHQ := f.mustCreate("/api/v1/assets", fmt.Sprintf(`{"site_id": %d, "name": "ECG-1 心電圖機", "kind": "modality", "ips": ["10.1.0.7"]}`, hq))
			ecgBR := f.mustCreate("/api/v1/assets", fmt.Sprintf(`{"site_id": %d, "name": "ECG-2 心電圖機", "kind": "modality"}`, br))
			ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
			inc, err := sqlstore.NewIncidentService(f.db).CreateIncident(ctx, &medsec.IncidentCreate{SiteID: hq, Title: "心電圖機遭勒索軟體加密"})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Now().UTC().Add(-time.Hour)
			var runs []int64
			for i, site := range []int64{hq, br} {
				res := &capture.Result{Files: []capture.FileInfo{{Name: fmt.Sprintf("ward-%d.pcap", i), SHA256: strings.Repeat("a", 64), Size: 100, Format: "pcap", Packets: 10}},
					Hosts: []capture.Host{{Address: netip.MustParseAddr(fmt.Sprintf("10.%d.9.9", i+1)), MACs: []string{fmt.Sprintf("02:00:00:00:00:0%d", i+1)}, Protocols: []string{"dicom"},
						Identity: []capture.Fact{{Kind: capture.FactStationName, Value: fmt.Sprintf("ECGSTATION%d", i+1), Count: 1}}, FirstSeen: at, LastSeen: at}}}
				res.Summary = capture.Summary{Packets: 10, Hosts: 1, Start: at, End: at}
				run, err := capture.NewRun(site, res, nil)
				if err != nil {
					t.Fatal(err)
				}
				if err := sqlstore.NewDiscoveryService(f.db).CreateDiscoveryRun(ctx, run); err != nil {
					t.Fatal(err)
				}
				runs = append(runs, run.ID)
			}

			get := func(c *http.Client, path, lang string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
				status, _, body := sendLang(t, c, req, lang)
				return status, html.UnescapeString(body)
			}
			admin1 := f.session("u-admin")
			status, body := get(admin1, "/search?q="+url.QueryEscape("心電圖"), "en")
			for _, want := range []string{
				fmt.Sprintf(`<a href="/assets/%d">ECG-1 心電圖機</a>`, ecgHQ), fmt.Sprintf(`<a href="/assets/%d">ECG-2 心電圖機</a>`, ecgBR),
				fmt.Sprintf(`<a href="/incidents/%d">心電圖機遭勒索軟體加密</a>`, inc.ID),
				fmt.Sprintf(`<a href="/audit/`), "created asset #" + fmt.Sprint(ecgHQ),
				`id="search-control"`, `action="/search"`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("admin's search for 心電圖 (%d): no %q in %s", status, want, stripTags(body))
				}
			}
			if status, body := get(admin1, "/search?q=ecgstation", "ja"); status != 200 || !strings.Contains(body, fmt.Sprintf(`<a href="/discovery/%d">10.1.9.9 ECGSTATION1</a>`, runs[0])) ||
				!strings.Contains(body, fmt.Sprintf(`<a href="/discovery/%d">10.2.9.9 ECGSTATION2</a>`, runs[1])) || !strings.Contains(body, "検出されたホスト") {
				t.Errorf("discovered hosts (ja): %d %s", status, stripTags(body))
			}
			// A control of the TW baseline by words of its original text, in each language's page.
			for lang, heading := range map[string]string{"en": "Controls", "zh-TW": "控制措施", "zh-CN": "控制措施", "ja": "管理策"} {
				status, body := get(admin1, "/search?q="+url.QueryEscape("弱點掃描"), lang)
				if status != 200 || !strings.Contains(body, heading) || !strings.Contains(body, `href="/compliance?catalog=tw-mohw-medical-baseline#`) {
					t.Errorf("%s: control search: %d %s", lang, status, stripTags(body))
				}
			}

			// The branch engineer: the branch's asset and host only, no incidents of the main
			// site, no audit trail.
			ce := f.do
			status, out := ce("GET", "/api/v1/search?q="+url.QueryEscape("心電圖"), f.branchCE, "")
			var res medsec.SearchResults
			if err := json.Unmarshal([]byte(out), &res); err != nil || status != 200 {
				t.Fatalf("branch search: %d %s", status, out)
			}
			kinds := map[medsec.SearchKind]medsec.SearchGroup{}
			for _, g := range res.Groups {
				kinds[g.Kind] = g
			}
			if g := kinds[medsec.SearchAssets]; g.Total != 1 || g.Hits[0].ID != ecgBR {
				t.Errorf("branch asset hits: %+v", g)
			}
			if g := kinds[medsec.SearchIncidents]; g.Total != 0 {
				t.Errorf("branch engineer finds a main-site incident: %+v", g)
			}
			if _, ok := kinds[medsec.SearchAudit]; ok {
				t.Errorf("branch engineer (no audit:read) got audit hits")
			}
			_, out = ce("GET", "/api/v1/search?q=ecgstation", f.branchCE, "")
			if strings.Contains(out, "10.1.9.9") || !strings.Contains(out, "10.2.9.9") {
				t.Errorf("branch engineer's discovered hosts: %s", out)
			}

			// The API for the admin: every kind, audit entries newest first.
			_, out = f.do("GET", "/api/v1/search?limit=1&q="+url.QueryEscape("心電圖"), admin, "")
			res = medsec.SearchResults{}
			json.Unmarshal([]byte(out), &res)
			if len(res.Groups) != len(medsec.SearchKinds) || res.Groups[0].Total != 2 || !res.Groups[0].More || len(res.Groups[0].Hits) != 1 {
				t.Errorf("admin API search: %s", out)
			}
			if status, out := f.do("GET", "/api/v1/search?q=", admin, ""); status != 422 || !strings.Contains(out, `"field": "q"`) {
				t.Errorf("empty query: %d %s", status, out)
			}
			if status, _ := f.do("GET", "/api/v1/search?q="+strings.Repeat("x", 201), admin, ""); status != 422 {
				t.Errorf("overlong query: %d", status)
			}
			if status, body := get(admin1, "/search?q="+strings.Repeat("長", 201), "zh-TW"); status != 422 || !strings.Contains(body, "全域搜尋") {
				t.Errorf("overlong query page: %d %s", status, stripTags(body))
			}
		})
	}
}
