package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/catalog"
	"medsec/evidence"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
	"medsec/tabular"
)

// reportPages measures the yearly self-inspection report [M12] of the whole group as a
// PDF: gathering (every catalog's gap report, the asset list, findings, incidents),
// rendering, the file's size and pages, and the process's peak resident memory; beside
// its peer in the same run, the asset list alone written as CSV by package tabular (what
// an export of the same rows costs without layout).
func reportPages(ctx context.Context, db *sqlstore.DB, dir string) error {
	cs, err := catalog.Load()
	if err != nil {
		return err
	}
	files, err := evidence.Open(dir + "/evidence")
	if err != nil {
		return err
	}
	checks, err := medsec.NewCheckRegistry(medsec.InventoryChecks()...)
	if err != nil {
		return err
	}
	assessments := sqlstore.NewAssessmentService(db, cs, files, checks)
	src := report.Sources{Org: sqlstore.NewOrgService(db), Assets: sqlstore.NewAssetService(db), Assessments: assessments,
		Vulns: sqlstore.NewVulnService(db), Incidents: sqlstore.NewIncidentService(db)}
	bundle, err := i18n.Load()
	if err != nil {
		return err
	}
	taipei, _ := time.LoadLocation("Asia/Taipei")
	period, _ := report.ParsePeriod("2026", taipei)
	p := report.Params{Name: report.SelfInspection, Lang: "zh-TW", Period: period, Organization: "示範醫療體系", GeneratedBy: "bench", Now: time.Now().In(taipei)}

	start := time.Now()
	d, err := report.Build(ctx, p, src, func(k string, args ...any) string { return bundle.T("zh-TW", k, args...) })
	if err != nil {
		return err
	}
	gathered := time.Since(start)
	out, err := os.Create(dir + "/self-inspection.pdf")
	if err != nil {
		return err
	}
	defer out.Close()
	if err := report.WritePDF(out, d); err != nil {
		return err
	}
	total := time.Since(start)
	info, _ := out.Stat()

	start = time.Now()
	w := tabular.NewCSV(io.Discard)
	err = src.Assets.EachAsset(ctx, medsec.AssetFilter{Status: medsec.StatusActive}, func(a *medsec.Asset) error {
		return w.Write(strconv.FormatInt(a.ID, 10), a.Name, a.SiteName, a.DepartmentName, string(a.Kind), string(a.Class), string(a.Level),
			a.VendorName+" "+a.Model, strings.Join(a.IPs, " "), a.EndOfSupport.String(), a.ResponsibleName)
	})
	if err != nil {
		return err
	}
	w.Flush()
	peer := time.Since(start)

	fmt.Printf("self-inspection report, zh-TW PDF, %d sections, %.1f MB\n", len(d.Sections), float64(info.Size())/1e6)
	fmt.Printf("  medsec gather %8.2f s, gather+render %8.2f s\n", gathered.Seconds(), total.Seconds())
	fmt.Printf("  peer: asset list as CSV      %8.2f s\n", peer.Seconds())
	fmt.Printf("  ratio medsec/peer            %8.1f x\n", total.Seconds()/peer.Seconds())
	fmt.Printf("  peak resident memory (VmHWM) %s\n", peakMemory())
	return nil
}

// peakMemory is the process's peak resident set size from /proc/self/status (Linux).
func peakMemory() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:"))
		}
	}
	return "unknown"
}
