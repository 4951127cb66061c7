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
	"medsec/account"
	"medsec/i18n"
	"medsec/sqlstore"
)

// TestGovernanceCalendarAPIAndPages makes the calendar's items, records one done over the
// API (a clinical engineer is refused, a branch user gets 404, a missing evidence is 422
// naming the field), imports training attendance (an unknown person is 422 naming line and
// field), lists the people short of hours, and shows both pages in four languages with
// each state written out beside its colour.
func TestGovernanceCalendarAPIAndPages(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	g := sqlstore.NewGovernanceService(f.db)
	if _, err := g.EnsureGovernanceItems(ctx, time.Now().AddDate(0, -1, 0)); err != nil {
		t.Fatal(err)
	}
	if _, err := g.EnsureGovernanceItems(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	admin := f.tokens[medsec.RoleAdmin]
	hq := f.assetHQ.SiteID
	st, out := f.do("GET", fmt.Sprintf("/api/v1/governance-items?site_id=%d&kind=leadership_meeting", hq), admin, "")
	if st != 200 || !strings.Contains(out, `"state": "overdue"`) {
		t.Fatalf("items: %d %s", st, out)
	}
	items, err := g.FindGovernanceItems(ctx, medsec.GovernanceFilter{SiteID: hq, Kind: medsec.DutyLeadershipMeeting, State: medsec.GovernanceOverdue})
	if err != nil || len(items) != 1 {
		t.Fatalf("overdue meeting: %+v %v", items, err)
	}
	path := fmt.Sprintf("/api/v1/governance-items/%d/done", items[0].ID)
	body := fmt.Sprintf(`{"done_on":%q,"record":"Security meeting held","evidence":"minutes MTG-77"}`, items[0].Due)
	if st, _ := f.do("POST", path, f.tokens[medsec.RoleClinicalEngineer], body); st != 403 {
		t.Errorf("clinical engineer: %d", st)
	}
	if st, _ := f.do("POST", path, f.tokens[medsec.RoleVendor], body); st != 403 {
		t.Errorf("vendor: %d", st)
	}
	if st, out := f.do("POST", path, admin, `{"done_on":"2026-01-02","record":"x"}`); st != 422 || !strings.Contains(out, `"field": "evidence"`) {
		t.Errorf("no evidence: %d %s", st, out)
	}
	if st, out := f.do("POST", path, admin, body); st != 200 || !strings.Contains(out, `"state": "done"`) || !strings.Contains(out, `"done_by": "u-admin"`) {
		t.Errorf("done: %d %s", st, out)
	}
	if st, _ := f.do("POST", path, admin, body); st != 409 {
		t.Errorf("done twice: %d", st)
	}
	if st, out := f.do("GET", "/api/v1/governance-items?state=late", admin, ""); st != 422 || !strings.Contains(out, `"field": "state"`) {
		t.Errorf("unknown state: %d %s", st, out)
	}
	if st, _ := f.do("GET", fmt.Sprintf("/api/v1/governance-items?site_id=%d", hq), f.branchCE, ""); st != 404 {
		t.Errorf("branch user asking for the main site: %d", st)
	}
	st, out = f.do("POST", "/api/v1/continuity-drills", admin, fmt.Sprintf(`{"site_id":%d,"scenario":"PACS down: films from the modality's local store","planned":%q}`, hq, items[0].Due))
	if st != 201 {
		t.Fatalf("plan drill: %d %s", st, out)
	}
	if st, _ := f.do("POST", "/api/v1/continuity-drills", f.branchCE, fmt.Sprintf(`{"site_id":%d,"scenario":"x","planned":"2026-01-01"}`, hq)); st != 403 {
		t.Errorf("branch clinical engineer planning: %d", st)
	}
	drills, _ := g.FindContinuityDrills(ctx, hq)
	if len(drills) != 1 {
		t.Fatalf("drills: %+v", drills)
	}
	if st, out := f.do("POST", fmt.Sprintf("/api/v1/continuity-drills/%d/result", drills[0].ID), admin, `{"run_on":"2026-01-02","result":"fail"}`); st != 422 || !strings.Contains(out, `"field": "findings"`) {
		t.Errorf("failed drill without findings: %d %s", st, out)
	}
	if st, out := f.do("POST", fmt.Sprintf("/api/v1/continuity-drills/%d/result", drills[0].ID), admin, fmt.Sprintf(`{"run_on":%q,"result":"pass"}`, items[0].Due)); st != 200 || !strings.Contains(out, `"result": "pass"`) {
		t.Errorf("drill result: %d %s", st, out)
	}
	if st, out := f.do("GET", "/api/v1/duties", f.tokens[medsec.RoleAuditor], ""); st != 200 || !strings.Contains(out, `"kind": "pentest"`) {
		t.Errorf("duties: %d %s", st, out)
	}

	roster := fmt.Sprintf("employee_no,name,status,joined\nI0031,Chen Chien-hung,active,2010-02-01\nN1305,Wang Yi-chun,active,%d-01-05\n", time.Now().Year())
	if _, err := sqlstore.NewAccountService(f.db).ImportRoster(ctx, account.ReadRoster([]byte(roster), "roster.csv")); err != nil {
		t.Fatal(err)
	}
	staff, _ := sqlstore.NewAccountService(f.db).FindStaff(ctx)
	var chen int64
	for _, m := range staff {
		if m.EmployeeNo == "I0031" {
			chen = m.PersonID
		}
	}
	if st, out := f.do("POST", "/api/v1/training/key-roles", admin, fmt.Sprintf(`{"person_id":%d,"key_role":true}`, chen)); st != 200 {
		t.Fatalf("key role: %d %s", st, out)
	}
	day := time.Now().AddDate(0, 0, -1).Format("2006-01-02")
	if time.Now().YearDay() == 1 {
		day = time.Now().Format("2006-01-02")
	}
	csv := "研修名,実施日,研修時間,職員番号\nRansomware response,%s,3,I0031\nRansomware response,%s,3,%s\n"
	st, out = f.do("POST", fmt.Sprintf("/api/v1/training/import?site_id=%d&name=t.csv", hq), admin, fmt.Sprintf(csv, day, day, "X0000"))
	if st != 422 || !strings.Contains(out, `"line": 3`) || !strings.Contains(out, `"field": "employee_no"`) {
		t.Errorf("unknown person: %d %s", st, out)
	}
	if st, out := f.do("POST", fmt.Sprintf("/api/v1/training/import?site_id=%d&name=t.csv", hq), admin, fmt.Sprintf(csv, day, day, "N1305")); st != 200 || !strings.Contains(out, `"attendances": 2`) {
		t.Fatalf("import: %d %s", st, out)
	}
	if st, _ := f.do("POST", fmt.Sprintf("/api/v1/training/import?site_id=%d&name=t.csv", hq), f.branchCE, fmt.Sprintf(csv, day, day, "N1305")); st != 403 {
		t.Errorf("branch clinical engineer importing: %d", st)
	}
	st, out = f.do("GET", "/api/v1/training/hours?short=1", admin, "")
	if st != 200 || !strings.Contains(out, `"short": 13`) || !strings.Contains(out, `"short": 5`) || !strings.Contains(out, `"total": 2`) {
		t.Errorf("people short of hours: %d %s", st, out)
	}
	if _, out := f.do("GET", "/api/v1/training/sessions", f.branchCE, ""); !strings.Contains(out, `"total": 0`) {
		t.Errorf("branch user's sessions: %s", out)
	}

	c := f.session("u-admin")
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/governance", lang)
		for _, want := range []string{b.T(lang, "governance_state.overdue"), b.T(lang, "governance_state.done"), b.T(lang, "duty.pentest"), "minutes MTG-77", "PACS down", b.T(lang, "drill_result.pass"), b.T(lang, "drill.evidence", drills[0].ID)} {
			if !strings.Contains(page, template.HTMLEscapeString(want)) {
				t.Errorf("%s: the calendar lacks %q", lang, want)
			}
		}
		if lang != "en" && strings.Contains(page, "continuity drill") {
			t.Errorf("%s: the drill's evidence is in English", lang)
		}
		// What the drill's run did is said in the reader's language (the old record was
		// "scenario — pass" with the raw code, in every language).
		if want := "PACS down: films from the modality's local store — " + b.T(lang, "drill_result.pass"); !strings.Contains(page, template.HTMLEscapeString(want)) {
			t.Errorf("%s: the calendar item lacks %q", lang, want)
		}
		if lang != "en" && strings.Contains(page, "— pass") {
			t.Errorf("%s: the drill's result is the raw code", lang)
		}
		if !strings.Contains(page, `<span data-status="overdue">`) {
			t.Errorf("%s: an overdue item is not marked with its state", lang)
		}
		page = f.page(c, "/governance/training", lang)
		for _, want := range []string{b.T(lang, "training.key_role"), "Wang Yi-chun", "Ransomware response", b.T(lang, "training.short_by", "13.0")} {
			if !strings.Contains(page, template.HTMLEscapeString(want)) {
				t.Errorf("%s: the training page lacks %q", lang, want)
			}
		}
	}
	// The form records an item done; a bad day is 422 and says so on the page.
	open, _ := g.FindGovernanceItems(ctx, medsec.GovernanceFilter{SiteID: hq, State: medsec.GovernanceOverdue})
	if len(open) == 0 {
		t.Fatal("no overdue item left")
	}
	post := func(v url.Values) int {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/governance/%d/done", f.srv.URL, open[0].ID), strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post(url.Values{"done_on": {"soon"}, "record": {"r"}, "evidence": {"e"}}); st != 422 {
		t.Errorf("form with a bad day: %d", st)
	}
	if st := post(url.Values{"done_on": {open[0].Due.String()}, "record": {"Scan run"}, "evidence": {"report.pdf"}}); st != 303 {
		t.Errorf("form: %d", st)
	}
}

