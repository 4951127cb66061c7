package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserIncidentForms drives the incident page's forms in Chromium against the real
// "medsec serve --demo": a form with a malformed number and a blank label shows both
// problems at once, beside their fields and in the summary, keeping what was typed; a file
// uploaded on the page is listed with its SHA-256 and uploader; and when someone else saves
// the incident while the analyst types, the analyst's record is kept and the other
// person's change is listed.
func TestBrowserIncidentForms(t *testing.T) {
	base, _ := startServer(t)
	b := newBrowser(t)

	// The demo's open LIS incident.
	var href string
	if err := chromedp.Run(b,
		login(base, "soc.wang", demoPassword, ""),
		chromedp.Navigate(base+"/incidents"),
		chromedp.WaitVisible(`table`),
		chromedp.Evaluate(`[...document.querySelectorAll('a[href^="/incidents/"]')].find(a => a.textContent.includes('LIS')).getAttribute('href')`, &href),
	); err != nil {
		t.Fatalf("incident list: %v\n%s", err, pageText(b))
	}
	page := base + href

	// Every problem at once: a blank label (spaces pass the browser's "required") and a
	// malformed number of minutes.
	var summary, labelErr, minutesErr, kept string
	if err := chromedp.Run(b,
		chromedp.Navigate(page),
		chromedp.WaitVisible(`#add-clock`),
		chromedp.SendKeys(`#add-clock input[name=label]`, "   "),
		chromedp.SendKeys(`#add-clock input[name=minutes]`, "90 min"),
		chromedp.Click(`#add-clock button[type=submit]`),
		chromedp.WaitVisible(`#form-errors`),
		chromedp.Text(`#form-errors tbody`, &summary),
		chromedp.Text(`#err-add-clock-label`, &labelErr),
		chromedp.Text(`#err-add-clock-minutes`, &minutesErr),
		chromedp.Value(`#add-clock input[name=minutes]`, &kept),
	); err != nil {
		t.Fatalf("all problems at once: %v\n%s", err, pageText(b))
	}
	if labelErr == "" || minutesErr == "" || strings.Count(summary, "\n") < 1 || kept != "90 min" {
		t.Errorf("problems: label %q, minutes %q, summary %q, minutes kept %q", labelErr, minutesErr, summary, kept)
	}

	// An evidence file uploaded on the page.
	content := []byte("capture of the LIS interface log, 2026-12-01\n")
	sum := sha256.Sum256(content)
	digest := hex.EncodeToString(sum[:])
	file := filepath.Join(t.TempDir(), "lis-interface.log")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	var row string
	if err := chromedp.Run(b,
		chromedp.Navigate(page),
		chromedp.WaitVisible(`#upload-evidence`),
		chromedp.SetUploadFiles(`#upload-evidence input[type=file]`, []string{file}),
		chromedp.SendKeys(`#upload-evidence input[name=note]`, "copied from the interface server"),
		chromedp.Click(`#upload-evidence button[type=submit]`),
		chromedp.WaitVisible(`#incident-evidence tr[data-sha256="`+digest+`"]`),
		chromedp.Text(`#incident-evidence tr[data-sha256="`+digest+`"]`, &row),
	); err != nil {
		t.Fatalf("upload: %v\n%s", err, pageText(b))
	}
	for _, want := range []string{"lis-interface.log", digest, "soc.wang", "copied from the interface server"} {
		if !strings.Contains(row, want) {
			t.Errorf("evidence row lacks %q: %q", want, row)
		}
	}

	// A version conflict: the analyst has the page open and types the record; the security
	// officer adds a note meanwhile (another session, the same form the page posts).
	var version string
	if err := chromedp.Run(b,
		chromedp.Navigate(page),
		chromedp.WaitVisible(`#incident-record`),
		chromedp.Value(`#add-note input[name=version]`, &version),
		chromedp.SetValue(`#incident-record textarea[name=cause]`, "expired interface certificate"),
		chromedp.SetValue(`#incident-record textarea[name=actions]`, "renewed the certificate, replayed the queue"),
	); err != nil {
		t.Fatalf("type the record: %v\n%s", err, pageText(b))
	}
	jar, _ := cookiejar.New(nil)
	ciso := &http.Client{Jar: jar}
	if resp, err := ciso.PostForm(base+"/login", url.Values{"username": {"ciso"}, "password": {demoPassword}}); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	resp, err := ciso.PostForm(page, url.Values{"version": {version}, "action": {"note"}, "text": {"LIS vendor on site at 14:00"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != href {
		t.Fatalf("the other note was not saved: ended at %s (%d)", resp.Request.URL, resp.StatusCode)
	}
	var changes, cause, actions string
	if err := chromedp.Run(b,
		chromedp.Click(`#incident-record button[type=submit]`),
		chromedp.WaitVisible(`#conflict-changes`),
		chromedp.Text(`#conflict-changes`, &changes),
		chromedp.Value(`#incident-record textarea[name=cause]`, &cause),
		chromedp.Value(`#incident-record textarea[name=actions]`, &actions),
	); err != nil {
		t.Fatalf("conflict: %v\n%s", err, pageText(b))
	}
	if !strings.Contains(changes, "LIS vendor on site at 14:00") || !strings.Contains(changes, "ciso") {
		t.Errorf("the other change is not listed: %q", changes)
	}
	if cause != "expired interface certificate" || actions != "renewed the certificate, replayed the queue" {
		t.Errorf("typed record lost: cause %q, actions %q", cause, actions)
	}
	// Sent again on the version now shown, it is saved.
	var saved string
	if err := chromedp.Run(b,
		chromedp.Click(`#incident-record button[type=submit]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Value(`#incident-record textarea[name=cause]`, &saved),
	); err != nil {
		t.Fatalf("send again: %v\n%s", err, pageText(b))
	}
	if saved != "expired interface certificate" {
		t.Errorf("after sending again the record's cause is %q", saved)
	}
}
