package http_test

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/notify"
	"medsec/sqlstore"
)

// TestMaintenancePlans enters vendors' plans over the API and the page's form: the
// approver is the caller, a branch user cannot enter one on the main site's system (404),
// a vendor is refused, a window ending before it starts is 422 naming the field, and the
// page lists the plans in four languages.
func TestMaintenancePlans(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	body := fmt.Sprintf(`{"vendor_id":%d,"asset_ids":[%d],"engineer":"Wu Chien","purpose":"CT firmware 4.1","start":"2026-12-03T06:00:00Z","end":"2026-12-03T09:00:00Z"}`, f.vendorID, f.assetHQ.ID)
	if st, out := f.do("POST", "/api/v1/maintenance-plans", admin, body); st != 201 || !strings.Contains(out, `"approved_by": "u-admin"`) {
		t.Fatalf("create: %d %s", st, out)
	}
	if st, _ := f.do("POST", "/api/v1/maintenance-plans", f.tokens[medsec.RoleClinicalEngineer], body); st != 403 {
		t.Errorf("a clinical engineer entered an approved plan: %d", st)
	}
	if st, _ := f.do("POST", "/api/v1/maintenance-requests", f.branchCE, body); st != 404 {
		t.Errorf("branch user's request on the main site: %d", st)
	}
	if st, _ := f.do("POST", "/api/v1/maintenance-plans", f.tokens[medsec.RoleVendor], body); st != 403 {
		t.Errorf("vendor's plan: %d", st)
	}
	bad := strings.Replace(body, "09:00:00Z", "05:00:00Z", 1)
	if st, out := f.do("POST", "/api/v1/maintenance-plans", admin, bad); st != 422 || !strings.Contains(out, `"field": "end"`) {
		t.Errorf("end before start: %d %s", st, out)
	}
	if _, out := f.do("GET", "/api/v1/maintenance-plans", f.branchCE, ""); !strings.Contains(out, `"total": 0`) {
		t.Errorf("branch user's plans: %s", out)
	}
	c := f.session("u-admin")
	form := url.Values{"vendor_id": {fmt.Sprint(f.vendorID)}, "asset_id": {fmt.Sprint(f.assetHQ.ID)}, "engineer": {"Lin"}, "purpose": {"UPS swap"},
		"start": {"2026-12-05T09:00"}, "end": {"2026-12-05T11:00"}}
	post := func(v url.Values) int {
		req, _ := http.NewRequest("POST", f.srv.URL+"/accounts/maintenance/request", strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post(form); st != 303 {
		t.Errorf("form: %d", st)
	}
	if got, _ := sqlstore.NewMaintenancePlanService(f.db).FindMaintenancePlans(asSystemCtx(), medsec.MaintenancePlanFilter{Status: medsec.MaintenanceRequested}); len(got) != 1 || got[0].Purpose != "UPS swap" || got[0].RequestedBy != "u-admin" {
		t.Errorf("the page's form requests the plan: %+v", got)
	}
	form.Set("end", "soon")
	if st := post(form); st != 422 {
		t.Errorf("form with a bad end: %d", st)
	}
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/accounts/maintenance", lang)
		if !strings.Contains(page, template.HTMLEscapeString(b.T(lang, "maintenance.outside_title"))) || !strings.Contains(page, "CT firmware 4.1") || !strings.Contains(page, "UPS swap") {
			t.Errorf("%s: the plans page lacks its plans or title", lang)
		}
	}
}

// TestMaintenanceRequestAndDecision: a clinical engineer requests a vendor's remote
// session over the API (201, requested); the notification job tells it once, to those
// holding maintenance:approve at the plan's site; the clinical engineer's decision is 403, a refusal without a note 422 naming
// note; the security officer approves on the page, and the page then shows it approved in
// four languages; deciding again is 409; an approver's own request offers no decision.
func TestMaintenanceRequestAndDecision(t *testing.T) {
	f := newFixture(t)
	ce := f.tokens[medsec.RoleClinicalEngineer]
	body := fmt.Sprintf(`{"vendor_id":%d,"asset_ids":[%d],"engineer":"Wu Chien","purpose":"Remote session: CT firmware 4.1","start":"2026-12-03T06:00:00Z","end":"2026-12-03T09:00:00Z"}`, f.vendorID, f.assetHQ.ID)
	st, out := f.do("POST", "/api/v1/maintenance-requests", ce, body)
	if st != 201 || !strings.Contains(out, `"status": "requested"`) || !strings.Contains(out, `"requested_by": "u-clinical-engineer"`) {
		t.Fatalf("request: %d %s", st, out)
	}
	plans := sqlstore.NewMaintenancePlanService(f.db)
	waiting, _ := plans.FindMaintenancePlans(asSystemCtx(), medsec.MaintenancePlanFilter{Status: medsec.MaintenanceRequested})
	if len(waiting) != 1 {
		t.Fatalf("waiting: %+v", waiting)
	}
	id := waiting[0].ID
	rec := &recordingNotifier{}
	job := &notify.MaintenanceRequests{Plans: plans, Notifier: rec}
	if err := job.Run(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if len(rec.got) != 1 || rec.got[0].Perm != medsec.PermMaintenanceApprove || rec.got[0].Scope.SiteID != f.assetHQ.SiteID || rec.got[0].Kind != medsec.KindMaintenanceRequested || !strings.Contains(rec.got[0].Link, fmt.Sprint(id)) {
		t.Errorf("notifications: %+v", rec.got)
	}
	path := fmt.Sprintf("/api/v1/maintenance-plans/%d/decision", id)
	if st, _ := f.do("POST", path, ce, `{"approve":true}`); st != 403 {
		t.Errorf("the requester (a clinical engineer) decided: %d", st)
	}
	if st, _ := f.do("POST", path, f.tokens[medsec.RoleVendor], `{"approve":true}`); st != 403 {
		t.Errorf("a vendor decided: %d", st)
	}
	if st, out := f.do("POST", path, f.tokens[medsec.RoleSecurityOfficer], `{"approve":false}`); st != 422 || !strings.Contains(out, `"field": "note"`) {
		t.Errorf("refusal without a note: %d %s", st, out)
	}
	st, page := f.postForm(fmt.Sprintf("/accounts/maintenance/%d/decision", id), medsec.RoleSecurityOfficer, url.Values{"decision": {"approve"}, "note": {"限院內跳板機"}}.Encode())
	if st != 303 {
		t.Fatalf("approve on the page: %d %s", st, page)
	}
	// A notice cannot be withdrawn: a decided plan is not told again, and the notice says
	// what to do when another approver has decided it already, in every language.
	if err := job.Run(context.Background(), time.Now()); err != nil || len(rec.got) != 1 {
		t.Errorf("the decided plan was told again: %d notices, %v", len(rec.got), err)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"en": "nothing more is needed", "zh-TW": "無須再處理", "zh-CN": "无须再处理", "ja": "対応は不要"} {
		args := make([]any, len(rec.got[0].Args))
		for i, a := range rec.got[0].Args {
			args[i] = a.Text
		}
		if body := bundle.T(lang, rec.got[0].Key+".body", args...); !strings.Contains(body, want) {
			t.Errorf("%s: the request notice does not say what to do once decided: %s", lang, body)
		}
	}
	if st, _ := f.do("POST", path, f.tokens[medsec.RoleAdmin], `{"approve":false,"note":"x"}`); st != 409 {
		t.Errorf("decided twice: %d", st)
	}
	// The administrator's own request: the page offers the administrator no decision, and
	// the form's decision is refused saying why.
	st, out = f.do("POST", "/api/v1/maintenance-requests", f.tokens[medsec.RoleAdmin], strings.Replace(body, "CT firmware 4.1", "UPS firmware", 1))
	if st != 201 {
		t.Fatalf("admin's request: %d %s", st, out)
	}
	var own int64
	fmt.Sscanf(out[strings.Index(out, `"id": `)+6:], "%d", &own)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	// The API and the page refuse the requester's own plan alike: 403 with the same
	// message, as risk-review signing refuses a signature (the page said 409 before).
	ownMsg := b.T("en", "err.maintenance_own_request")
	if st, out := f.do("POST", fmt.Sprintf("/api/v1/maintenance-plans/%d/decision", own), f.tokens[medsec.RoleAdmin], `{"approve":true}`); st != 403 || !strings.Contains(out, ownMsg) {
		t.Errorf("own request decided in the API: %d %s", st, out)
	}
	if st, page := f.postForm(fmt.Sprintf("/accounts/maintenance/%d/decision", own), medsec.RoleAdmin, url.Values{"decision": {"approve"}}.Encode()); st != 403 || !strings.Contains(page, template.HTMLEscapeString(ownMsg)) {
		t.Errorf("own request decided on the page: %d", st)
	}
	c := f.session("u-admin")
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/accounts/maintenance", lang)
		for _, want := range []string{b.T(lang, "maintenance_status.approved"), b.T(lang, "maintenance_status.requested"), b.T(lang, "maintenance.requested_by", "u-clinical-engineer"), "限院內跳板機", b.T(lang, "maintenance.own_request")} {
			if !strings.Contains(page, template.HTMLEscapeString(want)) {
				t.Errorf("%s: the plans page lacks %q", lang, want)
			}
		}
		if strings.Contains(page, fmt.Sprintf(`action="/accounts/maintenance/%d/decision"`, own)) {
			t.Errorf("%s: the administrator is offered a decision on the administrator's own request", lang)
		}
	}
}

// recordingNotifier keeps what it is told.
type recordingNotifier struct{ got []medsec.Notification }

func (r *recordingNotifier) Notify(_ context.Context, n medsec.Notification) error {
	r.got = append(r.got, n)
	return nil
}

func asSystemCtx() context.Context {
	return medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
}
