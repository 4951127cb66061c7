package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/internal/shareddata"
	"medsec/sqlstore"
)

// TestScanTimesInSiteZone: /scans and a scan's page show the import time in the site's zone
// with its offset, as the other pages do, not the bare UTC wall time (issue 11).
func TestScanTimesInSiteZone(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	org := sqlstore.NewOrgService(f.db)
	sites, err := org.FindSites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var hq *medsec.Site
	for _, s := range sites {
		if s.ID == f.assetHQ.SiteID {
			hq = s
		}
	}
	hq.TimeZone = "Asia/Taipei"
	if err := org.UpdateSite(ctx, hq); err != nil {
		t.Fatal(err)
	}
	ce := f.tokens[medsec.RoleClinicalEngineer]
	report := shareddata.Data(t, "scanners/openvas/defectdojo-openvas-report_detail_v2.xml")
	status, body := f.post(fmt.Sprintf("/api/v1/scans?name=gvm.xml&asset=%d", f.assetHQ.ID), ce, "application/xml", report)
	var rep medsec.ScanReport
	if status != 201 || json.Unmarshal([]byte(body), &rep) != nil {
		t.Fatalf("scan import: %d %s", status, body)
	}
	taipei, _ := time.LoadLocation("Asia/Taipei")
	// html/template writes "+" as "&#43;".
	want := strings.ReplaceAll(rep.ImportedAt.In(taipei).Format("2006-01-02 15:04 -07:00"), "+", "&#43;")
	utc := rep.ImportedAt.UTC().Format("2006-01-02 15:04")
	admin := f.session("u-admin")
	for _, path := range []string{"/scans", fmt.Sprintf("/scans/%d", rep.ID)} {
		resp, err := admin.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(b)
		if !strings.Contains(page, want) {
			t.Errorf("GET %s does not show the import time %q", path, want)
		}
		if strings.Contains(page, utc+"<") || strings.Contains(page, utc+" UTC") {
			t.Errorf("GET %s shows the UTC wall time %q", path, utc)
		}
	}
}
