package main

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"medsec/i18n"
)

// TestBrowserRiskReviewsAccessible checks the yearly risk review pages of the demo hospital
// with axe-core (WCAG 2.2 A and AA) in headless Chromium at 768 px, in each of the four
// languages: the list with its start form, a new revision's page with its decision and
// signature forms, the same page refusing a treatment without its due date (the error
// summary and the fields kept), and, as the director (role leadership), last year's signed
// review and the draft with the leadership's signature form.
func TestBrowserRiskReviewsAccessible(t *testing.T) {
	axeSource, err := os.ReadFile("testdata/axe-core/axe.min.js")
	if err != nil {
		t.Fatal(err)
	}
	base, _ := startServer(t)
	ctx := newBrowserFor(t, 10*time.Minute)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(768, 1024)); err != nil {
		t.Fatal(err)
	}
	check := func(who, what string) {
		t.Helper()
		var res axeResult
		if err := chromedp.Run(ctx,
			chromedp.WaitReady("body"),
			chromedp.Evaluate(string(axeSource), nil),
			chromedp.Evaluate(fmt.Sprintf(checkPage, axeTags), &res, awaitPromise),
		); err != nil {
			t.Fatalf("%s %s: %v", who, what, err)
		}
		axeFailures(t, who+" "+what+" ("+res.URL+")", res)
	}
	language := func(lang string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.SetValue(`#language-form select[name=lang]`, lang),
			chromedp.Submit(`#language-form select[name=lang]`),
			chromedp.WaitVisible(`html[lang="` + lang + `"]`),
		}
	}
	var drafts []string
	if err := chromedp.Run(ctx, login(base, "ciso", demoPassword, "")); err != nil {
		t.Fatalf("log in: %v", err)
	}
	for _, lang := range i18n.Languages {
		var loc string
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/risk-reviews"),
			language(lang),
			chromedp.WaitVisible(`#risk-review-start`),
		); err != nil {
			t.Fatalf("%s: list: %v\n%s", lang, err, pageText(ctx))
		}
		check("ciso "+lang, "list")
		if err := chromedp.Run(ctx,
			chromedp.SetValue(`#risk-review-start input[name=year]`, fmt.Sprint(time.Now().Year())),
			chromedp.Submit(`#risk-review-start button[type=submit]`),
			chromedp.WaitVisible(`#risk-review-sign-officer`),
			chromedp.Location(&loc),
		); err != nil {
			t.Fatalf("%s: start: %v\n%s", lang, err, pageText(ctx))
		}
		drafts = append(drafts, strings.TrimPrefix(loc, base))
		check("ciso "+lang, "new revision")
		if err := chromedp.Run(ctx,
			chromedp.SetValue(`#risk-review-decisions select[name=decision_1]`, "treat"),
			chromedp.SendKeys(`#risk-review-decisions input[name=reason_1]`, "韌體更新"),
			chromedp.Submit(`#risk-review-decisions button[type=submit]`),
			chromedp.WaitVisible(`#risk-review-decisions`),
			chromedp.WaitVisible(`.error, [role=alert]`),
		); err != nil {
			t.Fatalf("%s: refused decision: %v\n%s", lang, err, pageText(ctx))
		}
		check("ciso "+lang, "refused decision")
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(base+"/logout")); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, login(base, "director", demoPassword, "")); err != nil {
		t.Fatalf("log in as the director: %v", err)
	}
	// Last year's review, signed by the officer and the director, as the demo recorded it.
	var signed []string
	if err := chromedp.Run(ctx, chromedp.Navigate(base+"/risk-reviews"),
		chromedp.Evaluate(`[...document.querySelectorAll('#risk-reviews tbody tr')].filter(r => r.cells[1].textContent.trim() === '`+fmt.Sprint(time.Now().Year()-1)+`').map(r => r.querySelector('a').getAttribute('href'))`, &signed)); err != nil || len(signed) == 0 {
		t.Fatalf("last year's review: %v %v", err, signed)
	}
	for _, lang := range i18n.Languages {
		if err := chromedp.Run(ctx,
			chromedp.Navigate(base+"/risk-reviews"),
			language(lang),
			chromedp.WaitVisible(`#risk-reviews`),
		); err != nil {
			t.Fatalf("%s: director's list: %v\n%s", lang, err, pageText(ctx))
		}
		check("director "+lang, "list")
		// The leadership signs after the officer: a draft the officer has not signed offers
		// the director the section that says so, not the form.
		var forms int
		if err := chromedp.Run(ctx, chromedp.Navigate(base+drafts[0]), chromedp.WaitVisible(`#risk-review-sign`),
			chromedp.Evaluate(`document.querySelectorAll('#risk-review-sign form').length`, &forms)); err != nil || forms != 0 {
			t.Fatalf("%s: director's draft: %v, %d sign forms\n%s", lang, err, forms, pageText(ctx))
		}
		check("director "+lang, "draft before the officer's signature")
		if err := chromedp.Run(ctx, chromedp.Navigate(base+signed[0]), chromedp.WaitVisible(`#risk-review-leader`)); err != nil {
			t.Fatalf("%s: signed review: %v\n%s", lang, err, pageText(ctx))
		}
		check("director "+lang, "signed review")
	}
}
