package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"medsec"
)

// Governance makes sure every site has the items of the current period of each duty of
// the governance calendar, then tells the people who read a site's calendar of each item
// due within medsec.GovernanceDueSoonDays (before) and of each one past due undone (late)
// [M11]. The dedup key carries the item and whether it is late, so each is told once
// before and once late.
type Governance struct {
	Governance medsec.GovernanceService
	Notifier   medsec.Notifier
}

// Run creates the period's items as of now and raises the notifications.
func (g *Governance) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	if _, err := g.Governance.EnsureGovernanceItems(ctx, now); err != nil {
		return fmt.Errorf("governance calendar: %w", err)
	}
	items, err := g.Governance.FindGovernanceItems(ctx, medsec.GovernanceFilter{})
	if err != nil {
		return fmt.Errorf("governance calendar: %w", err)
	}
	for _, it := range items {
		var msg string
		sev := medsec.SeverityInfo
		switch it.State {
		case medsec.GovernanceOverdue:
			msg, sev = "notify.governance_overdue", medsec.SeverityWarning
		case medsec.GovernanceDueSoon:
			msg = "notify.governance_due_soon"
		default:
			continue
		}
		// An event-driven item names its system beside the site [002 第六条].
		where := it.SiteName
		if it.System != "" {
			where += " · " + it.System
		}
		n := medsec.Notification{Kind: medsec.KindGovernanceDue, Severity: sev, Key: msg,
			Args:  []medsec.NotifyArg{key("duty." + string(it.Kind)), text(where), text(it.Due.String()), text(it.Clause)},
			Link:  "/governance?site=" + strconv.FormatInt(it.SiteID, 10) + "#item-" + strconv.FormatInt(it.ID, 10),
			Scope: medsec.NotifyScope{SiteID: it.SiteID}, Perm: medsec.PermGovernanceRead,
			DedupKey: fmt.Sprintf("governance:%d:%s", it.ID, it.State)}
		if err := g.Notifier.Notify(ctx, n); err != nil {
			return fmt.Errorf("governance item %d: %w", it.ID, err)
		}
	}
	return nil
}
