package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"medsec"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// settableClock is the server's clock in the test: real time plus an offset the test
// moves forward.
type settableClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *settableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

func (c *settableClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// TestBrowserIncident drives an incident end to end in Chromium against the real
// "medsec serve --demo" with a settable clock and a real SMTP server: the SOC analyst opens
// a level-2 incident (suggested from a key department down for 150 minutes), the clock moves
// 12 minutes on and the first-report clock shows late on the page and is e-mailed to the
// security officer; the analyst meets it, the security officer completes the termination
// checklist (one condition waived with a reason), closes the incident, and the ledger shows
// it closed with its late clock.
func TestBrowserIncident(t *testing.T) {
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
	t.Setenv("MEDSEC_DEMO_PASSWORD", demoPassword)
	data := t.TempDir()
	smtp := notifytest.StartSMTP(t, notifytest.Options{})
	// The SMTP settings are in the store before the server starts.
	store, err := sqlstore.Open(context.Background(), filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewNotifyService(store).UpdateNotifySettings(asSystem(context.Background()), medsec.NotifySettings{PublicURL: "http://medsec.example",
		SMTP: medsec.SMTPSettings{Host: smtp.Host, Port: smtp.Port, TLSPolicy: medsec.TLSMandatory, From: "medsec@hospital.example", CAFile: smtp.CAFile}}); err != nil {
		t.Fatal(err)
	}
	store.Close()

	clock := &settableClock{}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Ready: func(addr string) { ready <- addr }, Now: clock.Now, SchedulerTick: 200 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- m.Serve(ctx, []string{"--data", data, "--listen", "127.0.0.1:0", "--demo"}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	var base string
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("serve exited: %v\n%s", err, stderr.String())
	case <-time.After(serverStartTimeout):
		t.Fatal("server did not start")
	}
	b := newBrowser(t)

	// The security officer gives an address for notifications.
	if err := chromedp.Run(b,
		login(base, "ciso", demoPassword, ""),
		chromedp.Navigate(base+"/account"),
		chromedp.WaitVisible(`#notifications input[name=email]`),
		chromedp.SetValue(`#notifications input[name=email]`, "ciso@hospital.example"),
		chromedp.Click(`#notifications input[value=immediate]`),
		chromedp.Submit(`#notifications input[name=email]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Click(`header form[action="/logout"] button`),
		chromedp.WaitVisible(`input[name=username]`),
	); err != nil {
		t.Fatalf("ciso's preferences: %v\n%s", err, pageText(b))
	}

	// The analyst opens the incident; medsec suggests level 2.
	const title = "E2E 放射科 PACS 中斷"
	var level, url string
	if err := chromedp.Run(b,
		login(base, "soc.wang", demoPassword, ""),
		chromedp.Navigate(base+"/incidents"),
		chromedp.WaitVisible(`#incident-form`),
		chromedp.SendKeys(`#incident-form input[name=title]`, title),
		chromedp.SetValue(`#incident-form select[name=scenario]`, "ransomware"),
		chromedp.SetValue(`#incident-form select[name=outage]`, "key-department"),
		chromedp.SetValue(`#incident-form input[name=outage_minutes]`, "150"),
		chromedp.Submit(`#incident-form input[name=title]`),
		chromedp.WaitVisible(`#incident-level`),
		chromedp.Text(`#incident-level`, &level),
		chromedp.Location(&url),
	); err != nil {
		t.Fatalf("open the incident: %v\n%s", err, pageText(b))
	}
	if !strings.Contains(level, "二級") && !strings.Contains(level, "Level 2") {
		t.Fatalf("level: %q", level)
	}
	id := url[strings.LastIndex(url, "/")+1:]
	if _, err := strconv.Atoi(id); err != nil {
		t.Fatalf("incident URL %s", url)
	}

	// Twelve minutes on, the 10-minute first report is late: shown and notified.
	clock.Advance(12 * time.Minute)
	var late string
	if err := chromedp.Run(b,
		chromedp.Navigate(url),
		chromedp.WaitVisible(`tr[data-clock="first-report"][data-state="late"]`),
		chromedp.Text(`#late-count`, &late),
	); err != nil {
		t.Fatalf("late clock not shown: %v\n%s", err, pageText(b))
	}
	if late == "" {
		t.Error("no late count")
	}
	found := false
	for _, msg := range smtp.WaitMessages(t, 1) {
		if msg.RcptTos[0] == "ciso@hospital.example" && strings.Contains(msg.Subject, title) && strings.Contains(msg.Subject, "通知資訊科值班人員") {
			found = true
		}
	}
	if !found {
		t.Errorf("the security officer was not e-mailed the late first report: %+v", smtp.WaitMessages(t, 1))
	}

	// The analyst meets the clock; the security officer completes the checklist and closes.
	if err := chromedp.Run(b,
		chromedp.SetValue(`tr[data-clock="first-report"] input[name=note]`, "phoned the duty officer"),
		chromedp.Submit(`tr[data-clock="first-report"] input[name=note]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.WaitVisible(`tr[data-clock="first-report"][data-state="late"]`), // met late stays late
		chromedp.Click(`header form[action="/logout"] button`),
		chromedp.WaitVisible(`input[name=username]`),
		login(base, "ciso", demoPassword, ""),
		chromedp.Navigate(url),
		chromedp.WaitVisible(`#checklist`),
	); err != nil {
		t.Fatalf("meet the clock: %v\n%s", err, pageText(b))
	}
	for _, key := range []string{"stable-24h", "integrity-hash", "vulns-retested", "sources-blocked"} {
		if err := chromedp.Run(b,
			chromedp.SetValue(`tr[data-item="`+key+`"] .meet-item input[name=note]`, "verified"),
			chromedp.Submit(`tr[data-item="`+key+`"] .meet-item input[name=note]`),
			chromedp.WaitVisible(`.flash`),
			chromedp.WaitNotPresent(`tr[data-item="`+key+`"] .meet-item`),
		); err != nil {
			t.Fatalf("checklist %s: %v\n%s", key, err, pageText(b))
		}
	}
	var status string
	if err := chromedp.Run(b,
		chromedp.SetValue(`tr[data-item="no-anomaly-72h"] .waive-item input[name=reason]`, "monitoring moved to the new SIEM; 48 h clean"),
		chromedp.Submit(`tr[data-item="no-anomaly-72h"] .waive-item input[name=reason]`),
		chromedp.WaitNotPresent(`tr[data-item="no-anomaly-72h"] .waive-item`),
		chromedp.Click(`#close-incident button`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`#incident-status`, &status),
	); err != nil {
		t.Fatalf("waive and close: %v\n%s", err, pageText(b))
	}
	if !strings.Contains(status, "已結案") {
		t.Errorf("status after closing: %q", status)
	}
	var row string
	if err := chromedp.Run(b,
		chromedp.Navigate(base+"/incidents/ledger"),
		chromedp.WaitVisible(`#ledger tr[data-incident="`+id+`"]`),
		chromedp.Text(`#ledger tr[data-incident="`+id+`"]`, &row),
	); err != nil {
		t.Fatalf("ledger: %v\n%s", err, pageText(b))
	}
	if !strings.Contains(row, title) || !strings.Contains(row, "已結案") || !strings.Contains(row, "勒索軟體") {
		t.Errorf("ledger row: %q", row)
	}
}
