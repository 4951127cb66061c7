package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"medsec"
	"medsec/demo"
	mhttp "medsec/http"
	"medsec/vuln"
)

// loadDemoScanSchedule gives the demo's scan schedule something to show: the medical
// centre's monthly OpenVAS scan of its core systems, boundary hosts and control systems ran
// 12 days ago (in time); the branch hospital's last Nessus scan of its core systems ran 40
// days ago (its monthly scan, 003 §3.2.2, is overdue) and that of its boundary hosts and
// control systems 350 days ago (their yearly scan, 000 漏洞修補 高 二, is due soon).
// Each report is stored as an import is, its hosts attached by address, else by name.
func loadDemoScanSchedule(ctx context.Context, s mhttp.Services, now time.Time) error {
	if s.Scans == nil {
		return nil
	}
	sites, err := s.Org.FindSites(ctx)
	if err != nil {
		return err
	}
	core := vuln.ScanRequirement(vuln.ScanMonthly).Kinds
	yearly := vuln.ScanRequirement(vuln.ScanYearly).Classes
	for _, site := range sites {
		list, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: site.ID, Status: medsec.StatusActive, Limit: medsec.MaxPageSize})
		if err != nil {
			return err
		}
		host := func(a *medsec.Asset) medsec.ScanHost {
			if len(a.IPs) > 0 {
				return medsec.ScanHost{Address: a.IPs[0], Hostname: a.Name}
			}
			return medsec.ScanHost{Hostname: a.Name}
		}
		var coreHosts, yearlyHosts []medsec.ScanHost
		for _, a := range list {
			switch {
			case slices.Contains(core, a.Kind):
				coreHosts = append(coreHosts, host(a))
			case slices.Contains(yearly, a.Class):
				yearlyHosts = append(yearlyHosts, host(a))
			}
		}
		var reports []medsec.ScanImport
		switch site.Code {
		case demo.MainSite:
			reports = append(reports, medsec.ScanImport{Format: "openvas", Scanner: "Greenbone/OpenVAS", FileName: "MC-monthly-scan.xml",
				ScannedAt: now.AddDate(0, 0, -12), Hosts: slices.Concat(coreHosts, yearlyHosts)})
		case demo.BranchSite:
			reports = append(reports,
				medsec.ScanImport{Format: "nessus", Scanner: "Nessus", FileName: "BR-core-systems.nessus", ScannedAt: now.AddDate(0, 0, -40), Hosts: coreHosts},
				medsec.ScanImport{Format: "nessus", Scanner: "Nessus", FileName: "BR-boundary-hosts.nessus", ScannedAt: now.AddDate(0, 0, -350), Hosts: yearlyHosts})
		}
		for _, imp := range reports {
			if len(imp.Hosts) == 0 {
				continue
			}
			// No file stands behind a demo report: its digest is that of what it holds.
			sum := sha256.Sum256(fmt.Appendf(nil, "%s %s %v", imp.FileName, imp.ScannedAt.Format(time.RFC3339), imp.Hosts))
			imp.SHA256 = hex.EncodeToString(sum[:])
			if _, err := s.Scans.ImportScan(ctx, imp); err != nil {
				return fmt.Errorf("demo scan %s: %w", imp.FileName, err)
			}
		}
	}
	return nil
}
