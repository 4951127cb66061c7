package http_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"medsec"
	"medsec/account"
	"medsec/capture"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// forEachEngine runs fn on SQLite and, when MEDSEC_TEST_POSTGRES_DSN is set, on a fresh
// schema of that PostgreSQL server (else the PostgreSQL half skips and says why).
func forEachEngine(t *testing.T, fn func(t *testing.T, engine string)) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) { fn(t, engine) })
	}
}

var schemaSeq atomic.Int64

// openEngine opens an empty store on the engine, removed when the test ends.
func openEngine(t *testing.T, engine string) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "medsec.db")
	if engine == "postgres" {
		base := os.Getenv("MEDSEC_TEST_POSTGRES_DSN")
		if base == "" {
			t.Skip("PostgreSQL tests skipped: MEDSEC_TEST_POSTGRES_DSN is not set")
		}
		schema := fmt.Sprintf("medsec_http_%d_%d", os.Getpid(), schemaSeq.Add(1))
		admin, err := sql.Open("pgx", base)
		if err != nil {
			t.Fatal(err)
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE; CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("create schema: %v", err)
		}
		t.Cleanup(func() {
			if admin, err := sql.Open("pgx", base); err == nil {
				admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
				admin.Close()
			}
		})
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		dsn = u.String()
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// scopeAsset is one asset of the scope fixture with the person answerable for it.
type scopeAsset struct {
	asset  *medsec.Asset
	person *medsec.Person
}

// scopeUser is a user of the scope fixture with its API token and a browser session.
type scopeUser struct {
	user    *medsec.User
	token   string
	session string
}

// scopeFixture is a hospital of two sites (HQ and BR) and two maintenance vendors (Aurora
// and Kestrel): at each site a CT or ultrasound of Aurora, a device of Kestrel and a PACS of
// no vendor, each with its own responsible person; a member of staff answerable for no
// asset; zones, a conduit whose whitelists name the devices, a discovery run whose capture
// saw every device (its flows join the site's flows), an assessment with an evidence file
// on every asset, class decisions and CRL reviews. Users: one per role for every site (the
// vendor role for Aurora), a Kestrel vendor user, and one per role limited to BR (the
// vendor one for Aurora). Every name, address, MAC, e-mail and phone is unique, so that
// finding one in a response body means that object was shown.
type scopeFixture struct {
	t        *testing.T
	db       *sqlstore.DB
	srv      *httptest.Server
	sites    []*medsec.Site
	vendors  []*medsec.Vendor
	assets   []scopeAsset
	staff    *medsec.Person
	zones    []*medsec.Zone
	conduits []*medsec.Conduit
	runs     []*medsec.DiscoveryRun
	// evidence maps each asset's ID to the SHA-256 and name of the evidence file cited by
	// its assessment.
	evidence map[int64]medsec.Evidence
	users    []*scopeUser
	// logSources are one log source per site, each linked to the site's first asset.
	logSources []*medsec.LogSource
	// sensors are the names of one site sensor per site, by site ID.
	sensors map[int64]string
	// governance maps each site to the marks of its governance calendar and training (a
	// duty's record, a course's name) that no user of another site may see.
	governance map[int64][]string
	// backupPlans are one backup plan per asset, named for it, each with a restore test.
	backupPlans []*medsec.BackupPlan
	// systems are one clinical system per site of its assets, named for the site.
	systems []*medsec.ClinicalSystem
	// scans are one scanner report per site, of its PACS, whose result (one CVE, the same
	// at both sites) is titled for the site; the report stands in the advisories as
	// SCAN-<id>.
	scans []scopeScan
}

// scopeScan is a scanner report of the scope fixture, the asset its host is attached to
// and the words that tell of it: its file name and its result's title.
type scopeScan struct {
	report *medsec.ScanReport
	asset  *medsec.Asset
	marks  []string
}

func newScopeFixture(t *testing.T, engine string) *scopeFixture {
	t.Helper()
	db := openEngine(t, engine)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	services := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Directory: sqlstore.NewDirectoryService(db),
		Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db), Discovery: sqlstore.NewDiscoveryService(db),
		LogSources: sqlstore.NewLogSourceService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db), Vulns: sqlstore.NewVulnService(db),
		Accounts: sqlstore.NewAccountService(db), Sensors: sqlstore.NewSensorService(db), Backups: sqlstore.NewBackupService(db), Systems: sqlstore.NewClinicalSystemService(db),
		Governance: sqlstore.NewGovernanceService(db),
		Metrics:    func(w io.Writer) { io.WriteString(w, "medsec_central_batches_failed_total 0\n") }}
	services.Assessments = newAssessmentService(t, db)
	addNotify(t, &services, db)
	services.Incidents = sqlstore.NewIncidentService(db)
	addLogs(t, &services, db)
	detector := addDetection(t, &services, db)
	addReports(t, &services, db)
	f := &scopeFixture{t: t, db: db, evidence: map[int64]medsec.Evidence{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*medsec.Site{{Code: "HQ", Name: "Scope Main Campus"}, {Code: "BR", Name: "Scope Branch Campus"}} {
		must(services.Org.CreateSite(ctx, s))
		f.sites = append(f.sites, s)
	}
	for _, v := range []*medsec.Vendor{
		{Name: "Aurora Imaging Ltd", Contact: "Amy Aurora", Email: "service@aurora.example", Phone: "+886-2-5550-1001"},
		{Name: "Kestrel Devices Ltd", Contact: "Ken Kestrel", Email: "service@kestrel.example", Phone: "+886-2-5550-2002"},
	} {
		must(services.Org.CreateVendor(ctx, v))
		f.vendors = append(f.vendors, v)
	}
	depts := map[int64]*medsec.Department{}
	for _, s := range f.sites {
		d := &medsec.Department{SiteID: s.ID, Name: "Radiology " + s.Code}
		must(services.Org.CreateDepartment(ctx, d))
		depts[s.ID] = d
	}
	aurora, kestrel := f.vendors[0].ID, f.vendors[1].ID
	type spec struct {
		site   int
		vendor int64
		name   string
		kind   medsec.AssetKind
		octet  int
	}
	specs := []spec{
		{0, aurora, "HQ-CT-Aurora", medsec.KindModality, 11},
		{0, kestrel, "HQ-MR-Kestrel", medsec.KindModality, 12},
		{0, 0, "HQ-PACS-Main", medsec.KindPACS, 13},
		{1, aurora, "BR-US-Aurora", medsec.KindUltrasound, 11},
		{1, kestrel, "BR-Pump-Kestrel", medsec.KindInfusionPump, 12},
		{1, 0, "BR-PACS-Branch", medsec.KindPACS, 13},
	}
	for i, sp := range specs {
		site := f.sites[sp.site]
		p := &medsec.Person{Name: "Keeper of " + sp.name, Email: fmt.Sprintf("keeper%d@hospital.example", i+1),
			Phone: fmt.Sprintf("+886-2-7770-%04d", 3001+i), DepartmentID: depts[site.ID].ID}
		must(services.Org.CreatePerson(ctx, p))
		a := &medsec.Asset{SiteID: site.ID, DepartmentID: depts[site.ID].ID, Name: sp.name, Kind: sp.kind, VendorID: sp.vendor,
			IPs: []string{fmt.Sprintf("10.%d.0.%d", sp.site+1, sp.octet)}, MACs: []string{fmt.Sprintf("02:5c:00:%02x:00:%02x", sp.site+1, sp.octet)},
			ResponsibleID: p.ID, Class: medsec.ClassStandalone, Level: medsec.LevelModerate, Serial: fmt.Sprintf("SN-SCOPE-%d", i+1)}
		must(services.Assets.CreateAsset(ctx, a))
		f.assets = append(f.assets, scopeAsset{asset: a, person: p})
		// Each system has an account of its keeper: a user of another site or vendor
		// must not see it (GET /api/v1/accounts, the accounts page).
		imp := account.ReadAccounts([]byte("username,type,person\nuser-"+sp.name+",personal,"+p.Name+"\n"), "accounts.csv")
		imp.AssetID = a.ID
		_, err := services.Accounts.ImportAccounts(ctx, imp)
		must(err)
		// And a use of its emergency account, found by detection: a user of another
		// site must not see it (GET /api/v1/emergency-uses, the accounts pages).
		must(detector.Handle(ctx, []medsec.Event{{ID: "scope:emergency:" + sp.name, Time: time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC), SiteID: site.ID, AssetID: a.ID,
			Ref: medsec.EventRef{Type: medsec.EventRefEvent}, Fields: map[string]any{"event.category": "authentication", "event.outcome": "success", "user.name": "emergency", "host.name": sp.name}}}))
		// And a maintenance plan naming it (GET /api/v1/maintenance-plans, the plans page).
		must(services.MaintenancePlans.CreateMaintenancePlan(ctx, &medsec.MaintenancePlan{VendorID: f.vendors[0].ID, AssetIDs: []int64{a.ID}, Engineer: "Engineer " + sp.name,
			Purpose: "Service of " + sp.name, Start: time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 21, 4, 0, 0, 0, time.UTC)}))
		// And a backup plan named for it with a restore test: another site's user or
		// vendor must not see them (the backups pages and routes).
		bp := &medsec.BackupPlan{AssetID: a.ID, Name: "Backup of " + sp.name, JobName: "job-" + sp.name, FrequencyHours: 24, Generations: 7, ImmutableFrom: 3,
			Copies: []medsec.BackupCopy{{Label: "vault of " + sp.name, Medium: medsec.MediumTape, Offsite: true, Offline: true}}}
		must(services.Backups.CreateBackupPlan(ctx, bp))
		must(services.Backups.RecordRestoreTest(ctx, &medsec.RestoreTest{PlanID: bp.ID, TestedAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC),
			What: "restore of " + sp.name, Target: "standby", DurationMinutes: 30, HashMatch: medsec.Yes, Result: medsec.RestorePass, Evidence: "ticket " + sp.name}))
		f.backupPlans = append(f.backupPlans, bp)
	}
	// Each site's clinical system of its assets, named for the site: a user of another site
	// must not see it (the systems pages and routes).
	for _, st := range f.sites {
		cs := &medsec.ClinicalSystem{SiteID: st.ID, Name: "Clinical system " + st.Code + " 5521", Fallback: "paper forms of " + st.Code + " 5521", RTOHours: 4}
		for _, sa := range f.assets {
			if sa.asset.SiteID == st.ID {
				cs.Members = append(cs.Members, medsec.SystemMember{AssetID: sa.asset.ID})
				if cs.OwnerID == 0 {
					cs.OwnerID = sa.person.ID
				}
			}
		}
		must(services.Systems.CreateClinicalSystem(ctx, cs))
		f.systems = append(f.systems, cs)
	}
	// Each site's governance calendar with one duty recorded done, and a training session
	// attended by the person answerable for its first asset.
	f.governance = map[int64][]string{}
	_, err := services.Governance.EnsureGovernanceItems(ctx, time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
	must(err)
	for _, s := range f.sites {
		items, err := services.Governance.FindGovernanceItems(ctx, medsec.GovernanceFilter{SiteID: s.ID, Kind: medsec.DutyPolicyReview})
		must(err)
		record, course := "Governance record of "+s.Code+" 7731", "Training course "+s.Code+" 6624"
		_, err = services.Governance.CompleteGovernanceItem(ctx, items[0].ID, medsec.GovernanceCompletion{DoneOn: medsec.DateOf(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)),
			Record: record, Evidence: "minutes " + s.Code})
		must(err)
		var person string
		for _, sa := range f.assets {
			if sa.asset.SiteID == s.ID && person == "" {
				person = sa.person.Name
			}
		}
		_, err = services.Governance.ImportTraining(ctx, medsec.TrainingImport{Source: "training.csv", SiteID: s.ID, Rows: []medsec.TrainingRow{{Line: 2, Course: course,
			Date: medsec.DateOf(time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)), Hours: 2, Name: person}}})
		must(err)
		f.governance[s.ID] = []string{record, course}
	}
	f.staff = &medsec.Person{Name: "Chief Security Staff", Email: "ciso.staff@hospital.example", Phone: "+886-2-7770-9999", DepartmentID: depts[f.sites[0].ID].ID}
	must(services.Org.CreatePerson(ctx, f.staff))

	// Zones and a conduit per site: the imaging devices' zone, and the PACS alone in a
	// server zone whose range is the PACS's own address.
	for i, s := range f.sites {
		net := i + 1
		imaging := &medsec.Zone{SiteID: s.ID, Name: "Imaging " + s.Code, Kind: medsec.ZoneOT, Ranges: []string{fmt.Sprintf("10.%d.0.0/28", net)}}
		servers := &medsec.Zone{SiteID: s.ID, Name: "Servers " + s.Code, Kind: medsec.ZoneIntranet, Ranges: []string{fmt.Sprintf("10.%d.0.13/32", net)}}
		for _, z := range []*medsec.Zone{imaging, servers} {
			must(services.Zones.CreateZone(ctx, z))
			f.zones = append(f.zones, z)
		}
		c := &medsec.Conduit{SiteID: s.ID, Name: "DICOM " + s.Code, FromZoneID: imaging.ID, ToZoneID: servers.ID, Protocol: "tcp", Ports: "104", App: "dicom",
			Sources: []string{fmt.Sprintf("10.%d.0.11", net), fmt.Sprintf("10.%d.0.12", net)}, Destinations: []string{fmt.Sprintf("10.%d.0.13", net)},
			Controls: []medsec.ConduitControl{medsec.ControlFiltering}}
		must(services.Zones.CreateConduit(ctx, c))
		f.conduits = append(f.conduits, c)
	}

	// A discovery run per site that saw every device of the site talking to its PACS, and
	// the Kestrel device reaching the Aurora device on a port no conduit allows.
	for i, s := range f.sites {
		at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
		res := &capture.Result{Files: []capture.FileInfo{{Name: "scope-" + s.Code + ".pcap", SHA256: strings.Repeat(fmt.Sprint(i+1), 64), Size: 1000, Format: "pcap", Packets: 30}}}
		var siteAssets []*medsec.Asset
		for _, sa := range f.assets {
			if sa.asset.SiteID != s.ID {
				continue
			}
			siteAssets = append(siteAssets, sa.asset)
			res.Hosts = append(res.Hosts, capture.Host{Address: netip.MustParseAddr(sa.asset.IPs[0]), MACs: sa.asset.MACs, Protocols: []string{"dicom"},
				Identity: []capture.Fact{{Kind: capture.FactStationName, Value: "STATION-" + sa.asset.Name, Count: 1}}, FirstSeen: at, LastSeen: at})
		}
		flow := func(src, dst string, port uint16, app string) capture.Flow {
			return capture.Flow{Transport: "tcp", Client: capture.Endpoint{Address: netip.MustParseAddr(src), Port: 50000},
				Server: capture.Endpoint{Address: netip.MustParseAddr(dst), Port: port}, App: app, FirstSeen: at, LastSeen: at, ClientPackets: 5, ServerPackets: 5}
		}
		n := i + 1
		res.Flows = []capture.Flow{
			flow(fmt.Sprintf("10.%d.0.11", n), fmt.Sprintf("10.%d.0.13", n), 104, "dicom"),
			flow(fmt.Sprintf("10.%d.0.12", n), fmt.Sprintf("10.%d.0.13", n), 104, "dicom"),
			flow(fmt.Sprintf("10.%d.0.12", n), fmt.Sprintf("10.%d.0.11", n), 22, ""),
		}
		res.Summary = capture.Summary{Packets: 30, Hosts: len(res.Hosts), Flows: len(res.Flows), Start: at, End: at}
		run, err := capture.NewRun(s.ID, res, siteAssets)
		must(err)
		must(services.Discovery.CreateDiscoveryRun(ctx, run))
		f.runs = append(f.runs, run)
	}

	// An assessment with its own evidence file on every asset, a class decision and a CRL
	// review.
	for _, sa := range f.assets {
		a := sa.asset
		ev, err := services.Assessments.StoreEvidence(ctx, "report-"+a.Name+".txt", strings.NewReader("evidence of "+a.Name))
		must(err)
		f.evidence[a.ID] = ev
		must(services.Assessments.Assess(ctx, &medsec.Assessment{CatalogID: "tw-mohw-medical-baseline", ControlID: "tw-ac-1.m", AssetID: a.ID,
			Status: medsec.AssessImplemented, Notes: "checked on " + a.Name, Evidence: []medsec.Evidence{ev}}))
		if _, err := services.Zones.ProposeClass(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		must(services.Zones.CreateCRLReview(ctx, &medsec.CRLReview{AssetID: a.ID, Year: 2025, Level: medsec.CRLLow, Method: "vendor questionnaire",
			Reasons: []string{"reviewed " + a.Name}, Actions: []string{"none"}, Assessor: "assessor", Date: medsec.DateOf(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))}))
	}

	users := services.Users.(*sqlstore.UserService)
	add := func(u *medsec.User) {
		must(users.CreateUser(ctx, u, testPassword))
		token, err := users.CreateAPIToken(ctx, u.ID, "test")
		must(err)
		session, err := users.CreateSession(ctx, u.ID)
		must(err)
		f.users = append(f.users, &scopeUser{user: u, token: token, session: session})
	}
	br := f.sites[1].ID
	for _, role := range medsec.Roles {
		u := &medsec.User{Username: "all-" + string(role), Role: role}
		b := &medsec.User{Username: "br-" + string(role), Role: role, SiteIDs: []int64{br}}
		if role == medsec.RoleVendor {
			u.VendorID, b.VendorID = aurora, aurora
		}
		add(u)
		add(b)
	}
	add(&medsec.User{Username: "all-vendor-kestrel", Role: medsec.RoleVendor, VendorID: kestrel})
	for i, site := range f.sites {
		src := &medsec.LogSource{SiteID: site.ID, Name: fmt.Sprintf("Scope log source %s 4417", site.Code),
			Address: fmt.Sprintf("198.51.100.%d", 71+i), Transport: "tls"}
		_, err := services.LogSources.CreateLogSource(ctx, src, false)
		must(err)
		f.logSources = append(f.logSources, src)
	}
	f.sensors = map[int64]string{}
	for _, site := range f.sites {
		name := "scope-sensor-" + site.Code + "-5521"
		must(services.Sensors.RecordSensorHealth(ctx, site.ID, name, medsec.SensorHealth{Connected: true}))
		f.sensors[site.ID] = name
	}
	for _, sa := range f.assets {
		raiseAssetAlert(t, db, sa.asset)
	}
	for _, sa := range f.assets {
		if sa.asset.Kind != medsec.KindPACS {
			continue
		}
		file, title := "scope-weekly-"+sa.asset.Name+"-6631.nessus", "Scanner saw 6631 on "+sa.asset.Name
		rep, err := services.Scans.ImportScan(ctx, medsec.ScanImport{Format: "nessus", Scanner: "Nessus", FileName: file, SHA256: file,
			Hosts: []medsec.ScanHost{{Address: sa.asset.IPs[0], Results: []medsec.ScanResult{{ScannerID: "6631", Title: title, Severity: "high",
				CVEs: []string{"CVE-2024-6387"}, Vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"}}}}})
		must(err)
		f.scans = append(f.scans, scopeScan{report: rep, asset: sa.asset, marks: []string{file, title}})
	}

	// A self-inspection report of each site, as HTML: it names the site's assets, so a
	// user of the other site must not read it.
	for _, site := range f.sites {
		_, err := services.Reports.Generate(ctx, medsec.ReportRequest{Name: "self-inspection", SiteID: site.ID, Period: "2026", Lang: "en", Format: "html"})
		must(err)
	}

	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	must(err)
	f.srv = httptest.NewServer(srv)
	t.Cleanup(f.srv.Close)
	return f
}

// foreign returns what u must never be shown: the name, addresses and MACs of every asset
// it may not see, the person answerable for it (name, e-mail, phone), the evidence cited
// for it (file name and SHA-256); for a user limited to sites or to a vendor, the staff
// member of the main site; and for a vendor user, the other vendor's contact.
func (f *scopeFixture) foreign(u *medsec.User) []string {
	var out []string
	for _, sa := range f.assets {
		if u.CanSeeAsset(sa.asset) {
			continue
		}
		out = append(out, sa.asset.Name)
		out = append(out, sa.asset.IPs...)
		out = append(out, sa.asset.MACs...)
		out = append(out, sa.person.Name, sa.person.Email, sa.person.Phone)
		out = append(out, f.evidence[sa.asset.ID].SHA256, f.evidence[sa.asset.ID].Name)
	}
	if len(u.SiteIDs) > 0 && !slices.Contains(u.SiteIDs, f.sites[0].ID) || u.Role == medsec.RoleVendor {
		out = append(out, f.staff.Name, f.staff.Email, f.staff.Phone)
	}
	for _, src := range f.logSources {
		if !u.CanSeeSite(src.SiteID) {
			out = append(out, src.Name, src.Address)
		}
	}
	for _, cs := range f.systems {
		if !u.CanSeeSite(cs.SiteID) {
			out = append(out, cs.Name, cs.Fallback)
		}
	}
	for site, marks := range f.governance {
		if !u.CanSeeSite(site) {
			out = append(out, marks...)
		}
	}
	for site, name := range f.sensors {
		if !u.CanSeeSite(site) {
			out = append(out, name)
		}
	}
	for _, sc := range f.scans {
		if !u.CanSeeAsset(sc.asset) {
			out = append(out, sc.marks...)
		}
	}
	if u.Role == medsec.RoleVendor {
		for _, v := range f.vendors {
			if v.ID != u.VendorID {
				out = append(out, v.Name, v.Contact, v.Email, v.Phone)
			}
		}
	}
	return out
}

// own returns what u must be shown somewhere: the name, addresses and MAC of every asset
// it may see and the e-mail of the person answerable for it.
func (f *scopeFixture) own(u *medsec.User) []string {
	var out []string
	for _, sa := range f.assets {
		if u.CanSeeAsset(sa.asset) {
			out = append(out, sa.asset.Name, sa.asset.IPs[0], sa.asset.MACs[0], sa.person.Email)
		}
	}
	return out
}

// get fetches a URL as the user, by API token or, for a UI page, with its session cookie.
func (f *scopeFixture) get(u *scopeUser, path string, ui bool) (int, string) {
	f.t.Helper()
	req, err := http.NewRequest("GET", f.srv.URL+path, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if ui {
		req.AddCookie(&http.Cookie{Name: "medsec_session", Value: u.session})
	} else {
		req.Header.Set("Authorization", "Bearer "+u.token)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// uiGETRoutes reads every "GET" pattern the UI registers from the http package's sources,
// so that a new page cannot be left out of the walk.
func uiGETRoutes(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	pattern := regexp.MustCompile(`mux\.Handle(?:Func)?\("GET (/[^"]*)"`)
	var out []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range pattern.FindAllStringSubmatch(string(data), -1) {
			switch p := m[1]; {
			case p == "/login", strings.HasPrefix(p, "/static/"):
			case p == "/{$}":
				out = append(out, "/")
			default:
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	if len(out) < 25 {
		t.Fatalf("found only %d UI GET routes: the scan is broken", len(out))
	}
	return out
}

// urls expands a route pattern into the concrete URLs the walk fetches: every object ID
// of the fixture for {id}, every evidence file for {sha256}, every scan report's advisory
// for {ref}, and for pages of a site both
// sites and none, with the query parameters that select an asset, catalog or format.
func (f *scopeFixture) urls(pattern string) []string {
	var ids []string
	seen := map[int64]bool{}
	addID := func(id int64) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, fmt.Sprint(id))
		}
	}
	for _, sa := range f.assets {
		addID(sa.asset.ID)
	}
	for _, z := range f.zones {
		addID(z.ID)
	}
	for _, c := range f.conduits {
		addID(c.ID)
	}
	for _, r := range f.runs {
		addID(r.ID)
	}
	for _, src := range f.logSources {
		addID(src.ID)
	}
	for _, sc := range f.scans {
		addID(sc.report.ID)
	}
	for _, bp := range f.backupPlans {
		addID(bp.ID)
	}
	for _, cs := range f.systems {
		addID(cs.ID)
	}
	var paths []string
	switch {
	case strings.Contains(pattern, "{sha256}"):
		for _, sa := range f.assets {
			paths = append(paths, strings.ReplaceAll(pattern, "{sha256}", f.evidence[sa.asset.ID].SHA256))
		}
	case strings.Contains(pattern, "{ref}"):
		for _, sc := range f.scans {
			paths = append(paths, strings.ReplaceAll(pattern, "{ref}", fmt.Sprintf("SCAN-%d", sc.report.ID)))
		}
	case strings.Contains(pattern, "{id}"):
		for _, id := range ids {
			paths = append(paths, strings.ReplaceAll(pattern, "{id}", id))
		}
	default:
		paths = []string{pattern}
	}
	var out []string
	for _, p := range paths {
		out = append(out, p)
		if strings.Contains(pattern, "{") {
			continue
		}
		// Every list, whole: the audit trail and lists show a first page by default.
		out = append(out, p+"?limit=10000")
		for _, s := range f.sites {
			out = append(out, fmt.Sprintf("%s?site=%d", p, s.ID))
			if strings.Contains(p, "firewall") || strings.Contains(p, "export") {
				out = append(out, fmt.Sprintf("%s?site=%d&format=csv", p, s.ID))
			}
		}
		if strings.Contains(p, "assess") || strings.Contains(p, "gap") || strings.Contains(p, "compliance") {
			for _, sa := range f.assets {
				out = append(out, fmt.Sprintf("%s?asset=%d&catalog=tw-mohw-medical-baseline&control=tw-ac-1.m", p, sa.asset.ID))
			}
		}
	}
	return out
}

// TestAuthorizationEveryRouteEveryRole walks every API route as no one and as every
// user of the scope fixture (every role, for every site and limited to the branch, and
// both vendors): no token is 401, a role without the permission is 403, a role with it is
// neither; then it fetches every GET route of the API and the UI, for every object and
// site, as every user limited to sites or to a vendor and checks that no body shows an
// asset, address, MAC, person, vendor contact or evidence file the user may not see. Every
// denial (403, and a 404 for an object outside the user's scope) is in the audit trail.
func TestAuthorizationEveryRouteEveryRole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newScopeFixture(t, engine)
		ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
		audit := sqlstore.NewAuditService(f.db)
		deniedBefore := func() int {
			_, total, err := audit.FindAuditEntries(ctx, medsec.AuditFilter{Action: medsec.ActionDenied, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			return total
		}
		forbidden := 0
		for _, rt := range routeTable {
			path := strings.ReplaceAll(rt.path, "{id}", fmt.Sprint(f.assets[3].asset.ID))
			path = strings.ReplaceAll(path, "{sha256}", f.evidence[f.assets[3].asset.ID].SHA256)
			if rt.path == "/api/v1/tokens/{id}" {
				path = "/api/v1/tokens/999999" // revoking a real token would log a user out
			}
			body := ""
			if rt.method != "GET" {
				body = "{}"
			}
			t.Run(rt.method+" "+rt.path, func(t *testing.T) {
				if status, _ := doAs(t, f.srv.URL, rt.method, path, "", body); rt.public && status != 200 || !rt.public && status != 401 {
					t.Errorf("anonymous: %d", status)
				}
				if rt.public {
					return
				}
				if status, _ := doAs(t, f.srv.URL, rt.method, path, "not-a-token", body); status != 401 {
					t.Errorf("bad token: %d, want 401", status)
				}
				for _, u := range f.users {
					role := u.user.Role
					allowed := rt.perm == "" || role.Can(rt.perm)
					if strings.HasSuffix(rt.path, "/retire") && allowed {
						continue // retiring changes the fixture; TestSiteAndVendorLimits covers it
					}
					status, resp := doAs(t, f.srv.URL, rt.method, path, u.token, body)
					switch {
					case !allowed && status != http.StatusForbidden:
						t.Errorf("%s: %d, want 403", u.user.Username, status)
					case !allowed:
						forbidden++
					case status == 401 || status >= 500:
						t.Errorf("%s: %d %s", u.user.Username, status, resp)
					}
				}
			})
		}
		if got := deniedBefore(); got < forbidden || forbidden == 0 {
			t.Errorf("%d denials audited, want at least the %d refusals by role", got, forbidden)
		}

		// Content: every GET route of the API and the UI, as every scoped user.
		var apiGET []string
		for _, rt := range routeTable {
			if rt.method == "GET" && !rt.public {
				apiGET = append(apiGET, rt.path)
			}
		}
		pages := uiGETRoutes(t)
		fetched := 0
		for _, u := range f.users {
			if len(u.user.SiteIDs) == 0 && u.user.Role != medsec.RoleVendor {
				continue
			}
			bad := f.foreign(u.user)
			t.Run("content "+u.user.Username, func(t *testing.T) {
				var seen strings.Builder // every body, to check the user's own data is shown
				for _, ui := range []bool{false, true} {
					routes := apiGET
					if ui {
						routes = pages
					}
					for _, pattern := range routes {
						for _, path := range f.urls(pattern) {
							status, body := f.get(u, path, ui)
							fetched++
							if status == 200 {
								seen.WriteString(body)
							}
							if status >= 500 {
								t.Errorf("GET %s: %d", path, status)
							}
							for _, v := range bad {
								// A value the user itself put in the URL may come back (a 404 page
								// repeats the path); it says nothing the user did not know.
								if v != "" && strings.Contains(body, v) && !strings.Contains(path, v) {
									t.Errorf("GET %s (%d) shows %q, which %s may not see", path, status, v, u.user.Username)
								}
							}
						}
					}
				}
				// The walk must not pass by showing nothing: every asset of the user's
				// scope, its addresses, MAC and answerable person are shown somewhere.
				all := seen.String()
				for _, v := range f.own(u.user) {
					if !strings.Contains(all, v) {
						t.Errorf("%s is never shown %q, which it may see", u.user.Username, v)
					}
				}
			})
		}
		if fetched < 1000 {
			t.Errorf("the content walk fetched only %d pages", fetched)
		}
	})
}

// doAs sends a request with a bearer token ("" for none) and returns the status and body.
func doAs(t *testing.T, base, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestScopeDenialsAudited checks that a vendor user asking for another company's asset,
// and a user limited to the branch asking for the main site's objects, by ID, get the same
// "not found" as for an object that does not exist, and that each such attempt (and only
// those) is a permission denial in the audit trail, on both engines.
func TestScopeDenialsAudited(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newScopeFixture(t, engine)
		user := func(name string) *scopeUser {
			for _, u := range f.users {
				if u.user.Username == name {
					return u
				}
			}
			t.Fatalf("no user %s", name)
			return nil
		}
		vendor, branch := user("all-vendor"), user("br-clinical-engineer")
		kestrelCT, hqZone, hqConduit, hqRun := f.assets[1].asset.ID, f.zones[0].ID, f.conduits[0].ID, f.runs[0].ID
		hqEvidence := f.evidence[f.assets[0].asset.ID].SHA256
		tests := []struct {
			name   string
			user   *scopeUser
			path   string
			ui     bool
			want   int
			denied string // "" when no denial may be audited
		}{
			{"vendor reads another vendor's asset", vendor, fmt.Sprintf("/api/v1/assets/%d", kestrelCT), false, 404, fmt.Sprintf("asset %d", kestrelCT)},
			{"vendor opens another vendor's asset page", vendor, fmt.Sprintf("/assets/%d", kestrelCT), true, 404, fmt.Sprintf("asset %d", kestrelCT)},
			{"vendor reads another vendor's controls", vendor, fmt.Sprintf("/api/v1/assets/%d/controls", kestrelCT), false, 404, fmt.Sprintf("asset %d", kestrelCT)},
			{"vendor reads another vendor's zone placement", vendor, fmt.Sprintf("/api/v1/assets/%d/zone", kestrelCT), false, 404, fmt.Sprintf("asset %d", kestrelCT)},
			{"vendor reads a conduit", vendor, fmt.Sprintf("/api/v1/conduits/%d", hqConduit), false, 404, fmt.Sprintf("conduit %d", hqConduit)},
			{"vendor reads its own asset", vendor, fmt.Sprintf("/api/v1/assets/%d", f.assets[0].asset.ID), false, 200, ""},
			{"vendor reads an asset that does not exist", vendor, "/api/v1/assets/999999", false, 404, ""},
			{"branch user reads a main-site zone", branch, fmt.Sprintf("/api/v1/zones/%d", hqZone), false, 404, fmt.Sprintf("zone %d", hqZone)},
			{"branch user reads a main-site run", branch, fmt.Sprintf("/api/v1/discovery/%d", hqRun), false, 404, fmt.Sprintf("discovery run %d", hqRun)},
			{"branch user lists a main-site's flows", branch, fmt.Sprintf("/api/v1/flows?site=%d", f.sites[0].ID), false, 404, fmt.Sprintf("site %d", f.sites[0].ID)},
			{"branch user opens a main-site zone page", branch, fmt.Sprintf("/zones/%d", hqZone), true, 404, fmt.Sprintf("zone %d", hqZone)},
			{"branch user downloads main-site evidence", branch, "/api/v1/evidence/" + hqEvidence, false, 404, "evidence " + hqEvidence[:12]},
			{"vendor downloads another vendor's evidence", vendor, "/evidence/" + f.evidence[kestrelCT].SHA256, true, 404, "evidence " + f.evidence[kestrelCT].SHA256[:12]},
			{"vendor downloads its own asset's evidence", vendor, "/api/v1/evidence/" + f.evidence[f.assets[0].asset.ID].SHA256, false, 200, ""},
		}
		ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
		audit := sqlstore.NewAuditService(f.db)
		_, missing := f.get(vendor, "/api/v1/assets/999999", false)
		for _, tt := range tests {
			_, before, err := audit.FindAuditEntries(ctx, medsec.AuditFilter{Action: medsec.ActionDenied, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			status, body := f.get(tt.user, tt.path, tt.ui)
			if status != tt.want {
				t.Errorf("%s: %d, want %d", tt.name, status, tt.want)
			}
			if !tt.ui && tt.want == 404 && strings.Contains(tt.path, "/assets/") && body != missing {
				t.Errorf("%s: body %s differs from a missing asset's %s", tt.name, body, missing)
			}
			entries, after, err := audit.FindAuditEntries(ctx, medsec.AuditFilter{Action: medsec.ActionDenied, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.denied == "" && after != before:
				t.Errorf("%s: %d denials audited, want none", tt.name, after-before)
			case tt.denied != "" && after != before+1:
				t.Errorf("%s: %d denials audited, want 1", tt.name, after-before)
			case tt.denied != "" && (entries[0].Username != tt.user.user.Username || !strings.Contains(entries[0].Detail, tt.denied+" is outside")):
				t.Errorf("%s: audited %s %q, want %s and %q", tt.name, entries[0].Username, entries[0].Detail, tt.user.user.Username, tt.denied)
			}
		}
	})
}

// TestAssessCitingUnseenEvidence posts, as a user limited to the branch, an assessment of a
// branch asset citing the main site's evidence by its SHA-256: the answer must be the one
// for a hash of no file (no size, no name), and the file must stay out of reach.
func TestAssessCitingUnseenEvidence(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newScopeFixture(t, engine)
		var branch *scopeUser
		for _, u := range f.users {
			if u.user.Username == "br-clinical-engineer" {
				branch = u
			}
		}
		hq := f.evidence[f.assets[0].asset.ID]
		post := func(sum string) (int, string) {
			body := fmt.Sprintf(`{"catalog_id":"tw-mohw-medical-baseline","control_id":"tw-ac-1.l","asset_id":%d,"status":"implemented","evidence":[{"sha256":%q}]}`,
				f.assets[3].asset.ID, sum)
			status, resp := doAs(t, f.srv.URL, "POST", "/api/v1/assessments", branch.token, body)
			return status, strings.ReplaceAll(resp, sum, "<sum>")
		}
		wantStatus, want := post(strings.Repeat("ab", 32))
		status, got := post(hq.SHA256)
		if status != 422 || wantStatus != 422 || got != want {
			t.Errorf("citing the main site's evidence: %d %s; citing no file: %d %s", status, got, wantStatus, want)
		}
		if strings.Contains(got, fmt.Sprint(hq.Size)) || strings.Contains(got, hq.Name) {
			t.Errorf("the refusal tells the file's size or name: %s", got)
		}
		if status, _ := doAs(t, f.srv.URL, "GET", "/api/v1/evidence/"+hq.SHA256, branch.token, ""); status != 404 {
			t.Errorf("download after the attempt: %d, want 404", status)
		}
	})
}
