package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"medsec"
	"medsec/auth"
	"medsec/demo"
	mhttp "medsec/http"
	"medsec/mds2"
	"medsec/sbom"
	"medsec/scanreport"
	"medsec/sqlstore"
)

// checkDemoPassword applies the password policy to the demo users' password for every demo
// user, so that a refused password stops "serve --demo" before anything is loaded.
func checkDemoPassword(password string) error {
	for _, row := range demo.Hospital().Users {
		if err := auth.CheckPasswordStrength(password, row.User.Username); err != nil {
			return fmt.Errorf("MEDSEC_DEMO_PASSWORD: %w (for demo user %s)", err, row.User.Username)
		}
	}
	return nil
}

// demoLoad says what loadDemo did.
type demoLoad struct {
	// Loaded is set when the demo hospital was loaded into an empty database.
	Loaded bool
	// Users is how many demo users were created: all of them with the hospital, or those
	// missing from an earlier start (a start that failed before making them).
	Users int
	// Password is the generated password of the users created, to show once; "" when the
	// caller chose it.
	Password string
}

// loadDemo loads the demo hospital if the inventory is empty (loaded), and creates the demo
// users that do not exist yet in any case. Demo users get password, or a generated one that
// is returned (shown) to be shown once.
func loadDemo(ctx context.Context, s mhttp.Services, password string) (loaded bool, shown string, err error) {
	out, err := loadDemoAndUsers(ctx, s, password, nil)
	return out.Loaded, out.Password, err
}

// loadDemoAndUsers is loadDemo, saying also how many demo users it created. With db, the
// hospital's inventory is recorded as in use since demoInUseSince (loadDemoHospitalOn).
func loadDemoAndUsers(ctx context.Context, s mhttp.Services, password string, db *sqlstore.DB) (demoLoad, error) {
	ctx = asSystem(ctx)
	var out demoLoad
	if password == "" {
		token, _, err := auth.NewToken("")
		if err != nil {
			return out, err
		}
		password, out.Password = token[:16], token[:16]
	}
	if err := checkDemoPassword(password); err != nil {
		return out, err
	}
	sites, err := s.Org.FindSites(ctx)
	if err != nil {
		return out, err
	}
	if len(sites) > 0 {
		out.Users, err = ensureDemoUsers(ctx, s, password)
		if out.Users == 0 {
			out.Password = ""
		}
		return out, err
	}
	loaded, err := loadDemoHospitalOn(ctx, s, db)
	if err != nil {
		return out, err
	}
	out.Loaded = loaded
	if out.Users, err = ensureDemoUsers(ctx, s, password); err != nil {
		return out, err
	}
	if loaded {
		if err := signDemoAccessReview(ctx, s); err != nil {
			return out, fmt.Errorf("demo access review: %w", err)
		}
		if err := loadMaintenanceDemo(ctx, s, time.Now().UTC()); err != nil {
			return out, err
		}
	}
	return out, nil
}

// ensureDemoUsers creates the demo users that do not exist, with their sites and vendor
// found by code and name, and returns how many it created.
func ensureDemoUsers(ctx context.Context, s mhttp.Services, password string) (int, error) {
	existing, err := s.Users.FindUsers(ctx)
	if err != nil {
		return 0, err
	}
	have := map[string]bool{}
	for _, u := range existing {
		have[u.Username] = true
	}
	sites, err := s.Org.FindSites(ctx)
	if err != nil {
		return 0, err
	}
	siteIDs := map[string]int64{}
	for _, site := range sites {
		siteIDs[site.Code] = site.ID
	}
	vendors, err := s.Org.FindVendors(ctx)
	if err != nil {
		return 0, err
	}
	vendorIDs := map[string]int64{}
	for _, v := range vendors {
		vendorIDs[v.Name] = v.ID
	}
	created := 0
	for _, row := range demo.Hospital().Users {
		u := row.User
		if have[u.Username] {
			continue
		}
		for _, code := range row.Sites {
			id, ok := siteIDs[code]
			if !ok {
				return created, fmt.Errorf("user %s: no site %s", u.Username, code)
			}
			u.SiteIDs = append(u.SiteIDs, id)
		}
		if row.Vendor != "" {
			if u.VendorID = vendorIDs[row.Vendor]; u.VendorID == 0 {
				return created, fmt.Errorf("user %s: no vendor %s", u.Username, row.Vendor)
			}
		}
		if err := s.Users.CreateUser(ctx, &u, password); err != nil {
			return created, fmt.Errorf("user %s: %w", u.Username, err)
		}
		created++
	}
	return created, nil
}

