package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/logs"
	"medsec/logstore"
	"medsec/sqlstore"
)

// addLogs gives the services a sealed log store holding 50 records in the fixture's first
// site, received over the last hour.
func addLogs(t *testing.T, services *mhttp.Services, db *sqlstore.DB) {
	t.Helper()
	st, err := logstore.Open(logstore.Config{Dir: t.TempDir(), Site: func(logs.Record) int64 { return 1 }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	start := time.Now().UTC().Add(-time.Hour)
	var recs []logs.Record
	for i := range 50 {
		recs = append(recs, logs.Record{Received: start.Add(time.Duration(i) * time.Minute), Format: logs.FormatRFC3164, Peer: "10.6.26.9:514",
			Raw:    []byte(fmt.Sprintf("<38>Nov 30 08:%02d:00 his01 sshd[%d]: Accepted password for nurse%d from 10.6.26.40", i, 100+i, i%3)),
			Fields: map[string]any{"user.name": fmt.Sprintf("nurse%d", i%3), "process.name": "sshd"}})
	}
	if err := st.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	st.Refresh()
	services.Logs = sqlstore.NewLogService(db, st)
	services.LogReviews = sqlstore.NewLogReviewService(db, st)
	services.LogAlerts = sqlstore.NewLogAlertService(db)
}

// TestLogPages searches, exports and verifies through the API and the UI as a SOC
// analyst, and checks that a clinical engineer is refused.
func TestLogPages(t *testing.T) {
	f := newFixture(t)
	soc := f.tokens[medsec.RoleSOCAnalyst]
	status, body := f.do("GET", "/api/v1/logs/search?q=nurse1", soc, "")
	if status != 200 {
		t.Fatalf("search: %d %s", status, body)
	}
	var res medsec.LogSearchResult
	if err := json.Unmarshal([]byte(body), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total != 17 || len(res.Hits) != 17 || len(res.Histogram) == 0 {
		t.Fatalf("search nurse1: total %d, %d hits, %d bars", res.Total, len(res.Hits), len(res.Histogram))
	}
	if status, body := f.do("GET", "/api/v1/logs/search?q="+strings.ReplaceAll("a | delete", " ", "+"), soc, ""); status != 422 {
		t.Errorf("a pipe in the query: %d %s", status, body)
	}
	sub := url.QueryEscape(`nurse1 and log.syslog.version:in(his01 | format "1" as v | fields v)`)
	if status, body := f.do("GET", "/api/v1/logs/search?q="+sub, soc, ""); status != 422 || strings.Contains(body, "medsec.site") || !strings.Contains(body, "subquer") {
		t.Errorf("a subquery in the query: %d %s", status, body)
	}
	// An end written to the minute includes that minute: the record received at 08:05:xx
	// is found by "08:05 to 08:05".
	minute := res.Hits[0].Received.UTC().Format("2006-01-02T15:04")
	if status, body := f.do("GET", "/api/v1/logs/search?start="+minute+"&end="+minute, soc, ""); status != 200 || !strings.Contains(body, `"total": 1,`) {
		t.Errorf("search of one minute %s: %d %s", minute, status, body)
	}
	if status, body := f.do("GET", "/api/v1/logs/search?start=yesterday", soc, ""); status != 422 || !strings.Contains(body, `"start"`) {
		t.Errorf("bad from: %d %s", status, body)
	}
	status, body = f.do("GET", "/api/v1/logs/export", soc, "")
	if status != 200 {
		t.Fatalf("export: %d %s", status, body)
	}
	rep, err := logstore.VerifyBundle(strings.NewReader(body), "")
	if err != nil || !rep.OK || rep.Sites[0].Checked != 50 {
		t.Fatalf("exported bundle: %+v %v", rep, err)
	}
	if status, body := f.do("POST", "/api/v1/logs/verify", soc, ""); status != 200 || !strings.Contains(body, `"ok": true`) {
		t.Fatalf("verify: %d %s", status, body)
	}
	if status, body := f.do("GET", "/api/v1/logs/seal", soc, ""); status != 200 || !strings.Contains(body, logstore.KeyName+"+") {
		t.Fatalf("seal: %d %s", status, body)
	}
	if status, _ := f.do("GET", "/api/v1/logs/search", f.tokens[medsec.RoleClinicalEngineer], ""); status != http.StatusForbidden {
		t.Errorf("clinical engineer searched logs: %d", status)
	}
}

// TestLogUIPages renders the search page (empty and with a result) and the seal page.
func TestLogUIPages(t *testing.T) {
	f := newFixture(t)
	c := f.session("u-soc-analyst")
	for _, tt := range []struct{ method, path, want string }{
		{"GET", "/logs", `id="log-search"`},
		{"GET", "/logs?start=2020-01-01T00:00&end=2030-01-01&q=nurse1", `id="log-hits"`},
		{"GET", "/logs/seal", `id="seal-capacity"`},
		{"GET", "/logs/seal", `id="log-retention"`},
		{"POST", "/logs/verify", `id="verify-report"`},
	} {
		req, _ := http.NewRequest(tt.method, f.srv.URL+tt.path, nil)
		req.Header.Set("Origin", f.srv.URL)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		status, body := resp.StatusCode, string(b)
		if status != 200 || !strings.Contains(body, tt.want) {
			t.Errorf("%s %s: %d, want 200 and %s\n%s", tt.method, tt.path, status, tt.want, body[strings.Index(body, "<main"):])
		}
	}
}

// TestLogAlertRoutes shows log alerts through the API and the log sources page: an open
// clock skew alert marks its source, its text is in the reader's language, the seal page
// lists the latest verification, and only an unrestricted log administrator sets the
// alarm limits.
func TestLogAlertRoutes(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	src := &medsec.LogSource{SiteID: 1, Name: "infusion-gw", Address: "10.6.26.77", Transport: "tcp"}
	if _, err := sqlstore.NewLogSourceService(f.db).CreateLogSource(ctx, src, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sqlstore.NewLogAlertService(f.db).SyncLogAlerts(ctx, time.Now(), medsec.LogAlertKinds, []medsec.LogAlertCondition{
		{Kind: medsec.KindLogClockSkew, Subject: fmt.Sprintf("source:%d", src.ID), SiteID: 1, SourceID: src.ID, Key: "clock_skew", Args: []string{"infusion-gw", "-95.0", "10"}},
		{Kind: medsec.KindLogStorageFailure, Subject: "storage:full", Key: "storage_full", Args: []string{"logalert.cause_full"}}}); err != nil {
		t.Fatal(err)
	}
	soc := f.tokens[medsec.RoleSOCAnalyst]
	if status, body := f.do("GET", "/api/v1/logs/alerts?active=true", soc, ""); status != 200 || !strings.Contains(body, `"kind": "logs.clock_skew"`) || !strings.Contains(body, `"subject": "storage:full"`) {
		t.Errorf("alerts: %d %s", status, body)
	}
	if status, body := f.do("GET", "/api/v1/logs/sources", soc, ""); status != 200 || !strings.Contains(body, `"clock_skewed": true`) {
		t.Errorf("sources: %d %s", status, body)
	}
	if status, body := f.do("GET", "/api/v1/logs/alerts?site_id=x", soc, ""); status != 422 {
		t.Errorf("site_id=x: %d %s", status, body)
	}
	if status, _ := f.do("POST", "/api/v1/logs/verify", soc, ""); status != 200 {
		t.Fatalf("verify: %d", status)
	}
	if status, body := f.do("GET", "/api/v1/logs/verifications", soc, ""); status != 200 || !strings.Contains(body, `"checked": 50`) || !strings.Contains(body, `"problems": 0`) {
		t.Errorf("verifications: %d %s", status, body)
	}
	if status, _ := f.do("PUT", "/api/v1/logs/alert-thresholds/medical_device", soc, `{"silent_after_seconds": 3600, "max_skew_seconds": 5}`); status != http.StatusForbidden {
		t.Errorf("SOC analyst set alarm limits: %d", status)
	}
	admin := f.tokens[medsec.RoleAdmin]
	if status, body := f.do("PUT", "/api/v1/logs/alert-thresholds/medical_device", admin, `{"silent_after_seconds": 30, "max_skew_seconds": 5}`); status != 422 || !strings.Contains(body, "silent_after_seconds") {
		t.Errorf("30 s: %d %s", status, body)
	}
	if status, body := f.do("PUT", "/api/v1/logs/alert-thresholds/medical_device", admin, `{"silent_after_seconds": 3600, "max_skew_seconds": 5}`); status != 200 {
		t.Errorf("set limits: %d %s", status, body)
	}
	if status, body := f.do("GET", "/api/v1/logs/alert-thresholds", soc, ""); status != 200 || !strings.Contains(body, `"silent_after_seconds": 3600`) {
		t.Errorf("limits: %d %s", status, body)
	}
	c := f.session("u-soc-analyst")
	for _, tt := range []struct{ path, want string }{
		{"/logs/sources", `infusion-gw: clock off by -95.0 s (limit ±10 s)`},
		{"/logs/sources", `Log store refusing records: free disk space below the minimum`},
		{"/logs/sources", `<strong>clock off</strong>`},
		{"/logs/sources", `id="alert-thresholds"`},
		{"/logs/seal", `id="seal-verifications"`},
	} {
		resp, err := c.Get(f.srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: %d, want %s", tt.path, resp.StatusCode, tt.want)
		}
	}
}

// TestLogReviewRoutes works a log review through the API and the UI: the scheduler's task,
// queries run with their hashes, sign-off, refusal to change a signed review, and the
// permissions (an auditor reads but does not sign, a clinical engineer reads nothing).
func TestLogReviewRoutes(t *testing.T) {
	f := newFixture(t)
	system := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	svc := sqlstore.NewLogReviewService(f.db, nil)
	if n, err := svc.EnsureLogReviews(system, time.Now()); err != nil || n == 0 {
		t.Fatalf("ensure: %d %v", n, err)
	}
	soc, auditor := f.tokens[medsec.RoleSOCAnalyst], f.tokens[medsec.RoleAuditor]
	status, body := f.do("GET", "/api/v1/logs/reviews?status=open", auditor, "")
	var list struct{ Items []medsec.LogReview }
	if status != 200 || json.Unmarshal([]byte(body), &list) != nil || len(list.Items) == 0 {
		t.Fatalf("list: %d %s", status, body)
	}
	id := list.Items[0].ID
	path := fmt.Sprintf("/api/v1/logs/reviews/%d", id)
	if status, body := f.do("PUT", path, soc, `{"findings":"none","queries":[{"name":"sshd","query":"sshd"}]}`); status != 200 || !strings.Contains(body, `"sha256": "`) {
		t.Fatalf("update: %d %s", status, body)
	}
	if status, _ := f.do("POST", path+"/sign", auditor, ""); status != http.StatusForbidden {
		t.Errorf("auditor signed: %d", status)
	}
	if status, body := f.do("POST", path+"/sign", soc, ""); status != 200 || !strings.Contains(body, `"status": "signed"`) {
		t.Fatalf("sign: %d %s", status, body)
	}
	if status, body := f.do("PUT", path, soc, `{"findings":"changed"}`); status != http.StatusConflict {
		t.Errorf("changed a signed review: %d %s", status, body)
	}
	if status, body := f.do("POST", path+"/check", auditor, ""); status != 200 || !strings.Contains(body, `"same": true`) {
		t.Errorf("check: %d %s", status, body)
	}
	if status, body := f.do("PUT", "/api/v1/logs/review-schedules/1", soc, `{"cadence":"P1W","due_days":3}`); status != http.StatusForbidden {
		t.Errorf("SOC analyst set a schedule: %d %s", status, body)
	}
	if status, body := f.do("PUT", "/api/v1/logs/review-schedules/1", f.tokens[medsec.RoleSecurityOfficer], `{"cadence":"monthly","due_days":3}`); status != 422 || !strings.Contains(body, "cadence") {
		t.Errorf("bad cadence: %d %s", status, body)
	}
	if status, _ := f.do("GET", "/api/v1/logs/reviews", f.tokens[medsec.RoleClinicalEngineer], ""); status != http.StatusForbidden {
		t.Errorf("clinical engineer read reviews: %d", status)
	}
	c := f.session("u-soc-analyst")
	for _, tt := range []struct{ path, want string }{
		{"/logs/reviews", `id="log-reviews"`},
		{fmt.Sprintf("/logs/reviews/%d", id), `id="review-queries"`},
		{fmt.Sprintf("/logs/reviews/%d", list.Items[len(list.Items)-1].ID), `id="review-facts"`},
	} {
		resp, err := c.Get(f.srv.URL + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), tt.want) {
			t.Errorf("GET %s: %d, want %s", tt.path, resp.StatusCode, tt.want)
		}
	}
}
