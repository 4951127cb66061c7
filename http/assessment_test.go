package http_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/catalog"
	"medsec/evidence"
	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/sqlstore"
)

// newAssessmentService is the fixture's assessment service, its evidence in a temporary
// directory.
func newAssessmentService(t *testing.T, db *sqlstore.DB) *sqlstore.AssessmentService {
	t.Helper()
	cs, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	files, err := evidence.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	checks, err := medsec.NewCheckRegistry(medsec.InventoryChecks()...)
	if err != nil {
		t.Fatal(err)
	}
	return sqlstore.NewAssessmentService(db, cs, files, checks)
}

// classify gives the fixture's main-site asset a class and level through the API.
func (f *fixture) classify(class medsec.DeviceClass, level medsec.Level) {
	f.t.Helper()
	a := *f.assetHQ
	a.Class, a.Level = class, level
	a.Version = 1
	body, _ := json.Marshal(a)
	if status, resp := f.do("PUT", fmt.Sprintf("/api/v1/assets/%d", a.ID), f.tokens[medsec.RoleAdmin], string(body)); status != 200 {
		f.f(status, resp)
	}
}

func (f *fixture) f(status int, body string) { f.t.Fatalf("status %d: %s", status, body) }

func gapTotals(t *testing.T, f *fixture, token string) medsec.GapReport {
	t.Helper()
	status, body := f.do("GET", "/api/v1/gap?catalog=tw-mohw-medical-baseline", token, "")
	if status != 200 {
		t.Fatalf("gap: %d %s", status, body)
	}
	var rep medsec.GapReport
	if err := json.Unmarshal([]byte(body), &rep); err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestAssessmentAPI(t *testing.T) {
	f := newFixture(t)
	f.classify(medsec.ClassBoundary, medsec.LevelHigh)
	ciso := f.tokens[medsec.RoleSecurityOfficer]
	before := gapTotals(t, f, f.tokens[medsec.RoleAuditor])
	if before.Subjects != 1 || before.Totals.ByStatus[medsec.AssessNotAssessed] != before.Totals.Total || before.Totals.Total == 0 {
		t.Fatalf("gap before = %+v", before.Totals)
	}
	// A page of the open items: the same items as the whole list cut, every count kept;
	// a limit out of the spec's bounds is refused.
	if status, body := f.do("GET", "/api/v1/gap?limit=2&offset=1", ciso, ""); status != 200 {
		t.Fatalf("gap page: %d %s", status, body)
	} else {
		var page medsec.GapReport
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatal(err)
		}
		if page.OpenTotal != len(before.Open) || before.OpenTotal != len(before.Open) || len(page.Open) != 2 ||
			page.Open[0].ControlID != before.Open[1].ControlID || page.Open[1].ControlID != before.Open[2].ControlID || page.Totals.Total != before.Totals.Total {
			t.Errorf("gap page: %d of %d items, totals %d; want items 2-3 of %d, totals %d", len(page.Open), page.OpenTotal, page.Totals.Total, len(before.Open), before.Totals.Total)
		}
	}
	if status, body := f.do("GET", "/api/v1/gap?limit=5000", ciso, ""); status != 422 {
		t.Errorf("gap limit 5000: %d %s, want 422", status, body)
	}

	// Upload evidence as multipart, then assess with it.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "scan-2026.txt")
	fw.Write([]byte("vulnerability scan report"))
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/evidence", &buf)
	req.Header.Set("Authorization", "Bearer "+ciso)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ev medsec.Evidence
	json.NewDecoder(resp.Body).Decode(&ev)
	resp.Body.Close()
	if resp.StatusCode != 201 || ev.Name != "scan-2026.txt" || len(ev.SHA256) != 64 {
		t.Fatalf("upload: %d %+v", resp.StatusCode, ev)
	}
	body := fmt.Sprintf(`{"catalog_id":"tw-mohw-medical-baseline","control_id":"tw-si-1.h","asset_id":%d,"status":"partial","evidence":[{"sha256":%q,"name":"scan-2026.txt"}]}`, f.assetHQ.ID, ev.SHA256)
	if status, resp := f.do("POST", "/api/v1/assessments", ciso, body); status != 201 {
		t.Fatalf("assess: %d %s", status, resp)
	}
	after := gapTotals(t, f, f.tokens[medsec.RoleAuditor])
	if after.Totals.ByStatus[medsec.AssessPartial] != 1 || after.Totals.ByStatus[medsec.AssessNotAssessed] != before.Totals.Total-1 {
		t.Errorf("gap after = %+v", after.Totals)
	}
	// The vendor of the asset downloads the evidence; the branch engineer cannot.
	if status, got := f.do("GET", "/api/v1/evidence/"+ev.SHA256, f.tokens[medsec.RoleVendor], ""); status != 200 || got != "vulnerability scan report" {
		t.Errorf("vendor download: %d %q", status, got)
	}
	if status, _ := f.do("GET", "/api/v1/evidence/"+ev.SHA256, f.branchCE, ""); status != 404 {
		t.Errorf("branch engineer download: %d, want 404", status)
	}
	// Bulk: the auditor may not, the branch engineer only within the branch.
	bulk := fmt.Sprintf(`{"catalog_id":"tw-mohw-medical-baseline","control_id":"tw-ac-1.l","status":"implemented","asset_ids":[%d]}`, f.assetHQ.ID)
	if status, _ := f.do("POST", "/api/v1/assessments/bulk", f.tokens[medsec.RoleAuditor], bulk); status != 403 {
		t.Errorf("auditor bulk: %d", status)
	}
	if status, _ := f.do("POST", "/api/v1/assessments/bulk", f.branchCE, bulk); status != 404 {
		t.Errorf("branch engineer bulk on the main site: %d", status)
	}
	// A not-applicable judgement without a reason is refused with the field named.
	status, resp2 := f.do("POST", "/api/v1/assessments", ciso, strings.Replace(body, `"partial"`, `"not-applicable"`, 1))
	if status != 422 || !strings.Contains(resp2, `"reason"`) {
		t.Errorf("not applicable without reason: %d %s", status, resp2)
	}
	// History, controls and OSCAL.
	status, hist := f.do("GET", fmt.Sprintf("/api/v1/assessments/history?catalog=tw-mohw-medical-baseline&control=tw-si-1.h&asset=%d", f.assetHQ.ID), f.tokens[medsec.RoleSOCAnalyst], "")
	if status != 200 || !strings.Contains(hist, `"total": 1`) {
		t.Errorf("history: %d %s", status, hist)
	}
	status, controls := f.do("GET", fmt.Sprintf("/api/v1/assets/%d/controls", f.assetHQ.ID), f.tokens[medsec.RoleAuditor], "")
	if status != 200 || !strings.Contains(controls, `"default-credentials-changed"`) || !strings.Contains(controls, "漏洞修補") {
		t.Errorf("controls: %d", status)
	}
	status, oscal := f.do("GET", "/api/v1/assessments/oscal", f.tokens[medsec.RoleAuditor], "")
	var doc struct {
		AR struct {
			Metadata struct {
				OSCALVersion string `json:"oscal-version"`
			} `json:"metadata"`
			Results []struct {
				Findings []struct {
					Target struct {
						TargetID string `json:"target-id"`
						Status   struct {
							State string `json:"state"`
						} `json:"status"`
					} `json:"target"`
				} `json:"findings"`
				Observations []struct {
					RelevantEvidence []struct {
						Href string `json:"href"`
					} `json:"relevant-evidence"`
				} `json:"observations"`
			} `json:"results"`
		} `json:"assessment-results"`
	}
	if err := json.Unmarshal([]byte(oscal), &doc); err != nil || status != 200 {
		t.Fatalf("oscal: %d %v", status, err)
	}
	if doc.AR.Metadata.OSCALVersion != "1.1.2" || len(doc.AR.Results) != 1 || len(doc.AR.Results[0].Findings) != 1 ||
		doc.AR.Results[0].Findings[0].Target.TargetID != "tw-si-1.h" || doc.AR.Results[0].Findings[0].Target.Status.State != "not-satisfied" ||
		doc.AR.Results[0].Observations[0].RelevantEvidence[0].Href != "/api/v1/evidence/"+ev.SHA256 {
		t.Errorf("oscal document = %s", oscal)
	}
	for _, e := range catalog.ValidateSchema(catalog.ModelAssessmentResults, []byte(oscal)) {
		t.Errorf("oscal export against the OSCAL 1.1.2 assessment-results schema: %v", e)
	}
}

