package http_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
)

// TestCalendarImportNamesFile: the problems of an uploaded holiday calendar name the
// file, the physical line and the property, on the page (in the user's language) and in
// the API (the file a Content-Disposition header names). Before, the page showed only line
// and field, the API named every upload "calendar", and an ICS problem named the event's
// BEGIN line instead of its own.
func TestCalendarImportNamesFile(t *testing.T) {
	f := newFixture(t)
	so := medsec.RoleSecurityOfficer
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	upload := func(name, content string) *http.Request {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("jurisdiction", "JP")
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write([]byte(content))
		mw.Close()
		r, _ := http.NewRequest("POST", f.srv.URL+"/incidents/calendar", &buf)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		return r
	}
	c := f.session("u-" + string(so))
	timed := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:会議\r\nDTSTART:20270104T090000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	status, body := sendIn(t, c, upload("jp-2027.ics", timed), "ja")
	if status != 422 || !strings.Contains(body, "<td>jp-2027.ics</td><td>4</td><td>DTSTART</td>") {
		t.Errorf("timed event: %d, want the file, line 4 and DTSTART named\n%.3000s", status, body)
	}
	if want := bundle.T("ja", "incident.err.ics_timed"); !strings.Contains(body, want) {
		t.Errorf("timed event: the problem is not said in Japanese (%q)", want)
	}
	long := "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270301\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	status, body = sendIn(t, c, upload("long.ics", long), "zh-TW")
	if want := bundle.T("zh-TW", "incident.err.ics_span", "59", "2027-01-01", "2027-02-28", "31"); status != 422 || !strings.Contains(body, want) ||
		!strings.Contains(body, "<td>long.ics</td><td>4</td>") {
		t.Errorf("long event: %d, want %q on line 4 of long.ics\n%.3000s", status, want, body)
	}
	dup := "date,name\n2027-01-01,元日\n2027-01-01,元日\n"
	status, body = sendIn(t, c, upload("dup.csv", dup), "en")
	if status != 422 || !strings.Contains(body, "<td>dup.csv</td><td>3</td>") || !strings.Contains(body, "already on line 2") {
		t.Errorf("duplicate date: %d\n%.3000s", status, body)
	}

	req, _ := http.NewRequest("PUT", f.srv.URL+"/api/v1/incident-calendars/JP", strings.NewReader(timed))
	req.Header.Set("Authorization", "Bearer "+f.tokens[so])
	req.Header.Set("Content-Type", "text/calendar")
	req.Header.Set("Content-Disposition", `attachment; filename="jp-2027.ics"`)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != 422 || !strings.Contains(b.String(), `"source": "jp-2027.ics"`) || !strings.Contains(b.String(), `"line": 4`) {
		t.Errorf("API: %d %s", res.StatusCode, b.String())
	}
}

// TestIncidentMeetClockAtAPI: the API's meet_clock takes met_at (RFC 3339), when the duty
// was really done; the clock is met then, and a time before detection is refused naming
// met_at.
func TestIncidentMeetClockAtAPI(t *testing.T) {
	f := newFixture(t)
	soc := f.tokens[medsec.RoleSOCAnalyst]
	detected := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	status, resp := f.do("POST", "/api/v1/incidents", soc, fmt.Sprintf(`{"site_id": %d, "title": "HIS", "detected_at": %q}`, f.assetHQ.SiteID, detected.Format(time.RFC3339)))
	if status != 201 {
		t.Fatalf("create: %d %s", status, resp)
	}
	var inc medsec.Incident
	json.Unmarshal([]byte(resp), &inc)
	var first int64
	for _, c := range inc.Clocks {
		if c.Key == "first-report" {
			first = c.ID
		}
	}
	path := fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID)
	status, resp = f.do("POST", path, soc, fmt.Sprintf(`{"version": %d, "action": "meet_clock", "clock_id": %d, "met_at": %q}`, inc.Version, first, detected.Add(-time.Minute).Format(time.RFC3339)))
	if status != 422 || !strings.Contains(resp, `"field": "met_at"`) || !strings.Contains(resp, "incident.err.met_before_detected") {
		t.Errorf("before detection: %d %s", status, resp)
	}
	met := detected.Add(4 * time.Minute)
	status, resp = f.do("POST", path, soc, fmt.Sprintf(`{"version": %d, "action": "meet_clock", "clock_id": %d, "met_at": %q}`, inc.Version, first, met.Format(time.RFC3339)))
	if status != 200 {
		t.Fatalf("meet: %d %s", status, resp)
	}
	json.Unmarshal([]byte(resp), &inc)
	for _, c := range inc.Clocks {
		if c.ID == first && (!c.MetAt.Equal(met) || c.State != medsec.ClockMet) {
			t.Errorf("first report: met %v %s, want %v met (on time)", c.MetAt, c.State, met)
		}
	}
}

