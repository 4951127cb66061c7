package http_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestRiskReviewAPI records a yearly risk review through the API: the auditor may read but
// not start one, a branch user does not see the main site's, a decision names its missing
// fields, the officer and another person sign (one person not twice), and the signed review
// refuses any change with 409.
func TestRiskReviewAPI(t *testing.T) {
	f := newFixture(t)
	f.classify(medsec.ClassStandalone, medsec.LevelModerate) // a classified device with no review this year
	so, admin, auditor, leader := f.tokens[medsec.RoleSecurityOfficer], f.tokens[medsec.RoleAdmin], f.tokens[medsec.RoleAuditor], f.tokens[medsec.RoleLeadership]
	start := fmt.Sprintf(`{"site_id":%d,"year":2026}`, f.assetHQ.SiteID)
	if status, _ := f.do("POST", "/api/v1/risk-reviews", auditor, start); status != http.StatusForbidden {
		t.Errorf("auditor starts a review: %d", status)
	}
	status, body := f.do("POST", "/api/v1/risk-reviews", so, start)
	var rv medsec.RiskReview
	if json.Unmarshal([]byte(body), &rv); status != http.StatusCreated || rv.Revision != 1 || len(rv.Items) == 0 {
		t.Fatalf("start: %d %s", status, body)
	}
	path := fmt.Sprintf("/api/v1/risk-reviews/%d", rv.ID)
	if status, _ := f.do("GET", path, auditor, ""); status != 200 {
		t.Errorf("auditor reads: %d", status)
	}
	if status, _ := f.do("GET", path, f.branchCE, ""); status != http.StatusNotFound {
		t.Errorf("branch engineer reads the main site's review: %d", status)
	}
	if status, body := f.do("GET", "/api/v1/risk-reviews?year=2026", f.branchCE, ""); status != 200 || strings.Contains(body, `"id":`) {
		t.Errorf("branch engineer's list: %d %s", status, body)
	}
	if status, body := f.do("PUT", path+"/decisions", so, `{"decisions":[{"seq":1,"decision":"treat","reason":"patch"}]}`); status != 422 ||
		!strings.Contains(body, "decisions.1.owner") || !strings.Contains(body, "decisions.1.due") {
		t.Errorf("treatment without owner and due date: %d %s", status, body)
	}
	var ds []medsec.RiskDecision
	for _, it := range rv.Items {
		ds = append(ds, medsec.RiskDecision{Seq: it.Seq, Decision: medsec.RiskAccept, Reason: "accepted for one year"})
	}
	in, _ := json.Marshal(map[string]any{"decisions": ds})
	if status, body := f.do("PUT", path+"/decisions", so, string(in)); status != 200 || json.Unmarshal([]byte(body), &rv) != nil || rv.Decided() != len(rv.Items) {
		t.Fatalf("decide: %d %s", status, body)
	}
	if status, body := f.do("POST", path+"/sign", admin, `{"as":"officer"}`); status != http.StatusForbidden {
		t.Errorf("administrator signs as the officer: %d %s", status, body)
	}
	if status, body := f.do("POST", path+"/sign", so, `{"as":"officer"}`); status != 200 {
		t.Fatalf("officer signs: %d %s", status, body)
	}
	// The leadership's signature needs risk:sign-leadership (role leadership): the
	// officer, the administrator (report:admin) and the auditor are refused.
	for who, tok := range map[string]string{"the officer": so, "the administrator": admin, "the auditor": auditor} {
		if status, body := f.do("POST", path+"/sign", tok, `{"as":"leadership","title":"院長"}`); status != http.StatusForbidden {
			t.Errorf("%s signs for the leadership: %d %s", who, status, body)
		}
	}
	if status, body := f.do("POST", path+"/sign", leader, `{"as":"officer"}`); status != http.StatusForbidden {
		t.Errorf("the leadership signs as the officer: %d %s", status, body)
	}
	if status, body := f.do("POST", path+"/sign", leader, `{"as":"leadership","title":"院長"}`); status != 200 || json.Unmarshal([]byte(body), &rv) != nil ||
		rv.Status != medsec.RiskReviewSigned || rv.LeaderTitle != "院長" || rv.OfficerName == "" {
		t.Fatalf("leadership signs: %d %s", status, body)
	}
	if status, _ := f.do("PUT", path+"/decisions", so, string(in)); status != http.StatusConflict {
		t.Errorf("decisions of a signed review changed: %d", status)
	}
}

