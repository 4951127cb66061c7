package main

import (
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
		chromedp.Text(`#gap-open tbody tr:first-child td:nth-child(7)`, &statusBefore),
	); err != nil {
		t.Fatalf("open the gap report: %v\n%s", err, pageText(ctx))
	}
	if !ok || !strings.Contains(openHref, "/controls#") {
		t.Fatalf("first open item links to %q", openHref)
	}
	control := openHref[strings.Index(openHref, "#")+1:]
	section := `section[id="` + control + `"]`

	var after, evidenceName, fetched, assetLink string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+openHref),
		chromedp.WaitVisible(section),
		chromedp.Click(section+` details summary`),
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
