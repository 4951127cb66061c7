package http_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestIncidentFormErrorsNameLabels refuses a form of each kind on the incident pages (open
// an incident, open from an alert, import a holiday calendar; add a clock, a person, a
// task, change the level) in zh-TW and ja: the problems table names each field by its label
// on the page, in the page's language, and never by its raw name.
func TestIncidentFormErrorsNameLabels(t *testing.T) {
	f := newFixture(t)
	so := medsec.RoleSecurityOfficer
	status, resp := f.do("POST", "/api/v1/incidents", f.tokens[so], fmt.Sprintf(`{"site_id": %d, "title": "CT-01 勒索軟體", "scenario": "ransomware"}`, f.assetHQ.SiteID))
	if status != 201 {
		t.Fatalf("create: %d %s", status, resp)
	}
	id := regexp.MustCompile(`"id": (\d+)`).FindStringSubmatch(resp)[1]
	version := regexp.MustCompile(`"version": (\d+)`).FindStringSubmatch(resp)[1]
	form := func(path string, v url.Values) func() *http.Request {
		return func() *http.Request {
			r, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(v.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return r
		}
	}
	action := func(a string, extra ...string) func() *http.Request {
		v := url.Values{"version": {version}, "action": {a}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return form("/incidents/"+id, v)
	}
	calendar := func() *http.Request {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("jurisdiction", "TW")
		fw, _ := mw.CreateFormFile("file", "holidays.csv")
		fw.Write([]byte("date,name\n2026-10-01,國慶\n2026-13-40,壞日期\n"))
		mw.Close()
		r, _ := http.NewRequest("POST", f.srv.URL+"/incidents/calendar", &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		return r
	}
	// Each refused form with the fields its problems name and their labels' keys.
	cases := []struct {
		name   string
		req    func() *http.Request
		fields map[string]string
	}{
		{"create", form("/incidents", url.Values{"title": {""}, "outage_minutes": {"-5"}}),
			map[string]string{"title": "incident.title", "site_id": "field.site", "outage_minutes": "incident.outage_minutes"}},
		{"from alert", form("/incidents/from-alert", url.Values{"alert_id": {"abc"}}), map[string]string{"alert_id": "incident.alert_id"}},
		{"calendar", calendar, map[string]string{"date": "incident.field.date"}},
		{"clock", action("add_clock", "label", "", "minutes", "30"), map[string]string{"label": "incident.clock_label"}},
		{"person", action("person", "name", "", "role", "lead"), map[string]string{"name": "field.name"}},
		{"task", action("task", "title", ""), map[string]string{"title": "incident.task"}},
		{"level", action("level", "level", "2", "reason", ""), map[string]string{"reason": "incident.level_reason"}},
		// Not a number is refused, not read as 0 (which made "3h" of outage suggest level 4).
		{"outage 3h", form("/incidents", url.Values{"title": {"x"}, "scenario": {"ransomware"}, "outage_minutes": {"3h"}}),
			map[string]string{"outage_minutes": "incident.outage_minutes"}},
		{"version abc", form("/incidents/"+id, url.Values{"version": {"abc"}, "action": {"note"}, "text": {"x"}}),
			map[string]string{"version": "incident.field.version"}},
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	table := regexp.MustCompile(`(?s)<table class="errors".*?</table>`)
	cell := regexp.MustCompile(`<td>([^<]*)</td><td>`)
	c := f.session("u-" + string(so))
	for _, lang := range []string{"zh-TW", "ja"} {
		for _, tc := range cases {
			status, body := sendIn(t, c, tc.req(), lang)
			if status != 422 {
				t.Errorf("%s in %s: %d, want 422\n%.400s", tc.name, lang, status, body)
				continue
			}
			errs := table.FindString(body)
			var named []string
			for _, m := range cell.FindAllStringSubmatch(errs, -1) {
				named = append(named, m[1])
			}
			for field, key := range tc.fields {
				label := bundle.T(lang, key)
				if !strings.Contains(errs, "<td>"+label+"</td>") {
					t.Errorf("%s in %s: problems name %q, want the label %q for %s", tc.name, lang, named, label, field)
				}
			}
			for _, n := range named {
				if regexp.MustCompile(`^[a-z_]+$`).MatchString(n) {
					t.Errorf("%s in %s: a problem names the raw field %q", tc.name, lang, n)
				}
			}
		}
	}
}
