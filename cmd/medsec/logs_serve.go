package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/logstore"
	"medsec/notify"
	"medsec/sqlstore"
)

// serveLogs is the server's log store and what its alerts read: the storage failures
// (Health) the log alert job turns into alerts.
type serveLogs struct {
	store   *logstore.Store
	service *sqlstore.LogService
	health  *logstore.Health
	seal    *notify.SealCheck
	logger  *slog.Logger
}

// openServeLogs opens the data directory's sealed log store for "medsec serve"; now is
// the server's clock.
func openServeLogs(ctx context.Context, data string, db *sqlstore.DB, logger *slog.Logger, now func() time.Time) (*serveLogs, error) {
	site, err := siteResolver(ctx, db)
	if err != nil {
		return nil, err
	}
	sl := &serveLogs{logger: logger, health: &logstore.Health{Now: now}}
	logstore.TuneGC() // the server ingests: collect less often (GOGC, GOMEMLIMIT unless set)
	sl.store, err = logstore.Open(logstore.Config{Dir: logStoreDir(data), Site: site, Logger: logger, OnFailure: sl.health.Failure})
	if err != nil {
		return nil, err
	}
	sl.health.Store = sl.store
	sl.service = sqlstore.NewLogService(db, sl.store)
	logger.Info("log store open", "dir", logStoreDir(data), "public_key", sl.store.PublicKey())
	return sl, nil
}

// alertJobs are the scheduler's log alert jobs: the check of sources, storage and seal
// every minute, and the verification of every site's seal every verifyEvery (in the
// background: waitVerify waits for it before the store closes).
func (sl *serveLogs) alertJobs(db *sqlstore.DB, services *mhttp.Services, notifier medsec.Notifier, verifyEvery time.Duration) []notify.Job {
	alerts := &notify.LogAlerts{Sources: services.LogSources, Alerts: services.LogAlerts, Org: services.Org, Notifier: notifier, Storage: sl.health.Conditions}
	sl.seal = &notify.SealCheck{Logs: sl.service, Logger: sl.logger}
	return []notify.Job{
		{Name: "log seal verification", Every: verifyEvery, Run: sl.seal.Run},
		{Name: "log alerts", Every: time.Minute, Run: alerts.Run},
	}
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

// waitVerify returns when no seal verification is running.
func (sl *serveLogs) waitVerify() {
	if sl.seal != nil {
		sl.seal.Wait()
	}
}