// loadDemoHospital loads the demo hospital's sites, departments, people, vendors, assets,
// zones and assessments into an empty database, all recorded now.
func loadDemoHospital(ctx context.Context, s mhttp.Services) (bool, error) {
	return loadDemoHospitalOn(ctx, s, nil)
}

// demoInUseSince is when the demo hospital's sites and assets were recorded when loaded
// with its store: the start of the year three years back, so that the reports of past
// periods (last year's self-inspection and risk review), which show the assets in use
// then, hold the demo's inventory.
func demoInUseSince(now time.Time) time.Time {
	return time.Date(now.Year()-3, 1, 1, 0, 0, 0, 0, time.UTC)
}

// loadDemoHospitalOn is loadDemoHospital; with db, the organisation, the inventory, the
// zones and the devices' classes are recorded at demoInUseSince (the store's clock moved
// there and put back), the rest now.
func loadDemoHospitalOn(ctx context.Context, s mhttp.Services, db *sqlstore.DB) (bool, error) {
	past := func(bool) {} // past(true) moves the store's clock to demoInUseSince, past(false) back
	if db != nil {
		saved := db.Now
		since := demoInUseSince(saved())
		past = func(on bool) {
			db.Now = saved
			if on {
				db.Now = func() time.Time { return since }
			}
		}
	}
	restore := func() { past(false) }
	past(true)
	defer restore()
	d := demo.Hospital()
	siteIDs := map[string]int64{}
	for i := range d.Sites {
		site := &d.Sites[i]
		if err := s.Org.CreateSite(ctx, site); err != nil {
			return false, fmt.Errorf("site %s: %w", site.Code, err)
		}
		siteIDs[site.Code] = site.ID
	}
	deptIDs := map[[2]string]int64{}
	for i := range d.Departments {
		row := &d.Departments[i]
		row.Department.SiteID = siteIDs[row.Site]
		if err := s.Org.CreateDepartment(ctx, &row.Department); err != nil {
			return false, fmt.Errorf("department %s: %w", row.Department.Name, err)
		}
		deptIDs[[2]string{row.Site, row.Department.Name}] = row.Department.ID
	}
	for i := range d.People {
		row := &d.People[i]
		row.Person.DepartmentID = deptIDs[[2]string{row.Site, row.Department}]
		if err := s.Org.CreatePerson(ctx, &row.Person); err != nil {
			return false, fmt.Errorf("person %s: %w", row.Person.Name, err)
		}
	}
	vendorIDs := map[string]int64{}
	for i := range d.Vendors {
		v := &d.Vendors[i]
		if err := s.Org.CreateVendor(ctx, v); err != nil {
			return false, fmt.Errorf("vendor %s: %w", v.Name, err)
		}
		vendorIDs[v.Name] = v.ID
	}
	if _, err := s.Assets.ImportAssets(ctx, medsec.AssetImport{Source: "demo hospital", Rows: d.Assets}); err != nil {
		return false, err
	}
	// The zones and the devices' classes too (loadZoneDemo puts the clock back for the
	// yearly reviews): a class decided today would rewind the devices of every closed
	// period to no class (past periods' reports show the assets as recorded then), and
	// last year's risk review would hold no device.
	if err := loadZoneDemo(ctx, s, d, siteIDs, time.Now(), past); err != nil {
		return false, fmt.Errorf("demo zones: %w", err)
	}
	restore()
	if err := loadDemoAssessments(ctx, s); err != nil {
		return false, fmt.Errorf("demo assessments: %w", err)
	}
	if err := loadDemoLogSources(ctx, s, d, siteIDs, time.Now()); err != nil {
		return false, fmt.Errorf("demo log sources: %w", err)
	}
	if err := loadDemoComponents(ctx, s, d); err != nil {
		return false, fmt.Errorf("demo components: %w", err)
	}
	if err := loadDemoScanSchedule(ctx, s, time.Now().UTC()); err != nil {
		return false, fmt.Errorf("demo scan schedule: %w", err)
	}
	if err := loadDetectionDemo(ctx, s, siteIDs[d.Sites[0].Code], time.Now()); err != nil {
		return false, fmt.Errorf("demo detection: %w", err)
	}
	if err := loadVulnDemo(ctx, s, time.Now().UTC()); err != nil {
		return false, fmt.Errorf("demo vulnerabilities: %w", err)
	}
	if err := loadDirectoryDemo(ctx, s, d, siteIDs, vendorIDs); err != nil {
		return false, fmt.Errorf("demo directory login: %w", err)
	}
	if err := loadAccountsDemo(ctx, s, time.Now().UTC()); err != nil {
		return false, fmt.Errorf("demo accounts: %w", err)
	}
	// The systems come before the backups: the HIS is backed up as a system.
	if err := loadSystemsDemo(ctx, s); err != nil {
		return false, fmt.Errorf("demo clinical systems: %w", err)
	}
	if err := loadBackupsDemo(ctx, s, time.Now().UTC()); err != nil {
		return false, fmt.Errorf("demo backups: %w", err)
	}
	if err := loadSystemAccountsDemo(ctx, s, time.Now().UTC()); err != nil {
		return false, fmt.Errorf("demo clinical system accounts: %w", err)
	}
	if err := loadGovernanceDemo(ctx, s, siteIDs[d.Sites[0].Code], time.Now().UTC()); err != nil {
		return false, fmt.Errorf("demo governance calendar: %w", err)
	}
	return true, nil
}

