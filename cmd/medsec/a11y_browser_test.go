package main

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeTags are the rule sets the accessibility check runs: WCAG 2.0, 2.1 and 2.2 at levels
// A and AA.
const axeTags = `["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]`

// axeResult is what one page's check returns: the violated rules with the elements that
// violate them, and whether the page scrolls sideways at the test's width.
type axeResult struct {
	URL         string   `json:"url"`
	ContentType string   `json:"contentType"`
	Overflow    int      `json:"overflow"`
	Wide        []string `json:"wide"`
	Violations  []struct {
		ID    string `json:"id"`
		Help  string `json:"help"`
		Nodes []struct {
			Target  []any  `json:"target"`
			Summary string `json:"failureSummary"`
		} `json:"nodes"`
	} `json:"violations"`
	Links []string `json:"links"`
}

// checkPage runs axe-core (loaded into the page from the vendored copy) and reads the links.
const checkPage = `(async () => {
  const r = await axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]});
  return {
    url: location.pathname + location.search,
    contentType: document.contentType,
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    wide: [...document.querySelectorAll("main *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth && ![...e.children].some((c) => c.getBoundingClientRect().right > window.innerWidth)).slice(0, 3).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined ? "." + e.className : "")),
    violations: r.violations.map((v) => ({id: v.id, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => ({target: n.target, failureSummary: n.failureSummary}))})),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href).filter((h) => h.startsWith(location.origin)),
  };
})()`

