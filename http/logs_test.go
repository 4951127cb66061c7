package http_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/logs"
	"medsec/sqlstore"
)

// recordingSink keeps records, or fails while fail is set.
type recordingSink struct {
	mu   sync.Mutex
	recs []logs.Record
	fail bool
}

func (s *recordingSink) Append(ctx context.Context, recs []logs.Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("disk full")
	}
	s.recs = append(s.recs, recs...)
	return nil
}

// TestLogIngestAndSources registers a JSON source over the API, sends JSON lines with
// its token (stored, counted against the source), a bad body (422, nothing stored), to a
// failing store (503 with Retry-After), with a user's token (403), and shows the sources
// page in the four languages.
func TestLogIngestAndSources(t *testing.T) {
	db := openEngine(t, "sqlite")
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	sources := sqlstore.NewLogSourceService(db)
	sink := &recordingSink{}
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tracker := &logs.Tracker{Next: sink, Sources: sources, Now: func() time.Time { return now }}
	services := mhttp.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Assets: sqlstore.NewAssetService(db), LogSources: sources, LogSink: tracker,
		LogListeners: func() logs.ListenerCounts {
			return logs.ListenerCounts{Received: 120, Stored: 117, UDPDropped: 3, SinkFailures: 1}
		}}
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := services.Org.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	vendor := &medsec.Vendor{Name: "Aurora Medical Systems"}
	if err := services.Org.CreateVendor(ctx, vendor); err != nil {
		t.Fatal(err)
	}
	users := services.Users.(*sqlstore.UserService)
	tokens := map[medsec.Role]string{}
	sessions := map[medsec.Role]string{}
	for _, role := range []medsec.Role{medsec.RoleSecurityOfficer, medsec.RoleSOCAnalyst, medsec.RoleVendor} {
		u := &medsec.User{Username: "u-" + string(role), Role: role}
		if role == medsec.RoleVendor {
			u.VendorID = vendor.ID
		}
		if err := users.CreateUser(ctx, u, testPassword); err != nil {
			t.Fatal(err)
		}
		tokens[role], _ = users.CreateAPIToken(ctx, u.ID, "test")
		sessions[role], _ = users.CreateSession(ctx, u.ID)
	}
	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	do := func(method, path, token, ctype, body string) (int, http.Header, string) {
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}

	status, _, body := do("POST", "/api/v1/logs/sources", tokens[medsec.RoleSecurityOfficer], "application/json",
		`{"site_id":1,"name":"EMR access log","transport":"https","with_token":true}`)
	if status != 201 {
		t.Fatalf("create source: %d %s", status, body)
	}
	var created struct {
		Source medsec.LogSource `json:"source"`
		Token  string           `json:"token"`
	}
	json.Unmarshal([]byte(body), &created)
	if !strings.HasPrefix(created.Token, "mls_") {
		t.Fatalf("token %q", created.Token)
	}
	if status, _, _ := do("POST", "/api/v1/logs/sources", tokens[medsec.RoleSOCAnalyst], "application/json", `{}`); status != 403 {
		t.Errorf("SOC analyst registering: %d, want 403", status)
	}

	lines := `{"@timestamp":"2026-11-30T11:59:58Z","user":{"name":"dr.lin"},"event":{"action":"chart-open","outcome":"success"},"host":{"name":"emr01"}}
{"@timestamp":"2026-11-30T11:59:59Z","event.action":"chart-print","source.ip":"10.1.2.3"}
`
	status, _, body = do("POST", "/api/v1/logs/ingest", created.Token, "application/x-ndjson", lines)
	if status != 200 || !strings.Contains(body, `"accepted": 2`) || len(sink.recs) != 2 {
		t.Fatalf("ingest: %d %s, %d stored", status, body, len(sink.recs))
	}
	if r := sink.recs[0]; r.Peer != "EMR access log" || r.SiteID != site.ID || r.Format != logs.FormatJSON || r.Fields["user.name"] != "dr.lin" || string(r.Raw) != strings.Split(lines, "\n")[0] {
		t.Errorf("stored %+v", r)
	}
	status, _, body = do("POST", "/api/v1/logs/ingest", created.Token, "application/x-ndjson", `{"ok":1}`+"\n"+`not json`+"\n")
	if status != 422 || !strings.Contains(body, `"line": 2`) || len(sink.recs) != 2 {
		t.Errorf("bad line: %d %s, %d stored", status, body, len(sink.recs))
	}
	// A body over the limit: refused with 413 naming the limit, in the sender's language,
	// whether the length is announced or the body is streamed; nothing stored.
	big := strings.Repeat(`{"message":"`+strings.Repeat("x", 1000)+`"}`+"\n", 17<<10)
	for _, tt := range []struct {
		lang, want string
		chunked    bool
	}{{"", "16 MiB one request", false}, {"zh-TW,zh;q=0.9", "單次上限 16 MiB", false}, {"ja", "上限 16 MiB", true}} {
		var rd io.Reader = strings.NewReader(big)
		if tt.chunked {
			rd = io.MultiReader(rd) // no length known: sent chunked
		}
		req, _ := http.NewRequest("POST", ts.URL+"/api/v1/logs/ingest", rd)
		req.Header.Set("Authorization", "Bearer "+created.Token)
		if tt.lang != "" {
			req.Header.Set("Accept-Language", tt.lang)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tt.lang, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), tt.want) || len(sink.recs) != 2 {
			t.Errorf("oversized body (%q, chunked %v): %d %s, %d stored", tt.lang, tt.chunked, resp.StatusCode, b, len(sink.recs))
		}
	}
	sink.fail = true
	status, hdr, _ := do("POST", "/api/v1/logs/ingest", created.Token, "application/x-ndjson", `{"a":1}`)
	if status != 503 || hdr.Get("Retry-After") == "" {
		t.Errorf("failing store: %d, Retry-After %q", status, hdr.Get("Retry-After"))
	}
	sink.fail = false
	if status, _, _ := do("POST", "/api/v1/logs/ingest", tokens[medsec.RoleSecurityOfficer], "application/x-ndjson", `{"a":1}`); status != 403 {
		t.Errorf("user token ingesting: %d, want 403", status)
	}
	if status, _, _ := do("POST", "/api/v1/logs/ingest", "mls_wrong", "application/x-ndjson", `{"a":1}`); status != 401 {
		t.Errorf("wrong source token: %d, want 401", status)
	}

	now = now.Add(time.Minute)
	if err := tracker.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	status, _, body = do("GET", "/api/v1/logs/sources", tokens[medsec.RoleSOCAnalyst], "", "")
	var listed struct {
		Items []struct {
			medsec.LogSource
			Silent bool `json:"silent"`
		} `json:"items"`
	}
	json.Unmarshal([]byte(body), &listed)
	if status != 200 || len(listed.Items) != 1 || !strings.Contains(body, `"udp_dropped": 3`) {
		t.Fatalf("sources: %d %s", status, body)
	}
	got := listed.Items[0]
	if got.Records != 2 || got.Format != logs.FormatJSON || got.Transport != "https" || got.Skew != -1 || got.Missing["user"] != 1 || got.Silent {
		t.Errorf("source health %+v", got)
	}
	if status, _, _ := do("GET", "/api/v1/logs/sources", tokens[medsec.RoleVendor], "", ""); status != 403 {
		t.Errorf("vendor reading sources: %d", status)
	}
	for lang, want := range map[string]string{"en": "Log sources", "ja": "ログ送信元", "zh-CN": "日志来源", "zh-TW": "日誌來源"} {
		req, _ := http.NewRequest("GET", ts.URL+"/logs/sources", nil)
		req.AddCookie(&http.Cookie{Name: "medsec_session", Value: sessions[medsec.RoleSOCAnalyst]})
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) || !strings.Contains(string(b), "EMR access log") ||
			!strings.Contains(string(b), `<p id="listener-counts" class="warning">`) {
			t.Errorf("%s page: %d, %q missing", lang, resp.StatusCode, want)
		}
	}
	// Registering on the page shows the token once.
	req, _ := http.NewRequest("POST", ts.URL+"/logs/sources", strings.NewReader("name=Firewall&site_id=1&address=10.0.0.1&transport=tls&with_token=on&expected_interval_minutes=5"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "medsec_session", Value: sessions[medsec.RoleSecurityOfficer]})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(b), `<pre id="source-token">mls_`) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("register on page: %d", resp.StatusCode)
	}
	fw, err := sources.FindLogSources(ctx, medsec.LogSourceFilter{})
	if err != nil || len(fw) != 2 || fw[1].Name != "Firewall" || fw[1].ExpectedInterval != 300 {
		t.Errorf("after page registration: %v %v", fw, err)
	}
	// curl's default form type: the body is still read as JSON lines, never dropped.
	n := len(sink.recs)
	status, _, body = do("POST", "/api/v1/logs/ingest", created.Token, "application/x-www-form-urlencoded", lines)
	if status != 200 || !strings.Contains(body, `"accepted": 2`) || len(sink.recs) != n+2 {
		t.Fatalf("ingest as a form: %d %s, %d stored", status, body, len(sink.recs))
	}
}

