package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"medsec"
)

// EmergencyResets tells the people who may read a system's accounts of every use of an
// emergency account whose password change is not confirmed by its deadline [004 §11 ①:
// 非常時用ユーザアカウントが使用された場合、正常復帰後は継続使用ができないように変更すること].
// The dedup key carries the use, so each overdue reset is told once.
type EmergencyResets struct {
	Uses     medsec.EmergencyUseService
	Notifier medsec.Notifier
}

// Run raises the overdue resets (now is the scheduler's time; the service reads its own
// clock, which is the same one).
func (e *EmergencyResets) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	overdue, err := e.Uses.FindEmergencyUses(ctx, medsec.EmergencyUseFilter{Overdue: true})
	if err != nil {
		return fmt.Errorf("emergency resets: %w", err)
	}
	for _, u := range overdue {
		system := u.AssetName
		if system == "" {
			system = u.SiteName
		}
		n := medsec.Notification{Kind: medsec.KindEmergencyResetOverdue, Severity: medsec.SeverityWarning, Key: "notify.emergency_reset_overdue",
			Args: []medsec.NotifyArg{text(u.Username), text(system), text(u.UsedAt.Format("2006-01-02 15:04 UTC")), text(u.ResetDue.Format("2006-01-02 15:04 UTC"))},
			Link: "/accounts/emergency/" + strconv.FormatInt(u.ID, 10), Scope: medsec.NotifyScope{AssetID: u.AssetID, SiteID: u.SiteID}, Perm: medsec.PermAccountRead,
			DedupKey: "emergency.reset_overdue:" + strconv.FormatInt(u.ID, 10)}
		if err := e.Notifier.Notify(ctx, n); err != nil {
			return fmt.Errorf("emergency use %d: %w", u.ID, err)
		}
	}
	return nil
}