// TestOSCALExportWithoutAssessments checks that an export with nothing assessed is still
// a valid OSCAL document: one result reviewing nothing, import-ap resolving.
func TestOSCALExportWithoutAssessments(t *testing.T) {
	f := newFixture(t)
	status, oscal := f.do("GET", "/api/v1/assessments/oscal", f.tokens[medsec.RoleAuditor], "")
	if status != 200 {
		t.Fatalf("oscal: %d %s", status, oscal)
	}
	for _, e := range catalog.ValidateSchema(catalog.ModelAssessmentResults, []byte(oscal)) {
		t.Errorf("empty oscal export: %v", e)
	}
	if !strings.Contains(oscal, `"title": "No assessments"`) || !strings.Contains(oscal, `"include-all": {}`) {
		t.Errorf("empty oscal export = %s", oscal)
	}
}

func TestGapExport(t *testing.T) {
	f := newFixture(t)
	f.classify(medsec.ClassControl, medsec.LevelModerate)
	status, csvText := f.do("GET", "/api/v1/gap/export?format=csv", f.tokens[medsec.RoleAuditor], "")
	if status != 200 || !strings.HasPrefix(csvText, "\ufeff") {
		t.Fatalf("csv: %d", status)
	}
	lines := strings.Split(strings.TrimSpace(csvText), "\n")
	rep := gapTotals(t, f, f.tokens[medsec.RoleAuditor])
	// The open items, then the assets not counted and the checks no control carries.
	want := 1 + len(rep.Open) + len(rep.LeftOut) + len(rep.UncarriedChecks)
	if len(lines) != want || len(rep.LeftOut) == 0 || !strings.Contains(csvText, "帳號管理") {
		t.Errorf("csv has %d lines, want %d (%d left out)", len(lines), want, len(rep.LeftOut))
	}
	// Same-named assets are told apart by the asset ID column after the asset's name.
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvText, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := records[0][6]; got != "Asset ID" {
		t.Errorf("column 7 is %q, want Asset ID", got)
	}
	for i, it := range rep.Open {
		want := strconv.FormatInt(it.AssetID, 10)
		if it.AssetID == medsec.Organisation {
			want = ""
		}
		if got := records[i+1][6]; got != want {
			t.Errorf("row %d (%s %s): asset ID %q, want %q", i+1, it.ControlID, it.AssetName, got, want)
		}
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/gap/export?format=xlsx", nil)
	req.Header.Set("Authorization", "Bearer "+f.tokens[medsec.RoleAuditor])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheets := x.GetSheetList()
	if len(sheets) != 2 {
		t.Fatalf("sheets = %v", sheets)
	}
	rows, _ := x.GetRows(sheets[1])
	if len(rows) != want {
		t.Errorf("xlsx open items: %d rows, want %d", len(rows), want)
	}
	// The open items' sheet: the asset ID a number, site, department and domain columns.
	if head := rows[0]; head[len(head)-3] != "Site" || head[len(head)-2] != "Department" || head[len(head)-1] != "Domain" {
		t.Errorf("xlsx header ends %v, want Site, Department, Domain", head[len(head)-3:])
	}
	if domain, _ := x.GetCellValue(sheets[1], "O2"); domain != rep.Open[0].Domain || domain == "" {
		t.Errorf("xlsx domain of the first open item = %q, want %q", domain, rep.Open[0].Domain)
	}
	if typ, _ := x.GetCellType(sheets[1], "G2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("xlsx asset ID G2 is text")
	}
	if site, _ := x.GetCellValue(sheets[1], "M2"); site != "本院" {
		t.Errorf("xlsx site of the first open item = %q, want 本院", site)
	}
	summary, _ := x.GetRows(sheets[0])
	last := summary[len(summary)-1]
	if last[len(last)-1] != fmt.Sprint(rep.Totals.Total) {
		t.Errorf("xlsx total = %v, want %d", last, rep.Totals.Total)
	}
}

// browserClient logs a fixture user in through the login form and returns a client that
// keeps the session cookie and does not follow redirects.
func (f *fixture) browserClient(username string) *http.Client {
	f.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"username": {username}, "password": {testPassword}})
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("login %s: %d", username, resp.StatusCode)
	}
	return c
}