// TestJSONZonelessTimesReadInTheSourcesSiteZone sends JSON lines over the ingest route
// from a source of a Taipei site and one of a Tokyo site whose times carry no zone
// ("2026-12-01T08:00:00", with a space, with a fraction): each is read on its site's wall
// clock, as syslog and CEF times are (logs.TestZonelessTimesReadInTheSendersSiteZone);
// times with an offset keep it [issue 13 t13: a zoneless @timestamp was refused, a
// zoneless "time" left as text and the record filed at its receive time]. Both engines.
func TestJSONZonelessTimesReadInTheSourcesSiteZone(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openEngine(t, engine)
			ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
			sources := sqlstore.NewLogSourceService(db)
			sink := &recordingSink{}
			now := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
			services := mhttp.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
				Assets: sqlstore.NewAssetService(db), LogSources: sources, LogSink: sink}
			taipei := &medsec.Site{Code: "TPE", Name: "台北院區", Jurisdiction: medsec.JurisdictionTW, TimeZone: "Asia/Taipei"}
			tokyo := &medsec.Site{Code: "TYO", Name: "東京病院", Jurisdiction: medsec.JurisdictionJP, TimeZone: "Asia/Tokyo"}
			token := map[int64]string{}
			for _, s := range []*medsec.Site{taipei, tokyo} {
				if err := services.Org.CreateSite(ctx, s); err != nil {
					t.Fatal(err)
				}
				tok, err := sources.CreateLogSource(ctx, &medsec.LogSource{SiteID: s.ID, Name: "EMR " + s.Code, Transport: "https"}, true)
				if err != nil {
					t.Fatal(err)
				}
				token[s.ID] = tok
			}
			srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv)
			defer ts.Close()
			send := func(tok, lines string) {
				t.Helper()
				req, _ := http.NewRequest("POST", ts.URL+"/api/v1/logs/ingest", strings.NewReader(lines))
				req.Header.Set("Authorization", "Bearer "+tok)
				req.Header.Set("Content-Type", "application/x-ndjson")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Fatalf("ingest: %d %s", resp.StatusCode, b)
				}
			}
			send(token[taipei.ID], `{"@timestamp":"2026-12-01T08:00:00","event":{"action":"chart-open"}}
{"timestamp":"2026-12-01 08:00:00.250","event":{"action":"chart-print"}}
{"@timestamp":"2026-12-01T08:00:00+09:00","event":{"action":"offset kept"}}
`)
			send(token[tokyo.ID], `{"time":"2026-12-01T08:00:00","event":{"action":"chart-open"}}
`)
			want := []string{"2026-12-01T00:00:00Z", "2026-12-01T00:00:00.25Z", "2026-11-30T23:00:00Z", "2026-11-30T23:00:00Z"}
			if len(sink.recs) != len(want) {
				t.Fatalf("%d records stored, want %d", len(sink.recs), len(want))
			}
			for i, r := range sink.recs {
				got, ok := r.Fields["@timestamp"].(time.Time)
				if !ok || got.UTC().Format(time.RFC3339Nano) != want[i] {
					t.Errorf("record %d (%v): @timestamp %v, want %s", i, r.Fields["event.action"], r.Fields["@timestamp"], want[i])
				}
			}
		})
	}
}
