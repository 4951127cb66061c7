package http_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/capture"
	"medsec/evidence"
	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// addReports gives services the report service over db, its files in a temporary
// evidence store.
func addReports(t *testing.T, services *mhttp.Services, db *sqlstore.DB) {
	t.Helper()
	files, err := evidence.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	src := report.Sources{Org: services.Org, Assets: services.Assets, Assessments: services.Assessments,
		Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db), Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db),
		Accounts: sqlstore.NewAccountService(db), Backups: sqlstore.NewBackupService(db), MLPS: sqlstore.NewGovernanceService(db)}
	src.RiskReviews = sqlstore.NewRiskReviewService(db, src, bundle)
	services.RiskReviews = src.RiskReviews
	svc := sqlstore.NewReportService(db, files, src, bundle)
	t.Cleanup(svc.Wait)
	services.Reports = svc
}

// waitReport polls a started report through the API until it is no longer running.
func waitReport(t *testing.T, f *fixture, id int64, token string) *medsec.GeneratedReport {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, body := f.do("GET", fmt.Sprintf("/api/v1/reports/%d", id), token, "")
		if status != 200 {
			t.Fatalf("GET report %d: %d %s", id, status, body)
		}
		var r medsec.GeneratedReport
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatal(err)
		}
		if r.Status != medsec.ReportRunning {
			return &r
		}
		if time.Now().After(deadline) {
			t.Fatalf("report %d still running", id)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// generateReport starts report name of a site and period in English as HTML through the
// API, waits until it is done and returns the downloaded file.
func generateReport(t *testing.T, f *fixture, token, name string, site int64, period string) string {
	t.Helper()
	status, body := f.do("POST", "/api/v1/reports", token, fmt.Sprintf(`{"name":%q,"site_id":%d,"period":%q,"lang":"en","format":"html"}`, name, site, period))
	if status != http.StatusAccepted {
		t.Fatalf("POST %s: %d %s", name, status, body)
	}
	var r medsec.GeneratedReport
	json.Unmarshal([]byte(body), &r)
	if done := waitReport(t, f, r.ID, token); done.Status != medsec.ReportDone {
		t.Fatalf("%s: %+v", name, done)
	}
	resp := f.get(fmt.Sprintf("/api/v1/reports/%d/file", r.ID), token)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

var safeDisposition = regexp.MustCompile(`^attachment; filename="medsec-[A-Za-z0-9._-]+\.(pdf|xlsx|html)"$`)

// TestReportsAPI starts a report through the API as the security officer: 202 with its
// URL, running, then done with its hashes; its file has the media type, a safe attachment
// name and the SHA-256 the list shows; generated again it is "unchanged" since the first.
// The auditor reads and downloads but may not generate; the engineer limited to the
// branch sees neither the main site's report nor the list entry; a bad period is 422
// naming the field; the schedules are read and set by the roles allowed.
func TestReportsAPI(t *testing.T) {
	f := newFixture(t)
	so, auditor := f.tokens[medsec.RoleSecurityOfficer], f.tokens[medsec.RoleAuditor]
	req := fmt.Sprintf(`{"name":"self-inspection","site_id":%d,"period":"2026","lang":"ja","format":"pdf"}`, f.assetHQ.SiteID)
	status, body := f.do("POST", "/api/v1/reports", so, req)
	if status != http.StatusAccepted {
		t.Fatalf("POST /api/v1/reports: %d %s", status, body)
	}
	var started medsec.GeneratedReport
	json.Unmarshal([]byte(body), &started)
	if started.Status != medsec.ReportRunning && started.Status != medsec.ReportDone {
		t.Errorf("started: %s", body)
	}
	done := waitReport(t, f, started.ID, auditor)
	if done.Status != medsec.ReportDone || done.Change != medsec.ReportNew || len(done.SHA256) != 64 || done.SiteName != "本院" {
		t.Fatalf("done: %+v", done)
	}

	resp := f.get(fmt.Sprintf("/api/v1/reports/%d/file", done.ID), auditor)
	file, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sum := sha256.Sum256(file)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !safeDisposition.MatchString(resp.Header.Get("Content-Disposition")) ||
		hex.EncodeToString(sum[:]) != done.SHA256 || !strings.HasPrefix(string(file), "%PDF-") {
		t.Errorf("download: %d %q %q, sha256 %x (want %s)", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), sum, done.SHA256)
	}
	// The file hash header is the SHA-256 of the body received; the content hash (what
	// the report says) has a header of its own.
	if got := resp.Header.Get("X-Content-SHA256"); got != hex.EncodeToString(sum[:]) {
		t.Errorf("X-Content-SHA256 %q, the body's SHA-256 is %x", got, sum)
	}
	if got := resp.Header.Get("X-Report-Content-Hash"); got != done.ContentHash || got == done.SHA256 {
		t.Errorf("X-Report-Content-Hash %q, want the content hash %s", got, done.ContentHash)
	}

	status, body = f.do("POST", "/api/v1/reports", so, req)
	var second medsec.GeneratedReport
	json.Unmarshal([]byte(body), &second)
	if again := waitReport(t, f, second.ID, so); status != 202 || again.Change != medsec.ReportUnchanged || again.PreviousID != done.ID {
		t.Errorf("second generation: %d %+v", status, again)
	}

	if status, _ := f.do("POST", "/api/v1/reports", auditor, req); status != http.StatusForbidden {
		t.Errorf("auditor generates: %d, want 403", status)
	}
	if status, _ := f.do("GET", fmt.Sprintf("/api/v1/reports/%d", done.ID), f.branchCE, ""); status != http.StatusNotFound {
		t.Errorf("branch engineer reads the main site's report: %d, want 404", status)
	}
	if status, _ := f.do("GET", fmt.Sprintf("/api/v1/reports/%d/file", done.ID), f.branchCE, ""); status != http.StatusNotFound {
		t.Errorf("branch engineer downloads the main site's report: %d, want 404", status)
	}
	if status, body := f.do("GET", "/api/v1/reports", f.branchCE, ""); status != 200 || strings.Contains(body, "本院") {
		t.Errorf("branch engineer's list: %d %s", status, body)
	}
	if status, body := f.do("GET", "/api/v1/reports", f.tokens[medsec.RoleVendor], ""); status != http.StatusForbidden {
		t.Errorf("vendor lists reports: %d %s", status, body)
	}
	bad := strings.Replace(req, `"2026"`, `"26"`, 1)
	if status, body := f.do("POST", "/api/v1/reports", so, bad); status != 422 || !strings.Contains(body, `"period"`) {
		t.Errorf("bad period: %d %s", status, body)
	}

	if status, body := f.do("GET", "/api/v1/reports/schedules", auditor, ""); status != 200 || !strings.Contains(body, `"enabled": false`) {
		t.Errorf("schedules: %d %s", status, body)
	}
	path := fmt.Sprintf("/api/v1/reports/schedules/%d", f.assetHQ.SiteID)
	if status, _ := f.do("PUT", path, f.tokens[medsec.RoleClinicalEngineer], `{"enabled":true,"lang":"ja","format":"pdf"}`); status != 403 {
		t.Errorf("engineer sets the schedule: %d, want 403", status)
	}
	if status, body := f.do("PUT", path, so, `{"enabled":true,"lang":"ja","format":"pdf"}`); status != 200 || !strings.Contains(body, `"enabled": true`) {
		t.Errorf("security officer sets the schedule: %d %s", status, body)
	}
	// A PUT without enabled is refused naming it (in the caller's language), and the
	// schedule stays on (bt: it was taken as false and turned the schedule off).
	for _, lang := range i18n.Languages {
		req, _ := http.NewRequest("PUT", f.srv.URL+path, strings.NewReader(`{"lang":"ja","format":"pdf"}`))
		req.Header.Set("Authorization", "Bearer "+so)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		b, _ := i18n.Load()
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(raw), `"field": "enabled"`) ||
			!strings.Contains(string(raw), b.T(lang, "err.required")) {
			t.Errorf("%s: schedule without enabled: %d %s, want 422 naming enabled", lang, resp.StatusCode, raw)
		}
	}
	if status, body := f.do("GET", "/api/v1/reports/schedules", so, ""); status != 200 || !strings.Contains(body, `"enabled": true`) {
		t.Errorf("schedule after a PUT without enabled: %d %s", status, body)
	}
}

