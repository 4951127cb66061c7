package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAssessment drives the compliance UI in headless Chromium on the demo
// hospital: the security officer opens an open item of the gap report, assesses the
// control as implemented with an evidence file, sees the evidence on the control, and
// sees the gap report's counts change by one.
func TestBrowserAssessment(t *testing.T) {
	base, _ := startServer(t)
	ctx := newBrowser(t)
	evidenceFile := filepath.Join(t.TempDir(), "firewall-review.txt")
	const evidenceText = "防火牆規則審查 2026-11 / firewall rule review"
	os.WriteFile(evidenceFile, []byte(evidenceText), 0o600)

	count := func(status string, into *string) chromedp.Action {
		return chromedp.Text(`#gap-counts tr.total td[data-status="`+status+`"]`, into)
	}
	var implBefore, openHref, statusBefore string
	var ok bool
	if err := chromedp.Run(ctx,
		login(base, "ciso", demoPassword, ""),
		chromedp.Navigate(base+"/compliance"),
		chromedp.WaitVisible(`#gap-counts`),
		count("implemented", &implBefore),
		chromedp.AttributeValue(`#gap-open tbody tr:first-child td:nth-child(4) a`, "href", &openHref, &ok),
		chromedp.Text(`#gap-open tbody tr:first-child td:nth-child(8)`, &statusBefore),
	); err != nil {
		t.Fatalf("open the gap report: %v\n%s", err, pageText(ctx))
	}
	if !ok || !strings.Contains(openHref, "/controls?control=") {
		t.Fatalf("first open item links to %q", openHref)
	}
	control := openHref[strings.Index(openHref, "#")+1:]
	section := `section[id="` + control + `"]`

	var after, evidenceName, fetched, assetLink string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+openHref),
		chromedp.WaitVisible(section),
		chromedp.Click(section+` details.assess summary`),
		chromedp.SetValue(section+` select[name=status]`, "implemented"),
		chromedp.SetUploadFiles(section+` input[type=file]`, []string{evidenceFile}),
		chromedp.Click(section+` button[type=submit]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.WaitVisible(section+`[data-status="implemented"]`),
		chromedp.Text(section+` a.evidence`, &evidenceName),
		chromedp.Evaluate(`fetch(document.querySelector('`+strings.ReplaceAll(section, `"`, `\"`)+` a.evidence').href).then(r => r.text())`, &fetched, awaitPromise),
	); err != nil {
		t.Fatalf("assess %s: %v\n%s", control, err, pageText(ctx))
	}
	if evidenceName != "firewall-review.txt" || fetched != evidenceText {
		t.Errorf("evidence shown %q, downloaded %q", evidenceName, fetched)
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/compliance"),
		chromedp.WaitVisible(`#gap-counts`),
		count("implemented", &after),
	); err != nil {
		t.Fatalf("gap report after: %v", err)
	}
	before, _ := strconv.Atoi(strings.TrimSpace(implBefore))
	got, _ := strconv.Atoi(strings.TrimSpace(after))
	if got != before+1 {
		t.Errorf("implemented in the gap report: %d before, %d after; want one more (item was %q)", before, got, statusBefore)
	}

	// The asset's detail page links to its controls.
	assetPath := openHref[:strings.Index(openHref, "/controls")]
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+assetPath),
		chromedp.WaitVisible(`#asset-controls`),
		chromedp.AttributeValue(`#asset-controls`, "href", &assetLink, &ok),
	); err != nil {
		t.Fatalf("asset page: %v", err)
	}
	if assetLink != assetPath+"/controls" {
		t.Errorf("asset page links to %q", assetLink)
	}

	// An auditor sees the controls but no assessment form.
	var forms int
	if err := chromedp.Run(ctx,
		chromedp.Submit(`form[action="/logout"] button`),
		chromedp.WaitVisible(`input[name=username]`),
		login(base, "auditor", demoPassword, ""),
		chromedp.Navigate(base+openHref),
		chromedp.WaitVisible(section),
		chromedp.Evaluate(`document.querySelectorAll('form.assess-form').length`, &forms),
	); err != nil {
		t.Fatalf("auditor: %v\n%s", err, pageText(ctx))
	}
	if forms != 0 {
		t.Errorf("auditor sees %d assessment forms", forms)
	}
}

// TestBrowserListHeight measures the rendered height of the gap reports, the asset and
// organisational controls pages with the demo, then the TW gap report with 1,500 more
// classified assets imported: no page reaches 30,000 px, and the long report pages.
func TestBrowserListHeight(t *testing.T) {
	const bound = 30000
	base, _ := startServer(t)
	ctx := newBrowser(t)
	height := func(path string) int64 {
		t.Helper()
		var h int64
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+path),
			chromedp.WaitVisible(`main h1`),
			chromedp.Evaluate(`document.documentElement.scrollHeight`, &h),
		); err != nil {
			t.Fatalf("%s: %v\n%s", path, err, pageText(ctx))
		}
		return h
	}
	var assetHref string
	var ok bool
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(1280, 900),
		login(base, "ciso", demoPassword, ""),
		chromedp.Navigate(base+"/compliance"),
		chromedp.AttributeValue(`#gap-open tbody tr:first-child td:nth-child(4) a`, "href", &assetHref, &ok),
	); err != nil || !ok {
		t.Fatalf("gap report: %v", err)
	}
	paths := []string{"/compliance", assetHref[:strings.Index(assetHref, "?")]}
	for _, c := range []string{"cn-nhc-2022-measures", "jp-mhlw-6.0-system-operation", "hospital-incident-plan"} {
		paths = append(paths, "/compliance?catalog="+c, "/compliance/organisation?catalog="+c)
	}
	for _, p := range paths {
		h := height(p)
		t.Logf("%s: %d px", p, h)
		if h >= bound {
			t.Errorf("%s is %d px tall, want under %d", p, h, bound)
		}
	}

	// 1,500 more boundary hosts at 高: about 150,000 open items.
	var csvText strings.Builder
	csvText.WriteString("name,kind,site,class,level\n")
	for i := range 1500 {
		fmt.Fprintf(&csvText, "Synthetic-GW-%04d,workstation,示範醫學中心,boundary-host,high\n", i)
	}
	file := filepath.Join(t.TempDir(), "synthetic.csv")
	os.WriteFile(file, []byte(csvText.String()), 0o600)
	var flash, subjects string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/assets/import"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{file}),
		chromedp.Click(`#import-form button[type=submit]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`.flash`, &flash),
	); err != nil || !strings.Contains(flash, "1500") {
		t.Fatalf("import: %v %q", err, flash)
	}
	h := height("/compliance?page=3")
	if err := chromedp.Run(ctx, chromedp.Text(`#gap-subjects`, &subjects), chromedp.WaitVisible(`nav.pager a[rel=next]`)); err != nil {
		t.Fatal(err)
	}
	t.Logf("/compliance?page=3 with 1,500 more assets (%s): %d px", subjects, h)
	if h >= bound {
		t.Errorf("the gap report with 1,500 more assets is %d px tall, want under %d", h, bound)
	}
}
