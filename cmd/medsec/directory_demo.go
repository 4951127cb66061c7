package main

import (
	"context"

	"medsec"
	"medsec/demo"
	mhttp "medsec/http"
)

// loadDirectoryDemo stores directory login settings for the demo hospital's (invented)
// directory, switched off since no such server answers: the page shows a configuration an
// administrator would start from — a service account, StartTLS, and the groups giving the
// security officers every site, each site's clinical engineers their site, and a vendor's
// engineers that vendor's assets.
func loadDirectoryDemo(ctx context.Context, s mhttp.Services, d *demo.Data, siteIDs, vendorIDs map[string]int64) error {
	if s.Directory == nil {
		return nil
	}
	const base = "dc=demo-hospital,dc=example"
	set := medsec.DirectorySettings{URL: "ldap://ldap.demo-hospital.example", StartTLS: true, BindDN: "cn=medsec,ou=services," + base,
		BaseDN: "ou=people," + base, Mappings: []medsec.DirectoryMapping{
			{Group: "cn=medsec-security-officers,ou=groups," + base, Role: medsec.RoleSecurityOfficer, SiteIDs: []int64{}},
			{Group: "cn=clinical-engineering-main,ou=groups," + base, Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{siteIDs[d.Sites[0].Code]}},
			{Group: "cn=clinical-engineering-branch,ou=groups," + base, Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{siteIDs[d.Sites[1].Code]}},
			{Group: "cn=vendor-engineers,ou=groups," + base, Role: medsec.RoleVendor, SiteIDs: []int64{}, VendorID: vendorIDs[d.Vendors[0].Name]},
		}}
	return s.Directory.UpdateDirectorySettings(ctx, set)
}
