package main

import (
	"context"
	"log/slog"
	"time"

	"medsec"
	"medsec/detection"
	"medsec/eventbus"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// startDetection installs the built-in rules (rendered with the stored settings), loads
// the enabled rules and subscribes the detection service to the event stream.
func startDetection(ctx context.Context, db *sqlstore.DB, services *mhttp.Services, bus *eventbus.Memory, logger *slog.Logger) (*detection.Service, error) {
	store := sqlstore.NewDetectionService(db)
	events := sqlstore.NewEventService(db)
	// Logins with the inventory's emergency accounts are followed, and each use becomes a
	// password-reset task [004 §11 ①].
	uses := sqlstore.NewEmergencyUseService(db)
	// Working hours and maintenance windows are read in each event's site's time zone.
	svc := detection.New(detection.Stores{Rules: store, Alerts: store, Suppressions: store, Events: events, Accounts: uses, Followers: []medsec.AlertFollower{uses}, Sites: sqlstore.NewOrgService(db)}, logger)
	if err := svc.InstallBuiltins(ctx); err != nil {
		return nil, err
	}
	if err := svc.Load(ctx); err != nil {
		return nil, err
	}
	// The stream is held until resumeDetection has rebuilt the correlation windows from
	// the stored events, once the log store is open.
	svc.HoldUntilResume()
	if err := svc.Start(bus); err != nil {
		return nil, err
	}
	services.Rules, services.Alerts, services.Suppressions, services.Detection, services.Events = store, store, store, svc, events
	services.EmergencyUses, services.MaintenancePlans = uses, sqlstore.NewMaintenancePlanService(db)
	return svc, nil
}

// resumeDetection rebuilds the correlation windows a restart lost from the stored
// events and log records, then lets the held stream through (detection.Service.Resume).
// A failure is logged: detection runs on, with the windows it could rebuild.
func resumeDetection(ctx context.Context, svc *detection.Service, now time.Time, logger *slog.Logger) {
	if _, err := svc.Resume(ctx, now); err != nil {
		logger.Error("detection: correlation windows not rebuilt after the restart", "err", err)
	}
}

// heartbeatEvery is how often correlation windows are closed on a quiet stream.
const heartbeatEvery = 10 * time.Second

// rulesPollEvery is how often the server looks whether another process (the CLI's
// "rules import") changed the rules on the database.
const rulesPollEvery = 2 * time.Second

// heartbeat advances the detection engines to the current time until ctx ends, so that a
// correlation whose window has passed fires without waiting for a later event, and
// reloads the rules when another process changed them (detection.Service.Reload).
func heartbeat(ctx context.Context, svc *detection.Service, logger *slog.Logger) {
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	poll := time.NewTicker(rulesPollEvery)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if err := svc.Advance(ctx, now.UTC()); err != nil {
				logger.Warn("detection heartbeat", "err", err)
			}
		case <-poll.C:
			if _, err := svc.Reload(ctx); err != nil {
				logger.Warn("detection: reloading rules changed on the database", "err", err)
			}
		}
	}
}
