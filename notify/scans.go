package notify

import (
	"context"
	"fmt"
	"strconv"

	"medsec"
	"time"
)

// ScanCadence tells each site when assets subject to a scan cadence (000 附表一 漏洞修補
// 高 二: yearly for boundary hosts and control systems at 高; 003 §3.2.2: monthly for core
// systems) are late — never scanned, or last scanned longer ago than the cadence allows —
// and, before that, when they are due soon. One notification per site and requirement,
// to the users who may see the site; told again when the count or the earliest due date
// changes (the dedup key carries both).
type ScanCadence struct {
	Scans    medsec.ScanScheduler
	Notifier medsec.Notifier
}

// Run raises the notifications of the schedule at the store's clock.
func (j *ScanCadence) Run(ctx context.Context, _ time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	sched, err := j.Scans.ScanSchedule(ctx, medsec.ScanScheduleFilter{})
	if err != nil {
		return fmt.Errorf("scan cadence: %w", err)
	}
	// The earliest due date of the late and of the due-soon assets of each site and
	// requirement ("never" for a late group none of which was ever scanned).
	type group struct {
		site int64
		req  string
	}
	lateDue, soonDue := map[group]string{}, map[group]string{}
	for _, d := range sched.Assets {
		g := group{d.SiteID, d.Requirement}
		due := "never"
		if !d.DueAt.IsZero() {
			due = d.DueAt.UTC().Format("2006-01-02")
		}
		switch {
		case d.State.Late():
			if have, ok := lateDue[g]; !ok || have == "never" || (due != "never" && due < have) {
				lateDue[g] = due
			}
		case d.State == medsec.ScanDueSoon:
			if have, ok := soonDue[g]; !ok || due < have {
				soonDue[g] = due
			}
		}
	}
	for _, s := range sched.Sites {
		g := group{s.SiteID, s.Requirement}
		site := strconv.FormatInt(s.SiteID, 10)
		link := "/scans/schedule?site=" + site
		args := []medsec.NotifyArg{text(s.SiteName), key("scan_req." + s.Requirement)}
		if late := s.Late(); late > 0 {
			n := medsec.Notification{Kind: medsec.KindScanOverdue, Severity: medsec.SeverityWarning, Key: "notify.scan_overdue",
				Args: append(args, text(strconv.Itoa(late)), text(strconv.Itoa(s.Never))), Link: link, Scope: medsec.NotifyScope{SiteID: s.SiteID},
				DedupKey: fmt.Sprintf("%s:%s:%s:%d:%s", medsec.KindScanOverdue, site, s.Requirement, late, lateDue[g])}
			if err := j.Notifier.Notify(ctx, n); err != nil {
				return fmt.Errorf("scan cadence %s: %w", n.DedupKey, err)
			}
		}
		if s.DueSoon > 0 {
			n := medsec.Notification{Kind: medsec.KindScanDueSoon, Severity: medsec.SeverityInfo, Key: "notify.scan_due_soon",
				Args: append(args, text(strconv.Itoa(s.DueSoon)), text(soonDue[g])), Link: link, Scope: medsec.NotifyScope{SiteID: s.SiteID},
				DedupKey: fmt.Sprintf("%s:%s:%s:%d:%s", medsec.KindScanDueSoon, site, s.Requirement, s.DueSoon, soonDue[g])}
			if err := j.Notifier.Notify(ctx, n); err != nil {
				return fmt.Errorf("scan cadence %s: %w", n.DedupKey, err)
			}
		}
	}
	return nil
}