// get fetches a path with a bearer token and returns the response, whose body the
// caller closes.
func (f *fixture) get(path, token string) *http.Response {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	return resp
}

// TestReportsPage generates a report from the reports page in each language: the form is
// refused naming the period in the page's language, then accepted; the list shows the
// report in the page's language with its status, size (report.FormatBytes, not "N B"),
// content hash and a download link that answers the file; the auditor sees the list without the form and the schedules without
// their controls.
func TestReportsPage(t *testing.T) {
	f := newFixture(t)
	for _, lang := range i18n.Languages {
		b, _ := i18n.Load()
		t.Run(lang, func(t *testing.T) {
			c := f.session("u-security-officer")
			post := func(form url.Values) (int, string, string) {
				req, _ := http.NewRequest("POST", f.srv.URL+"/reports", strings.NewReader(form.Encode()))
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
			form := url.Values{"name": {"vuln-ledger"}, "site_id": {fmt.Sprint(f.assetHQ.SiteID)}, "period": {"2026-13"}, "lang": {lang}, "format": {"html"}, "catalog": {""}}
			status, _, body := post(form)
			if status != 422 || !strings.Contains(body, b.T(lang, "err.report_period")) || !strings.Contains(body, `value="2026-13"`) {
				t.Errorf("bad period: %d, want 422 with %q", status, b.T(lang, "err.report_period"))
			}
			form.Set("period", "2026-11")
			status, loc, _ := post(form)
			if status != http.StatusSeeOther || !strings.HasPrefix(loc, "/reports?started=") {
				t.Fatalf("generate: %d %q", status, loc)
			}
			var id int64
			fmt.Sscanf(strings.TrimPrefix(loc, "/reports?started="), "%d", &id)
			done := waitReport(t, f, id, f.tokens[medsec.RoleSecurityOfficer])
			page := f.page(c, "/reports", lang)
			for _, want := range []string{b.T(lang, "reports.title"), b.T(lang, "report.vuln-ledger"), b.T(lang, "reports.status.done"),
				done.ContentHash[:12], fmt.Sprintf(`href="/reports/%d/file"`, id), `id="report-form"`,
				report.FormatBytes(done.Size, func(k string, a ...any) string { return b.T(lang, k, a...) }) + " · SHA-256"} {
				if !strings.Contains(page, want) {
					t.Errorf("reports page lacks %q", want)
				}
			}
			if strings.Contains(page, fmt.Sprintf("%d B ", done.Size)) {
				t.Errorf("the reports page shows the raw size %d B", done.Size)
			}
			req, _ := http.NewRequest("GET", fmt.Sprintf("%s/reports/%d/file", f.srv.URL, id), nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			file, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" || !safeDisposition.MatchString(resp.Header.Get("Content-Disposition")) ||
				!strings.Contains(string(file), b.T(lang, "report.vuln-ledger")) {
				t.Errorf("download from the page: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
			}
		})
	}
	page := f.page(f.session("u-auditor"), "/reports", "en")
	if strings.Contains(page, `id="report-form"`) || strings.Contains(page, `action="/reports/schedule"`) || !strings.Contains(page, "Download") {
		t.Errorf("the auditor's reports page shows a form or no download")
	}
}

// page fetches a UI page with a session client in a language and returns its body.
func (f *fixture) page(c *http.Client, path, lang string) string {
	f.t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	req.Header.Set("Accept-Language", lang)
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		f.t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, body)
	}
	return string(body)
}

// TestStocktakeReport stores a discovery run at the main site whose capture saw one host
// the inventory does not know and not the site's CT, and generates the discovery
// stocktake through the API as HTML: it lists the run, the unknown host with its MAC and
// protocol, and the CT as not seen; the branch engineer's stocktake of the branch holds
// none of it.
func TestStocktakeReport(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	at := time.Now().UTC().Add(-time.Hour)
	res := &capture.Result{Files: []capture.FileInfo{{Name: "stocktake-hq.pcap", SHA256: strings.Repeat("a", 64), Size: 100, Format: "pcap", Packets: 10}},
		Hosts: []capture.Host{{Address: netip.MustParseAddr("10.77.0.99"), MACs: []string{"02:77:00:00:00:99"}, Protocols: []string{"hl7"},
			Identity: []capture.Fact{{Kind: capture.FactStationName, Value: "UNKNOWN-LAB-7", Count: 1}}, FirstSeen: at, LastSeen: at}}}
	res.Summary = capture.Summary{Packets: 10, Hosts: 1, Start: at, End: at}
	run, err := capture.NewRun(f.assetHQ.SiteID, res, []*medsec.Asset{f.assetHQ})
	if err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewDiscoveryService(f.db).CreateDiscoveryRun(ctx, run); err != nil {
		t.Fatal(err)
	}
	gen := func(token string, site int64) string {
		t.Helper()
		return generateReport(t, f, token, "discovery-stocktake", site, fmt.Sprint(at.Year()))
	}
	html := gen(f.tokens[medsec.RoleSecurityOfficer], f.assetHQ.SiteID)
	for _, want := range []string{"Discovery stocktake report", "stocktake-hq.pcap", "10.77.0.99", "02:77:00:00:00:99", "hl7", "UNKNOWN-LAB-7", "CT-01", "Hosts not in the inventory", "Assets not seen"} {
		if !strings.Contains(html, want) {
			t.Errorf("stocktake lacks %q", want)
		}
	}
	branch := gen(f.branchCE, f.assetBR.SiteID)
	for _, leak := range []string{"stocktake-hq.pcap", "10.77.0.99", "CT-01"} {
		if strings.Contains(branch, leak) {
			t.Errorf("the branch's stocktake shows %q of the main site", leak)
		}
	}
}

// tamperedReports serves every report file with its first byte changed, as a file
// altered in the evidence store after it was generated would be.
type tamperedReports struct{ medsec.ReportService }

type readSeekNopCloser struct{ io.ReadSeeker }

func (readSeekNopCloser) Close() error { return nil }

func (s tamperedReports) OpenReport(ctx context.Context, id int64) (*medsec.GeneratedReport, io.ReadCloser, error) {
	rep, f, err := s.ReportService.OpenReport(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, err
	}
	b[0] ^= 0xff
	return rep, readSeekNopCloser{bytes.NewReader(b)}, nil
}

// TestReportFileChangedIsNotServed: a report file whose bytes no longer have the SHA-256
// recorded at generation is refused (500, no body of the file), not sent under the
// recorded hash.
func TestReportFileChangedIsNotServed(t *testing.T) {
	f := newFixtureOn(t, openEngine(t, "sqlite"), func(s *mhttp.Services) { s.Reports = tamperedReports{s.Reports} })
	so := f.tokens[medsec.RoleSecurityOfficer]
	status, body := f.do("POST", "/api/v1/reports", so, fmt.Sprintf(`{"name":"self-inspection","site_id":%d,"period":"2026","lang":"en","format":"html"}`, f.assetHQ.SiteID))
	if status != http.StatusAccepted {
		t.Fatalf("POST: %d %s", status, body)
	}
	var r medsec.GeneratedReport
	json.Unmarshal([]byte(body), &r)
	if done := waitReport(t, f, r.ID, so); done.Status != medsec.ReportDone {
		t.Fatalf("%+v", done)
	}
	resp := f.get(fmt.Sprintf("/api/v1/reports/%d/file", r.ID), so)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || strings.Contains(string(b), "<html") || resp.Header.Get("X-Content-SHA256") != "" {
		t.Errorf("changed file: %d %q %.80q", resp.StatusCode, resp.Header.Get("X-Content-SHA256"), b)
	}
}

// TestReportNameRefusedByNameAndTitle asks for a report that does not exist in every
// language: 422 naming the field, and the message lists every report — the yearly risk
// review and the data security assessment among them (it listed seven, two reports
// missing) — by the name a caller types with its title in the caller's language beside it
// (bt16g M5: the titles alone named nothing the API or the command line accepts).
func TestReportNameRefusedByNameAndTitle(t *testing.T) {
	f := newFixture(t)
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages {
		req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/reports",
			strings.NewReader(fmt.Sprintf(`{"name":"yearly","site_id":%d,"period":"2026","lang":"ja","format":"pdf"}`, f.assetHQ.SiteID)))
		req.Header.Set("Authorization", "Bearer "+f.tokens[medsec.RoleSecurityOfficer])
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", lang)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var got struct {
			Fields []medsec.FieldError `json:"errors"`
		}
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity || len(got.Fields) != 1 || got.Fields[0].Field != "name" {
			t.Fatalf("%s: %d %+v", lang, resp.StatusCode, got)
		}
		msg := got.Fields[0].Message
		open, shut := "（", "）"
		if lang == "en" {
			open, shut = " (", ")"
		}
		for _, name := range []string{"risk-review", "data-security", "self-inspection", "crl-review"} {
			if want := name + open + b.T(lang, "report."+name) + shut; !strings.Contains(msg, want) {
				t.Errorf("%s: %q lacks the report %q", lang, msg, want)
			}
		}
	}
}