// TestSiteJurisdictionEndpointTakesOnlyJurisdiction: PUT /api/v1/sites/{id}/jurisdiction
// sets the jurisdiction; a time_zone in its body is refused naming the field (the time
// zone is set with PUT /api/v1/sites/{id}), as docs/INCIDENTS.md and the OpenAPI say.
func TestSiteJurisdictionEndpointTakesOnlyJurisdiction(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	path := fmt.Sprintf("/api/v1/sites/%d/jurisdiction", f.assetHQ.SiteID)
	if status, resp := f.do("PUT", path, admin, `{"jurisdiction": "JP", "time_zone": "Asia/Tokyo"}`); status != 422 || !strings.Contains(resp, "time_zone") {
		t.Errorf("with time_zone: %d %s", status, resp)
	}
	if status, resp := f.do("PUT", path, admin, `{"jurisdiction": "JP"}`); status != 200 || !strings.Contains(resp, `"JP"`) {
		t.Errorf("jurisdiction: %d %s", status, resp)
	}
}

// TestCalendarEmptyFileRefused is t14 finding 4: a header-only (or empty) calendar file
// does not silently wipe a jurisdiction's calendar: it is refused naming the file (API and
// page), the days stay; only with empty=clear (the page's "Clear the calendar") does it
// empty the calendar, answering items [] (was null).
func TestCalendarEmptyFileRefused(t *testing.T) {
	f := newFixture(t)
	so := medsec.RoleSecurityOfficer
	put := func(body, query string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("PUT", f.srv.URL+"/api/v1/incident-calendars/JP"+query, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+f.tokens[so])
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("Content-Disposition", `attachment; filename="empty.csv"`)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return res.StatusCode, b.String()
	}
	days := func() int {
		t.Helper()
		req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/incident-calendars/JP", nil)
		req.Header.Set("Authorization", "Bearer "+f.tokens[so])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct{ Total int }
		json.NewDecoder(res.Body).Decode(&out)
		return out.Total
	}
	if status, body := put("date,name\n2027-01-01,元日\n2027-01-11,成人の日\n", ""); status != 200 {
		t.Fatalf("import: %d %s", status, body)
	}
	for empty, key := range map[string]string{"date,name\n": "incident.err.calendar_empty", "": "is missing or unreadable", "date,name,workday\r\n\r\n": "incident.err.calendar_empty"} {
		status, body := put(empty, "")
		if status != 422 || !strings.Contains(body, `"source": "empty.csv"`) || !strings.Contains(body, key) {
			t.Errorf("%q: %d %s, want 422 naming empty.csv", empty, status, body)
		}
		if n := days(); n != 2 {
			t.Errorf("after a refused empty file the calendar has %d days, want 2", n)
		}
	}
	// The page refuses it too, naming the file.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("jurisdiction", "JP")
	fw, _ := mw.CreateFormFile("file", "blank.csv")
	fw.Write([]byte("date,name\n"))
	mw.Close()
	r, _ := http.NewRequest("POST", f.srv.URL+"/incidents/calendar", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if status, body := sendIn(t, f.session("u-"+string(so)), r, "en"); status != 422 || !strings.Contains(body, "blank.csv") || !strings.Contains(body, "holds no days") {
		t.Errorf("page: %d, want blank.csv refused\n%.2000s", status, body)
	}
	if n := days(); n != 2 {
		t.Errorf("after the page's refused file the calendar has %d days, want 2", n)
	}
	status, body := put("date,name\n", "?empty=clear")
	if status != 200 || !strings.Contains(body, `"items": []`) {
		t.Errorf("explicit clear: %d %s, want 200 with items []", status, body)
	}
	if n := days(); n != 0 {
		t.Errorf("after an explicit clear the calendar has %d days", n)
	}
}
