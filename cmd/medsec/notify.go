package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/notify"
	"medsec/sqlstore"
)

// newDispatcher returns the notification dispatcher of a store.
func newDispatcher(svc *sqlstore.NotifyService, logger *slog.Logger) (*notify.Dispatcher, error) {
	bundle, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	return &notify.Dispatcher{Store: svc, Translator: bundle, Logger: logger, Webhooks: &notify.WebhookPoster{}}, nil
}

// newScheduler returns medsec's one scheduler: the reminders every hour and the daily
// digests (sent at the first run after midnight UTC; checked every quarter hour).
func newScheduler(services reminderServices, d *notify.Dispatcher, logger *slog.Logger) *notify.Scheduler {
	rem := &notify.Reminders{Assessments: services.Assessments, Assets: services.Assets, Zones: services.Zones, Org: services.Org, Notifier: d}
	clocks := &notify.IncidentClocks{Incidents: services.Incidents, Notifier: d}
	s := &notify.Scheduler{Now: time.Now, Logger: logger, Jobs: []notify.Job{
		{Name: "reminders", Every: time.Hour, Run: rem.Run},
		// Incident clocks run on minutes [003 §4.1.2: 10 minutes]: checked every minute.
		{Name: "incident clocks", Every: time.Minute, Run: clocks.Run},
		{Name: "digests", Every: 15 * time.Minute, Run: func(ctx context.Context, _ time.Time) error { return d.SendDigests(ctx) }},
	}}
	if services.LogReviews != nil {
		reviews := &notify.LogReviews{Reviews: services.LogReviews, Org: services.Org, Notifier: d}
		s.Jobs = append(s.Jobs, notify.Job{Name: "log reviews", Every: time.Hour, Run: reviews.Run})
	}
	if services.Reports != nil {
		scheduled := &notify.ScheduledReports{Reports: services.Reports, Notifier: d}
		s.Jobs = append(s.Jobs, notify.Job{Name: "scheduled reports", Every: time.Hour, Run: scheduled.Run})
	}
	if services.Vulns != nil {
		deadlines := &notify.VulnDeadlines{Vulns: services.Vulns, Notifier: d}
		s.Jobs = append(s.Jobs, notify.Job{Name: "vulnerability deadlines", Every: time.Hour, Run: deadlines.Run})
		if services.Scans != nil {
			cadence := &notify.ScanCadence{Scans: services.Scans, Notifier: d}
			s.Jobs = append(s.Jobs, notify.Job{Name: "scan cadence", Every: time.Hour, Run: cadence.Run})
		}
		if services.Mirror != "" {
			s.Jobs = append(s.Jobs, notify.Job{Name: "CSAF mirror fetch", Every: services.MirrorEvery, Run: func(ctx context.Context, _ time.Time) error {
				in, err := fetchMirror(ctx, services.Mirror)
				if err != nil {
					return err
				}
				sum, err := services.Vulns.Import(asSystem(ctx), in)
				if err == nil {
					logger.Info("CSAF mirror fetched", "url", services.Mirror, "advisories", sum.Advisories, "new_findings", sum.NewFindings)
				}
				return err
			}})
		}
	}
	return s
}

// reminderServices are the services the reminders read.
type reminderServices struct {
	Assessments medsec.AssessmentService
	Assets      medsec.AssetService
	Zones       medsec.ZoneService
	Org         medsec.OrgService
	Incidents   medsec.IncidentService
	// LogReviews, when set, gives the hourly job that creates each site's periodic log
	// review and notifies the overdue ones.
	LogReviews medsec.LogReviewService
	// Vulns, when set, gives the hourly check of vulnerability deadlines; Mirror, when
	// set, fetches CSAF advisories from a mirror every MirrorEvery and imports them.
	Vulns  *sqlstore.VulnService
	Mirror string
	// Reports, when set, gives the hourly job that generates each site's scheduled
	// reports once their period has ended and tells its security officers.
	Reports     medsec.ReportService
	MirrorEvery time.Duration
	// Scans, when set (with Vulns), gives the hourly check of the scan cadences (due
	// soon, late).
	Scans medsec.ScanScheduler
}