// TestRiskReviewPages walks the risk review pages in every language as the security
// officer: a revision started from the list, a treatment without its due date refused in
// the page's language with what was typed kept, the decisions saved, the officer's
// signature shown; the auditor sees the review without forms.
func TestRiskReviewPages(t *testing.T) {
	f := newFixture(t)
	f.classify(medsec.ClassStandalone, medsec.LevelModerate)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := f.session("u-security-officer")
	post := func(path, lang string, form url.Values) (int, string, string) {
		req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", lang)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Location"), string(body)
	}
	var last string
	for _, lang := range i18n.Languages {
		t.Run(lang, func(t *testing.T) {
			page := f.page(c, "/risk-reviews", lang)
			if !strings.Contains(page, b.T(lang, "riskreview.list_title")) || !strings.Contains(page, `id="risk-review-start"`) {
				t.Fatalf("list page in %s lacks its title or form", lang)
			}
			if status, _, body := post("/risk-reviews", lang, url.Values{"site_id": {fmt.Sprint(f.assetHQ.SiteID)}, "year": {"1999"}}); status != 422 ||
				!strings.Contains(body, b.T(lang, "err.risk_review_year")) {
				t.Errorf("year 1999: %d", status)
			}
			status, loc, _ := post("/risk-reviews", lang, url.Values{"site_id": {fmt.Sprint(f.assetHQ.SiteID)}, "year": {"2026"}})
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/risk-reviews/") {
				t.Fatalf("start: %d %q", status, loc)
			}
			last = loc
			page = f.page(c, loc, lang)
			if !strings.Contains(page, f.assetHQ.Name) || !strings.Contains(page, b.T(lang, "risk_decision.transfer")) {
				t.Fatalf("review page in %s lacks the device or the decisions", lang)
			}
			form := url.Values{"item": {"1"}, "decision_1": {"treat"}, "reason_1": {"韌體更新 " + lang}, "owner_1": {"林醫工"}}
			status, _, body := post(loc, lang, form)
			if status != 422 || !strings.Contains(body, b.T(lang, "err.risk_treat_due")) || !strings.Contains(body, "韌體更新 "+lang) {
				t.Errorf("treatment without due date: %d", status)
			}
			form.Set("due_1", "2027-03-31")
			if status, _, _ := post(loc, lang, form); status != http.StatusSeeOther {
				t.Fatalf("decide: %d", status)
			}
			if status, _, _ := post(loc+"/sign", lang, url.Values{"as": {"officer"}}); status != http.StatusSeeOther {
				t.Fatalf("sign: %d", status)
			}
			page = f.page(c, loc, lang)
			if !strings.Contains(page, "2027-03-31") || !strings.Contains(page, b.T(lang, "risk_decision.treat")) || strings.Contains(page, `id="risk-review-decisions"`) ||
				strings.Contains(page, `id="risk-review-sign-leadership"`) {
				t.Errorf("signed by the officer, the page in %s does not show the decision, still edits or offers the officer the leadership's signature", lang)
			}
			// The leadership (risk:sign-leadership) is offered its signature, not the officer's.
			page = f.page(f.session("u-leadership"), loc, lang)
			if !strings.Contains(page, `id="risk-review-sign-leadership"`) || strings.Contains(page, `id="risk-review-sign-officer"`) || strings.Contains(page, `id="risk-review-decisions"`) {
				t.Errorf("the leadership's page in %s lacks its sign form or shows the officer's or the decisions", lang)
			}
		})
	}
	page := f.page(f.session("u-auditor"), last, "en")
	if strings.Contains(page, "<form") && strings.Contains(page, "risk-review-sign") || !strings.Contains(page, "2027-03-31") {
		t.Errorf("the auditor's page shows a sign form or lacks the decision")
	}
}

