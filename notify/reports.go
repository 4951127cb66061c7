package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"medsec"
)

// ScheduledReports generates the reports of each site whose report schedule is on once
// their period has ended — the self-inspection of the last year [002 第九条], the
// vulnerability and incident ledgers of the last month [003 §5.2.1, §3.3.3] — and tells
// the site's security officers and administrators (report:admin) that each is ready. The
// dedup key carries the report, so each is told once; one whose delivery failed is told
// again at the next run.
type ScheduledReports struct {
	Reports  medsec.ReportService
	Notifier medsec.Notifier
}

// Run generates the reports due at now and notifies each. A report that failed to
// generate is returned as the error after the others were notified.
func (s *ScheduledReports) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	reports, genErr := s.Reports.EnsureScheduledReports(ctx, now)
	for _, r := range reports {
		n := medsec.Notification{Kind: medsec.KindReportReady, Severity: medsec.SeverityInfo, Key: "notify.report_ready",
			Args: []medsec.NotifyArg{key("report." + r.Name), text(r.SiteName), text(r.Period), text(r.SHA256)},
			Link: "/reports#report-" + strconv.FormatInt(r.ID, 10), Scope: medsec.NotifyScope{SiteID: r.SiteID}, Perm: medsec.PermReportAdmin,
			DedupKey: "report.ready:" + strconv.FormatInt(r.ID, 10)}
		if err := s.Notifier.Notify(ctx, n); err != nil {
			return fmt.Errorf("report %d: %w", r.ID, err)
		}
	}
	if genErr != nil {
		return fmt.Errorf("scheduled reports: %w", genErr)
	}
	return nil
}
