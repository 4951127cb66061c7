package http_test

import (
	"encoding/json"
	"fmt"
	stdhtml "html"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
)

// TestAuditReadable checks on both engines that the audit trail reads as sentences in the
// user's language with a field-level diff and a link to the object, and that an asset's
// history holds its own changes, its class proposal and its assessments, and nothing of
// another asset.
func TestAuditReadable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixtureOn(t, openEngine(t, engine))
		admin := f.tokens[medsec.RoleAdmin]
		a := *f.assetHQ
		a.Location, a.Version = "3F 放射科 CT 室", 1
		body, _ := json.Marshal(a)
		if code, resp := f.do("PUT", fmt.Sprintf("/api/v1/assets/%d", a.ID), admin, string(body)); code != http.StatusOK {
			t.Fatalf("update: %d %s", code, resp)
		}
		// Two department changes: into one, then to another; the diff names them.
		var depts []int64
		for _, name := range []string{"放射科", "加護病房"} {
			code, resp := f.do("POST", "/api/v1/departments", admin, fmt.Sprintf(`{"site_id":%d,"name":%q}`, a.SiteID, name))
			var d medsec.Department
			if code != http.StatusCreated || json.Unmarshal([]byte(resp), &d) != nil {
				t.Fatalf("department %s: %d %s", name, code, resp)
			}
			depts = append(depts, d.ID)
		}
		for i, id := range depts {
			a.DepartmentID, a.Version = id, int64(2+i)
			body, _ = json.Marshal(a)
			if code, resp := f.do("PUT", fmt.Sprintf("/api/v1/assets/%d", a.ID), admin, string(body)); code != http.StatusOK {
				t.Fatalf("department change: %d %s", code, resp)
			}
		}
		assess := fmt.Sprintf(`{"catalog_id":"tw-mohw-medical-baseline","control_id":"tw-si-1.h","asset_id":%d,"status":"partial"}`, a.ID)
		if code, resp := f.do("POST", "/api/v1/assessments", admin, assess); code != http.StatusCreated {
			t.Fatalf("assess: %d %s", code, resp)
		}
		other := *f.assetBR
		other.Location, other.Version = "分院 2F", 1
		body, _ = json.Marshal(other)
		if code, resp := f.do("PUT", fmt.Sprintf("/api/v1/assets/%d", other.ID), admin, string(body)); code != http.StatusOK {
			t.Fatalf("update other: %d %s", code, resp)
		}
		c := f.session("u-admin")
		page := func(path, lang string) string {
			t.Helper()
			req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
			req.AddCookie(&http.Cookie{Name: "medsec_lang", Value: lang})
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
			return stdhtml.UnescapeString(string(b))
		}
		hist := page(fmt.Sprintf("/audit?asset=%d", a.ID), "en")
		for _, want := range []string{
			fmt.Sprintf(`data-action="asset.update">changed asset #%d CT-01<`, a.ID),
			fmt.Sprintf(`data-action="asset.create">created asset #%d CT-01<`, a.ID),
			`data-action="assessment.create">assessed assessment #`,
			`<tr data-field="location"><th scope="row">Location</th><td class="before"><span class="muted">(empty)</span></td><td aria-hidden="true">→</td><td class="after"><ins>3F 放射科 CT 室</ins>`,
			fmt.Sprintf(`href="/assets/%d"`, a.ID),
			fmt.Sprintf(`href="/assets/%d/controls?control=tw-si-1.h#tw-si-1.h"`, a.ID),
			fmt.Sprintf(`History of asset #%d`, a.ID),
			fmt.Sprintf(`<tr data-field="department_id"><th scope="row">Department</th><td class="before"><span class="muted">(empty)</span></td><td aria-hidden="true">→</td><td class="after"><ins>放射科 (#%d)</ins>`, depts[0]),
			fmt.Sprintf(`<td class="before"><del>放射科 (#%d)</del></td><td aria-hidden="true">→</td><td class="after"><ins>加護病房 (#%d)</ins>`, depts[0], depts[1]),
		} {
			if !strings.Contains(hist, want) {
				t.Errorf("asset history lacks %q", want)
			}
		}
		if strings.Contains(hist, "分院 2F") || strings.Contains(hist, `data-field="version"`) {
			t.Errorf("asset history shows another asset's change or the version field")
		}
		ja := page(fmt.Sprintf("/audit?asset=%d", a.ID), "ja")
		if want := fmt.Sprintf(`資産 #%d CT-01：変更`, a.ID); !strings.Contains(ja, want) {
			t.Errorf("Japanese history lacks %q", want)
		}
		if strings.Contains(ja, ">department_id<") || !strings.Contains(ja, `<tr data-field="department_id"><th scope="row">部門</th>`) {
			t.Errorf("Japanese history does not label the department change 部門")
		}
		if strings.Contains(ja, ">asset.update<") {
			t.Errorf("Japanese history shows a raw action")
		}
		// The whole entry: the same diff, the raw record folded away.
		var list struct {
			Items []medsec.AuditEntry `json:"items"`
		}
		_, resp := f.do("GET", fmt.Sprintf("/api/v1/audit?asset=%d&action=asset.update", a.ID), admin, "")
		if err := json.Unmarshal([]byte(resp), &list); err != nil || len(list.Items) != 3 {
			t.Fatalf("API asset history: %v %s", err, resp)
		}
		first := list.Items[0] // the location change: the oldest of the three updates
		for _, e := range list.Items {
			if e.ID < first.ID {
				first = e
			}
		}
		if show := page(fmt.Sprintf("/audit/%d", first.ID), "zh-TW"); !strings.Contains(show, `data-field="location"`) || !strings.Contains(show, "修改資產 #") {
			t.Errorf("entry page lacks the diff or the zh-TW summary")
		}
	})
}

