package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"medsec/auth"
)

const (
	adminPassword = "correct-horse-battery-staple"
	demoPassword  = "demo-password-for-tests"
)

// serverStartTimeout bounds how long a test waits for "medsec serve --demo" to listen. The
// demo start hashes one argon2id password (64 MiB) per demo user; on a loaded two-core
// machine that took over a minute, so the bound is generous: it only catches a hang.
const serverStartTimeout = 3 * time.Minute

// startServer runs the real "medsec serve --demo" on port 0 in a fresh data directory and
// returns its base URL; the server stops when the test ends.
func startServer(t *testing.T, extra ...string) (baseURL, dataDir string) {
	t.Helper()
	dataDir = t.TempDir()
	return serveDemo(t, &Main{}, dataDir, extra...), dataDir
}

// serveDemo runs m's "serve --demo" on port 0 over dataDir (which may already hold a store)
// and returns its base URL; it sets m's Stdout, Stderr and Ready, and the demo passwords.
// The server stops when the test ends, and a password in its log fails the test.
func serveDemo(t *testing.T, m *Main, dataDir string, extra ...string) string {
	t.Helper()
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
	t.Setenv("MEDSEC_DEMO_PASSWORD", demoPassword)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	var stdout, stderr bytes.Buffer
	m.Stdout, m.Stderr, m.Ready = &stdout, &stderr, func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() {
		done <- m.Serve(ctx, append([]string{"--data", dataDir, "--listen", "127.0.0.1:0", "--demo"}, extra...))
	}()
	stop := sync.OnceValue(func() error { cancel(); return <-done })
	stops[t] = stop
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
		if strings.Contains(stderr.String(), adminPassword) || strings.Contains(stderr.String(), demoPassword) {
			t.Errorf("a password reached the log:\n%s", stderr.String())
		}
	})
	select {
	case addr := <-ready:
		return "http://" + addr
	case err := <-done:
		done <- err // for the cleanup's stop, which would wait on it for ever
		t.Fatalf("serve exited: %v\n%s", err, stderr.String())
	case <-time.After(serverStartTimeout):
		t.Fatal("server did not start")
	}
	return ""
}

// stops holds each running test server's stop function (tests here do not run in parallel).
var stops = map[*testing.T]func() error{}

// stopServer stops the test's server now, as SIGTERM would, and waits until it has.
func stopServer(t *testing.T) {
	t.Helper()
	if err := stops[t](); err != nil {
		t.Fatalf("serve: %v", err)
	}
}

// newBrowser starts headless Debian Chromium for at most three minutes, or skips when it is
// not installed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, 3*time.Minute)
}

