package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"medsec"
)

// MaintenanceRequests tells the users who may approve maintenance plans at a site
// (PermMaintenanceApprove) of each plan requested there and not yet decided [004 §10.1:
// 保守に関する手続きは、原則として事前申請・承認]. The dedup key carries the plan, so each
// request is told once. A notice cannot be withdrawn (a Notifier only delivers), so a
// decided plan is not told again and the notice says that one another approver has
// decided already needs nothing more.
type MaintenanceRequests struct {
	Plans    medsec.MaintenancePlanService
	Notifier medsec.Notifier
}

// Run tells the requests waiting for a decision.
func (m *MaintenanceRequests) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	waiting, err := m.Plans.FindMaintenancePlans(ctx, medsec.MaintenancePlanFilter{Status: medsec.MaintenanceRequested})
	if err != nil {
		return fmt.Errorf("maintenance requests: %w", err)
	}
	for _, p := range waiting {
		n := medsec.Notification{Kind: medsec.KindMaintenanceRequested, Severity: medsec.SeverityInfo, Key: "notify.maintenance_requested",
			Args: []medsec.NotifyArg{text(p.VendorName), text(strings.Join(p.AssetNames, ", ")), text(p.Start.Format("2006-01-02 15:04 UTC")),
				text(p.End.Format("2006-01-02 15:04 UTC")), text(p.RequestedBy), text(p.Purpose)},
			Link: "/accounts/maintenance#plan-" + strconv.FormatInt(p.ID, 10), Scope: medsec.NotifyScope{SiteID: p.SiteID}, Perm: medsec.PermMaintenanceApprove,
			DedupKey: "maintenance.requested:" + strconv.FormatInt(p.ID, 10)}
		if err := m.Notifier.Notify(ctx, n); err != nil {
			return fmt.Errorf("maintenance plan %d: %w", p.ID, err)
		}
	}
	return nil
}
