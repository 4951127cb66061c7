package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"medsec"
	"medsec/catalog"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestOSCALExportOfDemoValidates exports the demo hospital's assessments as OSCAL
// assessment results through the API and checks the document against NIST's OSCAL 1.1.2
// assessment-results JSON schema, and that import-ap resolves to a back-matter resource
// of the document (newcomer review D10.5: it pointed at a fragment that did not exist).
func TestOSCALExportOfDemoValidates(t *testing.T) {
	ctx := asSystem(context.Background())
	dir := t.TempDir()
	db, err := sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	as, err := newAssessmentService(db, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db),
		Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db), Discovery: sqlstore.NewDiscoveryService(db), Assessments: as}
	if loaded, _, err := loadDemo(ctx, s, "demo password for the test"); err != nil || !loaded {
		t.Fatalf("load demo: %v, %v", loaded, err)
	}
	users := s.Users.(*sqlstore.UserService)
	u := &medsec.User{Username: "oscal-auditor", Role: medsec.RoleAuditor}
	if err := users.CreateUser(ctx, u, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	token, err := users.CreateAPIToken(ctx, u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mhttp.NewServer(mhttp.Config{Services: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	for _, path := range []string{"/api/v1/assessments/oscal", "/api/v1/assessments/oscal?catalog=" + catalog.IDTaiwanBaseline} {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, data)
		}
		errs := catalog.ValidateSchema(catalog.ModelAssessmentResults, data)
		for i, e := range errs {
			if i == 20 {
				t.Errorf("%s: … %d schema errors in all", path, len(errs))
				break
			}
			t.Errorf("%s: %v", path, e)
		}
		var doc struct {
			AR struct {
				ImportAP struct {
					Href string `json:"href"`
				} `json:"import-ap"`
				Results    []json.RawMessage `json:"results"`
				BackMatter struct {
					Resources []struct {
						UUID  string `json:"uuid"`
						Title string `json:"title"`
					} `json:"resources"`
				} `json:"back-matter"`
			} `json:"assessment-results"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		target, ok := strings.CutPrefix(doc.AR.ImportAP.Href, "#")
		found := false
		for _, r := range doc.AR.BackMatter.Resources {
			found = found || (ok && r.UUID == target)
		}
		if !found {
			t.Errorf("%s: import-ap href %q resolves to no back-matter resource", path, doc.AR.ImportAP.Href)
		}
		if len(doc.AR.Results) == 0 {
			t.Errorf("%s: no results", path)
		}
	}
}