// TestAuditReadableRiskReview checks that the yearly risk review's audit entries read as
// what was done in the page's language: started, decided and signed, the review named by
// its site and year and linked to its page, each decision a row of its own (the decision
// translated, with its reason, owner and due date) instead of the whole list as JSON, and
// the signature fields labelled, in every language.
func TestAuditReadableRiskReview(t *testing.T) {
	f := newFixture(t)
	f.classify(medsec.ClassStandalone, medsec.LevelModerate)
	so, leader := f.tokens[medsec.RoleSecurityOfficer], f.tokens[medsec.RoleLeadership]
	code, resp := f.do("POST", "/api/v1/risk-reviews", so, fmt.Sprintf(`{"site_id":%d,"year":2026}`, f.assetHQ.SiteID))
	var rv medsec.RiskReview
	if json.Unmarshal([]byte(resp), &rv); code != http.StatusCreated || len(rv.Items) == 0 {
		t.Fatalf("start: %d %s", code, resp)
	}
	var ds []medsec.RiskDecision
	for _, it := range rv.Items {
		ds = append(ds, medsec.RiskDecision{Seq: it.Seq, Decision: medsec.RiskTreat, Reason: "韌體更新", Owner: "林醫工", Due: medsec.DateOf(time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC))})
	}
	in, _ := json.Marshal(map[string]any{"decisions": ds})
	path := fmt.Sprintf("/api/v1/risk-reviews/%d", rv.ID)
	if code, resp := f.do("PUT", path+"/decisions", so, string(in)); code != 200 {
		t.Fatalf("decide: %d %s", code, resp)
	}
	if code, resp := f.do("POST", path+"/sign", so, `{"as":"officer"}`); code != 200 {
		t.Fatalf("sign: %d %s", code, resp)
	}
	if code, resp := f.do("POST", path+"/sign", leader, `{"as":"leadership","title":"院長"}`); code != 200 {
		t.Fatalf("sign: %d %s", code, resp)
	}
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	c := f.session("u-admin")
	name := fmt.Sprintf("#%d %s 2026", rv.ID, rv.SiteName)
	for _, lang := range i18n.Languages {
		page := stdhtml.UnescapeString(f.page(c, "/audit?object_type=risk_review&object_id="+fmt.Sprint(rv.ID), lang))
		obj := b.T(lang, "audit.obj.risk_review") + " " + name
		for _, want := range []string{
			b.T(lang, "audit.summary", b.T(lang, "audit.act.risk_review.start"), obj),
			b.T(lang, "audit.summary", b.T(lang, "audit.act.risk_review.decide"), obj),
			b.T(lang, "audit.summary", b.T(lang, "audit.act.risk_review.sign"), obj),
			fmt.Sprintf(`href="/risk-reviews/%d"`, rv.ID),
			`<tr data-field="items.1"><th scope="row">` + b.T(lang, "report.risk_decision") + " 1 (" + rv.Items[0].Subject + ")",
			b.T(lang, "risk_decision.treat") + b.T(lang, "report.list_sep") + "韌體更新" + b.T(lang, "report.list_sep") + "林醫工" + b.T(lang, "report.list_sep") + "2027-03-31",
			`<tr data-field="leader_title"><th scope="row">` + b.T(lang, "audit.field.leader_title") + `</th>`,
			`<tr data-field="officer_name"><th scope="row">` + b.T(lang, "audit.field.officer_name") + `</th>`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the risk review's audit lacks %q", lang, want)
			}
		}
		for _, raw := range []string{">risk_review.start<", ">risk_review.decide<", ">risk_review.sign<", `data-field="items"`, `"decision":`, ">officer_signed_at<"} {
			if strings.Contains(page, raw) {
				t.Errorf("%s: the risk review's audit shows %s raw", lang, raw)
			}
		}
	}
}
