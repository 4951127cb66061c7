package notify

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"medsec"
)

// EndOfSupportWarning is how long before a device's end of support its users are told.
const EndOfSupportWarning = 90 * 24 * time.Hour

// Reminders raises the reminders of work that is due, reading the services as medsec
// itself and leaving it to the Notifier to pick recipients by role, site and vendor. The
// due rules are the services' own (the obligation calendar, assessments' next review,
// the CRL year, the asset's end of support); the dedup keys carry the due date, so that
// each occurrence is told once and the next cycle again.
type Reminders struct {
	Assessments medsec.AssessmentService
	Assets      medsec.AssetService
	Zones       medsec.ZoneService
	Org         medsec.OrgService
	Notifier    medsec.Notifier
}

// Run raises every reminder due at now.
func (r *Reminders) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	var ns []medsec.Notification
	for _, raise := range []func(context.Context, time.Time) ([]medsec.Notification, error){r.obligations, r.reviews, r.crl, r.endOfSupport} {
		got, err := raise(ctx, now)
		if err != nil {
			return err
		}
		ns = append(ns, got...)
	}
	for _, n := range ns {
		if err := r.Notifier.Notify(ctx, n); err != nil {
			return fmt.Errorf("reminder %s: %w", n.DedupKey, err)
		}
	}
	return nil
}

func text(s string) medsec.NotifyArg { return medsec.NotifyArg{Text: s} }
func key(k string) medsec.NotifyArg  { return medsec.NotifyArg{Key: k} }

// obligations: the calendar's overdue organisational obligations.
func (r *Reminders) obligations(ctx context.Context, _ time.Time) ([]medsec.Notification, error) {
	tasks, err := r.Assessments.ObligationCalendar(ctx)
	if err != nil {
		return nil, fmt.Errorf("obligation reminders: %w", err)
	}
	var out []medsec.Notification
	for _, t := range tasks {
		if !t.Overdue {
			continue
		}
		out = append(out, medsec.Notification{Kind: medsec.KindObligationOverdue, Severity: medsec.SeverityWarning,
			Key:      "notify.obligation_overdue",
			Args:     []medsec.NotifyArg{key("catalog." + t.CatalogID), text(t.ControlID), text(t.Title), text(t.TitleEn), text(t.NextDue.String())},
			Link:     "/compliance/calendar",
			DedupKey: "obligation.overdue:" + t.CatalogID + ":" + t.ControlID + ":" + t.NextDue.String()})
	}
	return out, nil
}

// reviews: current assessments whose next review date has passed.
func (r *Reminders) reviews(ctx context.Context, now time.Time) ([]medsec.Notification, error) {
	as, err := r.Assessments.FindAssessments(ctx, medsec.AssessmentFilter{})
	if err != nil {
		return nil, fmt.Errorf("review reminders: %w", err)
	}
	var out []medsec.Notification
	assets := map[int64]*medsec.Asset{}
	for _, a := range as {
		if a.NextReview.IsZero() || !a.NextReview.Before(now) {
			continue
		}
		n := medsec.Notification{Kind: medsec.KindReviewOverdue, Severity: medsec.SeverityWarning,
			DedupKey: "review.overdue:" + strconv.FormatInt(a.ID, 10) + ":" + a.NextReview.String()}
		if a.AssetID == medsec.Organisation {
			n.Key = "notify.review_overdue_org"
			n.Args = []medsec.NotifyArg{key("catalog." + a.CatalogID), text(a.ControlID), text(a.NextReview.String())}
			n.Link = "/compliance/organisation?catalog=" + a.CatalogID + "#" + a.ControlID
		} else {
			asset, ok := assets[a.AssetID]
			if !ok {
				if asset, err = r.Assets.FindAssetByID(ctx, a.AssetID); err != nil {
					return nil, fmt.Errorf("review reminders: asset %d: %w", a.AssetID, err)
				}
				assets[a.AssetID] = asset
			}
			if asset.Status != medsec.StatusActive {
				continue
			}
			n.Key = "notify.review_overdue"
			n.Args = []medsec.NotifyArg{text(asset.Name), key("catalog." + a.CatalogID), text(a.ControlID), text(a.NextReview.String())}
			n.Link = fmt.Sprintf("/assets/%d/controls", asset.ID)
			n.Scope = medsec.NotifyScope{AssetID: asset.ID, SiteID: asset.SiteID, VendorID: asset.VendorID}
		}
		out = append(out, n)
	}
	return out, nil
}

// crl: controlled devices without a cyber-risk review this year [000 §7(二)].
func (r *Reminders) crl(ctx context.Context, now time.Time) ([]medsec.Notification, error) {
	sites, err := r.Org.FindSites(ctx)
	if err != nil {
		return nil, fmt.Errorf("CRL reminders: %w", err)
	}
	year := strconv.Itoa(now.Year())
	var out []medsec.Notification
	for _, s := range sites {
		missing, err := r.Zones.MissingCRLReviews(ctx, s.ID)
		if err != nil {
			return nil, fmt.Errorf("CRL reminders: site %s: %w", s.Code, err)
		}
		for _, a := range missing {
			out = append(out, medsec.Notification{Kind: medsec.KindCRLMissing, Severity: medsec.SeverityWarning,
				Key: "notify.crl_missing", Args: []medsec.NotifyArg{text(a.Name), text(s.Name), text(year)},
				Link:     fmt.Sprintf("/assets/%d/crl", a.ID),
				Scope:    medsec.NotifyScope{AssetID: a.ID, SiteID: a.SiteID, VendorID: a.VendorID},
				DedupKey: "crl.missing:" + strconv.FormatInt(a.ID, 10) + ":" + year})
		}
	}
	return out, nil
}

// endOfSupport: active devices past their end of support, or reaching it within
// EndOfSupportWarning.
func (r *Reminders) endOfSupport(ctx context.Context, now time.Time) ([]medsec.Notification, error) {
	var out []medsec.Notification
	soon := now.Add(EndOfSupportWarning)
	const page = 5000
	for offset := 0; ; offset += page {
		assets, total, err := r.Assets.FindAssets(ctx, medsec.AssetFilter{Status: medsec.StatusActive, Sort: "end_of_support", Offset: offset, Limit: page})
		if err != nil {
			return nil, fmt.Errorf("end-of-support reminders: %w", err)
		}
		for _, a := range assets {
			if a.EndOfSupport.IsZero() || !a.EndOfSupport.Before(soon) {
				continue
			}
			n := medsec.Notification{Kind: medsec.KindEndOfSupportNear, Severity: medsec.SeverityWarning, Key: "notify.eos_near",
				Args:  []medsec.NotifyArg{text(a.Name), text(a.SiteName), text(a.EndOfSupport.String())},
				Link:  fmt.Sprintf("/assets/%d", a.ID),
				Scope: medsec.NotifyScope{AssetID: a.ID, SiteID: a.SiteID, VendorID: a.VendorID}}
			if a.EndOfSupport.Before(now) {
				n.Kind, n.Severity, n.Key = medsec.KindEndOfSupport, medsec.SeverityCritical, "notify.eos_passed"
			}
			n.DedupKey = string(n.Kind) + ":" + strconv.FormatInt(a.ID, 10) + ":" + a.EndOfSupport.String()
			out = append(out, n)
		}
		if offset+page >= total {
			return out, nil
		}
	}
}
