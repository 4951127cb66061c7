package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"medsec"
)

// LogReviews creates each site's periodic log review when its period ends and tells the
// people who may read the site's logs of every review past its due date and not signed
// off [004 §17]. The dedup key carries the review, so each overdue review is told once.
type LogReviews struct {
	Reviews  medsec.LogReviewService
	Org      medsec.OrgService
	Notifier medsec.Notifier
}

// Run creates the reviews due at now and raises the overdue ones.
func (l *LogReviews) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	if _, err := l.Reviews.EnsureLogReviews(ctx, now); err != nil {
		return fmt.Errorf("log reviews: %w", err)
	}
	overdue, err := l.Reviews.FindLogReviews(ctx, medsec.LogReviewFilter{Overdue: true})
	if err != nil {
		return fmt.Errorf("log reviews: %w", err)
	}
	sites, err := l.Org.FindSites(ctx)
	if err != nil {
		return fmt.Errorf("log reviews: %w", err)
	}
	names := map[int64]string{}
	for _, s := range sites {
		names[s.ID] = s.Name
	}
	for _, r := range overdue {
		n := medsec.Notification{Kind: medsec.KindLogReviewOverdue, Severity: medsec.SeverityWarning, Key: "notify.log_review_overdue",
			Args: []medsec.NotifyArg{text(names[r.SiteID]), text(r.PeriodStart.Format(time.DateOnly)), text(r.PeriodEnd.AddDate(0, 0, -1).Format(time.DateOnly)),
				text(r.Due.Format(time.DateOnly))},
			Link: "/logs/reviews/" + strconv.FormatInt(r.ID, 10), Scope: medsec.NotifyScope{SiteID: r.SiteID}, Perm: medsec.PermLogRead,
			DedupKey: "logs.review_overdue:" + strconv.FormatInt(r.ID, 10)}
		if err := l.Notifier.Notify(ctx, n); err != nil {
			return fmt.Errorf("log review %d: %w", r.ID, err)
		}
	}
	return nil
}