// loadDemoComponents puts the demo SBOMs and MDS2 form on their device models and the demo
// scanner report on its asset, each through the reader an upload goes through.
func loadDemoComponents(ctx context.Context, s mhttp.Services, d *demo.Data) error {
	if s.Components == nil || s.Scans == nil {
		return nil
	}
	for _, row := range d.SBOMs {
		doc, err := sbom.Parse(row.Name, row.Data)
		if err != nil {
			return err
		}
		if _, err := s.Components.ImportSBOM(ctx, doc.Import(medsec.ComponentTarget{VendorName: row.Vendor, ModelName: row.Model}, row.Name, row.Data)); err != nil {
			return fmt.Errorf("SBOM %s: %w", row.Name, err)
		}
	}
	for _, row := range d.MDS2 {
		form, err := mds2.Parse(row.Name, row.Data)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(row.Data)
		if _, err := s.Components.ImportMDS2(ctx, medsec.ComponentTarget{VendorName: row.Vendor, ModelName: row.Model},
			form.Profile(0, row.Name, hex.EncodeToString(sum[:]))); err != nil {
			return fmt.Errorf("MDS2 %s: %w", row.Name, err)
		}
	}
	for _, row := range d.Scans {
		list, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{Query: row.Asset, Limit: 10})
		if err != nil {
			return err
		}
		var assetID int64
		for _, a := range list {
			if a.Name == row.Asset {
				assetID = a.ID
			}
		}
		if assetID == 0 {
			return fmt.Errorf("scan %s: no asset %s", row.Name, row.Asset)
		}
		rep, err := scanreport.Parse(row.Name, row.Data)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(row.Data)
		if _, err := s.Scans.ImportScan(ctx, rep.Import(assetID, row.Name, hex.EncodeToString(sum[:]))); err != nil {
			return fmt.Errorf("scan %s: %w", row.Name, err)
		}
	}
	return nil
}