// runNotify implements "medsec notify test": it sends a test e-mail (or posts to a
// webhook) with the stored settings and says how it went; the delivery log records it.
// "medsec notify withdraw" withdraws a notice sent earlier (runNotifyWithdraw); "medsec
// notify deliveries" lists the delivery log (runNotifyDeliveries).
func runNotify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: medsec notify test --data DIR [--db URL] (--to ADDRESS | --webhook ID)\n" +
		"       medsec notify withdraw --data DIR [--db URL] --user NAME --delivery ID --reason TEXT\n" +
		"       medsec notify deliveries --data DIR [--db URL] [--result sent|failed|queued|skipped] [--limit N] [--json]"
	if len(args) > 0 && args[0] == "withdraw" {
		return runNotifyWithdraw(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "deliveries" {
		return runNotifyDeliveries(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "test" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("notify test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	to := fs.String("to", "", "e-mail address to send the test message to")
	webhook := fs.Int64("webhook", 0, "id of a webhook to post a test notification to")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if (*to == "") == (*webhook == 0) {
		return errors.New(usage)
	}
	store, err := sqlstore.Open(ctx, dsnFor(*data, *db))
	if err != nil {
		return fmt.Errorf("notify test: %w", err)
	}
	defer store.Close()
	d, err := newDispatcher(sqlstore.NewNotifyService(store), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return fmt.Errorf("notify test: %w", err)
	}
	ctx = asSystem(ctx)
	var row *medsec.Delivery
	if *to != "" {
		row, err = d.SendTestEmail(ctx, *to)
	} else {
		row, err = d.SendTestWebhook(ctx, *webhook)
	}
	if err != nil {
		return fmt.Errorf("notify test: %s", describe(err))
	}
	if row.Result != medsec.DeliverySent {
		return fmt.Errorf("notify test: not delivered to %s: %s", row.Recipient, row.Error)
	}
	fmt.Fprintf(stdout, "sent to %s (%d attempt(s)): %s\n", row.Recipient, max(row.Attempts, 1), row.Subject)
	return nil
}

// runNotifyWithdraw implements "medsec notify withdraw": it withdraws the notice delivery
// --delivery carried (an ID of the delivery log: the page /notifications or GET
// /api/v1/notifications/deliveries), with --reason, tells everyone it reached in their
// language, and prints how many were told and how many digest items were dropped. It acts
// as the medsec user --user names, as the other CLI commands that change records do
// (incident evidence add, governance done): that user's role (user administration) and
// sites are checked, and the withdrawal and its audit row name that user, not "system"
// (issue 15).
func runNotifyWithdraw(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "usage: medsec notify withdraw --data DIR [--db URL] --user NAME --delivery ID --reason TEXT"
	fs := flag.NewFlagSet("notify withdraw", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	username := fs.String("user", "", "the medsec user who withdraws the notice (needs user administration on its site)")
	delivery := fs.Int64("delivery", 0, "id of a delivery of the notice (the delivery log)")
	reason := fs.String("reason", "", "why the notice is withdrawn, and the correction if any")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *delivery <= 0 || fs.NArg() > 0 {
		return errors.New(usage)
	}
	if *username == "" {
		return errors.New("notify withdraw: --user is required\n" + usage)
	}
	store, err := sqlstore.Open(ctx, dsnFor(*data, *db))
	if err != nil {
		return fmt.Errorf("notify withdraw: %w", err)
	}
	defer store.Close()
	d, err := newDispatcher(sqlstore.NewNotifyService(store), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return fmt.Errorf("notify withdraw: %w", err)
	}
	u, err := findUserByName(asSystem(ctx), sqlstore.NewUserService(store), *username)
	if err != nil {
		return fmt.Errorf("notify withdraw: %w", err)
	}
	w, err := d.WithdrawNotice(medsec.NewContextWithUser(ctx, u), *delivery, *reason)
	if err != nil {
		return fmt.Errorf("notify withdraw: delivery %d: %s", *delivery, describe(err))
	}
	fmt.Fprintf(stdout, "withdrawn %s: %d recipient(s) told, %d digest item(s) dropped\n", w.DedupKey, w.Told, w.Dropped)
	return nil
}

// runNotifyDeliveries implements "medsec notify deliveries": it prints the delivery log,
// newest first, as the page /notifications and GET /api/v1/notifications/deliveries show
// it — each delivery's ID (what "notify withdraw --delivery" takes), time, channel,
// recipient, kind, result (sent, failed, queued, or skipped with the reason) and subject,
// and whether its notice was withdrawn; --json prints the rows as the API does.
func runNotifyDeliveries(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("notify deliveries", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	result := fs.String("result", "", "only deliveries with this result: sent, failed, queued or skipped")
	limit := fs.Int("limit", 100, "at most this many rows, newest first")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *limit <= 0 {
		return errors.New("usage: medsec notify deliveries --data DIR [--db URL] [--result sent|failed|queued|skipped] [--limit N] [--json]")
	}
	if r := *result; r != "" && !slices.Contains([]string{medsec.DeliverySent, medsec.DeliveryFailed, medsec.DeliveryQueued, medsec.DeliverySkipped}, r) {
		return fmt.Errorf("notify deliveries: --result: %q is not sent, failed, queued or skipped", r)
	}
	store, err := sqlstore.Open(ctx, dsnFor(*data, *db))
	if err != nil {
		return fmt.Errorf("notify deliveries: %w", err)
	}
	defer store.Close()
	rows, total, err := sqlstore.NewNotifyService(store).FindDeliveries(asSystem(ctx), medsec.DeliveryFilter{Result: *result, Limit: *limit})
	if err != nil {
		return fmt.Errorf("notify deliveries: %s", describe(err))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Deliveries []*medsec.Delivery `json:"deliveries"`
			Total      int                `json:"total"`
		}{rows, total})
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAT (UTC)\tCHANNEL\tRECIPIENT\tKIND\tRESULT\tSUBJECT\tNOTE")
	for _, r := range rows {
		note := r.Error
		if r.Withdrawn != nil {
			note = strings.TrimSpace(note + " withdrawn by " + r.Withdrawn.By + ": " + r.Withdrawn.Reason)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.At.UTC().Format("2006-01-02 15:04:05"), r.Channel, r.Recipient, r.Kind, r.Result, r.Subject, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if total > len(rows) {
		fmt.Fprintf(stdout, "%d of %d deliveries shown\n", len(rows), total)
	}
	return nil
}

// describe returns an application error's message, or the error itself for the operator.
func describe(err error) string {
	var ve *medsec.ValidationError
	if errors.As(err, &ve) {
		return ve.Error()
	}
	if code := medsec.ErrorCode(err); code != medsec.EINTERNAL {
		return medsec.ErrorMessage(err)
	}
	return err.Error()
}
