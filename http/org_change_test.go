package http_test

import (
	"fmt"
	"strings"
	"testing"

	"medsec"
)

// TestOrgChangeAPI edits and deletes master data over the API: a vendor an asset refers to
// is refused with 409 and a message saying why; a site-limited engineer may not change a
// vendor every site shares; an unused department is deleted.
func TestOrgChangeAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	status, body := f.do("DELETE", fmt.Sprintf("/api/v1/vendors/%d", f.vendorID), admin, "")
	if status != 409 || !strings.Contains(body, "still referred to") {
		t.Errorf("delete a vendor in use: %d %s", status, body)
	}
	if status, body := f.do("PUT", fmt.Sprintf("/api/v1/vendors/%d", f.vendorID), f.branchCE, `{"name": "x"}`); status != 403 {
		t.Errorf("site-limited engineer changes a vendor: %d %s", status, body)
	}
	if status, body := f.do("PUT", fmt.Sprintf("/api/v1/vendors/%d", f.vendorID), admin, `{"name": "Aurora Medical", "email": "psirt@aurora.example"}`); status != 200 || !strings.Contains(body, "psirt@aurora.example") {
		t.Errorf("change a vendor: %d %s", status, body)
	}
	status, body = f.do("POST", "/api/v1/departments", admin, fmt.Sprintf(`{"site_id": %d, "name": "暫設科"}`, f.assetBR.SiteID))
	if status != 201 {
		t.Fatalf("create department: %d %s", status, body)
	}
	var id int64
	fmt.Sscanf(body[strings.Index(body, `"id":`)+5:], "%d", &id)
	if status, body := f.do("PUT", fmt.Sprintf("/api/v1/departments/%d", id), f.branchCE, fmt.Sprintf(`{"site_id": %d, "name": "改名科"}`, f.assetBR.SiteID)); status != 200 {
		t.Errorf("rename department: %d %s", status, body)
	}
	if status, body := f.do("DELETE", fmt.Sprintf("/api/v1/departments/%d", id), f.branchCE, ""); status != 204 {
		t.Errorf("delete unused department: %d %s", status, body)
	}
	_, audit := f.do("GET", "/api/v1/audit?object_type=department", admin, "")
	for _, action := range []string{"department.update", "department.delete"} {
		if !strings.Contains(audit, action) {
			t.Errorf("audit lacks %s", action)
		}
	}
}
