package http_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medsec"
)

// TestAssetBulkChange changes many assets from the asset list and through the API, on
// both engines: the list offers a tick box per asset and the bulk form (not to an
// auditor); ticked assets move to a department, the flash says how many in the user's
// language, and each asset's history holds its own audit row; "all the filter selects"
// retires every asset the filter selects across pages; a department of another site is
// refused naming the asset, nothing changed, the asset still ticked; the API does the same
// by asset_ids or filter, a branch engineer naming a main-site asset gets 404.
func TestAssetBulkChange(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f := newFixtureOn(t, openEngine(t, engine))
			admin := f.tokens[medsec.RoleAdmin]
			hq, br := f.assetHQ.SiteID, f.assetBR.SiteID
			dept := f.mustCreate("/api/v1/departments", fmt.Sprintf(`{"site_id": %d, "name": "心臟內科"}`, hq))
			var ecgs []int64
			for i := range 3 {
				ecgs = append(ecgs, f.mustCreate("/api/v1/assets", fmt.Sprintf(`{"site_id": %d, "name": "ECG-%d 心電圖機", "kind": "modality"}`, hq, i+1)))
			}
			c := f.session("u-admin")
			send := func(method, path string, form url.Values, lang string) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(form.Encode()))
				if method == "POST" {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				status, _, body := sendLang(t, c, req, lang)
				return status, html.UnescapeString(body)
			}

			status, body := send("GET", "/assets?q=心電圖", nil, "zh-TW")
			if status != 200 || !strings.Contains(body, fmt.Sprintf(`name="asset_id" value="%d" form="asset-bulk"`, ecgs[0])) || !strings.Contains(body, `action="/assets/bulk"`) ||
				!strings.Contains(body, "篩選條件選出的全部 3 台設備（所有頁面）") || !strings.Contains(body, "移至科室") {
				t.Errorf("asset list: %d %s", status, stripTags(body))
			}
			ac := f.session("u-auditor")
			req, _ := http.NewRequest("GET", f.srv.URL+"/assets", nil)
			if _, _, body := sendLang(t, ac, req, "en"); strings.Contains(body, "asset-bulk") {
				t.Errorf("an auditor is offered the bulk form")
			}

			// Two ticked assets to the department.
			form := url.Values{"filter": {"q=心電圖"}, "action": {"department"}, "department_id": {fmt.Sprint(dept)}, "asset_id": {fmt.Sprint(ecgs[0]), fmt.Sprint(ecgs[1])}}
			if status, body := send("POST", "/assets/bulk", form, "ja"); status != 200 || !strings.Contains(body, "部署を変更：2 件の資産を変更、0 件は変更不要でした。") {
				t.Errorf("bulk department: %d %s", status, stripTags(body))
			}
			_, hist := f.do("GET", fmt.Sprintf("/api/v1/audit?object_type=asset&object_id=%d", ecgs[1]), admin, "")
			if !strings.Contains(hist, `"action": "asset.update"`) || !strings.Contains(hist, `"department_id": `+fmt.Sprint(dept)) {
				t.Errorf("audit of ECG-2: %s", hist)
			}

			// The department of the main site for the branch asset: refused, named, ticked again.
			form = url.Values{"filter": {""}, "action": {"department"}, "department_id": {fmt.Sprint(dept)}, "asset_id": {fmt.Sprint(ecgs[2]), fmt.Sprint(f.assetBR.ID)}}
			status, body = send("POST", "/assets/bulk", form, "en")
			if status != 422 || !strings.Contains(body, "Nothing was changed") || !strings.Contains(body, fmt.Sprintf("CT-02 (#%d)", f.assetBR.ID)) ||
				!strings.Contains(body, fmt.Sprintf(`value="%d" form="asset-bulk" aria-label="Select ECG-3 心電圖機" checked`, ecgs[2])) {
				t.Errorf("cross-site department: %d %s", status, body)
			}
			if _, a := f.do("GET", fmt.Sprintf("/api/v1/assets/%d", ecgs[2]), admin, ""); strings.Contains(a, `"department_id"`) {
				t.Errorf("refused change moved ECG-3: %s", a)
			}

			// Select all across pages: the filter's three assets retire, CT-01 stays.
			form = url.Values{"filter": {"q=心電圖&limit=1"}, "all": {"yes"}, "action": {"retire"}}
			if status, body := send("POST", "/assets/bulk", form, "zh-CN"); status != 200 || !strings.Contains(body, "退役：已变更 3 台设备") {
				t.Errorf("bulk retire all: %d %s", status, stripTags(body))
			}
			if _, list := f.do("GET", "/api/v1/assets?status=active", admin, ""); strings.Contains(list, "ECG-") || !strings.Contains(list, "CT-01") {
				t.Errorf("active after retiring all ECGs: %s", list)
			}

			// API: level by asset_ids; by filter; scope; bad action.
			if status, body := f.do("POST", "/api/v1/assets/bulk", admin, fmt.Sprintf(`{"action": "level", "level": "high", "asset_ids": [%d, %d]}`, f.assetHQ.ID, f.assetBR.ID)); status != 200 || !strings.Contains(body, `"changed": 2`) {
				t.Errorf("API level: %d %s", status, body)
			}
			if status, body := f.do("POST", "/api/v1/assets/bulk", admin, fmt.Sprintf(`{"action": "level", "level": "low", "filter": {"site_id": %d}}`, br)); status != 200 || !strings.Contains(body, `"changed": 1`) {
				t.Errorf("API level by filter: %d %s", status, body)
			}
			if status, body := f.do("POST", "/api/v1/assets/bulk", f.branchCE, fmt.Sprintf(`{"action": "retire", "asset_ids": [%d, %d]}`, f.assetBR.ID, f.assetHQ.ID)); status != 404 {
				t.Errorf("branch engineer naming a main-site asset: %d %s", status, body)
			}
			if _, a := f.do("GET", fmt.Sprintf("/api/v1/assets/%d", f.assetBR.ID), admin, ""); !strings.Contains(a, `"status": "active"`) {
				t.Errorf("refused API change retired CT-02: %s", a)
			}
			if status, body := f.do("POST", "/api/v1/assets/bulk", admin, `{"action": "delete", "asset_ids": [1]}`); status != 422 || !strings.Contains(body, `"field": "action"`) {
				t.Errorf("unknown action: %d %s", status, body)
			}
			if status, _ := f.do("POST", "/api/v1/assets/bulk", f.tokens[medsec.RoleAuditor], `{"action": "retire", "asset_ids": [1]}`); status != 403 {
				t.Errorf("auditor: %d", status)
			}
		})
	}
}
