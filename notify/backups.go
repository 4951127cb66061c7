package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"medsec"
)

// Backups tells the people who may read a site's backups of every backup plan whose last
// job failed, that missed its backups, or whose restore test is overdue or failed [003
// §3.1.3: 每周進行恢復測試; 004 §12.2]. The dedup key carries the plan, the finding and the
// day its cause began, so each occurrence is told once and the next one again.
type Backups struct {
	Backups  medsec.BackupService
	Notifier medsec.Notifier
}

// notifiedBackupFindings are the findings that are told: those that change with time.
// The plan's own shape (copies, generations) is shown on the pages and in the checks.
var notifiedBackupFindings = map[medsec.BackupFindingKind]medsec.Severity{
	medsec.FindingBackupFailed:   medsec.SeverityWarning,
	medsec.FindingBackupMissed:   medsec.SeverityCritical,
	medsec.FindingRestoreOverdue: medsec.SeverityWarning,
	medsec.FindingRestoreFailed:  medsec.SeverityCritical,
}

// Run raises the findings of every plan, as the store's clock finds them; the scheduler's
// time is not used.
func (b *Backups) Run(ctx context.Context, _ time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	fs, err := b.Backups.BackupFindings(ctx, medsec.BackupPlanFilter{})
	if err != nil {
		return fmt.Errorf("backup findings: %w", err)
	}
	for _, f := range fs {
		sev, ok := notifiedBackupFindings[f.Kind]
		if !ok {
			continue
		}
		n := medsec.Notification{Kind: medsec.KindBackupProblem, Severity: sev, Key: "notify.backup_finding",
			Args: []medsec.NotifyArg{text(f.Holder()), text(f.PlanName), {Key: "backup_finding." + string(f.Kind)}, {Key: f.DetailKey, Args: f.DetailArgs, Text: f.Detail}, text(f.Clause)},
			Link: "/backups/" + strconv.FormatInt(f.PlanID, 10), Scope: medsec.NotifyScope{SiteID: f.SiteID}, Perm: medsec.PermBackupRead,
			DedupKey: fmt.Sprintf("backup:%d:%s:%s", f.PlanID, f.Kind, f.Since.Format("2006-01-02"))}
		if err := b.Notifier.Notify(ctx, n); err != nil {
			return fmt.Errorf("backup plan %d: %w", f.PlanID, err)
		}
	}
	return nil
}
