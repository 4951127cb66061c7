package report

import (
	"strings"
	"time"

	"medsec"
)

// accessReviews is the access-review record [000 帳號管理(高) 一 定期盤點帳號並審核; 004
// §14 ④, ⑦]: the reviews of the period, campaign by campaign (a calendar quarter), each
// system with its owner, how many accounts were kept, removed or not decided, its due day
// and sign-off; then each review's accounts with the owner's decision and reason.
func (b *builder) accessReviews() error {
	if b.src.Accounts == nil {
		return medsec.Errorf(medsec.EINVALID, "This server keeps no access reviews.")
	}
	list, err := b.src.Accounts.FindAccessReviews(b.ctx, medsec.AccessReviewFilter{SiteID: b.siteID()})
	if err != nil {
		return err
	}
	sites, err := b.src.Org.FindSites(b.ctx)
	if err != nil {
		return err
	}
	siteName := map[int64]string{}
	for _, s := range sites {
		siteName[s.ID] = s.Name
	}
	loc := b.p.Now.Location()
	chart := Chart{Title: b.t("report.access_review_chart"), Sheet: b.t("report.sheet_access_chart"), Stacked: true, Series: []Series{
		{Name: b.t("report.kept"), Tone: Good}, {Name: b.t("report.removed"), Tone: Info}, {Name: b.t("report.undecided"), Tone: Warning}}}
	var rows [][]any
	var alt []string
	var details []Section
	// The list is newest first: the record reads oldest first.
	for i := len(list) - 1; i >= 0; i-- {
		s := list[i]
		if !s.PeriodStart.Before(b.p.Period.To) || !s.PeriodEnd.After(b.p.Period.From) {
			continue
		}
		r, err := b.src.Accounts.FindAccessReview(b.ctx, s.ID)
		if err != nil {
			return err
		}
		campaign := b.quarter(r.PeriodStart)
		kept, removed, undecided := 0, 0, 0
		var items [][]any
		for _, it := range r.Items {
			switch it.Decision {
			case medsec.DecisionKeep:
				kept++
			case medsec.DecisionRemove:
				removed++
			default:
				undecided++
			}
			findings := make([]string, len(it.Findings))
			for k, f := range it.Findings {
				findings[k] = b.t("acct_finding." + string(f))
			}
			enabled := b.t("accounts.no")
			if it.Enabled {
				enabled = b.t("accounts.yes")
			}
			items = append(items, []any{it.Username, b.t("account_type." + string(it.Type)), it.PersonName, enabled,
				stampOrZero(it.LastLogin, loc), strings.Join(findings, b.t("report.list_sep")), b.decision(it.Decision), it.Reason,
				b.actor(it.DecidedBy), stampOrZero(it.DecidedAt, loc)})
		}
		label := r.Holder() + " · " + campaign
		chart.Categories = append(chart.Categories, label)
		chart.Series[0].Values = append(chart.Series[0].Values, float64(kept))
		chart.Series[1].Values = append(chart.Series[1].Values, float64(removed))
		chart.Series[2].Values = append(chart.Series[2].Values, float64(undecided))
		alt = append(alt, b.t("report.alt_review_decisions", label, kept, removed, undecided))
		state := b.reviewState(r)
		signer := r.SignedByName
		if r.Status == medsec.AccessReviewSigned && r.SignedBy == 0 {
			signer = b.t("report.signed_by_system") // signed by a command run on the server
		}
		rows = append(rows, []any{campaign, r.Holder(), siteName[r.SiteID], r.OwnerName, len(r.Items), kept, removed, undecided,
			r.Due, state, signer, stampOrZero(r.SignedAt, loc)})
		details = append(details, Section{Heading: label, Landscape: true,
			Facts: []Fact{{b.t("accounts.system"), r.Holder()}, {b.t("accounts.owner"), orDash(r.OwnerName)},
				{b.t("logreview.period"), r.PeriodStart.Format(time.DateOnly) + " – " + r.PeriodEnd.AddDate(0, 0, -1).Format(time.DateOnly)},
				{b.t("logreview.due"), r.Due.Format(time.DateOnly)}, {b.t("field.status"), state.Text},
				{b.t("logreview.signed_by"), orDash(signer)}, {b.t("report.signed_at"), orDash(stampText(r.SignedAt, loc))}},
			Tables: []Table{{Title: b.t("report.access_review_accounts", label), Sheet: r.Holder() + " " + campaign, Rows: items,
				Columns: b.columns("accounts.username", 1.1, "accounts.type", 1.0, "accounts.person", 1.0, "accounts.enabled", 0.6,
					"accounts.last_login", 1.1, "accounts.findings", 1.6, "accounts.decision", 0.8, "accounts.reason", 2.0,
					"report.decided_by", 0.9, "report.decided_at", 1.1)}}})
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))
	summary := Section{Heading: b.t("report.access_reviews"), Text: []string{b.t("report.access_review_intro")}, Landscape: true,
		Tables: []Table{{Title: b.t("report.access_reviews"), Sheet: b.t("report.access_reviews"), Rows: rows,
			Columns: b.columns("report.campaign", 0.9, "accounts.system", 1.6, "field.site", 1.0, "accounts.owner", 1.0, "report.accounts", 0.7,
				"report.kept", 0.7, "report.removed", 0.7, "report.undecided", 0.7, "logreview.due", 0.9, "field.status", 0.9,
				"logreview.signed_by", 1.0, "report.signed_at", 1.1)}}}
	if len(rows) > 0 {
		summary.Charts = []Chart{chart}
	}
	b.add(summary)
	for _, s := range details {
		b.add(s)
	}
	return nil
}

// quarter names the calendar quarter (UTC, as access reviews are kept) t falls in.
func (b *builder) quarter(t time.Time) string {
	t = t.UTC()
	return b.t("report.quarter", t.Year(), (int(t.Month())-1)/3+1)
}

// decision is an access-review decision on its colour: kept, removed or not yet decided.
func (b *builder) decision(d string) Status {
	switch d {
	case medsec.DecisionKeep:
		return Status{b.t("review_decision.keep"), Good}
	case medsec.DecisionRemove:
		return Status{b.t("review_decision.remove"), Info}
	}
	return Status{b.t("report.undecided"), Warning}
}

// reviewState is a review's state: signed off, open, or open past its due day.
func (b *builder) reviewState(r *medsec.AccessReview) Status {
	switch {
	case r.Status == medsec.AccessReviewSigned:
		return Status{b.t("logreview.signed"), Good}
	case r.Overdue:
		return Status{b.t("logreview.overdue"), Severe}
	}
	return Status{b.t("logreview.open"), Warning}
}
