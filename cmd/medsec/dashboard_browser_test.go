package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"medsec/i18n"
)

// dashboardView is what the browser reads of the home dashboard.
type dashboardView struct {
	Lang   string `json:"lang"`
	Title  string `json:"title"`
	Charts []struct {
		ID    string `json:"id"`
		Bars  int    `json:"bars"`
		Text  string `json:"text"`
		Label string `json:"label"`
		Table int    `json:"table"`
	} `json:"charts"`
	Tiles []struct {
		Tile string `json:"tile"`
		Href string `json:"href"`
		Num  string `json:"num"`
	} `json:"tiles"`
}

const readDashboard = `(() => ({
  lang: document.documentElement.lang,
  title: document.querySelector("h1").textContent.trim(),
  charts: [...document.querySelectorAll(".chart")].map((c) => ({
    id: c.id,
    bars: c.querySelectorAll("svg path").length,
    text: c.querySelector("svg") ? c.querySelector("svg").textContent : "",
    label: c.getAttribute("aria-label") || "",
    table: document.querySelectorAll("#" + c.id + "-table tbody tr").length,
  })),
  tiles: [...document.querySelectorAll("#tiles a")].map((a) => ({ tile: a.dataset.tile, href: a.getAttribute("href"), num: a.querySelector(".num").textContent.trim() })),
}))()`

// TestBrowserDashboard opens the home dashboard of the demo hospital in headless Chromium
// as the security officer in each of the four languages: the page is in that language,
// the three charts (by catalog, site and department) are drawn by ECharts with the
// translated status names in their legends, each has its table and a label naming it,
// there are ten number tiles (incidents, vulnerabilities and alerts last), and the "past end of support"
// tile opens the inventory
// filtered to as many devices. The page raises no script error and no Content Security
// Policy violation.
func TestBrowserDashboard(t *testing.T) {
	base, _ := startServer(t)
	ctx := newBrowser(t)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var problems []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Error())
		case *cdplog.EventEntryAdded:
			// The browser's own request for /favicon.ico (medsec has none) is no fault of
			// the page.
			if e.Entry.Level == cdplog.LevelError && !strings.HasSuffix(e.Entry.URL, "/favicon.ico") {
				problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	})
	if err := chromedp.Run(ctx,
		chromedp.ActionFunc(func(ctx context.Context) error { return cdplog.Enable().Do(ctx) }),
		login(base, "ciso", demoPassword, ""),
	); err != nil {
		t.Fatalf("log in: %v", err)
	}
	digits := regexp.MustCompile(`^\d+( %)?$`)
	for _, lang := range []string{"en", "ja", "zh-CN", "zh-TW"} {
		var v dashboardView
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/account"),
			chromedp.WaitVisible(`#lang`),
			chromedp.SetValue(`#lang`, lang),
			chromedp.Submit(`#lang`),
			chromedp.WaitVisible(`html[lang="`+lang+`"]`),
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(`#chart-departments svg`),
			chromedp.Evaluate(readDashboard, &v),
		); err != nil {
			t.Fatalf("%s: open the dashboard: %v\n%s", lang, err, pageText(ctx))
		}
		if v.Lang != lang || v.Title != bundle.T(lang, "dashboard.title") {
			t.Errorf("%s: page lang %q title %q, want %q", lang, v.Lang, v.Title, bundle.T(lang, "dashboard.title"))
		}
		if len(v.Charts) != 3 {
			t.Fatalf("%s: %d charts, want 3", lang, len(v.Charts))
		}
		for _, c := range v.Charts {
			// Every status is a legend entry in the page's language.
			for _, st := range []string{"implemented", "partial", "not-implemented", "not-assessed"} {
				if name := bundle.T(lang, "assess."+st); !strings.Contains(c.Text, name) {
					t.Errorf("%s: %s: legend lacks %q", lang, c.ID, name)
				}
			}
			if c.Bars < 2*c.Table || c.Table == 0 {
				t.Errorf("%s: %s: %d SVG paths for %d table rows", lang, c.ID, c.Bars, c.Table)
			}
			if !strings.HasPrefix(c.Label, strings.SplitN(bundle.T(lang, "dashboard.chart_alt", "\x00"), "\x00", 2)[0]) {
				t.Errorf("%s: %s: label %q", lang, c.ID, c.Label)
			}
		}
		// Seven tiles of the inventory and compliance, then open incidents, vulnerabilities,
		// compensating controls past their review and alerts, which the security officer
		// may read.
		tiles := map[string]string{}
		for _, tile := range v.Tiles {
			tiles[tile.Tile] = tile.Num
		}
		if len(v.Tiles) != 11 || tiles["incidents"] == "" || tiles["vulnerabilities"] == "" || tiles["control-reviews-overdue"] == "" || tiles["alerts"] == "" {
			t.Errorf("%s: tiles %+v, want 11 with incidents, vulnerabilities, control reviews and alerts", lang, v.Tiles)
		} else if tiles["incidents"] == "0" {
			t.Errorf("%s: the demo has an open incident; the tile says 0", lang)
		}
		var supportHref, supportNum string
		for _, tile := range v.Tiles {
			if tile.Href == "" || !digits.MatchString(tile.Num) {
				t.Errorf("%s: tile %s: href %q number %q", lang, tile.Tile, tile.Href, tile.Num)
			}
			if tile.Tile == "support-ended" {
				supportHref, supportNum = tile.Href, tile.Num
			}
		}
		if supportNum == "0" || supportHref == "" {
			t.Fatalf("%s: the demo has devices past end of support; tile says %q (%q)", lang, supportNum, supportHref)
		}
		var count string
		if err := chromedp.Run(ctx,
			chromedp.Click(`#tiles a[data-tile="support-ended"]`),
			chromedp.WaitVisible(`p.count`),
			chromedp.Text(`p.count`, &count),
		); err != nil {
			t.Fatalf("%s: follow the end-of-support tile: %v", lang, err)
		}
		n, _ := strconv.Atoi(supportNum)
		if want := bundle.T(lang, "list.showing", 1, min(n, 50), n); strings.TrimSpace(count) != want {
			t.Errorf("%s: the end-of-support tile says %d; the list it opens says %q, want %q", lang, n, count, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the browser reported:\n%s", strings.Join(problems, "\n"))
	}
}
