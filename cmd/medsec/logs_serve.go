package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/logs"
	"medsec/logstore"
	"medsec/notify"
	"medsec/sqlstore"
)

// serveLogs is the server's log store and what its alerts read: the storage failures
// (Health) the log alert job turns into alerts.
type serveLogs struct {
	// senders files each record in its site and tells its sender's zone (one resolver for
	// the store, the listeners, the ingest route's sources and the sensors' records).
	senders *logs.SenderZones
	store   *logstore.Store
	service *sqlstore.LogService
	health  *logstore.Health
	seal    *notify.SealCheck
	logger  *slog.Logger
}

// openServeLogs opens the data directory's sealed log store for "medsec serve"; now is
// the server's clock. Records are filed by sl.senders, which services' log sources and
// assets keep current: a source registered or an asset added while the server runs files
// the next records in its site (startLogCollection refreshes it in the background too).
func openServeLogs(ctx context.Context, data string, db *sqlstore.DB, services *mhttp.Services, logger *slog.Logger, now func() time.Time) (*serveLogs, error) {
	sl := &serveLogs{logger: logger, health: &logstore.Health{Now: now}}
	sl.senders = &logs.SenderZones{Sources: services.LogSources, Assets: services.Assets, Org: services.Org}
	if err := sl.senders.Refresh(ctx); err != nil {
		return nil, err
	}
	services.LogSources = sl.senders.WatchSources(services.LogSources)
	services.Assets = sl.senders.WatchAssets(services.Assets)
	logstore.TuneGC() // the server ingests: collect less often (GOGC, GOMEMLIMIT unless set)
	var err error
	sl.store, err = logstore.Open(logstore.Config{Dir: logStoreDir(data), Site: sl.senders.RecordSite, Logger: logger, OnFailure: sl.health.Failure})
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
