package http_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestReportsAccessReviewAPI works an access review of the main site's system to its
// sign-off over the API, then generates the access-review record through the reports
// API as HTML: it names the system, each account with its decision and reason, the
// signer and the state. The engineer limited to the branch generates the record of the
// branch, which holds none of it.
func TestReportsAccessReviewAPI(t *testing.T) {
	f := newFixture(t)
	admin, so := f.tokens[medsec.RoleAdmin], f.tokens[medsec.RoleSecurityOfficer]
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/v1/assets/%d/accounts/import?name=ct.csv", f.srv.URL, f.assetHQ.ID),
		strings.NewReader("username,type\nrad.tech,personal\nservice-ct,vendor\n"))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	st, body := f.do("POST", fmt.Sprintf("/api/v1/assets/%d/access-reviews", f.assetHQ.ID), admin, "")
	if resp.StatusCode != 200 || st != 201 {
		t.Fatalf("import %d, open review: %d %s", resp.StatusCode, st, body)
	}
	var rv medsec.AccessReview
	json.Unmarshal([]byte(body), &rv)
	var ds []string
	for _, it := range rv.Items {
		d, why := "keep", "CT technologist on duty"
		if it.Username == "service-ct" {
			d, why = "remove", "service contract ended"
		}
		ds = append(ds, fmt.Sprintf(`{"account_id":%d,"decision":%q,"reason":%q}`, it.AccountID, d, why))
	}
	if st, body := f.do("PUT", fmt.Sprintf("/api/v1/access-reviews/%d/decisions", rv.ID), admin, `{"decisions":[`+strings.Join(ds, ",")+`]}`); st != 200 {
		t.Fatalf("decide: %d %s", st, body)
	}
	if st, body := f.do("POST", fmt.Sprintf("/api/v1/access-reviews/%d/sign", rv.ID), admin, ""); st != 200 {
		t.Fatalf("sign: %d %s", st, body)
	}
	year := fmt.Sprint(rv.PeriodStart.Year())
	generate := func(token string, siteID int64) string {
		t.Helper()
		return generateReport(t, f, token, "access-review", siteID, year)
	}
	html := generate(so, f.assetHQ.SiteID)
	q := (int(rv.PeriodStart.Month())-1)/3 + 1
	for _, want := range []string{"Access review record", "CT-01 · " + year + " Q" + fmt.Sprint(q), "rad.tech", "CT technologist on duty",
		"service-ct", "service contract ended", ">Remove</span>", ">Keep</span>", ">Signed off</span>", "u-admin", rv.Due.Format(time.DateOnly)} {
		if !strings.Contains(html, want) {
			t.Errorf("access-review record lacks %q", want)
		}
	}
	if branch := generate(f.branchCE, f.assetBR.SiteID); strings.Contains(branch, "rad.tech") || !strings.Contains(branch, "Access review record") {
		t.Errorf("branch engineer's record shows the main site's review")
	}
}
