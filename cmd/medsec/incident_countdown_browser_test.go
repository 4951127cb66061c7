package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestBrowserClocksCountDown is t14 finding 17: a running clock on the incident page and
// on the incident list counts down while the page stays open and turns late when its due
// time passes, without a reload; the row, the state tag and the late counts follow. The
// server's clock is set ahead of the browser's, so the page must count on the server's
// clock. Without the script the page says the times are as of its loading.
func TestBrowserClocksCountDown(t *testing.T) {
	data := t.TempDir()
	clock := &settableClock{}
	base := serveDemo(t, &Main{Now: clock.Now, SchedulerTick: 200 * time.Millisecond}, data)
	b := newBrowser(t)
	open := func(title string) string {
		t.Helper()
		var url string
		if err := chromedp.Run(b,
			chromedp.Navigate(base+"/incidents"),
			chromedp.WaitVisible(`#incident-form`),
			chromedp.SendKeys(`#incident-form input[name=title]`, title),
			chromedp.Submit(`#incident-form input[name=title]`),
			chromedp.WaitVisible(`#clocks`),
			chromedp.Location(&url),
		); err != nil {
			t.Fatalf("open %q: %v\n%s", title, err, pageText(b))
		}
		id := url[strings.LastIndex(url, "/")+1:]
		if _, err := strconv.Atoi(id); err != nil {
			t.Fatalf("incident URL %s", url)
		}
		return id
	}
	if err := chromedp.Run(b, login(base, "admin", adminPassword, "")); err != nil {
		t.Fatal(err)
	}
	// Two incidents five minutes apart; each has a 10-minute first report.
	created1 := clock.Now()
	first := open("Countdown one")
	clock.Advance(5 * time.Minute)
	created2 := clock.Now()
	second := open("Countdown two")

	// The first incident's page 6 s before its first report is due: running, "left".
	clock.Advance(created1.Add(10*time.Minute - 6*time.Second).Sub(clock.Now()))
	row := `#clocks tr[data-clock="first-report"]`
	var before, after, tag, count string
	if err := chromedp.Run(b,
		chromedp.Navigate(base+"/incidents/"+first),
		chromedp.WaitVisible(`#clocks`),
		chromedp.Text(row+` .clock-left`, &before),
	); err != nil {
		t.Fatalf("incident page: %v\n%s", err, pageText(b))
	}
	if !strings.HasSuffix(before, " left") {
		t.Errorf("first report before due: %q, want a time left", before)
	}
	loaded := time.Now()
	// Without a reload it turns late within seconds of its due time.
	if err := chromedp.Run(b,
		chromedp.WaitVisible(row+`.overdue[data-state="late"]`),
		chromedp.Text(row+` .clock-left`, &after),
		chromedp.Text(row+` .tag`, &tag),
		chromedp.Text(`#late-count`, &count),
	); err != nil {
		t.Fatalf("the first report did not turn late on the open page: %v\n%s", err, pageText(b))
	}
	if waited := time.Since(loaded); waited < 3*time.Second {
		t.Errorf("turned late after %v, before its due time (6 s after load)", waited)
	}
	// The script writes the span in the page's units (data-span-*), as the server does.
	if !regexp.MustCompile(`^\d+ s overdue$`).MatchString(after) || tag != "Late" || !strings.HasSuffix(count, " late") {
		t.Errorf("after the due time: count %q, tag %q, header %q; want overdue, Late, N late", after, tag, count)
	}
	if n, _ := strconv.Atoi(strings.TrimSuffix(count, " late")); n < 1 {
		t.Errorf("late count %q", count)
	}

	// The list, 6 s before the second incident's first report: its row counts one more
	// late and one fewer running once that passes.
	clock.Advance(created2.Add(10*time.Minute - 6*time.Second).Sub(clock.Now()))
	listRow := `#incidents tr[data-incident="` + second + `"]`
	var running0, running1, late1 string
	var lateHidden bool
	if err := chromedp.Run(b,
		chromedp.Navigate(base+"/incidents"),
		chromedp.WaitVisible(listRow),
		chromedp.Text(listRow+` .running-count`, &running0),
		chromedp.EvaluateAsDevTools(`document.querySelector('`+listRow+` .late-count .tag').hidden`, &lateHidden),
	); err != nil {
		t.Fatalf("list: %v\n%s", err, pageText(b))
	}
	if !lateHidden {
		t.Errorf("incident %s shows late clocks 6 s before its first is due", second)
	}
	if err := chromedp.Run(b,
		chromedp.WaitVisible(listRow+`.overdue .late-count .tag`),
		chromedp.Text(listRow+` .running-count`, &running1),
		chromedp.Text(listRow+` .late-count .tag`, &late1),
	); err != nil {
		t.Fatalf("the list row did not turn late: %v\n%s", err, pageText(b))
	}
	r0, _ := strconv.Atoi(running0)
	r1, _ := strconv.Atoi(running1)
	l1, _ := strconv.Atoi(strings.TrimPrefix(late1, "!"))
	if l1 < 1 || r0-r1 != l1 {
		t.Errorf("list row: running %s → %s, late %q; want running down by the late count", running0, running1, late1)
	}

	// Without the script the page says when its times were computed.
	var note string
	if err := chromedp.Run(b,
		emulation.SetScriptExecutionDisabled(true),
		chromedp.Navigate(base+"/incidents/"+first),
		chromedp.WaitVisible(`#clocks`),
		chromedp.Text(`#clocks-as-of`, &note),
	); err != nil {
		t.Fatalf("no script: %v\n%s", err, pageText(b))
	}
	if !strings.Contains(note, "Without JavaScript the remaining times are as of") {
		t.Errorf("noscript note: %q", note)
	}
}
