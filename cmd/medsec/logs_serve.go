package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"medsec"
	"medsec/logstore"
	"medsec/notify"
	"medsec/sqlstore"
)

// serveLogs is the server's log store and the hooks that raise its alerts once the
// notification dispatcher exists.
type serveLogs struct {
	store   *logstore.Store
	service *sqlstore.LogService
	notify  func(ctx context.Context, n medsec.Notification)
	logger  *slog.Logger
}

// openServeLogs opens the data directory's sealed log store for "medsec serve".
func openServeLogs(ctx context.Context, data string, db *sqlstore.DB, logger *slog.Logger) (*serveLogs, error) {
	site, err := siteResolver(ctx, db)
	if err != nil {
		return nil, err
	}
	sl := &serveLogs{logger: logger}
	logstore.TuneGC() // the server ingests: collect less often (GOGC, GOMEMLIMIT unless set)
	sl.store, err = logstore.Open(logstore.Config{Dir: logStoreDir(data), Site: site, Logger: logger, OnFailure: sl.storageFailure})
	if err != nil {
		return nil, err
	}
	sl.service = sqlstore.NewLogService(db, sl.store)
	sl.service.OnVerifyFailed = sl.verifyFailed
	logger.Info("log store open", "dir", logStoreDir(data), "public_key", sl.store.PublicKey())
	return sl, nil
}

// setDispatcher routes the store's alerts to the notification service.
func (sl *serveLogs) setDispatcher(d *notify.Dispatcher) {
	sl.notify = func(ctx context.Context, n medsec.Notification) {
		if err := d.Notify(ctx, n); err != nil {
			sl.logger.Error("log store alert", "kind", n.Kind, "err", err)
		}
	}
}

// watchCapacity checks the store's capacity forecast every hour until ctx ends and
// raises logs.storage_failure (once a day) while fewer days are left than the retention
// keeps [000 日誌處理失效之回應: act before the disk is full].
func (sl *serveLogs) watchCapacity(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if c, err := sl.store.Capacity(); err == nil && c.Level != "ok" && sl.notify != nil {
			sl.notify(ctx, medsec.Notification{Kind: medsec.KindLogStorageFailure, Severity: medsec.SeverityWarning, Key: "notify.logs_capacity",
				Args: []medsec.NotifyArg{{Text: fmt.Sprintf("%d MiB", c.BytesPerDay>>20)}, {Text: strconv.Itoa(c.DaysLeft)}, {Text: strconv.Itoa(c.RetentionDays)}},
				Link: "/logs/seal", Perm: medsec.PermLogRead,
				DedupKey: "logs.capacity:" + c.Level + ":" + time.Now().UTC().Format("20060102")})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// storageFailure raises logs.storage_failure, at most once an hour per cause. It is called
// from the store's writer, so it sends in the background.
func (sl *serveLogs) storageFailure(err error) {
	if sl.notify == nil {
		return
	}
	cause := "write error"
	if err == logstore.ErrStorageFull {
		cause = "disk full"
	}
	n := medsec.Notification{Kind: medsec.KindLogStorageFailure, Severity: medsec.SeverityCritical, Key: "notify.logs_storage_failure",
		Args: []medsec.NotifyArg{{Text: cause}}, Link: "/logs/seal", Perm: medsec.PermLogRead,
		DedupKey: "logs.storage_failure:" + cause + ":" + time.Now().UTC().Format("2006010215")}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		sl.notify(ctx, n)
	}()
}

// verifyFailed raises logs.verify_failed for a report with problems, once per first
// problem found.
func (sl *serveLogs) verifyFailed(ctx context.Context, r *medsec.LogVerifyReport) {
	if sl.notify == nil || len(r.Problems) == 0 {
		return
	}
	p := r.Problems[0]
	first := fmt.Sprintf("%s, site %d, record %d", p.Kind, p.SiteID, p.Index)
	if !p.Time.IsZero() {
		first += ", " + p.Time.UTC().Format(time.RFC3339)
	}
	sl.notify(context.WithoutCancel(ctx), medsec.Notification{Kind: medsec.KindLogVerifyFailed, Severity: medsec.SeverityCritical, Key: "notify.logs_verify_failed",
		Args: []medsec.NotifyArg{{Text: strconv.Itoa(len(r.Problems))}, {Text: first}}, Link: "/logs/seal", Perm: medsec.PermLogRead,
		DedupKey: fmt.Sprintf("logs.verify_failed:%s:%d:%d", p.Kind, p.SiteID, p.Index)})
}

// syncRetention gives the store the retention of the source classes: the longest, since
// whole days are removed and a day holds every class (medsec.StoreRetentionDays).
func (sl *serveLogs) syncRetention(ctx context.Context, svc medsec.LogRetentionService) error {
	rs, err := svc.LogRetentions(asSystem(ctx))
	if err != nil {
		return fmt.Errorf("log retention: %w", err)
	}
	sl.store.SetRetention(time.Duration(medsec.StoreRetentionDays(rs)) * 24 * time.Hour)
	return nil
}