// TestRiskReviewOrganisationInReadersLanguage: an organisation-wide compensating measure
// due for review is a risk of the yearly review; its subject is kept as a message (not the
// English "The organisation" of the moment the revision started) and the review page
// names the organisation in the reader's language (was "The organisation · …" in all four).
func TestRiskReviewOrganisationInReadersLanguage(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	so := f.tokens[medsec.RoleSecurityOfficer]
	status, body := f.do("GET", "/api/v1/organisation/controls?catalog=jp-mhlw-6.0-system-operation", so, "")
	var controls []medsec.ApplicableControl
	if json.Unmarshal([]byte(body), &controls); status != 200 || len(controls) == 0 {
		var wrapped struct{ Items []medsec.ApplicableControl }
		if json.Unmarshal([]byte(body), &wrapped); len(wrapped.Items) == 0 {
			t.Fatalf("organisation controls: %d %.200s", status, body)
		}
		controls = wrapped.Items
	}
	control := controls[0].ControlID
	a := fmt.Sprintf(`{"catalog_id":"jp-mhlw-6.0-system-operation","control_id":%q,"asset_id":0,"status":"compensating","compensating":"代替策：月次点検","next_review":"2026-12-20"}`, control)
	if status, body := f.do("POST", "/api/v1/assessments", so, a); status != http.StatusCreated {
		t.Fatalf("assess the organisation: %d %s", status, body)
	}
	status, body = f.do("POST", "/api/v1/risk-reviews", so, fmt.Sprintf(`{"site_id":%d,"year":2026}`, f.assetHQ.SiteID))
	var rv medsec.RiskReview
	if json.Unmarshal([]byte(body), &rv); status != http.StatusCreated {
		t.Fatalf("start: %d %s", status, body)
	}
	found := false
	for _, it := range rv.Items {
		if strings.HasSuffix(it.Ref, "/"+control+"/0") {
			found = true
			if it.SubjectMsg == nil || it.SubjectMsg.Key != "report.risk_subject_pair" {
				t.Errorf("the organisation's subject is not kept as a message: %+v", it)
			}
		}
	}
	if !found {
		t.Fatalf("no risk for the organisation's measure: %+v", rv.Items)
	}
	c := f.session("u-security-officer")
	for _, lang := range i18n.Languages {
		page := f.page(c, fmt.Sprintf("/risk-reviews/%d", rv.ID), lang)
		want := b.T(lang, "report.organisation") + " · " + control
		if !strings.Contains(page, want) || lang != "en" && strings.Contains(page, "The organisation") {
			t.Errorf("%s: the review page does not name the organisation as %q", lang, want)
		}
	}
}

// TestRiskReviewFormShowsEveryProblem sends a treatment with a date that is not one and
// without its owner: the page shows both problems at once, each naming the risk by number
// and subject and the field by its column in the page's language, never a field path
// (was: only the date's problem, labelled decisions.1.due).
func TestRiskReviewFormShowsEveryProblem(t *testing.T) {
	f := newFixture(t)
	f.classify(medsec.ClassStandalone, medsec.LevelModerate)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	status, body := f.do("POST", "/api/v1/risk-reviews", f.tokens[medsec.RoleSecurityOfficer], fmt.Sprintf(`{"site_id":%d,"year":2026}`, f.assetHQ.SiteID))
	var rv medsec.RiskReview
	if json.Unmarshal([]byte(body), &rv); status != http.StatusCreated || len(rv.Items) == 0 {
		t.Fatalf("start: %d %s", status, body)
	}
	it := rv.Items[0]
	c := f.session("u-security-officer")
	for _, lang := range i18n.Languages {
		form := url.Values{"item": {fmt.Sprint(it.Seq)}, fmt.Sprintf("decision_%d", it.Seq): {"treat"}, fmt.Sprintf("reason_%d", it.Seq): {"韌體更新"},
			fmt.Sprintf("due_%d", it.Seq): {"31.03.2027"}}
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/risk-reviews/%d", f.srv.URL, rv.ID), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept-Language", lang)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s: %d", lang, resp.StatusCode)
		}
		for _, want := range []string{
			b.T(lang, "riskreview.item_field", it.Seq, it.Subject, b.T(lang, "report.due")),
			b.T(lang, "riskreview.item_field", it.Seq, it.Subject, b.T(lang, "report.owner")),
			b.T(lang, "err.risk_treat_owner"),
		} {
			if !strings.Contains(string(page), html.EscapeString(want)) {
				t.Errorf("%s: the page lacks %q", lang, want)
			}
		}
		if strings.Contains(string(page), "decisions.") {
			t.Errorf("%s: the page shows a field path", lang)
		}
	}
}
