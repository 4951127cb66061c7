package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"medsec"
)

// LogAlerts checks log collection at each run and keeps its alerts [000 日誌處理失效之回應,
// 000 時戳, 002 第二十二条(四), 004 §17]: a registered source silent longer than its
// expected interval (its own, else its class's), a source whose clock is off beyond its
// class's limit, a storage failure (Storage), and a site whose latest seal verification
// found problems. A condition newly true raises an alert, told to the people who may read
// the site's logs (once each: the dedup key carries the alert); an alert whose condition
// is gone is resolved and that is told too. The alerts are shown on the log sources page.
type LogAlerts struct {
	Sources  medsec.LogSourceService
	Alerts   medsec.LogAlertService
	Org      medsec.OrgService
	Notifier medsec.Notifier
	// Storage returns the store's storage conditions (KindLogStorageFailure) at now; nil
	// for none.
	Storage func(now time.Time) []medsec.LogAlertCondition
}

// Run checks the conditions at now, records the alerts and tells people.
func (l *LogAlerts) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	sites, err := l.Org.FindSites(ctx)
	if err != nil {
		return fmt.Errorf("log alerts: %w", err)
	}
	names := map[int64]string{}
	for _, s := range sites {
		names[s.ID] = s.Name
	}
	conds, err := l.conditions(ctx, now, names)
	if err != nil {
		return err
	}
	_, resolved, err := l.Alerts.SyncLogAlerts(ctx, now, medsec.LogAlertKinds, conds)
	if err != nil {
		return fmt.Errorf("log alerts: %w", err)
	}
	// Every open alert is raised again: the dispatcher sends each recipient an alert once,
	// and one whose delivery failed is tried again.
	active, err := l.Alerts.FindLogAlerts(ctx, medsec.LogAlertFilter{Active: true, Limit: 1000})
	if err != nil {
		return fmt.Errorf("log alerts: %w", err)
	}
	var errs []error
	for _, a := range active {
		errs = append(errs, l.Notifier.Notify(ctx, raisedNotification(a, names)))
	}
	for _, a := range resolved {
		errs = append(errs, l.Notifier.Notify(ctx, resolvedNotification(a, names)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("log alerts: %w", err)
	}
	return nil
}

// conditions finds what holds at now.
func (l *LogAlerts) conditions(ctx context.Context, now time.Time, names map[int64]string) ([]medsec.LogAlertCondition, error) {
	limits, err := l.Alerts.LogAlertThresholds(ctx)
	if err != nil {
		return nil, fmt.Errorf("log alerts: %w", err)
	}
	byClass := map[string]medsec.LogAlertThreshold{}
	for _, t := range limits {
		byClass[t.Class] = t
	}
	srcs, err := l.Sources.FindLogSources(ctx, medsec.LogSourceFilter{})
	if err != nil {
		return nil, fmt.Errorf("log alerts: %w", err)
	}
	var out []medsec.LogAlertCondition
	for _, s := range srcs {
		t, ok := byClass[s.Class]
		if !ok {
			t = medsec.DefaultLogAlertThreshold(s.Class)
		}
		subject := "source:" + strconv.FormatInt(s.ID, 10)
		if limit := s.SilentLimit(t); !s.LastSeen.IsZero() && now.Sub(s.LastSeen) > limit {
			out = append(out, medsec.LogAlertCondition{Kind: medsec.KindLogSourceSilent, Subject: subject, SiteID: s.SiteID, SourceID: s.ID,
				Key: "source_silent", Args: []string{s.Name, s.LastSeen.UTC().Format(time.RFC3339), strconv.FormatInt(int64(limit/time.Minute), 10)}})
		}
		if s.SkewSamples > 0 && math.Abs(s.Skew) > float64(t.MaxSkew) {
			out = append(out, medsec.LogAlertCondition{Kind: medsec.KindLogClockSkew, Subject: subject, SiteID: s.SiteID, SourceID: s.ID,
				Key: "clock_skew", Args: []string{s.Name, strconv.FormatFloat(s.Skew, 'f', 1, 64), strconv.FormatInt(t.MaxSkew, 10)}})
		}
	}
	if l.Storage != nil {
		out = append(out, l.Storage(now)...)
	}
	vs, err := l.Alerts.LogVerifications(ctx)
	if err != nil {
		return nil, fmt.Errorf("log alerts: %w", err)
	}
	for _, v := range vs {
		if v.Problems == 0 {
			continue
		}
		out = append(out, medsec.LogAlertCondition{Kind: medsec.KindLogVerifyFailed, Subject: "seal:" + strconv.FormatInt(v.SiteID, 10), SiteID: v.SiteID,
			Key: "seal_failed", Args: []string{siteName(names, v.SiteID), strconv.Itoa(v.Problems), "logproblem." + v.FirstKind,
				strconv.FormatInt(v.FirstIndex, 10), v.At.Format(time.RFC3339)}})
	}
	return out, nil
}

func siteName(names map[int64]string, id int64) string {
	if n, ok := names[id]; ok {
		return n
	}
	return "#" + strconv.FormatInt(id, 10)
}

// LogAlertArgs returns an alert's arguments for its message: the arguments that are
// message keys (a problem kind, a cause) become NotifyArg keys, translated for each
// reader; the others are figures and names.
func LogAlertArgs(a *medsec.LogAlert) []medsec.NotifyArg {
	out := make([]medsec.NotifyArg, len(a.Args))
	for i, x := range a.Args {
		if isMessageKey(x) {
			out[i] = medsec.NotifyArg{Key: x}
		} else {
			out[i] = text(x)
		}
	}
	return out
}

func isMessageKey(s string) bool {
	for _, p := range []string{"logproblem.", "logalert.cause_"} {
		if len(s) > len(p) && s[:len(p)] == p {
			return true
		}
	}
	return false
}

// logAlertNotifyKey is the notification message of each alert message.
var logAlertNotifyKey = map[string]string{
	"source_silent":    "notify.logs_source_silent",
	"clock_skew":       "notify.logs_clock_skew",
	"storage_write":    "notify.logs_storage_failure",
	"storage_full":     "notify.logs_storage_failure",
	"storage_capacity": "notify.logs_capacity",
	"seal_failed":      "notify.logs_verify_failed",
}

func alertLink(a *medsec.LogAlert) string {
	if a.Kind == medsec.KindLogStorageFailure || a.Kind == medsec.KindLogVerifyFailed {
		return "/logs/seal"
	}
	return "/logs/sources"
}

func raisedNotification(a *medsec.LogAlert, names map[int64]string) medsec.Notification {
	args := LogAlertArgs(a)
	if a.Kind == medsec.KindLogSourceSilent || a.Kind == medsec.KindLogClockSkew {
		// The source's site after its name.
		args = append(args[:1:1], append([]medsec.NotifyArg{text(siteName(names, a.SiteID))}, args[1:]...)...)
	}
	sev := medsec.SeverityWarning
	if a.Kind == medsec.KindLogVerifyFailed || a.Key == "storage_write" || a.Key == "storage_full" {
		sev = medsec.SeverityCritical
	}
	return medsec.Notification{Kind: a.Kind, Severity: sev, Key: logAlertNotifyKey[a.Key], Args: args, Link: alertLink(a),
		Scope: medsec.NotifyScope{SiteID: a.SiteID}, Perm: medsec.PermLogRead, DedupKey: fmt.Sprintf("%s:%d", a.Kind, a.ID)}
}

func resolvedNotification(a *medsec.LogAlert, names map[int64]string) medsec.Notification {
	what := siteName(names, a.SiteID)
	switch {
	case a.SourceID != 0 && len(a.Args) > 0:
		what = a.Args[0] + " (" + what + ")"
	case a.SiteID == 0:
		what = "—"
	}
	return medsec.Notification{Kind: a.Kind, Severity: medsec.SeverityInfo, Key: "notify.logs_alert_resolved",
		Args: []medsec.NotifyArg{{Key: "notify_kind." + string(a.Kind)}, text(what), text(a.RaisedAt.Format(time.RFC3339)), text(a.ResolvedAt.Format(time.RFC3339))},
		Link: alertLink(a), Scope: medsec.NotifyScope{SiteID: a.SiteID}, Perm: medsec.PermLogRead, DedupKey: fmt.Sprintf("%s:%d:resolved", a.Kind, a.ID)}
}

// SealCheck verifies every site's sealed log against its signed checkpoints at each run,
// as medsec itself (the verification is recorded per site, audited, and read by
// LogAlerts and the compliance checks). A store of months takes long to verify, so Run
// starts the verification in the background and returns; a run while one is still going
// does nothing. Wait waits for the one running.
type SealCheck struct {
	Logs   medsec.LogService
	Logger *slog.Logger

	running atomic.Bool
	wg      sync.WaitGroup
}

// Run starts a verification unless one is running.
func (c *SealCheck) Run(ctx context.Context, _ time.Time) error {
	if !c.running.CompareAndSwap(false, true) {
		return nil
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer c.running.Store(false)
		if err := c.Verify(ctx); err != nil && ctx.Err() == nil && c.Logger != nil {
			c.Logger.Error("seal verification failed", "err", err)
		}
	}()
	return nil
}

// Verify verifies the store now and returns when done.
func (c *SealCheck) Verify(ctx context.Context) error {
	if _, err := c.Logs.VerifyLogs(medsec.NewContextWithUser(ctx, medsec.SystemUser)); err != nil {
		return fmt.Errorf("seal verification: %w", err)
	}
	return nil
}

// Wait returns when no verification is running.
func (c *SealCheck) Wait() { c.wg.Wait() }
