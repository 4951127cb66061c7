package http_test

import (
	"strings"
	"testing"
)

// TestEPSSImportRefusesDuplicateRowsOnTheAPI: POST /api/v1/advisories/import reads EPSS
// through the same bounded reader as the CLI: a second row for a CVE is refused (422)
// naming the file, the line and the line of the first row; nothing is imported.
func TestEPSSImportRefusesDuplicateRowsOnTheAPI(t *testing.T) {
	f := newVulnFixture(t, nil)
	csv := "#model_version:v2025.03.14,score_date:2026-11-30T12:00:00Z\ncve,epss,percentile\nCVE-2017-12702,0.1,0.2\nCVE-2017-12702,0.9,0.99\n"
	status, body := f.api("POST", "/api/v1/advisories/import?name=dup.csv", []byte(csv))
	if status != 422 || !strings.Contains(body, "dup.csv") || !strings.Contains(body, "line 4") || !strings.Contains(body, "also on line 3") {
		t.Fatalf("duplicate EPSS rows: %d %s", status, body)
	}
}
