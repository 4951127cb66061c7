package main

import (
	"context"
	"fmt"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// Demo users who sign last year's risk review: the security officer (蔡宗翰, 副院長兼資安長)
// and the hospital's superintendent for the leadership.
const (
	demoRiskOfficer = "ciso"
	demoRiskLeader  = "director"
)

// loadRiskReviewDemo records each site's risk review of last year as its reviewers
// did early this year [000 §7(二); 002 第二十一条; 004 §4]: the security officer starts it
// (the risks the risk-review report found then), decides on every risk — devices without
// a review and vulnerabilities past their deadline treated by their owners by the end of
// March, compensating measures accepted for another year, open incidents treated — and
// signs; the superintendent signs for the leadership two days later. The store's clock is
// moved to those days and put back after.
func loadRiskReviewDemo(ctx context.Context, svc medsec.RiskReviewService, users medsec.UserService, org medsec.OrgService, db *sqlstore.DB, now time.Time) error {
	saved := db.Now
	defer func() { db.Now = saved }()
	ctx = asSystem(ctx)
	sites, err := org.FindSites(ctx)
	if err != nil || len(sites) == 0 {
		return fmt.Errorf("risk review demo: sites: %v", err)
	}
	list, err := users.FindUsers(ctx)
	if err != nil {
		return err
	}
	byName := map[string]*medsec.User{}
	for _, u := range list {
		byName[u.Username] = u
	}
	officer, leader := byName[demoRiskOfficer], byName[demoRiskLeader]
	if officer == nil || leader == nil {
		return fmt.Errorf("risk review demo: no demo users %s and %s", demoRiskOfficer, demoRiskLeader)
	}
	start := time.Date(now.Year(), 1, 15, 2, 0, 0, 0, time.UTC)
	if latest := now.Add(-72 * time.Hour); !start.Before(latest) {
		start = latest
	}
	at := func(t time.Time) { db.Now = func() time.Time { return t } }
	asOfficer, asLeader := medsec.NewContextWithUser(ctx, officer), medsec.NewContextWithUser(ctx, leader)

	due := func(month time.Month) medsec.Date {
		return medsec.DateOf(time.Date(now.Year(), month+1, 0, 0, 0, 0, 0, time.UTC))
	}
	for _, site := range sites {
		at(start)
		rv, err := svc.StartRiskReview(asOfficer, site.ID, now.Year()-1)
		if err != nil {
			return fmt.Errorf("risk review demo: %w", err)
		}
		if err := decideAndSignDemo(rv, svc, asOfficer, asLeader, at, start, due); err != nil {
			return fmt.Errorf("risk review demo: %s: %w", site.Name, err)
		}
	}
	return nil
}

// decideAndSignDemo decides on every risk of a demo review by its kind and signs it as
// the officer a day after start and as the leadership two days after.
func decideAndSignDemo(rv *medsec.RiskReview, svc medsec.RiskReviewService, asOfficer, asLeader context.Context, at func(time.Time), start time.Time,
	due func(time.Month) medsec.Date) error {
	var ds []medsec.RiskDecision
	for _, it := range rv.Items {
		d := medsec.RiskDecision{Seq: it.Seq}
		switch it.Kind {
		case medsec.RiskItemDevice:
			d.Decision, d.Reason, d.Owner, d.Due = medsec.RiskTreat, "去年未完成資安風險等級評估：醫工室於第一季完成評估，高風險者依評估結果改善", "林志明", due(time.March)
		case medsec.RiskItemVuln:
			d.Decision, d.Reason, d.Owner, d.Due = medsec.RiskTreat, "依原廠公告更新修補；更新前維持網段隔離與監控", "郭子豪", due(time.March)
		case medsec.RiskItemControl:
			d.Decision, d.Reason, d.Owner = medsec.RiskAccept, "補償措施經查仍有效，原廠尚無修補；接受殘餘風險一年後再檢討", "蔡宗翰"
		default:
			d.Decision, d.Reason, d.Owner, d.Due = medsec.RiskTreat, "完成事件根因分析與改善措施後結案", "王怡君", due(time.February)
		}
		ds = append(ds, d)
	}
	if len(ds) > 0 {
		at(start.Add(2 * time.Hour))
		if _, err := svc.DecideRisks(asOfficer, rv.ID, ds); err != nil {
			return err
		}
	}
	at(start.Add(24 * time.Hour))
	if _, err := svc.SignRiskReview(asOfficer, rv.ID, medsec.SignAsOfficer, ""); err != nil {
		return err
	}
	at(start.Add(48 * time.Hour))
	_, err := svc.SignRiskReview(asLeader, rv.ID, medsec.SignAsLeadership, "院長")
	return err
}
