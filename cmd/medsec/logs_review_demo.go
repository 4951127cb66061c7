package main

import (
	"context"
	"fmt"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// loadDemoLogReviews gives the demo hospital its log reviews [004 §17]: last month's
// review of the main site, worked by the SOC analyst with the built-in patient record
// queries over last month's EMR access logs and signed off by the security officer; the
// branch's review of the month before, never done and overdue; and the branch's review of
// last month, open. It does nothing when reviews exist.
func loadDemoLogReviews(ctx context.Context, svc *sqlstore.LogReviewService, users *sqlstore.UserService, org medsec.OrgService, now time.Time) error {
	sys := asSystem(ctx)
	if have, err := svc.FindLogReviews(sys, medsec.LogReviewFilter{}); err != nil || len(have) > 0 {
		return err
	}
	sites, err := org.FindSites(sys)
	if err != nil || len(sites) < 2 {
		return err
	}
	main, branch := sites[0], sites[1]
	// The branch's review of the month before last, as its scheduler created it then.
	lastMonth := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	branchAdmin := medsec.NewContextWithUser(ctx, &medsec.User{Username: "system", Role: medsec.RoleAdmin, SiteIDs: []int64{branch.ID}})
	if _, err := svc.EnsureLogReviews(branchAdmin, lastMonth); err != nil {
		return err
	}
	if _, err := svc.EnsureLogReviews(sys, now); err != nil {
		return err
	}
	all, err := users.FindUsers(sys)
	if err != nil {
		return err
	}
	byName := map[string]*medsec.User{}
	for _, u := range all {
		byName[u.Username] = u
	}
	soc, ciso := byName["soc.wang"], byName["ciso"]
	if soc == nil || ciso == nil {
		return nil // the demo users were not made
	}
	reviews, err := svc.FindLogReviews(sys, medsec.LogReviewFilter{SiteID: main.ID})
	if err != nil || len(reviews) == 0 {
		return err
	}
	r := reviews[0]
	r, err = svc.UpdateLogReview(medsec.NewContextWithUser(ctx, soc), r.ID, medsec.LogReviewUpdate{Queries: medsec.PatientRecordAccessQueries,
		Findings: "病歷調閱皆由在職醫護人員於值班時段進行；匯出與列印均有對應轉診或申請單，抽查 10 筆相符。未發現異常存取，無需後續處置。"})
	if err != nil {
		return fmt.Errorf("demo log review: %w", err)
	}
	_, err = svc.SignLogReview(medsec.NewContextWithUser(ctx, ciso), r.ID)
	return err
}