// newBrowserFor starts headless Debian Chromium for at most d, or skips when it is not
// installed.
func newBrowserFor(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("browser test skipped: chromium is not installed (apt-get install chromium)")
	}
	// The profile is not a t.TempDir: Chromium's helper processes may still write to it for
	// a moment after the browser is gone, which made TempDir's cleanup fail the test on a
	// busy machine. It is removed here, retrying briefly.
	profile, err := os.MkdirTemp("", "medsec-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(profile),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, d)
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		for i := 0; i < 50 && os.RemoveAll(profile) != nil; i++ {
			time.Sleep(100 * time.Millisecond)
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

func login(base, user, password, code string) chromedp.Tasks {
	tasks := chromedp.Tasks{
		chromedp.Navigate(base + "/login"),
		chromedp.WaitVisible(`input[name=username]`),
		chromedp.SendKeys(`input[name=username]`, user),
		chromedp.SendKeys(`input[name=password]`, password),
	}
	if code != "" {
		tasks = append(tasks, chromedp.SendKeys(`input[name=code]`, code))
	}
	return append(tasks, chromedp.Submit(`input[name=password]`), chromedp.WaitVisible(`header .who`))
}

// TestBrowserInventory drives the real UI in headless Chromium: log in, enrol TOTP, import
// a CSV with a bad row (errors shown, nothing imported), fix it (assets shown), switch
// language, and check that an auditor cannot edit.
func TestBrowserInventory(t *testing.T) {
	base, _ := startServer(t)
	ctx := newBrowser(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "pumps.csv")
	good := filepath.Join(dir, "pumps-fixed.csv")
	header := "name,kind,site,department,serial,ips,macs,connectivity,data_class\n"
	rows := "E2E-Pump-%d,infusion-pump,示範醫學中心,%s,E2E-SN-%d,%s,,wifi,device-only\n"
	var badCSV, goodCSV strings.Builder
	badCSV.WriteString(header)
	goodCSV.WriteString(header)
	for i := 1; i <= 3; i++ {
		ip := fmt.Sprintf("10.10.77.%d", i)
		goodIP := ip
		if i == 2 {
			ip = "10.10.77.300" // line 3 is bad
		}
		fmt.Fprintf(&badCSV, rows, i, "", i, ip)
		fmt.Fprintf(&goodCSV, rows, i, "", i, goodIP)
	}
	os.WriteFile(bad, []byte(badCSV.String()), 0o600)
	os.WriteFile(good, []byte(goodCSV.String()), 0o600)

	// Log in as admin and enrol TOTP.
	var secret string
	if err := chromedp.Run(ctx,
		login(base, "admin", adminPassword, ""),
		chromedp.Navigate(base+"/account/totp"),
		chromedp.WaitVisible(`#totp-secret`),
		chromedp.Text(`#totp-secret`, &secret),
	); err != nil {
		t.Fatalf("login and open enrolment: %v", err)
	}
	code, err := auth.TOTPCode(strings.TrimSpace(secret), time.Now())
	if err != nil {
		t.Fatalf("secret %q: %v", secret, err)
	}
	var flash string
	if err := chromedp.Run(ctx,
		chromedp.SendKeys(`#totp-code`, code),
		chromedp.Submit(`#totp-code`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`.flash`, &flash),
	); err != nil {
		t.Fatalf("enrol totp: %v\n%s", err, pageText(ctx))
	}
	if !strings.Contains(flash, "Two-factor authentication is now on") {
		t.Errorf("after enrolment: %q", flash)
	}

	// Import the CSV with a bad row: every error listed, nothing imported.
	var errText, count string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/assets/import"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{bad}),
		chromedp.Click(`#import-form button[type=submit]`),
		chromedp.WaitVisible(`.error table.errors`),
		chromedp.Text(`.error`, &errText),
		chromedp.Navigate(base+"/assets?q=E2E-Pump"),
		chromedp.WaitVisible(`p.count`),
		chromedp.Text(`p.count`, &count),
	); err != nil {
		t.Fatalf("bad import: %v", err)
	}
	for _, want := range []string{"pumps.csv was not imported", "3", "IP addresses", "10.10.77.300"} {
		if !strings.Contains(errText, want) {
			t.Errorf("import errors %q lack %q", errText, want)
		}
	}
	if !strings.Contains(count, "of 0") {
		t.Errorf("after a rejected import the list shows %q, want nothing", count)
	}

	// Import the fixed file: the assets appear.
	var names []*cdp.Node
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/assets/import"),
		chromedp.WaitVisible(`input[type=file]`),
		chromedp.SetUploadFiles(`input[type=file]`, []string{good}),
		chromedp.Click(`#import-form button[type=submit]`),
		chromedp.WaitVisible(`.flash`),
		chromedp.Text(`.flash`, &flash),
		chromedp.Navigate(base+"/assets?q=E2E-Pump"),
		chromedp.WaitVisible(`table.list`),
		chromedp.Nodes(`table.list tbody td a[href^="/assets/"]`, &names), // the name, after the bulk tick box
	); err != nil {
		t.Fatalf("good import: %v", err)
	}
	if !strings.Contains(flash, "3 created") || len(names) != 3 {
		t.Errorf("after the fixed import: flash %q, %d assets listed", flash, len(names))
	}

	// Switch the language to Traditional Chinese.
	var heading string
	if err := chromedp.Run(ctx,
		chromedp.SetValue(`#lang`, "zh-TW"),
		chromedp.Submit(`#lang`),
		chromedp.WaitVisible(`h1`),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.Text(`h1`, &heading),
	); err != nil {
		t.Fatalf("switch language: %v", err)
	}
	if heading != "資產清冊" {
		t.Errorf("heading after switching to zh-TW = %q, want 資產清冊", heading)
	}

	// An auditor sees assets but no edit button, and a forged edit is refused.
	var editButtons []*cdp.Node
	var status int
	var newPage string
	if err := chromedp.Run(ctx,
		chromedp.Submit(`form[action="/logout"] button`),
		chromedp.WaitVisible(`input[name=username]`),
		login(base, "auditor", demoPassword, ""),
		chromedp.Navigate(base+"/assets?q=E2E-Pump-1"),
		chromedp.WaitVisible(`table.list tbody a`),
		chromedp.Click(`table.list tbody a`),
		chromedp.WaitVisible(`dl.fields`),
		chromedp.Nodes(`a[href$="/edit"], form[action$="/retire"]`, &editButtons, chromedp.AtLeast(0)),
		chromedp.Evaluate(`fetch(location.pathname + "/retire", {method: "POST"}).then(r => r.status)`, &status, awaitPromise),
		chromedp.Navigate(base+"/assets/new"),
		chromedp.WaitVisible(`.error`),
		chromedp.Text(`.error`, &newPage),
	); err != nil {
		t.Fatalf("auditor: %v", err)
	}
	if len(editButtons) != 0 {
		t.Errorf("auditor sees %d edit controls", len(editButtons))
	}
	if status != 403 {
		t.Errorf("auditor's retire request: %d, want 403", status)
	}
	// The "Not allowed" page names the role and what it cannot do.
	if !strings.Contains(newPage, "稽核人員") || !strings.Contains(newPage, "不能變更資產清冊") {
		t.Errorf("auditor opening the new-asset form sees %q", newPage)
	}
}

// awaitPromise makes Evaluate wait for a returned promise.
func awaitPromise(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }

// pageText returns the current page's URL and text, to show what the browser saw when a
// step failed.
func pageText(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var url, text string
	chromedp.Run(ctx, chromedp.Location(&url), chromedp.Text("body", &text))
	return url + "\n" + text
}