// TestMLPSEventsAPIAndPage records a 等保 grading over the API at a mainland site: it is
// answered with the filing due within 10 working days (due soon) and the first assessment,
// both then on the calendar; a Taiwan site is 422 naming site_id, a clinical engineer 403,
// a branch user asking for the site 404. The page shows the event and its duties in four
// languages, and its form refused for a change without a note is shown again with what it
// said (422, naming the note).
func TestMLPSEventsAPIAndPage(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	cn := &medsec.Site{Code: "SZ", Name: "苏州合作院区", Jurisdiction: medsec.JurisdictionCN}
	if err := sqlstore.NewOrgService(f.db).CreateSite(ctx, cn); err != nil {
		t.Fatal(err)
	}
	admin := f.tokens[medsec.RoleAdmin]
	today := time.Now().Format("2006-01-02")
	body := fmt.Sprintf(`{"site_id":%d,"system":"HIS 医院信息系统","kind":"grading","level":3,"on":%q}`, cn.ID, today)
	st, out := f.do("POST", "/api/v1/mlps-events", admin, body)
	if st != 201 || !strings.Contains(out, `"kind": "mlps_filing"`) || !strings.Contains(out, `"kind": "mlps_assessment"`) || !strings.Contains(out, `"state": "due_soon"`) {
		t.Fatalf("grading: %d %s", st, out)
	}
	if st, out := f.do("GET", fmt.Sprintf("/api/v1/governance-items?site_id=%d&kind=mlps_filing", cn.ID), admin, ""); st != 200 || !strings.Contains(out, `"system": "HIS 医院信息系统"`) || !strings.Contains(out, "10个工作日") {
		t.Errorf("calendar: %d %s", st, out)
	}
	if st, out := f.do("POST", "/api/v1/mlps-events", admin, fmt.Sprintf(`{"site_id":%d,"system":"HIS","kind":"grading","level":3,"on":%q}`, f.assetHQ.SiteID, today)); st != 422 || !strings.Contains(out, `"field": "site_id"`) {
		t.Errorf("Taiwan site: %d %s", st, out)
	}
	if st, _ := f.do("POST", "/api/v1/mlps-events", f.tokens[medsec.RoleClinicalEngineer], body); st != 403 {
		t.Errorf("clinical engineer: %d", st)
	}
	if st, _ := f.do("GET", fmt.Sprintf("/api/v1/mlps-events?site_id=%d", cn.ID), f.branchCE, ""); st != 404 {
		t.Errorf("branch user: %d", st)
	}
	if st, out := f.do("GET", "/api/v1/duties", admin, ""); !strings.Contains(out, `"event": "change"`) || !strings.Contains(out, `"working_days": 10`) {
		t.Errorf("duties: %d %s", st, out)
	}
	c := f.session("u-admin")
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, "/governance", lang)
		for _, want := range []string{b.T(lang, "mlps.title"), b.T(lang, "duty.mlps_filing"), b.T(lang, "duty.mlps_assessment"), b.T(lang, "mlps_event.grading"), b.T(lang, "mlps.level_n", 3), "HIS 医院信息系统", b.T(lang, "governance.within_working_days", 10, b.T(lang, "mlps_event.change"))} {
			if !strings.Contains(page, template.HTMLEscapeString(want)) {
				t.Errorf("%s: the calendar lacks %q", lang, want)
			}
		}
	}
	st, page := f.postForm("/governance/mlps", medsec.RoleAdmin, url.Values{"site_id": {fmt.Sprint(cn.ID)}, "system": {"HIS 医院信息系统"}, "kind": {"change"}, "level": {"2"}, "on": {today}}.Encode())
	if st != 422 || !strings.Contains(page, template.HTMLEscapeString(b.T("en", "err.mlps_change_note"))) || !strings.Contains(page, `<option value="change" selected>`) {
		t.Errorf("change without a note: %d", st)
	}
	if st, _ := f.postForm("/governance/mlps", medsec.RoleAdmin, url.Values{"site_id": {fmt.Sprint(cn.ID)}, "system": {"HIS 医院信息系统"}, "kind": {"change"}, "level": {"4"}, "on": {today}, "note": {"接入互联网医院"}}.Encode()); st != 303 {
		t.Errorf("change: %d", st)
	}
	if got, _ := sqlstore.NewGovernanceService(f.db).FindGovernanceItems(ctx, medsec.GovernanceFilter{SiteID: cn.ID, Kind: medsec.DutyMLPSRefiling}); len(got) != 1 {
		t.Errorf("re-filing items: %+v", got)
	}
}

