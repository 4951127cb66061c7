package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// searchView is what the browser reads of the search results page.
type searchView struct {
	Path   string `json:"path"`
	Query  string `json:"query"`
	Groups []struct {
		Kind  string   `json:"kind"`
		Hrefs []string `json:"hrefs"`
		Text  string   `json:"text"`
	} `json:"groups"`
}

const readSearch = `(() => ({
  path: location.pathname,
  query: new URLSearchParams(location.search).get("q"),
  groups: [...document.querySelectorAll("section.search-group")].map((s) => ({
    kind: s.dataset.kind,
    hrefs: [...s.querySelectorAll("ul.search-hits a")].map((a) => a.getAttribute("href")),
    text: s.textContent,
  })),
}))()`

// TestBrowserSearchAndBulkChange drives the demo hospital in headless Chromium as the
// security officer: a search typed into the header's search box (Enter) opens the results
// page with the assets that match, each linking to its asset, and the other kinds
// (controls, audit) as sections; then the asset list's bulk change: two rows ticked, the
// department changed for both with a reason, the flash counts two, each asset shows the
// new department, and the audit trail holds one asset.update per asset with the
// department's before and after (as IDs: the audited state holds no department name).
func TestBrowserSearchAndBulkChange(t *testing.T) {
	base, _ := startServer(t)
	ctx := newBrowser(t)

	// Search from the header, on the home page.
	var sv searchView
	if err := chromedp.Run(ctx,
		login(base, "ciso", demoPassword, ""),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#site-search`),
		chromedp.SendKeys(`#site-search`, "HIS"+kb.Enter),
		chromedp.WaitVisible(`section.search-group`),
		chromedp.Evaluate(readSearch, &sv),
	); err != nil {
		t.Fatalf("search from the header: %v\n%s", err, pageText(ctx))
	}
	if sv.Path != "/search" || sv.Query != "HIS" {
		t.Errorf("the header's search opened %s?q=%s, want /search?q=HIS", sv.Path, sv.Query)
	}
	kinds := map[string]int{}
	var assetLinks []string
	for _, g := range sv.Groups {
		kinds[g.Kind] = len(g.Hrefs)
		if g.Kind == "asset" {
			assetLinks = g.Hrefs
			if !strings.Contains(g.Text, "HIS 應用伺服器 1") || !strings.Contains(g.Text, "HIS 資料庫伺服器") {
				t.Errorf("asset hits lack the HIS servers: %q", g.Text)
			}
		}
	}
	if len(assetLinks) < 3 {
		t.Fatalf("asset hits for HIS: %v (groups %v)", assetLinks, kinds)
	}
	for _, h := range assetLinks {
		if !strings.HasPrefix(h, "/assets/") {
			t.Errorf("an asset hit links to %q", h)
		}
	}
	if _, ok := kinds["audit"]; !ok {
		t.Errorf("no audit section on the results page: %v", kinds)
	}
	// A hit opens its asset.
	var heading, hit string
	if err := chromedp.Run(ctx,
		chromedp.Text(`section[data-kind=asset] ul.search-hits a`, &hit),
		chromedp.Click(`section[data-kind=asset] ul.search-hits a`),
		chromedp.WaitVisible(`dl.fields`),
		chromedp.Text(`h1`, &heading),
	); err != nil {
		t.Fatalf("open a hit: %v", err)
	}
	if !strings.Contains(heading, strings.TrimSpace(hit)) {
		t.Errorf("the first hit %q opened %q", hit, heading)
	}

	// Bulk change: tick the first two HIS servers, move them to another department.
	var ids []string
	var depts []map[string]string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/assets?q="+"HIS+應用伺服器"),
		chromedp.WaitVisible(`table.list tbody input[name=asset_id]`),
		chromedp.Evaluate(`[...document.querySelectorAll("table.list tbody input[name=asset_id]")].slice(0, 2).map((c) => c.value)`, &ids),
		chromedp.Evaluate(`[...document.querySelectorAll("#asset-bulk select[name=department_id] option")].filter((o) => o.value).map((o) => ({value: o.value, text: o.textContent.trim()}))`, &depts),
	); err != nil {
		t.Fatalf("asset list with bulk form: %v\n%s", err, pageText(ctx))
	}
	if len(ids) != 2 || len(depts) < 2 {
		t.Fatalf("asset list: ticks %v, departments %v", ids, depts)
	}
	// The servers are in 資訊室; take a department of the same site by another name.
	var target map[string]string
	for _, d := range depts {
		if !strings.Contains(d["text"], "資訊") && strings.Contains(d["text"], "示範醫學中心") {
			target = d
			break
		}
	}
	if target == nil {
		t.Fatalf("no other department of the main site among %v", depts)
	}
	// updates returns the asset's asset.update audit rows, newest first, and the newest
	// row's department change as the readable diff shows it.
	updates := func(id string) (n int, diff string) {
		t.Helper()
		var actions []string
		if err := chromedp.Run(ctx,
			chromedp.Navigate(fmt.Sprintf("%s/audit?action=asset.update&object_type=asset&object_id=%s", base, id)),
			chromedp.WaitVisible(`table`),
			chromedp.Evaluate(`[...document.querySelectorAll("td[data-action=asset\\.update]")].map((td) => td.dataset.action)`, &actions),
			chromedp.Evaluate(`(() => { const tr = document.querySelector("tbody tr"); const d = tr && tr.querySelector("tr[data-field=department_id], tr[data-field=department], tr[data-field=department_name]"); return d ? d.textContent : ""; })()`, &diff),
		); err != nil {
			t.Fatalf("audit of asset %s: %v\n%s", id, err, pageText(ctx))
		}
		return len(actions), diff
	}
	before := map[string]int{}
	for _, id := range ids {
		before[id], _ = updates(id)
	}
	var flash string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/assets?q="+"HIS+應用伺服器"),
		chromedp.WaitVisible(`table.list tbody input[name=asset_id]`),
		chromedp.Click(`table.list tbody input[name=asset_id][value="`+ids[0]+`"]`),
		chromedp.Click(`table.list tbody input[name=asset_id][value="`+ids[1]+`"]`),
		chromedp.SetValue(`#asset-bulk select[name=action]`, "department"),
		chromedp.SetValue(`#asset-bulk select[name=department_id]`, target["value"]),
		chromedp.SendKeys(`#asset-bulk textarea[name=why]`, "搬遷至新科室"),
		chromedp.Click(`#asset-bulk button[type=submit]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`.flash`, &flash),
	); err != nil {
		t.Fatalf("apply the bulk change: %v\n%s", err, pageText(ctx))
	}
	if !strings.Contains(flash, "2") {
		t.Errorf("flash after the bulk change: %q, want 2 changed", flash)
	}
	deptName := target["text"]
	if i := strings.LastIndex(deptName, "/"); i >= 0 {
		deptName = strings.TrimSpace(deptName[i+1:])
	}
	for _, id := range ids {
		var fields string
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/assets/"+id),
			chromedp.WaitVisible(`dl.fields`),
			chromedp.Text(`dl.fields`, &fields),
		); err != nil {
			t.Fatalf("asset %s after the change: %v", id, err)
		}
		if !strings.Contains(fields, deptName) {
			t.Errorf("asset %s shows %q, want department %q", id, fields, deptName)
		}
		n, diff := updates(id)
		if n != before[id]+1 {
			t.Errorf("asset %s: %d asset.update rows after the change, %d before; want one more", id, n, before[id])
		}
		// The diff names the department by its name with its ID: "資訊室 (#10)→內科病房 (#9)".
		if !strings.HasSuffix(strings.TrimSpace(diff), "→"+deptName+" (#"+target["value"]+")") {
			t.Errorf("asset %s: audit diff %q, want the department changed to %s (%s)", id, diff, target["value"], deptName)
		}
	}
}