// postMultipart sends a form with one evidence file.
func postMultipart(t *testing.T, c *http.Client, u string, fields url.Values, file, content string) (int, string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if file != "" {
		fw, _ := mw.CreateFormFile("evidence", file)
		fw.Write([]byte(content))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", u, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

func TestAssessmentUI(t *testing.T) {
	f := newFixture(t)
	f.classify(medsec.ClassBoundary, medsec.LevelLow)
	c := f.browserClient("u-clinical-engineer")
	page := func(path string) (int, string) {
		resp, err := c.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	controlsURL := fmt.Sprintf("%s/assets/%d/controls", f.srv.URL, f.assetHQ.ID)
	if status, body := page(fmt.Sprintf("/assets/%d/controls", f.assetHQ.ID)); status != 200 || !strings.Contains(body, `id="tw-ac-1.l"`) || !strings.Contains(body, "帳號管理") {
		t.Fatalf("controls page: %d", status)
	}
	// A bad form shows the problem on the page and stores nothing.
	status, _, body := postMultipart(t, c, controlsURL, url.Values{"control_id": {"tw-ac-1.l"}, "status": {"not-applicable"}}, "", "")
	if status != 422 || !strings.Contains(body, `class="error"`) || !strings.Contains(body, "reason") {
		t.Errorf("not applicable without reason: %d", status)
	}
	status, loc, _ := postMultipart(t, c, controlsURL, url.Values{"control_id": {"tw-ac-1.l"}, "status": {"compensating"},
		"compensating": {"帳號每月點檢"}, "links": {"https://wiki.example/a\r\nhttps://wiki.example/b"}, "next_review": {"2027-11-23"}}, "check.pdf", "%PDF-1.4 demo")
	if status != http.StatusSeeOther || !strings.HasSuffix(loc, "#tw-ac-1.l") {
		t.Fatalf("assess: %d %s", status, loc)
	}
	list, err := f.assessments(t, fmt.Sprintf("asset=%d", f.assetHQ.ID))
	if err != nil || len(list) != 1 || list[0].Compensating != "帳號每月點檢" || len(list[0].Links) != 2 || len(list[0].Evidence) != 1 ||
		list[0].Evidence[0].Name != "check.pdf" || list[0].Assessor != "u-clinical-engineer" {
		t.Fatalf("stored = %+v, %v", list, err)
	}
	// Bulk: the page lists the asset of the class; posting assesses it.
	if status, body := page("/compliance/bulk?class=boundary-host&control=tw-na-1.l"); status != 200 || !strings.Contains(body, fmt.Sprintf(`name="asset_id" value="%d"`, f.assetHQ.ID)) {
		t.Fatalf("bulk page: %d", status)
	}
	status, _, _ = postMultipart(t, c, f.srv.URL+"/compliance/bulk", url.Values{"class": {"boundary-host"}, "control_id": {"tw-na-1.l"},
		"status": {"implemented"}, "asset_id": {fmt.Sprint(f.assetHQ.ID)}}, "", "")
	if status != http.StatusSeeOther {
		t.Fatalf("bulk post: %d", status)
	}
	if list, _ := f.assessments(t, "control=tw-na-1.l"); len(list) != 1 || list[0].Status != medsec.AssessImplemented {
		t.Errorf("after bulk: %+v", list)
	}
	// A plain (not multipart) form with no asset chosen is shown again with the problem.
	resp, err := c.PostForm(f.srv.URL+"/compliance/bulk", url.Values{"class": {"boundary-host"}, "control_id": {"tw-na-1.l"}, "status": {"partial"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Errorf("bulk without assets: %d, want 422", resp.StatusCode)
	}
	for _, path := range []string{"/compliance", "/compliance?catalog=hospital-incident-plan", "/compliance/organisation?catalog=jp-mhlw-6.0-system-operation",
		"/compliance/calendar", fmt.Sprintf("/compliance?asset=%d", f.assetHQ.ID)} {
		if status, body := page(path); status != 200 || strings.Contains(body, "Internal error") {
			t.Errorf("%s: %d", path, status)
		}
	}
	// The auditor reads but cannot post.
	a := f.browserClient("u-auditor")
	status, _, _ = postMultipart(t, a, controlsURL, url.Values{"control_id": {"tw-ac-1.l"}, "status": {"implemented"}}, "", "")
	if status != http.StatusForbidden {
		t.Errorf("auditor post: %d, want 403", status)
	}
}

func (f *fixture) assessments(t *testing.T, query string) ([]medsec.Assessment, error) {
	status, body := f.do("GET", "/api/v1/assessments?"+query, f.tokens[medsec.RoleAuditor], "")
	if status != 200 {
		return nil, fmt.Errorf("list assessments: %d %s", status, body)
	}
	var out struct{ Items []medsec.Assessment }
	err := json.Unmarshal([]byte(body), &out)
	return out.Items, err
}

// TestCheckTexts makes sure every automatic check and outcome has its text in all four
// languages (the views build these keys, so the general key scan cannot see them).
func TestCheckTexts(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range medsec.InventoryChecks() {
		for _, key := range []string{"check." + c.ID, "check." + c.ID + ".pass", "check." + c.ID + ".fail", "check." + c.ID + ".unknown"} {
			if !b.Has(key) {
				t.Errorf("%s is missing in at least one language", key)
			}
		}
	}
	for _, st := range medsec.ReportStatuses {
		if !b.Has("assess." + string(st)) {
			t.Errorf("status %s has no text", st)
		}
	}
	// Targets and target bases of every TW row, which the controls page translates.
	cs, _ := catalog.Load()
	tw, _ := catalog.Find(cs, catalog.IDTaiwanBaseline)
	for _, ctl := range tw.AllControls() {
		for _, tg := range ctl.Targets() {
			if !b.Has("target." + string(tg)) {
				t.Errorf("%s: target %s has no text", ctl.ID, tg)
			}
		}
		if !b.Has("target_basis." + ctl.TargetBasis()) {
			t.Errorf("%s: target basis %q has no text", ctl.ID, ctl.TargetBasis())
		}
	}
	for _, id := range []string{"tw-mohw-medical-baseline", "cn-nhc-2022-measures", "jp-mhlw-6.0-system-operation", "hospital-incident-plan"} {
		if !b.Has("catalog." + id) {
			t.Errorf("catalog %s has no name", id)
		}
	}
}

// TestGapPagesKeepFilters checks that the gap report pages its open items, that the pager
// and the export links carry the filter, and that a filtered export holds the filtered rows.
func TestGapPagesKeepFilters(t *testing.T) {
	f := newFixture(t)
	f.classify(medsec.ClassBoundary, medsec.LevelHigh)
	for i := range 3 { // more open items than one page holds
		body := fmt.Sprintf(`{"site_id": %d, "name": "邊界主機 %d", "kind": "workstation", "class": "boundary-host", "level": "high"}`, f.assetHQ.SiteID, i)
		if status, resp := f.do("POST", "/api/v1/assets", f.tokens[medsec.RoleAdmin], body); status != 201 {
			f.f(status, resp)
		}
	}
	rep := gapTotals(t, f, f.tokens[medsec.RoleAuditor])
	if len(rep.Open) <= mhttp.GapPageSize {
		t.Fatalf("%d open items: want more than a page (%d)", len(rep.Open), mhttp.GapPageSize)
	}
	c := f.browserClient("u-auditor")
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	rows := func(page string) int { return strings.Count(page, `<td><span data-status=`) }
	first := get("/compliance?status=not-assessed")
	narrowed := 0
	for _, it := range rep.Open {
		if it.Status == medsec.AssessNotAssessed {
			narrowed++
		}
	}
	pages := (narrowed + mhttp.GapPageSize - 1) / mhttp.GapPageSize
	if n := rows(first); n != min(narrowed, mhttp.GapPageSize) {
		t.Errorf("first page lists %d items, want %d", n, min(narrowed, mhttp.GapPageSize))
	}
	if pages < 2 || !strings.Contains(first, `href="?page=2&amp;status=not-assessed"`) {
		t.Errorf("%d pages; next-page link missing or drops the filter", pages)
	}
	if !strings.Contains(first, `href="/compliance/export?format=csv&amp;status=not-assessed"`) {
		t.Error("the CSV export link drops the filter")
	}
	last := get(fmt.Sprintf("/compliance?status=not-assessed&page=%d", pages))
	if n := rows(last); n != narrowed-(pages-1)*mhttp.GapPageSize {
		t.Errorf("last page lists %d items, want %d", n, narrowed-(pages-1)*mhttp.GapPageSize)
	}
	if !strings.Contains(first, `<details open class="group"`) || !strings.Contains(first+last, fmt.Sprintf(`<td>%d</td><td>本院</td>`, f.assetHQ.ID)) {
		t.Error("groups, or the asset ID and site columns, missing")
	}
	_, csvText := f.do("GET", "/api/v1/gap/export?format=csv&status=not-assessed", f.tokens[medsec.RoleAuditor], "")
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvText, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	open := 0
	for _, r := range records[1:] {
		if r[7] == "Not assessed" {
			open++
		} else if r[7] != "not counted" && !strings.HasPrefix(r[7], "automatic check fails") {
			t.Errorf("filtered export holds %q", r)
		}
	}
	if open != narrowed {
		t.Errorf("filtered export: %d items, want %d", open, narrowed)
	}
	// The asset's controls page: each filter keeps the controls it names, a page at a time.
	status, body := f.do("GET", fmt.Sprintf("/api/v1/assets/%d/controls", f.assetHQ.ID), f.tokens[medsec.RoleAuditor], "")
	var ac medsec.AssetControls
	if err := json.Unmarshal([]byte(body), &ac); status != 200 || err != nil {
		t.Fatalf("controls: %d %v", status, err)
	}
	byDomain := map[string]int{}
	for _, c := range ac.Controls {
		byDomain[c.Domain]++
	}
	if len(byDomain) < 2 {
		t.Fatalf("domains %v: want several", byDomain)
	}
	for domain, n := range byDomain {
		page := get(fmt.Sprintf("/assets/%d/controls?domain=%s", f.assetHQ.ID, url.QueryEscape(domain)))
		if got := strings.Count(page, `<section class="control"`); got != min(n, 25) || strings.Count(page, `<details open class="group"`) != 1 {
			t.Errorf("domain %s: %d controls in %d groups, want %d in one", domain, got, strings.Count(page, `<details open class="group"`), min(n, 25))
		}
	}
	all := get(fmt.Sprintf("/assets/%d/controls", f.assetHQ.ID))
	if got := strings.Count(all, `<section class="control"`); len(ac.Controls) > 25 && got != 25 {
		t.Errorf("first page of %d controls shows %d, want 25", len(ac.Controls), got)
	}
}