// TestDutyCadenceAPIAndPage: the items and the cadence list say whose a cadence is over the
// API (the access review medsec's default, the penetration test the seed's); a site's
// choice is made over the API (a seed's cadence 422 naming kind, a clinical engineer 403, a
// branch user 404) and then read as the hospital's choice with its reason on the page, in
// four languages; the page's form changes another.
func TestDutyCadenceAPIAndPage(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	if _, err := sqlstore.NewGovernanceService(f.db).EnsureGovernanceItems(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	admin := f.tokens[medsec.RoleAdmin]
	hq := f.assetHQ.SiteID
	if st, out := f.do("GET", fmt.Sprintf("/api/v1/governance-items?site_id=%d&kind=access_review", hq), admin, ""); st != 200 || !strings.Contains(out, `"cadence_basis": "medsec_default"`) {
		t.Errorf("items: %d %s", st, out)
	}
	if st, out := f.do("GET", fmt.Sprintf("/api/v1/governance-items?site_id=%d&kind=pentest", hq), admin, ""); st != 200 || !strings.Contains(out, `"cadence_basis": "seed"`) {
		t.Errorf("pentest: %d %s", st, out)
	}
	body := fmt.Sprintf(`{"site_id":%d,"kind":"access_review","cadence_months":1,"reason":"ICU staff turnover"}`, hq)
	if st, out := f.do("POST", "/api/v1/duty-cadences", admin, fmt.Sprintf(`{"site_id":%d,"kind":"pentest","cadence_months":6,"reason":"x"}`, hq)); st != 422 || !strings.Contains(out, `"field": "kind"`) {
		t.Errorf("seed's cadence: %d %s", st, out)
	}
	if st, _ := f.do("POST", "/api/v1/duty-cadences", f.tokens[medsec.RoleClinicalEngineer], body); st != 403 {
		t.Errorf("clinical engineer: %d", st)
	}
	if st, _ := f.do("GET", fmt.Sprintf("/api/v1/duty-cadences?site_id=%d", hq), f.branchCE, ""); st != 404 {
		t.Errorf("branch user: %d", st)
	}
	if st, out := f.do("POST", "/api/v1/duty-cadences", admin, body); st != 200 || !strings.Contains(out, `"basis": "hospital"`) || !strings.Contains(out, `"default_months": 3`) {
		t.Fatalf("set: %d %s", st, out)
	}
	if st, out := f.do("GET", fmt.Sprintf("/api/v1/duty-cadences?site_id=%d", hq), admin, ""); st != 200 || !strings.Contains(out, `"reason": "ICU staff turnover"`) {
		t.Errorf("list: %d %s", st, out)
	}
	c := f.session("u-admin")
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		page := f.page(c, fmt.Sprintf("/governance?site=%d", hq), lang)
		for _, want := range []string{b.T(lang, "cadence_basis.hospital"), b.T(lang, "cadence_basis.medsec_default"), b.T(lang, "cadence_basis.seed"), "ICU staff turnover", b.T(lang, "governance.cadence_change")} {
			if !strings.Contains(page, template.HTMLEscapeString(want)) {
				t.Errorf("%s: the calendar lacks %q", lang, want)
			}
		}
	}
	if st, _ := f.postForm("/governance/cadence", medsec.RoleAdmin, url.Values{"site_id": {fmt.Sprint(hq)}, "kind": {"firewall_review"}, "cadence_months": {"3"}, "reason": {"new perimeter"}}.Encode()); st != 303 {
		t.Errorf("form: %d", st)
	}
	if st, out := f.do("GET", fmt.Sprintf("/api/v1/duty-cadences?site_id=%d", hq), admin, ""); !strings.Contains(out, "new perimeter") {
		t.Errorf("after the form: %d %s", st, out)
	}
}

