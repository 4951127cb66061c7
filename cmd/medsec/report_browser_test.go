package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"medsec/i18n"
	"medsec/report"
)

// fetched is what the page's fetch of a report's download link answered.
type fetched struct {
	Status      int    `json:"status"`
	Type        string `json:"type"`
	Disposition string `json:"disposition"`
	Body        string `json:"body"`
}

// TestBrowserReports generates a report from the reports page in headless Chromium as the
// security officer (the incident ledger of this year, in Japanese, as HTML): the page, in
// the officer's language, shows it running, then, reloading itself, done with its content
// hash; the download link answers the file as an attachment with its media type and the SHA-256 the page
// shows. The reports page and the downloaded HTML report, opened as a page of its own, are
// checked with axe-core (WCAG 2.2 A and AA) at 768 px, as every page of the UI is.
func TestBrowserReports(t *testing.T) {
	axeSource, err := os.ReadFile("testdata/axe-core/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t)
	ctx := newBrowserFor(t, 5*time.Minute)
	year := fmt.Sprint(time.Now().Year())
	var status string
	if err := chromedp.Run(ctx,
		login(base, "ciso", demoPassword, ""),
		chromedp.Navigate(base+"/"),
		chromedp.Click(`nav a[href="/reports"]`),
		chromedp.WaitVisible(`#report-form`),
		chromedp.SetValue(`#report-form select[name=name]`, "incident-ledger"),
		chromedp.SetValue(`#report-form input[name=period]`, year),
		chromedp.SetValue(`#report-form select[name=lang]`, "ja"),
		chromedp.SetValue(`#report-form select[name=format]`, "html"),
		chromedp.Submit(`#report-form button[type=submit]`),
		chromedp.WaitVisible(`#reports tr.current`),
		// The page reloads itself until the report is done.
		chromedp.WaitVisible(`#reports tr.current a[download]`),
		chromedp.Text(`#reports tr.current td:nth-child(6)`, &status),
	); err != nil {
		t.Fatalf("generate from /reports: %v\n%s", err, pageText(ctx))
	}
	var row, sha string
	var f fetched
	if err := chromedp.Run(ctx,
		chromedp.Text(`#reports tr.current`, &row),
		chromedp.AttributeValue(`#reports tr.current td:nth-child(9) code`, "title", &sha, nil),
		chromedp.Evaluate(`fetch(document.querySelector('#reports tr.current a[download]').href).then(async r => ({status: r.status,
			type: r.headers.get('Content-Type'), disposition: r.headers.get('Content-Disposition'), body: await r.text()}))`, &f, awaitPromise),
	); err != nil {
		t.Fatal(err)
	}
	// The page is in the officer's language (Traditional Chinese), the report in Japanese.
	for _, want := range []string{"資安事件與演練紀錄", year, "日本語", "完成", "首次產生"} {
		if !strings.Contains(row, want) {
			t.Errorf("the report's row lacks %q: %s", want, row)
		}
	}
	sum := sha256.Sum256([]byte(f.Body))
	if f.Status != 200 || f.Type != "text/html; charset=utf-8" || !strings.HasPrefix(f.Disposition, `attachment; filename="medsec-incident-ledger-`) ||
		hex.EncodeToString(sum[:]) != sha || !strings.Contains(f.Body, "インシデント・訓練台帳") {
		t.Fatalf("download: %d %q %q, sha256 %x (page says %s)", f.Status, f.Type, f.Disposition, sum, sha)
	}

	// The reports page itself, with its reports and schedules, checked with axe-core.
	var page axeResult
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(768, 1024),
		chromedp.Navigate(base+"/reports"),
		chromedp.WaitReady("body"),
		chromedp.Evaluate(string(axeSource), nil),
		chromedp.Evaluate(fmt.Sprintf(checkPage, axeTags), &page, awaitPromise),
	); err != nil {
		t.Fatal(err)
	}
	axeFailures(t, "/reports", page)

	// The report as a page of its own, checked with axe-core.
	file := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(f.Body))
	}))
	defer file.Close()
	var res axeResult
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(768, 1024),
		chromedp.Navigate(file.URL+"/report.html"),
		chromedp.WaitReady("body"),
		chromedp.Evaluate(string(axeSource), nil),
		chromedp.Evaluate(fmt.Sprintf(checkPage, axeTags), &res, awaitPromise),
	); err != nil {
		t.Fatal(err)
	}
	axeFailures(t, "HTML report", res)
}

// axeFailures fails t for each axe-core violation of a page and for a page wider than the
// window.
func axeFailures(t *testing.T, what string, res axeResult) {
	t.Helper()
	for _, v := range res.Violations {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.Summary, "\n", " ")))
		}
		t.Errorf("%s: %s (%s)\n    %s", what, v.ID, v.Help, strings.Join(where, "\n    "))
	}
	if res.Overflow > 0 {
		t.Errorf("%s is %d px wider than a 768 px window (%s)", what, res.Overflow, strings.Join(res.Wide, ", "))
	}
}

// TestBrowserEveryReportAccessible writes every report of the demo hospital as HTML with
// "medsec report" — the languages taken in turn, so each of the four is checked — and
// checks each, opened as a page of its own in headless Chromium at 768 px, with axe-core
// (WCAG 2.2 A and AA): the charts (bars and lines), tables, contents and statuses of every
// report, not only the one TestBrowserReports generates through the UI.
func TestBrowserEveryReportAccessible(t *testing.T) {
	axeSource, err := os.ReadFile("testdata/axe-core/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	ctx := newBrowserFor(t, 10*time.Minute)
	data := reportDemo(t)
	dir := t.TempDir()
	type job struct{ name, lang, period, page string }
	var jobs []job
	for i, name := range report.Names {
		lang := i18n.Languages[i%len(i18n.Languages)]
		period := fmt.Sprint(time.Now().Year())
		if name == report.AccessReview {
			period = reviewYear(time.Now())
		}
		jobs = append(jobs, job{name, lang, period, name + "-" + lang + ".html"})
	}
	// Last year's risk review, with the decisions and signatures the demo recorded, in
	// Japanese (the current year's is in another language above).
	last := fmt.Sprint(time.Now().Year() - 1)
	jobs = append(jobs, job{report.RiskReview, "ja", last, report.RiskReview + "-" + last + "-ja.html"})
	for _, j := range jobs {
		file := filepath.Join(dir, j.page)
		var stderr bytes.Buffer
		if err := run(context.Background(), []string{"report", j.name, "--data", data, "--period", j.period, "--lang", j.lang, "--format", "html", "--out", file},
			new(bytes.Buffer), &stderr); err != nil {
			t.Fatalf("report %s: %v\n%s", j.name, err, stderr.String())
		}
	}
	files := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer files.Close()
	for _, j := range jobs {
		name, page := j.name, j.page
		var res axeResult
		var svgs int
		if err := chromedp.Run(ctx,
			chromedp.EmulateViewport(768, 1024),
			chromedp.Navigate(files.URL+"/"+page),
			chromedp.WaitReady("body"),
			chromedp.Evaluate(`document.querySelectorAll('svg[role=img]').length`, &svgs),
			chromedp.Evaluate(string(axeSource), nil),
			chromedp.Evaluate(fmt.Sprintf(checkPage, axeTags), &res, awaitPromise),
		); err != nil {
			t.Fatalf("%s: %v", page, err)
		}
		axeFailures(t, page, res)
		// Every report of the demo but the stocktake (no discovery run) has a chart.
		if svgs == 0 && name != report.Stocktake {
			t.Errorf("%s: no chart", page)
		}
	}
}
