package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/sqlstore"
)

// post sends a raw body with a bearer token and returns the status and body.
func (f *fixture) post(path, token, contentType string, body []byte) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestComponentsAPIAndPages puts the real medical device SBOM and NEMA's MDS2 form on a
// device model, a real OpenVAS report on an asset, and reads them back through the API and
// the pages, with scope and refusals.
func TestComponentsAPIAndPages(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	assets := sqlstore.NewAssetService(f.db)
	a, _ := assets.FindAssetByID(ctx, f.assetHQ.ID)
	a.Model, a.Class, a.Level = "Infusa 3", medsec.ClassControl, medsec.LevelLow
	if err := assets.UpdateAsset(ctx, a); err != nil {
		t.Fatal(err)
	}
	ce := f.tokens[medsec.RoleClinicalEngineer]
	status, body := f.do("POST", "/api/v1/models", ce, `{"vendor": "Aurora Medical Systems", "model": "Infusa 3"}`)
	var m medsec.DeviceModel
	if status != 200 || json.Unmarshal([]byte(body), &m) != nil || m.ID == 0 {
		t.Fatalf("create model: %d %s", status, body)
	}
	if status, _ := f.do("POST", "/api/v1/models", f.tokens[medsec.RoleAuditor], `{"vendor": "Aurora Medical Systems", "model": "X"}`); status != 403 {
		t.Errorf("auditor creating a model: %d", status)
	}
	sbom := shareddata.Data(t, "sbom/medical-case-study/narrow.sbom.json")
	// A model is shared by every site: a branch-limited engineer may not change it (403).
	for _, c := range []struct{ path, ct string }{{"/api/v1/models", "application/json"},
		{fmt.Sprintf("/api/v1/models/%d/sbom?name=narrow.sbom.json", m.ID), "application/vnd.cyclonedx+json"}} {
		body := sbom
		if c.ct == "application/json" {
			body = []byte(`{"vendor": "Aurora Medical Systems", "model": "Branch Pump"}`)
		}
		if status, b := f.post(c.path, f.branchCE, c.ct, body); status != 403 {
			t.Errorf("branch user POST %s: %d %.200s", c.path, status, b)
		}
	}
	status, body = f.post(fmt.Sprintf("/api/v1/models/%d/sbom?name=narrow.sbom.json", m.ID), ce, "application/vnd.cyclonedx+json", sbom)
	if status != 201 || !strings.Contains(body, `"components": 55`) {
		t.Fatalf("model SBOM: %d %s", status, body)
	}
	bad := []byte("{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.5\",\n\"components\": [{\"type\": \"library\", \"name\": \"x\", \"purl\": \"nope\"}]}")
	status, body = f.post(fmt.Sprintf("/api/v1/assets/%d/sbom?name=bad.json", f.assetHQ.ID), ce, "application/json", bad)
	if status != 422 || !strings.Contains(body, "components[0].purl") || !strings.Contains(body, "bad.json") {
		t.Errorf("bad SBOM: %d %s", status, body)
	}
	status, body = f.do("GET", fmt.Sprintf("/api/v1/assets/%d/components", f.assetHQ.ID), ce, "")
	if status != 200 || strings.Count(body, `"sbom_id"`) != 55 {
		t.Errorf("asset components: %d, %d components", status, strings.Count(body, `"sbom_id"`))
	}
	if status, _ := f.do("GET", fmt.Sprintf("/api/v1/assets/%d/components", f.assetHQ.ID), f.branchCE, ""); status != 404 {
		t.Errorf("branch user reading a main-site asset's components: %d", status)
	}
	form := shareddata.Data(t, "mds2/nema-example-mds2-worksheet-hn1-2019.xlsx")
	status, body = f.post(fmt.Sprintf("/api/v1/models/%d/mds2?name=nema.xlsx", m.ID), ce, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", form)
	if status != 201 || !strings.Contains(body, `"capability": "encryption-at-rest"`) {
		t.Fatalf("MDS2: %d %.300s", status, body)
	}
	status, body = f.do("GET", fmt.Sprintf("/api/v1/models/%d", m.ID), f.tokens[medsec.RoleVendor], "")
	if status != 200 || !strings.Contains(body, `"mds2": {`) || !strings.Contains(body, "WolfSSL") {
		t.Errorf("vendor reading its model: %d %.200s", status, body)
	}
	report := shareddata.Data(t, "scanners/openvas/defectdojo-openvas-report_detail_v2.xml")
	status, body = f.post(fmt.Sprintf("/api/v1/scans?name=gvm.xml&asset=%d", f.assetHQ.ID), ce, "application/xml", report)
	var rep medsec.ScanReport
	if status != 201 || json.Unmarshal([]byte(body), &rep) != nil || rep.Attached != 1 {
		t.Fatalf("scan import: %d %s", status, body)
	}
	status, body = f.do("GET", fmt.Sprintf("/api/v1/assets/%d/scan-results", f.assetHQ.ID), ce, "")
	if status != 200 || !strings.Contains(body, "KB5062557") {
		t.Errorf("asset scan results: %d %.200s", status, body)
	}
	if status, _ := f.do("GET", fmt.Sprintf("/api/v1/scans/%d", rep.ID), f.branchCE, ""); status != 404 {
		t.Errorf("branch user reading a main-site scan: %d", status)
	}

	// Pages.
	admin := f.session("u-admin")
	get := func(path string) (int, string) {
		resp, err := admin.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for path, want := range map[string][]string{
		"/models":                               {"Infusa 3", fmt.Sprintf("/models/%d", m.ID)},
		fmt.Sprintf("/models/%d", m.ID):         {"WolfSSL", "cpe:2.3:a:wolfssl:wolfssl:4.8.1", `data-capability="encryption-at-rest" data-status="no"`, "STCF-1 = No"},
		fmt.Sprintf("/assets/%d", f.assetHQ.ID): {`id="components"`, "WolfSSL", "KB5062557", "MDS2: manufacturer provides security updates"},
		"/scans":                                {"gvm.xml"},
		fmt.Sprintf("/compliance?asset=%d", f.assetHQ.ID): {"MDS2: manufacturer provides security updates", "CSUP-11 = No"},
		fmt.Sprintf("/scans/%d", rep.ID):                  {"10.99.99.99", "CT-01", "CVE-"},
	} {
		status, body := get(path)
		if status != 200 {
			t.Errorf("GET %s: %d", path, status)
			continue
		}
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("GET %s does not show %q", path, w)
			}
		}
	}
	// A bad upload through the page: shown again with the file, the path and the problem.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "broken.cdx.json")
	fw.Write(bad)
	mw.Close()
	resp, err := admin.Post(fmt.Sprintf("%s/models/%d/sbom", f.srv.URL, m.ID), mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "broken.cdx.json") || !strings.Contains(string(b), "components[0].purl") {
		t.Errorf("bad upload page: %d", resp.StatusCode)
	}
}