// TestDrillPlanFormKeepsValues: a refused drill plan is shown again with what was typed
// (scenario, site, the day as typed) and every problem at once — a day that is not a date
// beside a missing scenario or site (before: the day alone, and the form emptied).
func TestDrillPlanFormKeepsValues(t *testing.T) {
	f := newFixture(t)
	hq := f.assetHQ.SiteID
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	st, page := f.postForm("/governance/drills", medsec.RoleAdmin, url.Values{"site_id": {""}, "scenario": {"HIS 停機：紙本醫囑流程"}, "planned": {"2026-02-30"}}.Encode())
	if st != 422 {
		t.Fatalf("refused plan: %d", st)
	}
	for _, want := range []string{`value="HIS 停機：紙本醫囑流程"`, `value="2026-02-30"`, "err.bad_date", "err.required"} {
		switch want {
		case "err.bad_date":
			want = template.HTMLEscapeString(b.T("en", "err.bad_date"))
		case "err.required":
			want = template.HTMLEscapeString(b.T("en", "err.required"))
		}
		if !strings.Contains(page, want) {
			t.Errorf("refused plan lacks %q", want)
		}
	}
	if n := strings.Count(page[strings.Index(page, `id="form-errors"`):], "<tr>"); n < 3 {
		t.Errorf("refused plan shows %d rows of problems, want the day's and the site's", n-1)
	}
	st, page = f.postForm("/governance/drills", medsec.RoleAdmin, url.Values{"site_id": {fmt.Sprint(hq)}, "scenario": {" "}, "planned": {"2026-03-02"}}.Encode())
	if st != 422 || !strings.Contains(page, `value="2026-03-02"`) || !strings.Contains(page, fmt.Sprintf(`<option value="%d" selected>`, hq)) {
		t.Errorf("no scenario: %d, the day or the site lost", st)
	}
	if st, _ := f.postForm("/governance/drills", medsec.RoleAdmin, url.Values{"site_id": {fmt.Sprint(hq)}, "scenario": {"PACS down"}, "planned": {"2026-03-02"}}.Encode()); st != 303 {
		t.Errorf("plan: %d", st)
	}
}

