package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAlertTriage drives the alert queue of the demo hospital in headless
// Chromium as the SOC analyst: the burst of failed logins on HIS, the unknown device on
// the device network and the flows outside every conduit are in the queue; the burst's
// alert page shows its rule with the seed section and the ten events that reached the threshold; the analyst takes
// it, marks it investigating with a note, and the queue and page show the new state.
func TestBrowserAlertTriage(t *testing.T) {
	base, _ := startServer(t)
	ctx := newBrowser(t)
	// soc.wang reads zh-TW: built-in rules' alerts are titled in it.
	const burst = "短時間內大量失敗登入"
	var queue string
	if err := chromedp.Run(ctx, login(base, "soc.wang", demoPassword, "")); err != nil {
		t.Fatal(err)
	}
	// The burst's correlation fires on the detection heartbeat (every ten seconds).
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/alerts"),
			chromedp.WaitVisible(`#alert-queue`),
			chromedp.Text(`#alert-queue`, &queue),
		); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(queue, burst) || time.Now().After(deadline) {
			break
		}
		time.Sleep(2 * time.Second)
	}
	for _, want := range []string{burst, "儀器網路出現新裝置", "跨區流量未經任何管道", "緊急帳號被使用", "非工作時段數據導出"} {
		if !strings.Contains(queue, want) {
			t.Errorf("the queue lacks %q:\n%s", want, queue)
		}
	}
	var fields, events, status, assignee, after string
	if err := chromedp.Run(ctx,
		chromedp.Click(`//a[text()="`+burst+`"]`, chromedp.BySearch),
		chromedp.WaitVisible(`#triage`),
		chromedp.Text(`#alert-fields`, &fields),
		chromedp.Text(`main`, &events),
		chromedp.SetValue(`#triage select[name=status]`, "investigating"),
		chromedp.SetValue(`#triage select[name=assign]`, "me"),
		chromedp.SendKeys(`#triage textarea[name=note]`, "nurse.lin 帳號遭暴力破解？已通知資訊室"),
		chromedp.Submit(`#triage textarea[name=note]`),
		chromedp.WaitVisible(`p.flash`),
		chromedp.Text(`#alert-status`, &status),
		chromedp.Text(`#alert-assignee`, &assignee),
		chromedp.Navigate(base+"/alerts"),
		chromedp.WaitVisible(`#alert-queue`),
		chromedp.Text(`#alert-queue`, &after),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fields, "003 §3.2.1") || !strings.Contains(fields, "attack.t1110") || !strings.Contains(fields, "示範醫學中心") {
		t.Errorf("alert fields lack the seed section, ATT&CK tag or site:\n%s", fields)
	}
	if !strings.Contains(events, "(10)") || !strings.Contains(events, "nurse.lin") {
		t.Errorf("alert page lacks the ten events that reached the threshold:\n%.2000s", events)
	}
	if !strings.Contains(status, "調查中") || strings.TrimSpace(assignee) == "" {
		t.Errorf("after triage: status %q, assignee %q", status, assignee)
	}
	if !strings.Contains(after, "調查中") {
		t.Errorf("the queue does not show the new state:\n%s", after)
	}
}
