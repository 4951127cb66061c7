package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/sqlstore"
)

// TestScanImportOutsideScopeSaidAsANumber: a branch engineer uploading a report whose one
// host is a main-site device is told, by the API and by the page, that one host matched no
// device of its sites — a number, not the host — and the page does not send it to a
// report it may not open (issue 11: the API answered the whole report's counts, hosts 1,
// and the page redirected to the report, which is not found for the branch).
func TestScanImportOutsideScopeSaidAsANumber(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	assets := sqlstore.NewAssetService(f.db)
	a, _ := assets.FindAssetByID(ctx, f.assetHQ.ID)
	a.IPs = []string{"10.99.99.99"}
	if err := assets.UpdateAsset(ctx, a); err != nil {
		t.Fatal(err)
	}
	report := shareddata.Data(t, "scanners/openvas/defectdojo-openvas-report_detail_v2.xml")
	status, body := f.post("/api/v1/scans?name=gvm.xml", f.branchCE, "application/xml", report)
	var rep medsec.ScanReport
	if status != 201 || json.Unmarshal([]byte(body), &rep) != nil {
		t.Fatalf("branch import: %d %s", status, body)
	}
	if rep.Hosts != 0 || rep.Attached != 0 || rep.Results != 0 || rep.Findings != 0 || rep.OutsideScope != 1 {
		t.Errorf("branch importer told %s; want no host, result or finding of its own and outside_scope 1", body)
	}
	if strings.Contains(body, "10.99.99.99") || strings.Contains(body, "CT-01") {
		t.Errorf("branch importer's answer names the main-site host: %s", body)
	}

	// The page: the same report again (another copy, so not a duplicate) through the form.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "gvm-copy.xml")
	fw.Write(append(append([]byte{}, report...), '\n'))
	mw.Close()
	branch := f.session("branch-ce")
	resp, err := branch.Post(f.srv.URL+"/scans", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var flashCookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "medsec_flash" {
			flashCookie = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/scans" || flashCookie == nil {
		t.Fatalf("page import: %d to %q, flash %v; want 303 to /scans with a flash", resp.StatusCode, resp.Header.Get("Location"), flashCookie)
	}
	for lang, want := range map[string]string{"en": "1 of its hosts matched no device of your sites", "zh-TW": "其中 1 台主機", "ja": "そのうち 1 台", "zh-CN": "其中 1 台主机"} {
		req, _ := http.NewRequest("GET", f.srv.URL+"/scans", nil)
		req.AddCookie(flashCookie)
		req.AddCookie(&http.Cookie{Name: "medsec_lang", Value: lang})
		req.Header.Set("Accept-Language", lang)
		resp, err := f.session("u-auditor").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), want) {
			t.Errorf("%s: the scans page after the import does not say %q", lang, want)
		}
	}
}
