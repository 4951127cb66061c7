package http_test

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestAccountsPages imports a roster and an account list through the pages' forms, shows
// the accounts, their findings and the roster in the four languages, and works an access
// review to its sign-off through its form; a bad file shows its line on the page.
func TestAccountsPages(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	pc := f.pages("u-admin", "zh-TW")
	c, post := pc.c, pc.upload
	if st, body := post("/accounts/roster", nil, "roster.csv", "員工編號,姓名,在職狀態,生效日\nE1,林醫師,離職,2026-01-31\n"); st != 200 || !strings.Contains(body, "新增 1 人") {
		t.Fatalf("roster: %d %.500s", st, body)
	}
	asset := fmt.Sprint(f.assetHQ.ID)
	if st, body := post("/accounts/import", map[string]string{"asset_id": asset}, "ct.csv", "帳號,類型,使用者\ndr.lin,個人,E1\nward,共用,\n"); st != 200 || !strings.Contains(body, "新增 2 筆") {
		t.Fatalf("import: %d %.500s", st, body)
	}
	if st, body := post("/accounts/import", map[string]string{"asset_id": asset}, "bad.csv", "帳號,啟用\nx,也許\n"); st != 422 || !strings.Contains(body, `id="form-errors"`) || !strings.Contains(body, "不是「是」或「否」") {
		t.Errorf("bad import: %d %.800s", st, body)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/accounts", lang)
		for _, key := range []string{"accounts.title", "acct_finding.departed", "account_type.shared", "accounts.import"} {
			if !strings.Contains(page, template.HTMLEscapeString(b.T(lang, key))) {
				t.Errorf("%s: /accounts lacks %s %q", lang, key, b.T(lang, key))
			}
		}
		if !strings.Contains(page, "000 帳號管理(中) 一") || !strings.Contains(page, "dr.lin") {
			t.Errorf("%s: the departed doctor's finding is not shown with its clause", lang)
		}
		if roster := f.page(c, "/accounts/roster", lang); !strings.Contains(roster, b.T(lang, "person_status.left")) {
			t.Errorf("%s: roster lacks the status", lang)
		}
	}
	// The auditor reads but has no forms.
	if page := f.page(f.session("u-auditor"), "/accounts", "en"); strings.Contains(page, `id="account-import"`) {
		t.Error("the auditor's page has the import form")
	}
	// Open, decide and sign the review through the forms.
	form := (&pageClient{f: f, c: c, lang: "en"}).form
	st, body := form("/accounts/reviews", url.Values{"asset_id": {asset}})
	if st != 303 {
		t.Fatalf("open review: %d %.500s", st, body)
	}
	rs, err := f.reviewIDs()
	if err != nil || len(rs) != 1 {
		t.Fatalf("reviews: %v %v", rs, err)
	}
	rv, _ := f.accountsOf(rs[0])
	v := url.Values{}
	for _, it := range rv.Items {
		id := fmt.Sprint(it.AccountID)
		v.Add("account", id)
		v.Set("decision_"+id, "remove")
		if it.Username == "dr.lin" {
			v.Set("reason_"+id, "left on 2026-01-31")
		}
	}
	if st, body := form(fmt.Sprintf("/accounts/reviews/%d", rs[0]), v); st != 422 || !strings.Contains(body, "give the reason") {
		t.Errorf("decisions without a reason: %d", st)
	}
	for _, it := range rv.Items {
		v.Set(fmt.Sprintf("reason_%d", it.AccountID), "not needed")
	}
	if st, _ := form(fmt.Sprintf("/accounts/reviews/%d", rs[0]), v); st != 303 {
		t.Errorf("decisions: %d", st)
	}
	if st, _ := form(fmt.Sprintf("/accounts/reviews/%d/sign", rs[0]), url.Values{}); st != 303 {
		t.Errorf("sign: %d", st)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, fmt.Sprintf("/accounts/reviews/%d", rs[0]), lang)
		if strings.Contains(page, `id="review-decisions"`) || !strings.Contains(page, "not needed") || !strings.Contains(page, b.T(lang, "review_decision.remove")) {
			t.Errorf("%s: the signed review still has its form or lacks the decisions", lang)
		}
	}
}

// reviewIDs returns the ids of the access reviews, as the admin sees them.
func (f *fixture) reviewIDs() ([]int64, error) {
	_, body := f.do("GET", "/api/v1/access-reviews", f.tokens[medsec.RoleAdmin], "")
	var l struct{ Items []medsec.AccessReview }
	if err := jsonUnmarshal(body, &l); err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range l.Items {
		ids = append(ids, r.ID)
	}
	return ids, nil
}

// accountsOf returns one review with its items.
func (f *fixture) accountsOf(id int64) (*medsec.AccessReview, error) {
	_, body := f.do("GET", fmt.Sprintf("/api/v1/access-reviews/%d", id), f.tokens[medsec.RoleAdmin], "")
	var r medsec.AccessReview
	return &r, jsonUnmarshal(body, &r)
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
