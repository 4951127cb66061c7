package http_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"medsec"
)

// TestAccountsAPI imports a roster and a system's accounts over the API, reads the
// findings, works an access review to its sign-off and exports the record; a vendor user
// is refused, a clinical engineer of the other site sees nothing.
func TestAccountsAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	upload := f.uploadCSV
	if st, body := upload("/api/v1/roster/import", admin, "roster.csv", "employee_no,name,status,effective\nE1,Dr Lin,left,2026-01-31\n"); st != 200 || !strings.Contains(body, `"created": 1`) {
		t.Fatalf("roster: %d %s", st, body)
	}
	path := fmt.Sprintf("/api/v1/assets/%d/accounts/import", f.assetHQ.ID)
	if st, body := upload(path, admin, "pacs.csv", "username,person,type\ndr.lin,E1,personal\nadmin,,default\n"); st != 200 || !strings.Contains(body, `"created": 2`) {
		t.Fatalf("import: %d %s", st, body)
	}
	if st, body := upload(path, admin, "bad.csv", "username,enabled\nx,maybe\n"); st != 422 || !strings.Contains(body, `"line": 2`) {
		t.Errorf("bad import: %d %s", st, body)
	}
	if st, _ := upload(path, f.tokens[medsec.RoleVendor], "pacs.csv", "username\nx\n"); st != 403 {
		t.Errorf("vendor import: %d", st)
	}
	if st, _ := upload(path, f.branchCE, "pacs.csv", "username\nx\n"); st != 404 {
		t.Errorf("other site's import: %d", st)
	}
	st, body := f.do("GET", "/api/v1/accounts/findings", admin, "")
	if st != 200 || !strings.Contains(body, `"kind": "departed"`) || !strings.Contains(body, `"kind": "default-credentials"`) || !strings.Contains(body, "000 帳號管理(中) 一") {
		t.Errorf("findings: %d %s", st, body)
	}
	if _, body := f.do("GET", "/api/v1/accounts", f.branchCE, ""); !strings.Contains(body, `"total": 0`) {
		t.Errorf("branch user's accounts: %s", body)
	}
	st, body = f.do("POST", fmt.Sprintf("/api/v1/assets/%d/access-reviews", f.assetHQ.ID), admin, "")
	if st != 201 {
		t.Fatalf("open review: %d %s", st, body)
	}
	var rv medsec.AccessReview
	json.Unmarshal([]byte(body), &rv)
	var ds []string
	for _, it := range rv.Items {
		ds = append(ds, fmt.Sprintf(`{"account_id":%d,"decision":"remove","reason":"left the hospital"}`, it.AccountID))
	}
	if st, body := f.do("PUT", fmt.Sprintf("/api/v1/access-reviews/%d/decisions", rv.ID), admin, `{"decisions":[`+strings.Join(ds, ",")+`]}`); st != 200 {
		t.Fatalf("decide: %d %s", st, body)
	}
	if st, body := f.do("POST", fmt.Sprintf("/api/v1/access-reviews/%d/sign", rv.ID), admin, ""); st != 200 || !strings.Contains(body, `"status": "signed"`) {
		t.Fatalf("sign: %d %s", st, body)
	}
	if st, _ := f.do("PUT", fmt.Sprintf("/api/v1/access-reviews/%d/decisions", rv.ID), admin, `{"decisions":[]}`); st != 409 {
		t.Errorf("decide after sign-off: %d", st)
	}
	st, body = f.do("GET", fmt.Sprintf("/api/v1/access-reviews/%d/export", rv.ID), f.tokens[medsec.RoleAuditor], "")
	if st != 200 || !strings.Contains(body, "review_id,system,period_start") || !strings.Contains(body, "dr.lin,personal,Dr Lin") || !strings.Contains(body, "left the hospital") {
		t.Errorf("export: %d %s", st, body)
	}
}

// uploadCSV posts body as the CSV file name to the API path with token, and returns the
// status and the answer.
func (f *fixture) uploadCSV(path, token, name, body string) (int, string) {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path+"?name="+name, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