// TestNewSiteHasItsCalendar: a site created over the API or on the organisation page has
// its recurring duties of this period on the calendar at once (before: only after the
// hourly job ran).
func TestNewSiteHasItsCalendar(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	g := sqlstore.NewGovernanceService(f.db)
	st, out := f.do("POST", "/api/v1/sites", f.tokens[medsec.RoleAdmin], `{"code":"SZ","name":"蘇州合作院區","jurisdiction":"CN"}`)
	if st != 201 {
		t.Fatalf("create site: %d %s", st, out)
	}
	sites, _ := sqlstore.NewOrgService(f.db).FindSites(ctx)
	for _, code := range []string{"SZ", "KH"} {
		if code == "KH" {
			if st, _ := f.postForm("/organisation/sites", medsec.RoleAdmin, url.Values{"code": {"KH"}, "name": {"高雄分院"}}.Encode()); st != 303 {
				t.Fatalf("create site on the page: %d", st)
			}
			sites, _ = sqlstore.NewOrgService(f.db).FindSites(ctx)
		}
		var id int64
		for _, x := range sites {
			if x.Code == code {
				id = x.ID
			}
		}
		items, err := g.FindGovernanceItems(ctx, medsec.GovernanceFilter{SiteID: id})
		if err != nil || len(items) != len(medsec.Duties) {
			t.Errorf("%s: %d calendar items, want %d: %v", code, len(items), len(medsec.Duties), err)
		}
	}
}

