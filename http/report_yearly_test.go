package http_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/report"
)

// TestReportYearlyRefusesMonth: a yearly report (self-inspection, CRL review, risk review,
// data security) asked for a month is refused naming the period
// (err.report_period_yearly); a monthly ledger still takes a month (issue 16 break-test:
// a self-inspection for "2026-12" was accepted, 202).
func TestReportYearlyRefusesMonth(t *testing.T) {
	f := newFixture(t)
	so := f.tokens[medsec.RoleSecurityOfficer]
	month := time.Now().AddDate(0, -1, 0).Format("2006-01")
	for _, name := range report.Yearly {
		status, body := f.do("POST", "/api/v1/reports", so, fmt.Sprintf(`{"name":%q,"period":%q,"lang":"ja","format":"html"}`, name, month))
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"period"`) || !strings.Contains(body, "err.report_period_yearly") {
			t.Errorf("%s for %s: %d %.300s, want 422 naming the period", name, month, status, body)
		}
	}
	if status, body := f.do("POST", "/api/v1/reports", so, fmt.Sprintf(`{"name":%q,"period":%q,"lang":"ja","format":"html"}`, report.VulnLedger, month)); status != http.StatusAccepted {
		t.Errorf("vulnerability ledger for %s: %d %.300s, want accepted", month, status, body)
	}
}
