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

// TestLeadershipGeneratesReports: the hospital's leadership, who receive the yearly
// reports [003 二; 004 §4], generate and download the reports of their sites (bt16: the
// director got 403), and remain read-only otherwise: they neither set the schedules nor
// start a risk review.
func TestLeadershipGeneratesReports(t *testing.T) {
	f := newFixture(t)
	leader := f.tokens[medsec.RoleLeadership]
	status, body := f.do("POST", "/api/v1/reports", leader,
		fmt.Sprintf(`{"name":"self-inspection","site_id":%d,"period":"2026","lang":"zh-TW","format":"html"}`, f.assetHQ.SiteID))
	if status != http.StatusAccepted {
		t.Fatalf("leadership generates the self-inspection: %d %s", status, body)
	}
	var started medsec.GeneratedReport
	if err := json.Unmarshal([]byte(body), &started); err != nil {
		t.Fatal(err)
	}
	done := waitReport(t, f, started.ID, leader)
	if done.Status != medsec.ReportDone {
		t.Fatalf("done: %+v", done)
	}
	resp := f.get(fmt.Sprintf("/api/v1/reports/%d/file", done.ID), leader)
	file, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(file), "<html") {
		t.Errorf("leadership downloads: %d", resp.StatusCode)
	}
	if status, _ := f.do("PUT", fmt.Sprintf("/api/v1/reports/schedules/%d", f.assetHQ.SiteID), leader, `{"enabled":true,"lang":"en","format":"pdf"}`); status != http.StatusForbidden {
		t.Errorf("leadership sets the schedule: %d, want 403", status)
	}
	if status, _ := f.do("POST", "/api/v1/risk-reviews", leader, fmt.Sprintf(`{"site_id":%d,"year":2026}`, f.assetHQ.SiteID)); status != http.StatusForbidden {
		t.Errorf("leadership starts a risk review: %d, want 403", status)
	}
}
