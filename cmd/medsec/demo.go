package main

import (
	"context"
	"fmt"
	"time"

	"medsec"
	"medsec/auth"
	"medsec/demo"
	mhttp "medsec/http"
)

// loadDemo loads the demo hospital if the inventory is empty. Demo users get password, or
// a generated one that is returned to be shown once.
func loadDemo(ctx context.Context, s mhttp.Services, password string) (loaded bool, shown string, err error) {
	ctx = asSystem(ctx)
	sites, err := s.Org.FindSites(ctx)
	if err != nil || len(sites) > 0 {
		return false, "", err
	}
	if password == "" {
		token, _, err := auth.NewToken("")
		if err != nil {
			return false, "", err
		}
		password, shown = token[:16], token[:16]
	}
	d := demo.Hospital()
	siteIDs := map[string]int64{}
	for i := range d.Sites {
		site := &d.Sites[i]
		if err := s.Org.CreateSite(ctx, site); err != nil {
			return false, "", fmt.Errorf("site %s: %w", site.Code, err)
		}
		siteIDs[site.Code] = site.ID
	}
	deptIDs := map[[2]string]int64{}
	for i := range d.Departments {
		row := &d.Departments[i]
		row.Department.SiteID = siteIDs[row.Site]
		if err := s.Org.CreateDepartment(ctx, &row.Department); err != nil {
			return false, "", fmt.Errorf("department %s: %w", row.Department.Name, err)
		}
		deptIDs[[2]string{row.Site, row.Department.Name}] = row.Department.ID
	}
	for i := range d.People {
		row := &d.People[i]
		row.Person.DepartmentID = deptIDs[[2]string{row.Site, row.Department}]
		if err := s.Org.CreatePerson(ctx, &row.Person); err != nil {
			return false, "", fmt.Errorf("person %s: %w", row.Person.Name, err)
		}
	}
	vendorIDs := map[string]int64{}
	for i := range d.Vendors {
		v := &d.Vendors[i]
		if err := s.Org.CreateVendor(ctx, v); err != nil {
			return false, "", fmt.Errorf("vendor %s: %w", v.Name, err)
		}
		vendorIDs[v.Name] = v.ID
	}
	if _, err := s.Assets.ImportAssets(ctx, medsec.AssetImport{Source: "demo hospital", Rows: d.Assets}); err != nil {
		return false, "", err
	}
	if err := loadZoneDemo(ctx, s, d, siteIDs, time.Now()); err != nil {
		return false, "", fmt.Errorf("demo zones: %w", err)
	}
	if err := loadDemoAssessments(ctx, s); err != nil {
		return false, "", fmt.Errorf("demo assessments: %w", err)
	}
	for i := range d.Users {
		row := &d.Users[i]
		u := &row.User
		for _, code := range row.Sites {
			u.SiteIDs = append(u.SiteIDs, siteIDs[code])
		}
		u.VendorID = vendorIDs[row.Vendor]
		if err := s.Users.CreateUser(ctx, u, password); err != nil {
			return false, "", fmt.Errorf("user %s: %w", u.Username, err)
		}
	}
	return true, shown, nil
}
