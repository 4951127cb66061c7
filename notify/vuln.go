package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"medsec"
)

// VulnDeadlines raises a notification for each finding past the fix deadline its site's
// policy gives it (003 §5.2.1, §3.1.2): open, not mitigated by a compensating control,
// still matched; and for each mitigated finding whose compensating control is past its
// review day (the control no longer stops the clock). Each is told once per deadline or
// review day (the dedup key carries it), to the users who may see the device.
type VulnDeadlines struct {
	Vulns    medsec.VulnService
	Notifier medsec.Notifier
}

// Run raises the notifications of the findings overdue at now.
func (j *VulnDeadlines) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	const page = medsec.MaxPageSize
	for offset := 0; ; offset += page {
		fs, total, err := j.Vulns.FindFindings(ctx, medsec.FindingFilter{Overdue: true, Offset: offset, Limit: page})
		if err != nil {
			return fmt.Errorf("vulnerability deadlines: %w", err)
		}
		for _, f := range fs {
			if f.State == medsec.FindingMitigated {
				continue // late because its control's review lapsed: told below
			}
			n := medsec.Notification{Kind: medsec.KindVulnOverdue, Severity: medsec.SeverityCritical, Key: "notify.vuln_overdue",
				Args:     []medsec.NotifyArg{text(f.CVE), text(f.AssetName), text(f.Due.UTC().Format("2006-01-02 15:04 UTC")), {Key: f.DeadlineBasis.Key(), Args: []string{strconv.Itoa(f.DeadlineBasis.Hours), strconv.Itoa(f.DeadlineBasis.PlanHours)}}},
				Link:     "/vulnerabilities/" + strconv.FormatInt(f.ID, 10),
				Scope:    medsec.NotifyScope{AssetID: f.AssetID, SiteID: f.SiteID},
				DedupKey: string(medsec.KindVulnOverdue) + ":" + strconv.FormatInt(f.ID, 10) + ":" + strconv.FormatInt(f.Due.Unix(), 10)}
			if err := j.Notifier.Notify(ctx, n); err != nil {
				return fmt.Errorf("vulnerability deadline %s: %w", n.DedupKey, err)
			}
		}
		if offset+page >= total {
			break
		}
	}
	for offset := 0; ; offset += page {
		fs, total, err := j.Vulns.FindFindings(ctx, medsec.FindingFilter{ControlReviewOverdue: true, Offset: offset, Limit: page})
		if err != nil {
			return fmt.Errorf("compensating control reviews: %w", err)
		}
		for _, f := range fs {
			review := f.ControlReviewOn.String()
			n := medsec.Notification{Kind: medsec.KindControlReviewOverdue, Severity: medsec.SeverityWarning, Key: "notify.control_review_overdue",
				Args:     []medsec.NotifyArg{text(f.CVE), text(f.AssetName), text(review), text(f.Due.UTC().Format("2006-01-02 15:04 UTC"))},
				Link:     "/vulnerabilities/" + strconv.FormatInt(f.ID, 10),
				Scope:    medsec.NotifyScope{AssetID: f.AssetID, SiteID: f.SiteID},
				DedupKey: string(medsec.KindControlReviewOverdue) + ":" + strconv.FormatInt(f.ID, 10) + ":" + review}
			if err := j.Notifier.Notify(ctx, n); err != nil {
				return fmt.Errorf("compensating control review %s: %w", n.DedupKey, err)
			}
		}
		if offset+page >= total {
			return nil
		}
	}
}