// TestDrillResultFormKeepsValues: a refused drill result (a failed run without findings,
// then a run day that is not a date) is shown again in its drill's form, open, with the
// result chosen, the findings and the day as typed, and every problem at once (before:
// the form closed and emptied, and a bad day hid the missing findings).
func TestDrillResultFormKeepsValues(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	g := sqlstore.NewGovernanceService(f.db)
	d := &medsec.ContinuityDrill{SiteID: f.assetHQ.SiteID, Scenario: "PACS down", Planned: medsec.DateOf(time.Now().AddDate(0, 0, -1))}
	if err := g.PlanContinuityDrill(ctx, d); err != nil {
		t.Fatal(err)
	}
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/governance/drills/%d/result", d.ID)
	st, page := f.postForm(path, medsec.RoleAdmin, url.Values{"run_on": {"2026-02-30"}, "result": {"fail"}, "findings": {""}}.Encode())
	if st != 422 {
		t.Fatalf("refused result: %d", st)
	}
	for _, want := range []string{`value="2026-02-30"`, `<option value="fail" selected>`, template.HTMLEscapeString(b.T("en", "err.bad_date")), template.HTMLEscapeString(b.T("en", "err.drill_findings"))} {
		if !strings.Contains(page, want) {
			t.Errorf("refused result lacks %q", want)
		}
	}
	if st, _ := f.postForm(path, medsec.RoleAdmin, url.Values{"run_on": {d.Planned.String()}, "result": {"partial"}, "findings": {"藥局紙本流程啟動耗時 50 分鐘"}}.Encode()); st != 303 {
		t.Errorf("result: %d", st)
	}
	if st, _ := f.postForm(path, medsec.RoleAdmin, url.Values{"run_on": {d.Planned.String()}, "result": {"partial"}, "findings": {"again"}}.Encode()); st != 409 {
		t.Errorf("second result: %d", st)
	}
}
