package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"medsec"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// TestBrowserNotifications drives the notification paths end to end in Chromium against
// the real "medsec serve --demo" and a real SMTP server with STARTTLS required: the
// administrator sets the SMTP server and sends a test e-mail, the administrator and the
// Aurora vendor user give their addresses on their account pages, and after a restart the
// scheduler's first run e-mails them the demo hospital's reminders: the vendor only about
// Aurora's devices and never about the organisation's obligations. The delivery log shows
// what went.
func TestBrowserNotifications(t *testing.T) {
	base, data := startServer(t)
	ctx := newBrowser(t)
	smtp := notifytest.StartSMTP(t, notifytest.Options{})
	var flash string
	if err := chromedp.Run(ctx,
		login(base, "admin", adminPassword, ""),
		chromedp.Navigate(base+"/notifications"),
		chromedp.WaitVisible(`#smtp input[name=host]`),
		chromedp.SetValue(`#smtp input[name=host]`, smtp.Host),
		chromedp.SetValue(`#smtp input[name=port]`, strconv.Itoa(smtp.Port)),
		chromedp.SetValue(`#smtp select[name=tls_policy]`, "mandatory"),
		chromedp.SetValue(`#smtp input[name=from]`, "medsec@hospital.example"),
		chromedp.SetValue(`#smtp input[name=ca_file]`, smtp.CAFile),
		chromedp.SetValue(`#smtp input[name=public_url]`, base),
		chromedp.Submit(`#smtp input[name=host]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`.flash`, &flash),
	); err != nil {
		t.Fatalf("save SMTP settings: %v\n%s", err, pageText(ctx))
	}
	if !strings.Contains(flash, "settings were saved") {
		t.Errorf("after saving: %q", flash)
	}
	if err := chromedp.Run(ctx,
		chromedp.SendKeys(`#test-email input[name=to]`, "admin@hospital.example"),
		// The saved-settings flash is still on this page: remove it, so that the wait
		// below finds the next page's flash and not a node about to be detached.
		chromedp.Evaluate(`document.querySelectorAll('.flash').forEach(e => e.remove())`, nil),
		chromedp.Submit(`#test-email input[name=to]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`.flash`, &flash),
	); err != nil {
		t.Fatalf("send a test e-mail: %v\n%s", err, pageText(ctx))
	}
	if got := smtp.WaitMessages(t, 1); len(got) != 1 || !got[0].TLS || !strings.HasPrefix(got[0].Subject, "[medsec] Test message") {
		t.Fatalf("test e-mail: flash %q, received %+v", flash, got)
	}

	setPrefs := func(user, password, email string) {
		t.Helper()
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/login"),
			login(base, user, password, ""),
			chromedp.Navigate(base+"/account"),
			chromedp.WaitVisible(`#notifications input[name=email]`),
			chromedp.SetValue(`#notifications input[name=email]`, email),
			chromedp.Click(`#notifications input[value=immediate]`),
			chromedp.Submit(`#notifications input[name=email]`),
			chromedp.WaitVisible(`.flash`),
			chromedp.Text(`.flash`, &flash),
			chromedp.Click(`header form[action="/logout"] button`),
			chromedp.WaitVisible(`input[name=username]`),
		); err != nil {
			t.Fatalf("%s saves preferences: %v\n%s", user, err, pageText(ctx))
		}
		if !strings.Contains(flash, "preferences were saved") {
			t.Errorf("%s: %q", user, flash)
		}
	}
	setPrefs("admin", adminPassword, "admin@hospital.example")
	setPrefs("vendor.aurora", demoPassword, "service@aurora.example")

	// Restart on the same data: the scheduler's first run sends the reminders.
	stopServer(t)
	base, _ = startServer(t, "--data", data)
	msgs := smtp.WaitIdle(t, 3, 10*time.Second)
	byRcpt := map[string][]string{}
	for _, m := range msgs[1:] {
		if !m.TLS {
			t.Errorf("%q went without TLS", m.Subject)
		}
		byRcpt[m.RcptTos[0]] = append(byRcpt[m.RcptTos[0]], m.Subject)
	}
	admin, vendor := byRcpt["admin@hospital.example"], byRcpt["service@aurora.example"]
	if len(admin) == 0 || len(vendor) == 0 || len(vendor) >= len(admin) {
		t.Fatalf("reminders: %d to the administrator, %d to the vendor", len(admin), len(vendor))
	}
	if !strings.Contains(strings.Join(admin, "\n"), "Past end of support") {
		t.Errorf("the administrator was not told of devices past end of support:\n%s", strings.Join(admin, "\n"))
	}
	store, err := sqlstore.Open(context.Background(), filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	all, _, err := sqlstore.NewAssetService(store).FindAssets(asSystem(context.Background()), medsec.AssetFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range vendor {
		if strings.Contains(s, "obligation") {
			t.Errorf("the vendor was told of an organisational obligation: %q", s)
		}
		named := false
		for _, a := range all {
			if strings.HasSuffix(s, ": "+a.Name) || strings.Contains(s, ": "+a.Name+",") {
				named = true
				if a.VendorName != "Aurora Medical Systems" {
					t.Errorf("the vendor was told of %s (%s): %q", a.Name, a.VendorName, s)
				}
			}
		}
		if !named {
			t.Errorf("vendor message names no asset: %q", s)
		}
	}

	// The demo raises hundreds of notifications, so the vendor's delivery may be on any
	// page of the delivery log (50 a page, newest first): walk the pages until it shows.
	if err := chromedp.Run(ctx, login(base, "admin", adminPassword, "")); err != nil {
		t.Fatalf("log in: %v", err)
	}
	var log string
	found := false
	for offset := 0; offset < 5000 && !found; offset += 50 {
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/notifications?offset="+strconv.Itoa(offset)),
			chromedp.WaitVisible(`#deliveries`),
			chromedp.Text(`#deliveries`, &log),
		); err != nil {
			t.Fatalf("delivery log: %v\n%s", err, pageText(ctx))
		}
		if strings.Contains(log, "Nothing found") || !strings.Contains(log, "Sent") {
			break
		}
		for _, line := range strings.Split(log, "\n") {
			if strings.Contains(line, "service@aurora.example") && strings.Contains(line, "Sent") {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("no sent delivery to service@aurora.example in the delivery log; last page:\n%s", log)
	}
}
