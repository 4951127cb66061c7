package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// dashboardJSON is the part of GET /api/v1/dashboard the tests read.
type dashboardJSON struct {
	Catalogs []struct {
		CatalogID string          `json:"catalog_id"`
		Totals    medsec.GapCount `json:"totals"`
	} `json:"catalogs"`
	BySite       []medsec.GapGroup `json:"by_site"`
	ByDepartment []medsec.GapGroup `json:"by_department"`
	Sites        []struct {
		ID           int64 `json:"id"`
		SupportEnded int   `json:"support_ended"`
		LastRun      int64 `json:"last_discovery_id"`
		Violations   int   `json:"violations"`
	} `json:"sites"`
	SupportEnded int `json:"support_ended"`
	Violations   int `json:"violations"`
}

// TestDashboard checks the home dashboard on both engines with the scope fixture: its
// counts are limited to the user's sites and vendor (a branch user sees one site, a
// vendor only its company's devices), they agree with the filtered lists they link to
// (assets past end of support, the gap report of one site or department), and every link
// of the page opens for the user.
func TestDashboard(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newScopeFixture(t, engine)
		ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
		assets := sqlstore.NewAssetService(f.db)
		// The main site's Aurora CT is past its end of support; the branch's Aurora
		// ultrasound ends in 2099.
		for name, eos := range map[string]string{"HQ-CT-Aurora": "2020-01-31", "BR-US-Aurora": "2099-12-31"} {
			for _, sa := range f.assets {
				if sa.asset.Name != name {
					continue
				}
				a, err := assets.FindAssetByID(ctx, sa.asset.ID)
				if err != nil {
					t.Fatal(err)
				}
				if a.EndOfSupport, err = medsec.ParseDate(eos); err != nil {
					t.Fatal(err)
				}
				if err := assets.UpdateAsset(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
		}
		// At each site the PACS reaches the Aurora device over SSH: no conduit allows it.
		zones := sqlstore.NewZoneService(f.db)
		for i, s := range f.sites {
			csv := fmt.Sprintf("src,dst,proto,port\n10.%d.0.13,10.%d.0.11,tcp,22\n", i+1, i+1)
			if _, err := zones.ImportFlowsCSV(ctx, s.ID, strings.NewReader(csv), "dashboard-test.csv"); err != nil {
				t.Fatal(err)
			}
		}
		user := func(name string) *scopeUser {
			for _, u := range f.users {
				if u.user.Username == name {
					return u
				}
			}
			t.Fatalf("no user %s", name)
			return nil
		}
		dash := func(u *scopeUser) dashboardJSON {
			t.Helper()
			code, body := f.get(u, "/api/v1/dashboard", false)
			if code != http.StatusOK {
				t.Fatalf("%s: dashboard %d %s", u.user.Username, code, body)
			}
			var d dashboardJSON
			if err := json.Unmarshal([]byte(body), &d); err != nil {
				t.Fatal(err)
			}
			return d
		}
		hq, br := f.sites[0], f.sites[1]
		tests := []struct {
			user         string
			sites        []int64
			supportEnded int
			violations   int
		}{
			// Sites by name: "Scope Branch Campus" first.
			{"all-security-officer", []int64{br.ID, hq.ID}, 1, 2},
			{"br-security-officer", []int64{br.ID}, 0, 1},
			{"all-auditor", []int64{br.ID, hq.ID}, 1, 2},
			{"all-vendor", []int64{br.ID, hq.ID}, 1, -1},         // Aurora: its CT is past support
			{"all-vendor-kestrel", []int64{br.ID, hq.ID}, 0, -1}, // Kestrel: none of its devices is
		}
		for _, tt := range tests {
			u := user(tt.user)
			d := dash(u)
			var got []int64
			for _, s := range d.Sites {
				got = append(got, s.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.sites) {
				t.Errorf("%s: sites %v, want %v", tt.user, got, tt.sites)
			}
			if d.SupportEnded != tt.supportEnded {
				t.Errorf("%s: support ended %d, want %d", tt.user, d.SupportEnded, tt.supportEnded)
			}
			if tt.violations >= 0 && d.Violations != tt.violations {
				t.Errorf("%s: violations %d, want %d (one port-22 flow per site)", tt.user, d.Violations, tt.violations)
			}
			// The number links to the list, which holds as many.
			code, body := f.get(u, "/api/v1/assets?support=ended&status=active", false)
			var list struct {
				Total int `json:"total"`
			}
			if code != http.StatusOK || json.Unmarshal([]byte(body), &list) != nil || list.Total != d.SupportEnded {
				t.Errorf("%s: /api/v1/assets?support=ended: %d total %d, dashboard says %d", tt.user, code, list.Total, d.SupportEnded)
			}
			// Compliance per site and department: each group's totals are the gap report
			// of that site or department.
			for param, groups := range map[string][]medsec.GapGroup{"site": d.BySite, "department": d.ByDepartment} {
				for _, g := range groups {
					code, body := f.get(u, fmt.Sprintf("/api/v1/gap?catalog=tw-mohw-medical-baseline&%s=%d", param, g.ID), false)
					var rep medsec.GapReport
					if code != http.StatusOK || json.Unmarshal([]byte(body), &rep) != nil {
						t.Fatalf("%s: gap of %s %d: %d %s", tt.user, param, g.ID, code, body)
					}
					if rep.Totals.Total != g.Totals.Total || rep.Subjects != g.Subjects || g.Totals.Total == 0 {
						t.Errorf("%s: gap of %s %d: %d rows of %d subjects, dashboard says %d of %d", tt.user, param, g.ID, rep.Totals.Total, rep.Subjects, g.Totals.Total, g.Subjects)
					}
				}
			}
			if len(d.BySite) != len(tt.sites) {
				t.Errorf("%s: compliance of %d sites, want %d", tt.user, len(d.BySite), len(tt.sites))
			}
			// Every link of the page opens for the user.
			code, page := f.get(u, "/", true)
			if code != http.StatusOK {
				t.Fatalf("%s: / is %d", tt.user, code)
			}
			links := regexp.MustCompile(`href="(/[^"#]*)`).FindAllStringSubmatch(page, -1)
			if len(links) < 15 {
				t.Errorf("%s: only %d links on the dashboard", tt.user, len(links))
			}
			for _, m := range links {
				link := strings.ReplaceAll(m[1], "&amp;", "&")
				if strings.HasPrefix(link, "/static/") {
					continue
				}
				if code, _ := f.get(u, link, true); code != http.StatusOK {
					t.Errorf("%s: dashboard link %s answers %d", tt.user, link, code)
				}
			}
		}
		// A branch user's dashboard names nothing of the main site.
		if _, page := f.get(user("br-security-officer"), "/", true); strings.Contains(page, hq.Name) || strings.Contains(page, "Radiology HQ") {
			t.Errorf("branch user's dashboard shows the main site")
		}
		// A change through the server shows at once, though the figures are kept a minute.
		so := user("all-security-officer")
		before := dash(so).SupportEnded
		for _, sa := range f.assets {
			if sa.asset.Name != "BR-Pump-Kestrel" {
				continue
			}
			a, _ := assets.FindAssetByID(ctx, sa.asset.ID)
			a.EndOfSupport = medsec.DateOf(time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC))
			body, _ := json.Marshal(a)
			req, _ := http.NewRequest("PUT", f.srv.URL+fmt.Sprintf("/api/v1/assets/%d", a.ID), strings.NewReader(string(body)))
			req.Header.Set("Authorization", "Bearer "+so.token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("update asset: %d", resp.StatusCode)
			}
		}
		if after := dash(so).SupportEnded; after != before+1 {
			t.Errorf("after an update through the API: support ended %d, want %d", after, before+1)
		}
	})
}
