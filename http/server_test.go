package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/detection"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

const testPassword = "a long enough password"

// fixture is a server on a fresh SQLite store with two sites, a vendor, an asset at each
// site, and one user (with an API token) per role.
type fixture struct {
	t        *testing.T
	srv      *httptest.Server
	db       *sqlstore.DB
	tokens   map[medsec.Role]string
	assetHQ  *medsec.Asset
	assetBR  *medsec.Asset
	branchCE string // token of a clinical engineer limited to the branch
	vendorID int64
	// detection is the detection service behind the rules and alerts routes.
	detection *detection.Service
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, openEngine(t, "sqlite"))
}

// newFixtureOn builds the fixture on db, an empty store of either engine (openEngine);
// each option may change the services before the server is made.
func newFixtureOn(t *testing.T, db *sqlstore.DB, options ...func(*mhttp.Services)) *fixture {
	t.Helper()
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	var err error
	services := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Directory: sqlstore.NewDirectoryService(db), Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db), Discovery: sqlstore.NewDiscoveryService(db),
		LogSources: sqlstore.NewLogSourceService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db)}
	services.Assessments = newAssessmentService(t, db)
	services.Search = newSearchService(t, db)
	addNotify(t, &services, db)
	services.Incidents = sqlstore.NewIncidentService(db).WithEvidence(services.Assessments.(*sqlstore.AssessmentService).EvidenceFiles())
	services.Accounts = sqlstore.NewAccountService(db)
	services.Backups = sqlstore.NewBackupService(db)
	services.Systems = sqlstore.NewClinicalSystemService(db)
	services.Governance = sqlstore.NewGovernanceService(db)
	addLogs(t, &services, db)
	detector := addDetection(t, &services, db)
	addReports(t, &services, db)
	f := &fixture{t: t, db: db, tokens: map[medsec.Role]string{}, detection: detector}
	hq, br := &medsec.Site{Code: "HQ", Name: "本院"}, &medsec.Site{Code: "BR", Name: "分院"}
	for _, s := range []*medsec.Site{hq, br} {
		if err := services.Org.CreateSite(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	v := &medsec.Vendor{Name: "Aurora Medical Systems"}
	if err := services.Org.CreateVendor(ctx, v); err != nil {
		t.Fatal(err)
	}
	f.vendorID = v.ID
	f.assetHQ = &medsec.Asset{SiteID: hq.ID, Name: "CT-01", Kind: medsec.KindModality, VendorID: v.ID}
	f.assetBR = &medsec.Asset{SiteID: br.ID, Name: "CT-02", Kind: medsec.KindModality}
	for _, a := range []*medsec.Asset{f.assetHQ, f.assetBR} {
		if err := services.Assets.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	users := services.Users.(*sqlstore.UserService)
	for _, role := range medsec.Roles {
		u := &medsec.User{Username: "u-" + string(role), Role: role}
		if role == medsec.RoleVendor {
			u.VendorID = v.ID
		}
		if err := users.CreateUser(ctx, u, testPassword); err != nil {
			t.Fatal(err)
		}
		if f.tokens[role], err = users.CreateAPIToken(ctx, u.ID, "test"); err != nil {
			t.Fatal(err)
		}
	}
	ce := &medsec.User{Username: "branch-ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{br.ID}}
	if err := users.CreateUser(ctx, ce, testPassword); err != nil {
		t.Fatal(err)
	}
	f.branchCE, _ = users.CreateAPIToken(ctx, ce.ID, "test")
	for _, o := range options {
		o(&services)
	}
	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(srv)
	t.Cleanup(f.srv.Close)
	return f
}

// do sends a request with a bearer token ("" for none) and returns the status and body.
func (f *fixture) do(method, path, token, body string) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// routeTable is every API route with the permission it needs, as the OpenAPI document
// and the server must agree on.
var routeTable = []struct {
	method, path string
	perm         medsec.Permission // "" = any logged-in user
	public       bool
}{
	{"GET", "/api/v1/openapi.json", "", true},
	{"GET", "/api/v1/findings", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/findings/counts", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/findings/{id}", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/findings/{id}/analysis", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/findings/{id}/controls", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/findings/{id}/controls", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/findings/{id}/fixes", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/findings/{id}/fixes", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/findings/{id}/rescores", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/deadline-policies", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/vendor-aliases", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/vendor-aliases", medsec.PermInventoryWrite, false},
	{"DELETE", "/api/v1/vendor-aliases/{alias}", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/product-aliases", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/product-aliases", medsec.PermInventoryWrite, false},
	{"DELETE", "/api/v1/product-aliases/{id}", medsec.PermInventoryWrite, false},
	{"PUT", "/api/v1/deadline-policies/{id}", medsec.PermSiteAdmin, false},
	{"POST", "/api/v1/findings/{id}/rescores", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/fixes", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/fixes/export", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/patch-permissions", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/advisories", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/advisories/import", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/advisories/{ref}", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/advisories/{ref}/vex", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/me", "", false},
	{"GET", "/api/v1/me/tokens", "", false},
	{"POST", "/api/v1/me/tokens", "", false},
	{"DELETE", "/api/v1/tokens/{id}", "", false},
	{"GET", "/api/v1/search", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/assets", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/assets", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/assets/export", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/assets/import", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/assets/import/template", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/assets/{id}", medsec.PermInventoryRead, false},
	{"PUT", "/api/v1/assets/{id}", medsec.PermInventoryWrite, false},
	{"POST", "/api/v1/assets/{id}/retire", medsec.PermInventoryWrite, false},
	{"POST", "/api/v1/assets/bulk", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/sites", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/sites", medsec.PermSiteAdmin, false},
	{"PUT", "/api/v1/sites/{id}", medsec.PermSiteAdmin, false},
	{"POST", "/api/v1/sites/{id}/retire", medsec.PermSiteAdmin, false},
	{"GET", "/api/v1/departments", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/departments", medsec.PermInventoryWrite, false},
	{"PUT", "/api/v1/departments/{id}", medsec.PermInventoryWrite, false},
	{"DELETE", "/api/v1/departments/{id}", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/people", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/people", medsec.PermInventoryWrite, false},
	{"PUT", "/api/v1/people/{id}", medsec.PermInventoryWrite, false},
	{"DELETE", "/api/v1/people/{id}", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/vendors", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/vendors", medsec.PermInventoryWrite, false},
	{"PUT", "/api/v1/vendors/{id}", medsec.PermInventoryWrite, false},
	{"DELETE", "/api/v1/vendors/{id}", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/discovery", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/discovery", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/discovery/{id}", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/discovery/{id}/accept", medsec.PermInventoryWrite, false},
	{"POST", "/api/v1/discovery/{id}/assets", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/audit", medsec.PermAuditRead, false},
	{"GET", "/api/v1/audit/export", medsec.PermAuditRead, false},
	{"GET", "/api/v1/audit/{id}", medsec.PermAuditRead, false},
	{"GET", "/api/v1/logs/search", medsec.PermLogRead, false},
	{"GET", "/api/v1/logs/export", medsec.PermLogRead, false},
	{"GET", "/api/v1/logs/seal", medsec.PermLogRead, false},
	{"POST", "/api/v1/logs/verify", medsec.PermLogRead, false},
	{"GET", "/api/v1/users", medsec.PermUserAdmin, false},
	{"POST", "/api/v1/users", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/users/{id}", medsec.PermUserAdmin, false},
	{"PUT", "/api/v1/users/{id}", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/users/{id}/tokens", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/settings", medsec.PermUserAdmin, false},
	{"PUT", "/api/v1/settings", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/directory", medsec.PermUserAdmin, false},
	{"PUT", "/api/v1/directory", medsec.PermUserAdmin, false},
	{"POST", "/api/v1/directory/lookup", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/assessments", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/assessments", medsec.PermInventoryWrite, false},
	{"POST", "/api/v1/assessments/bulk", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/assessments/history", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/assessments/oscal", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/evidence", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/evidence/{sha256}", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/assets/{id}/controls", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/organisation/controls", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/gap", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/dashboard", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/gap/export", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/obligations", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/compliance/settings", medsec.PermInventoryRead, false},
	{"PUT", "/api/v1/compliance/settings", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/zones", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/zones", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/zones/analysis", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/zones/diagram", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/zones/proposals", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/zones/firewall", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/incidents", medsec.PermIncidentRead, false},
	{"POST", "/api/v1/incidents", medsec.PermIncidentWrite, false},
	{"POST", "/api/v1/incidents/suggest", medsec.PermIncidentRead, false},
	{"POST", "/api/v1/incidents/from-alert", medsec.PermIncidentWrite, false},
	{"GET", "/api/v1/incidents/ledger", medsec.PermIncidentRead, false},
	{"GET", "/api/v1/incidents/{id}", medsec.PermIncidentRead, false},
	{"POST", "/api/v1/incidents/{id}/actions", medsec.PermIncidentWrite, false},
	{"POST", "/api/v1/incidents/{id}/evidence", medsec.PermIncidentWrite, false},
	{"GET", "/api/v1/incidents/{id}/log-records/{site}/{index}/proof", medsec.PermIncidentRead, false},
	{"GET", "/api/v1/incident-calendars", medsec.PermIncidentRead, false},
	{"GET", "/api/v1/incident-calendars/{jurisdiction}", medsec.PermIncidentRead, false},
	{"PUT", "/api/v1/incident-calendars/{jurisdiction}", medsec.PermIncidentAdmin, false},
	{"PUT", "/api/v1/sites/{id}/jurisdiction", medsec.PermSiteAdmin, false},
	{"GET", "/api/v1/zones/{id}", medsec.PermInventoryRead, false},
	{"PUT", "/api/v1/zones/{id}", medsec.PermInventoryWrite, false},
	{"DELETE", "/api/v1/zones/{id}", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/conduits", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/conduits", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/conduits/{id}", medsec.PermInventoryRead, false},
	{"PUT", "/api/v1/conduits/{id}", medsec.PermInventoryWrite, false},
	{"DELETE", "/api/v1/conduits/{id}", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/flows", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/flows/import", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/assets/{id}/zone", medsec.PermInventoryRead, false},
	{"PUT", "/api/v1/assets/{id}/zone", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/assets/{id}/class", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/assets/{id}/class", medsec.PermInventoryWrite, false},
	{"POST", "/api/v1/assets/{id}/class/propose", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/assets/{id}/crl", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/assets/{id}/crl", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/crl/missing", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/me/notifications", "", false},
	{"PUT", "/api/v1/me/notifications", "", false},
	{"GET", "/api/v1/notifications/settings", medsec.PermUserAdmin, false},
	{"PUT", "/api/v1/notifications/settings", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/notifications/webhooks", medsec.PermUserAdmin, false},
	{"POST", "/api/v1/notifications/webhooks", medsec.PermUserAdmin, false},
	{"PUT", "/api/v1/notifications/webhooks/{id}", medsec.PermUserAdmin, false},
	{"DELETE", "/api/v1/notifications/webhooks/{id}", medsec.PermUserAdmin, false},
	{"POST", "/api/v1/notifications/test", medsec.PermUserAdmin, false},
	{"POST", "/api/v1/notifications/deliveries/{id}/withdraw", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/notifications/deliveries", medsec.PermUserAdmin, false},
	{"GET", "/api/v1/logs/sources", medsec.PermLogRead, false},
	{"POST", "/api/v1/logs/sources", medsec.PermLogAdmin, false},
	{"GET", "/api/v1/logs/sources/{id}", medsec.PermLogRead, false},
	{"PUT", "/api/v1/logs/sources/{id}", medsec.PermLogAdmin, false},
	{"DELETE", "/api/v1/logs/sources/{id}", medsec.PermLogAdmin, false},
	{"GET", "/api/v1/sensors", medsec.PermLogRead, false},
	{"GET", "/metrics", medsec.PermMetricsRead, false},
	{"GET", "/api/v1/accounts", medsec.PermAccountRead, false},
	{"GET", "/api/v1/accounts/findings", medsec.PermAccountRead, false},
	{"POST", "/api/v1/assets/{id}/accounts/import", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/assets/{id}/accounts/import-directory", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/systems/{id}/accounts/import", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/systems/{id}/access-reviews", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/systems/{id}/accounts/import-directory", medsec.PermAccountWrite, false},
	{"GET", "/api/v1/roster", medsec.PermAccountRead, false},
	{"POST", "/api/v1/roster/import", medsec.PermAccountWrite, false},
	{"GET", "/api/v1/access-reviews", medsec.PermAccountRead, false},
	{"POST", "/api/v1/assets/{id}/access-reviews", medsec.PermAccountWrite, false},
	{"GET", "/api/v1/access-reviews/{id}", medsec.PermAccountRead, false},
	{"PUT", "/api/v1/access-reviews/{id}/decisions", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/access-reviews/{id}/sign", medsec.PermAccountWrite, false},
	{"GET", "/api/v1/access-reviews/{id}/export", medsec.PermAccountRead, false},
	{"GET", "/api/v1/emergency-uses", medsec.PermAccountRead, false},
	{"GET", "/api/v1/emergency-uses/{id}", medsec.PermAccountRead, false},
	{"PUT", "/api/v1/emergency-uses/{id}/justification", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/emergency-uses/{id}/reset", medsec.PermAccountWrite, false},
	{"GET", "/api/v1/maintenance-plans", medsec.PermAccountRead, false},
	{"POST", "/api/v1/maintenance-plans", medsec.PermMaintenanceApprove, false},
	{"POST", "/api/v1/maintenance-requests", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/maintenance-plans/{id}/decision", medsec.PermMaintenanceApprove, false},
	{"GET", "/api/v1/duties", medsec.PermGovernanceRead, false},
	{"GET", "/api/v1/governance-items", medsec.PermGovernanceRead, false},
	{"POST", "/api/v1/governance-items/{id}/done", medsec.PermGovernanceWrite, false},
	{"POST", "/api/v1/training/import", medsec.PermGovernanceWrite, false},
	{"GET", "/api/v1/training/sessions", medsec.PermGovernanceRead, false},
	{"GET", "/api/v1/training/hours", medsec.PermGovernanceRead, false},
	{"POST", "/api/v1/training/key-roles", medsec.PermGovernanceWrite, false},
	{"GET", "/api/v1/continuity-drills", medsec.PermGovernanceRead, false},
	{"POST", "/api/v1/continuity-drills", medsec.PermGovernanceWrite, false},
	{"POST", "/api/v1/continuity-drills/{id}/result", medsec.PermGovernanceWrite, false},
	{"GET", "/api/v1/mlps-events", medsec.PermGovernanceRead, false},
	{"POST", "/api/v1/mlps-events", medsec.PermGovernanceWrite, false},
	{"GET", "/api/v1/duty-cadences", medsec.PermGovernanceRead, false},
	{"POST", "/api/v1/duty-cadences", medsec.PermGovernanceWrite, false},
	{"GET", "/api/v1/backup-plans", medsec.PermBackupRead, false},
	{"POST", "/api/v1/backup-plans", medsec.PermBackupWrite, false},
	{"GET", "/api/v1/backup-plans/{id}", medsec.PermBackupRead, false},
	{"PUT", "/api/v1/backup-plans/{id}", medsec.PermBackupWrite, false},
	{"DELETE", "/api/v1/backup-plans/{id}", medsec.PermBackupWrite, false},
	{"GET", "/api/v1/backup-plans/{id}/runs", medsec.PermBackupRead, false},
	{"POST", "/api/v1/backup-plans/{id}/restore-tests", medsec.PermBackupWrite, false},
	{"POST", "/api/v1/backup-runs/import", medsec.PermBackupWrite, false},
	{"GET", "/api/v1/restore-tests", medsec.PermBackupRead, false},
	{"GET", "/api/v1/backup-findings", medsec.PermBackupRead, false},
	{"GET", "/api/v1/backup-record", medsec.PermBackupRead, false},
	{"GET", "/api/v1/systems", medsec.PermAccountRead, false},
	{"POST", "/api/v1/systems", medsec.PermAccountWrite, false},
	{"GET", "/api/v1/systems/{id}", medsec.PermAccountRead, false},
	{"PUT", "/api/v1/systems/{id}", medsec.PermAccountWrite, false},
	{"DELETE", "/api/v1/systems/{id}", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/systems/{id}/members", medsec.PermAccountWrite, false},
	{"POST", "/api/v1/systems/import", medsec.PermAccountWrite, false},
	{"GET", "/api/v1/logs/reviews", medsec.PermLogRead, false},
	{"GET", "/api/v1/logs/reviews/{id}", medsec.PermLogRead, false},
	{"PUT", "/api/v1/logs/reviews/{id}", medsec.PermLogReview, false},
	{"POST", "/api/v1/logs/reviews/{id}/check", medsec.PermLogRead, false},
	{"POST", "/api/v1/logs/reviews/{id}/sign", medsec.PermLogReview, false},
	{"GET", "/api/v1/logs/review-schedules", medsec.PermLogRead, false},
	{"PUT", "/api/v1/logs/review-schedules/{site_id}", medsec.PermLogAdmin, false},
	{"GET", "/api/v1/logs/review-queries", medsec.PermLogRead, false},
	{"GET", "/api/v1/logs/retention", medsec.PermLogRead, false},
	{"PUT", "/api/v1/logs/retention/{class}", medsec.PermLogAdmin, false},
	{"GET", "/api/v1/logs/alerts", medsec.PermLogRead, false},
	{"GET", "/api/v1/logs/alert-thresholds", medsec.PermLogRead, false},
	{"PUT", "/api/v1/logs/alert-thresholds/{class}", medsec.PermLogAdmin, false},
	{"GET", "/api/v1/logs/verifications", medsec.PermLogRead, false},
	{"GET", "/api/v1/assets/{id}/components", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/assets/{id}/sbom", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/assets/{id}/scan-results", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/models", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/models", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/models/{id}", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/models/{id}/sbom", medsec.PermInventoryWrite, false},
	{"POST", "/api/v1/models/{id}/mds2", medsec.PermInventoryWrite, false},
	{"DELETE", "/api/v1/sboms/{id}", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/scans", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/scans", medsec.PermInventoryWrite, false},
	{"GET", "/api/v1/scans/schedule", medsec.PermInventoryRead, false},
	{"GET", "/api/v1/scans/{id}", medsec.PermInventoryRead, false},
	{"POST", "/api/v1/logs/ingest", medsec.PermLogIngest, false},
	{"GET", "/api/v1/alerts", medsec.PermAlertRead, false},
	{"GET", "/api/v1/alerts/{id}", medsec.PermAlertRead, false},
	{"PUT", "/api/v1/alerts/{id}", medsec.PermAlertWrite, false},
	{"GET", "/api/v1/alerts/{id}/assignees", medsec.PermAlertWrite, false},
	{"GET", "/api/v1/rules", medsec.PermRuleRead, false},
	{"POST", "/api/v1/rules/import", medsec.PermRuleAdmin, false},
	{"POST", "/api/v1/rules/hunt", medsec.PermRuleAdmin, false},
	{"GET", "/api/v1/rules/{id}", medsec.PermRuleRead, false},
	{"DELETE", "/api/v1/rules/{id}", medsec.PermRuleAdmin, false},
	{"PUT", "/api/v1/rules/{id}/sites/{site}", medsec.PermRuleAdmin, false},
	{"GET", "/api/v1/suppressions", medsec.PermRuleRead, false},
	{"POST", "/api/v1/suppressions", medsec.PermRuleAdmin, false},
	{"POST", "/api/v1/suppressions/{id}/expire", medsec.PermRuleAdmin, false},
	{"GET", "/api/v1/detection/settings", medsec.PermRuleRead, false},
	{"PUT", "/api/v1/detection/settings", medsec.PermRuleAdmin, false},
	{"GET", "/api/v1/detection/status", medsec.PermRuleRead, false},
	{"GET", "/api/v1/reports", medsec.PermReportRead, false},
	{"POST", "/api/v1/reports", medsec.PermReportWrite, false},
	{"GET", "/api/v1/reports/{id}", medsec.PermReportRead, false},
	{"GET", "/api/v1/reports/{id}/file", medsec.PermReportRead, false},
	{"GET", "/api/v1/reports/schedules", medsec.PermReportRead, false},
	{"PUT", "/api/v1/reports/schedules/{site_id}", medsec.PermReportAdmin, false},
	{"GET", "/api/v1/risk-reviews", medsec.PermReportRead, false},
	{"POST", "/api/v1/risk-reviews", medsec.PermReportAdmin, false},
	{"GET", "/api/v1/risk-reviews/{id}", medsec.PermReportRead, false},
	{"PUT", "/api/v1/risk-reviews/{id}/decisions", medsec.PermReportAdmin, false},
	{"POST", "/api/v1/risk-reviews/{id}/sign", medsec.PermReportRead, false},
}

// TestSiteAndVendorLimits checks that handlers enforce sites and vendor assignment, not
// only roles.
func TestSiteAndVendorLimits(t *testing.T) {
	f := newFixture(t)
	hq, br := fmt.Sprint(f.assetHQ.ID), fmt.Sprint(f.assetBR.ID)
	tests := []struct {
		name, method, path, token string
		want                      int
	}{
		{"branch user reads main-site asset", "GET", "/api/v1/assets/" + hq, f.branchCE, 404},
		{"branch user reads branch asset", "GET", "/api/v1/assets/" + br, f.branchCE, 200},
		{"branch user retires main-site asset", "POST", "/api/v1/assets/" + hq + "/retire", f.branchCE, 404},
		{"vendor reads own asset", "GET", "/api/v1/assets/" + hq, f.tokens[medsec.RoleVendor], 200},
		{"vendor reads other asset", "GET", "/api/v1/assets/" + br, f.tokens[medsec.RoleVendor], 404},
		{"auditor retires", "POST", "/api/v1/assets/" + br + "/retire", f.tokens[medsec.RoleAuditor], 403},
		{"branch user retires branch asset", "POST", "/api/v1/assets/" + br + "/retire", f.branchCE, 200},
	}
	for _, tt := range tests {
		if got, body := f.do(tt.method, tt.path, tt.token, ""); got != tt.want {
			t.Errorf("%s: %d %s, want %d", tt.name, got, body, tt.want)
		}
	}
	_, body := f.do("GET", "/api/v1/assets", f.branchCE, "")
	var page struct {
		Total int `json:"total"`
	}
	json.Unmarshal([]byte(body), &page)
	if page.Total != 1 {
		t.Errorf("branch user lists %d assets, want 1", page.Total)
	}
}

func TestAPIErrorsAreSafe(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	status, body := f.do("POST", "/api/v1/assets", admin, `{"name": "", "site_id": 1, "ips": ["10.0.0.999"]}`)
	if status != 422 || !strings.Contains(body, `"field": "ips"`) || !strings.Contains(body, `"field": "name"`) {
		t.Errorf("invalid asset: %d %s", status, body)
	}
	status, body = f.do("POST", "/api/v1/assets", admin, `{"name": "x", "nonsense": 1}`)
	if status != 422 || !strings.Contains(body, `unknown field \"nonsense\"`) || strings.Contains(body, "json:") {
		t.Errorf("unknown field: %d %s, want a plain message naming the field", status, body)
	}
	status, body = f.do("PUT", "/api/v1/assets/"+fmt.Sprint(f.assetHQ.ID), admin, `{"name": "CT-01b", "site_id": 1, "version": 99}`)
	if status != 409 {
		t.Errorf("stale version: %d %s, want 409", status, body)
	}
	status, _ = f.do("GET", "/api/v1/assets/abc", admin, "")
	if status != 404 {
		t.Errorf("bad id: %d, want 404", status)
	}
}

func TestImportAPI(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	bad := "name,kind,site,ips\nPump-1,infusion-pump,本院,10.1.1.1\nPump-2,infusion-pump,本院,10.1.1.500\n"
	req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/assets/import?name=pumps.csv", strings.NewReader(bad))
	req.Header.Set("Authorization", "Bearer "+admin)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), `"line": 3`) {
		t.Fatalf("bad import: %d %s", resp.StatusCode, b)
	}
	_, body := f.do("GET", "/api/v1/assets?q=pump", admin, "")
	if !strings.Contains(body, `"total": 0`) {
		t.Errorf("rejected import stored rows: %s", body)
	}
	good := strings.Replace(bad, "10.1.1.500", "10.1.1.5", 1)
	req, _ = http.NewRequest("POST", f.srv.URL+"/api/v1/assets/import?name=pumps.csv", strings.NewReader(good))
	req.Header.Set("Authorization", "Bearer "+admin)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"created": 2`) {
		t.Fatalf("good import: %d %s", resp.StatusCode, b)
	}
	status, csv := f.do("GET", "/api/v1/assets/export?q=pump", admin, "")
	if status != 200 || !strings.Contains(csv, "Pump-2") || !strings.Contains(csv, "10.1.1.5") {
		t.Errorf("export: %d %s", status, csv)
	}
}

func TestCrossOriginFormPostRefused(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("POST", f.srv.URL+"/login", strings.NewReader("username=u-admin&password="+testPassword))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site login post: %d, want 403", resp.StatusCode)
	}
}

func TestLoginRateLimit(t *testing.T) {
	f := newFixture(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var last int
	start := time.Now()
	for range 11 {
		resp, err := client.PostForm(f.srv.URL+"/login", map[string][]string{"username": {"nobody"}, "password": {"wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("11th attempt in %v: %d, want 429", time.Since(start), last)
	}
}
