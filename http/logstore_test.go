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