// uiPatterns reads every UI GET route pattern registered in the http package's sources
// (as http/scope_test.go does), so a new page cannot escape the check.
func uiPatterns(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../http/*.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`mux\.Handle(?:Func)?\("GET (/[^"]*)"`)
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(data), -1) {
			if !strings.HasPrefix(m[1], "/api/") && !strings.HasPrefix(m[1], "/static/") {
				out = append(out, m[1])
			}
		}
	}
	if len(out) < 40 {
		t.Fatalf("found only %d UI GET routes: the scan is broken", len(out))
	}
	sort.Strings(out)
	return out
}

// notPages are the UI GET routes that answer a file, not a page: exports, evidence, the
// diagram's bare SVG, firewall rules, import templates, VEX documents, report files and the
// proof bundles of log records cited by incidents.
var notPages = regexp.MustCompile(`/export$|/file$|/template$|/oscal$|/vex$|/firewall$|/proof$|^/evidence/|\.svg$`)

// a11yRoles are the other roles whose view of a few pages is checked too: what a page shows
// differs by role (forms, buttons, empty lists).
var a11yRoles = map[string][]string{
	"auditor":       {"/", "/assets", "/compliance", "/audit", "/assets/new", "/no-such-page"},
	"vendor.aurora": {"/", "/assets", "/zones/diagram", "/vulnerabilities"},
	"ce.lin":        {"/", "/assets/new", "/compliance/organisation"},
	"soc.wang":      {"/alerts", "/incidents", "/logs"},
}

// TestBrowserAccessibility checks every page of the demo hospital against WCAG 2.2 level AA
// with axe-core in headless Chromium, 768 pixels wide: it logs in as the security officer,
// opens every UI GET route that is not a file (routes with an ID through the links the
// pages show), runs axe-core's wcag2a/wcag2aa/wcag21a/wcag21aa/wcag22aa rules and fails
// on any violation and on a page wider than the window; then the login page, the 404 and
// "not allowed" pages, and a few pages as other roles. A route no link reached fails too
// (a capture is uploaded first, as the demo has no discovery run).
func TestBrowserAccessibility(t *testing.T) {
	axeSource, err := os.ReadFile("testdata/axe-core/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	patterns := uiPatterns(t)
	routes := http.NewServeMux()
	for _, p := range patterns {
		routes.HandleFunc("GET "+p, func(http.ResponseWriter, *http.Request) {})
	}
	patternOf := func(path string) string {
		r, err := http.NewRequest("GET", path, nil)
		if err != nil {
			return ""
		}
		_, p := routes.Handler(r)
		return strings.TrimPrefix(p, "GET ")
	}
	base, _ := startServer(t)
	ctx := newBrowserFor(t, 15*time.Minute)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(768, 1024)); err != nil {
		t.Fatal(err)
	}
	check := func(path string) (axeResult, error) {
		var res axeResult
		err := chromedp.Run(ctx,
			chromedp.Navigate(base+path),
			chromedp.WaitReady("body"),
			chromedp.Evaluate(string(axeSource), nil),
			chromedp.Evaluate(fmt.Sprintf(checkPage, axeTags), &res, awaitPromise),
		)
		return res, err
	}
	report := func(who string, res axeResult) {
		if res.ContentType != "text/html" {
			t.Errorf("%s %s: content type %q, not a page", who, res.URL, res.ContentType)
		}
		if res.Overflow > 0 {
			t.Errorf("%s %s: the page is %d px wider than a 768 px window (%s)", who, res.URL, res.Overflow, strings.Join(res.Wide, ", "))
		}
		for _, v := range res.Violations {
			var where []string
			for _, n := range v.Nodes {
				where = append(where, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
			}
			t.Errorf("%s %s: %s (%s)\n    %s", who, res.URL, v.ID, v.Help, strings.Join(where, "\n    "))
		}
	}

	// Logged out: the login page and the 404 page.
	for _, path := range []string{"/login", "/no-such-page"} {
		res, err := check(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		report("anonymous", res)
	}

	// The demo holds no discovery run: one capture is uploaded first, so that the run's
	// page is checked too.
	pcap, err := filepath.Abs("../../capture/testdata/hl7-mllp.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx,
		login(base, "ciso", demoPassword, ""),
		chromedp.Navigate(base+"/discovery"),
		chromedp.WaitVisible(`#upload-form input[type=file]`),
		chromedp.SetUploadFiles(`#upload-form input[type=file]`, []string{pcap}),
		chromedp.Click(`#upload-form button[type=submit]`),
		chromedp.WaitVisible(`dl.fields`),
	); err != nil {
		t.Fatalf("log in and upload a capture: %v\n%s", err, pageText(ctx))
	}
	// The security officer: every page, once per route pattern.
	seen := map[string]bool{}
	var queue []string
	enqueue := func(path string) {
		p := patternOf(path)
		if p == "" || p == "/login" || seen[p] || notPages.MatchString(p) {
			return
		}
		seen[p] = true
		queue = append(queue, path)
	}
	for _, p := range patterns {
		if !strings.Contains(p, "{") {
			enqueue(strings.TrimSuffix(p, "{$}"))
		}
	}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		res, err := check(path)
		if err != nil {
			t.Fatalf("%s: %v\n%s", path, err, pageText(ctx))
		}
		report("ciso", res)
		for _, link := range res.Links {
			u, err := url.Parse(link)
			if err != nil {
				continue
			}
			enqueue(u.Path)
		}
	}
	for _, p := range patterns {
		if p != "/login" && !notPages.MatchString(p) && !seen[p] {
			t.Errorf("no page linked to a %s page: its accessibility is unchecked", p)
		}
	}
	t.Logf("checked %d pages as the security officer", len(seen))

	// Other roles, and the "not allowed" page.
	for _, who := range slices.Sorted(maps.Keys(a11yRoles)) {
		if err := chromedp.Run(ctx,
			chromedp.Submit(`form[action="/logout"] button`),
			chromedp.WaitVisible(`input[name=username]`),
			login(base, who, demoPassword, ""),
		); err != nil {
			t.Fatalf("log in as %s: %v", who, err)
		}
		for _, path := range a11yRoles[who] {
			res, err := check(path)
			if err != nil {
				t.Fatalf("%s %s: %v", who, path, err)
			}
			report(who, res)
		}
	}
}
