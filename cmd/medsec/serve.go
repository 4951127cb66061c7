package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"medsec"
	"medsec/auth"
	"medsec/eventbus"
	mhttp "medsec/http"
	"medsec/notify"
	"medsec/report"
	"medsec/sqlstore"
)

// Main runs the server. Ready, when set, is called with the listening address once the
// server accepts connections (tests listen on port 0).
type Main struct {
	Stdout, Stderr io.Writer
	Ready          func(addr string)
	// LogListening, when set, is told each log listener's kind ("syslog-udp",
	// "syslog-tcp", "syslog-tls") and address once it listens.
	LogListening func(kind, addr string)
	// logFlushEvery is how often log sources' health is written; 0 means a minute.
	logFlushEvery time.Duration
	// Now is the one clock of the server (store, scheduler, notifications, pages); nil
	// means time.Now. Tests set it to move time, e.g. to make an incident clock late.
	Now func() time.Time
	// SchedulerTick is how often the scheduler looks for due jobs; 0 means a minute.
	SchedulerTick time.Duration
}

// now returns the server's clock.
func (m *Main) now() time.Time {
	if m.Now != nil {
		return m.Now().UTC()
	}
	return time.Now().UTC()
}

// serveConfig holds the flags of "medsec serve".
type serveConfig struct {
	data, listen, db string
	tlsCert, tlsKey  string
	tlsMin           string
	demo             bool
	adminPassword    string
	demoPassword     string
	logs             logFlags
	nats             natsFlags
	// vulnMirror is the URL of a CSAF provider-metadata.json or ROLIE feed on a mirror
	// fetched every vulnFetchEvery ("" turns the fetch off).
	vulnMirror     string
	vulnFetchEvery time.Duration
	// sealVerifyEvery is how often every site's sealed log is verified (issue 12).
	sealVerifyEvery time.Duration
}

func (m *Main) parseServe(args []string) (*serveConfig, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	c := &serveConfig{}
	fs.StringVar(&c.data, "data", "./medsec-data", "data directory (SQLite database, evidence files)")
	fs.StringVar(&c.listen, "listen", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.db, "db", "", "PostgreSQL URL (postgres://...) instead of the embedded SQLite database")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate file (PEM); serve HTTPS")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.StringVar(&c.tlsMin, "tls-min", "1.3", "lowest TLS version accepted: 1.3 or 1.2")
	fs.BoolVar(&c.demo, "demo", false, "load the demo hospital into an empty database")
	fs.StringVar(&c.vulnMirror, "vuln-mirror", "", "URL of a CSAF provider-metadata.json or ROLIE feed on a mirror, fetched on a schedule (off when empty)")
	fs.DurationVar(&c.vulnFetchEvery, "vuln-fetch-every", 24*time.Hour, "how often --vuln-mirror is fetched")
	fs.DurationVar(&c.sealVerifyEvery, "seal-verify-every", 6*time.Hour, "how often every site's sealed log is verified against its checkpoints (a failure raises logs.verify_failed)")
	addLogFlags(fs, &c.logs)
	addNATSFlags(fs, &c.nats)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.nats.cfg.URL != "" {
		if err := c.nats.cfg.Check(); err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
	}
	if c.vulnFetchEvery < time.Minute {
		return nil, fmt.Errorf("serve: --vuln-fetch-every %s: at least 1m", c.vulnFetchEvery)
	}
	if err := c.logs.check(c.tlsCert, c.tlsKey); err != nil {
		return nil, err
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return nil, errors.New("serve: --tls-cert and --tls-key go together")
	}
	if c.tlsMin != "1.3" && c.tlsMin != "1.2" {
		return nil, fmt.Errorf("serve: --tls-min must be 1.3 or 1.2, not %q", c.tlsMin)
	}
	var err error
	if c.adminPassword, err = secretFromEnv("MEDSEC_ADMIN_PASSWORD"); err != nil {
		return nil, err
	}
	if c.demoPassword, err = secretFromEnv("MEDSEC_DEMO_PASSWORD"); err != nil {
		return nil, err
	}
	// Passwords the policy refuses stop the start before the data directory is touched,
	// not half-way through loading the demo.
	if c.demo && c.demoPassword != "" {
		if err := checkDemoPassword(c.demoPassword); err != nil {
			return nil, fmt.Errorf("serve: %w", err)
		}
	}
	if c.adminPassword != "" && c.db == "" {
		if _, err := os.Stat(dsnFor(c.data, "")); errors.Is(err, os.ErrNotExist) {
			if err := auth.CheckPasswordStrength(c.adminPassword, "admin"); err != nil {
				return nil, fmt.Errorf("serve: MEDSEC_ADMIN_PASSWORD: %w", err)
			}
		}
	}
	return c, nil
}

// secretFromEnv reads NAME, or the file named by NAME_FILE.
func secretFromEnv(name string) (string, error) {
	if path := os.Getenv(name + "_FILE"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("%s_FILE: %w", name, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return os.Getenv(name), nil
}

// dsnFor returns the store to open: the PostgreSQL URL, else the data directory's SQLite file.
func dsnFor(data, db string) string {
	if db != "" {
		return db
	}
	return filepath.Join(data, "medsec.db")
}

// Serve runs "medsec serve" until ctx ends, then shuts down gracefully.
func (m *Main) Serve(ctx context.Context, args []string) error {
	c, err := m.parseServe(args)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := os.MkdirAll(c.data, 0o700); err != nil {
		return fmt.Errorf("serve: data directory: %w", err)
	}
	unlock, err := lockDataDir(c.data)
	if err != nil {
		return err
	}
	defer unlock()
	removeStale(c.data, snapshotPrefix) // left by a backup that was killed

	db, err := sqlstore.Open(ctx, dsnFor(c.data, c.db))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer db.Close()
	db.Now = m.now
	users := sqlstore.NewUserService(db)
	services := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: users, Directory: sqlstore.NewDirectoryService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), LogSources: sqlstore.NewLogSourceService(db),
		Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db),
		Incidents: sqlstore.NewIncidentService(db), Sensors: sqlstore.NewSensorService(db)}
	services.Vulns = sqlstore.NewVulnService(db)
	accounts := sqlstore.NewAccountService(db)
	services.Accounts = accounts
	services.Backups = sqlstore.NewBackupService(db)
	services.Systems = sqlstore.NewClinicalSystemService(db)
	services.Governance = sqlstore.NewGovernanceService(db)

	if services.Assessments, err = newAssessmentService(db, c.data); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Evidence uploaded on an incident goes to the same store as the assessments'.
	services.Incidents.(*sqlstore.IncidentService).WithEvidence(services.Assessments.(*sqlstore.AssessmentService).EvidenceFiles())
	if services.Search, err = newSearchService(db); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// The event stream and the detection service on it: medsec's own events (and the
	// demo's) pass through the enabled rules from the start.
	bus := eventbus.New(0, logger)
	db.Events = bus
	detector, err := startDetection(ctx, db, &services, bus, logger)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer detector.Stop()
	generated, err := users.EnsureAdmin(ctx, c.adminPassword)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	if generated != "" {
		// Printed once, to the terminal, never to the log.
		fmt.Fprintf(m.Stdout, "\nFirst start: user \"admin\" has the password %s\nSet MEDSEC_ADMIN_PASSWORD to choose it instead. It is not shown again.\n\n", generated)
	}
	demoLoaded := false
	if c.demo {
		load, err := loadDemoAndUsers(ctx, services, c.demoPassword, db)
		if err != nil {
			return fmt.Errorf("serve: demo: %w", err)
		}
		demoLoaded = load.Loaded
		if load.Loaded {
			if err := loadIncidentDemo(ctx, services, db, m.now()); err != nil {
				return fmt.Errorf("serve: demo: %w", err)
			}
			logger.Info("demo hospital loaded")
		} else if load.Users > 0 {
			logger.Info("demo users created that an earlier start had not made", "users", load.Users)
		}
		if load.Users > 0 {
			password := "from MEDSEC_DEMO_PASSWORD"
			if load.Password != "" {
				password = load.Password
			}
			fmt.Fprintf(m.Stdout, "Demo users (ciso, ce.lin, itops.chen, soc.wang, auditor, vendor.aurora, ce.hsu, director) have the password %s\n\n", password)
		}
	}

	logStore, err := openServeLogs(ctx, c.data, db, &services, logger, m.now)
	if err != nil {
		return fmt.Errorf("serve: logs: %w", err)
	}
	defer logStore.store.Close()
	services.Logs, services.LogSink = logStore.service, logStore.store
	logReviews := sqlstore.NewLogReviewService(db, logStore.store)
	services.LogReviews = logReviews
	services.LogRetention = sqlstore.NewLogRetentionService(db)
	services.LogAlerts = sqlstore.NewLogAlertService(db)
	if err := logStore.syncRetention(ctx, services.LogRetention); err != nil {
		return fmt.Errorf("serve: logs: %w", err)
	}
	if c.demo {
		began := time.Now()
		n, err := loadDemoLogs(ctx, logStore.store, db, m.now())
		if err != nil {
			return fmt.Errorf("serve: demo logs: %w", err)
		}
		if n > 0 {
			logger.Info("demo logs stored and sealed", "records", n, "took", time.Since(began).Round(time.Millisecond))
		}
		logStore.store.Refresh()
		if err := loadDemoLogReviews(ctx, logReviews, users, services.Org, m.now()); err != nil {
			return fmt.Errorf("serve: demo log reviews: %w", err)
		}
		if demoLoaded {
			if err := attachDemoLogRecord(ctx, services, m.now()); err != nil {
				return fmt.Errorf("serve: demo: %w", err)
			}
		}
	}

	reportSrc := report.Sources{Org: services.Org, Assets: services.Assets, Assessments: services.Assessments,
		Vulns: sqlstore.NewVulnService(db), Incidents: services.Incidents, Discovery: services.Discovery, Zones: services.Zones, Accounts: services.Accounts,
		Backups: services.Backups, MLPS: services.Governance}
	riskReviews, err := newRiskReviewService(db, reportSrc)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	reportSrc.RiskReviews, services.RiskReviews = riskReviews, riskReviews
	if demoLoaded {
		if err := loadRiskReviewDemo(ctx, riskReviews, services.Users, services.Org, db, m.now()); err != nil {
			return fmt.Errorf("serve: demo: %w", err)
		}
	}
	reports, err := newReportService(db, c.data, reportSrc)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	reports.Logger = logger
	if err := reports.FailInterrupted(ctx); err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	services.Reports = reports
	if demoLoaded {
		if err := loadDemoReports(ctx, reports, services.Org, m.now()); err != nil {
			return fmt.Errorf("serve: demo reports: %w", err)
		}
	}

	// The server's metrics, served at GET /metrics (metrics:read).
	set := metrics.NewSet()
	services.Metrics = writeMetrics(set)
	notifySvc := sqlstore.NewNotifyService(db)
	dispatcher, err := newDispatcher(notifySvc, logger)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	dispatcher.Store = newMeteredNotify(set, dispatcher.Store, notifySvc.DigestQueueLength)
	services.Notifications, services.NotifyTester, services.NoticeWithdrawer = notifySvc, dispatcher, dispatcher
	detector.SetNotifier(dispatcher)
	// The one scheduler: reminders and digests now, every later periodic job beside them.
	sched := newScheduler(reminderServices{Assessments: services.Assessments, Assets: services.Assets, Zones: services.Zones, Org: services.Org,
		Incidents: services.Incidents, LogReviews: logReviews, Vulns: sqlstore.NewVulnService(db), Scans: sqlstore.NewScanService(db), Mirror: c.vulnMirror, MirrorEvery: c.vulnFetchEvery, Reports: reports}, dispatcher, logger)
	// Devices an import, alias edit or Rematch queued but did not reach before the process
	// stopped are matched at start and then every five minutes.
	vulns := sqlstore.NewVulnService(db)
	sched.Jobs = append(sched.Jobs, notify.Job{Name: "vulnerability matching left queued", Every: 5 * time.Minute, Run: func(ctx context.Context, now time.Time) error {
		_, err := vulns.MatchQueued(asSystem(ctx))
		return err
	}})
	// Each system's access review of the last quarter opens when the quarter ends
	// (quarterly by default [000 帳號管理(高) 一]).
	sched.Jobs = append(sched.Jobs, notify.Job{Name: "access reviews", Every: time.Hour, Run: func(ctx context.Context, now time.Time) error {
		_, err := accounts.EnsureAccessReviews(asSystem(ctx), now)
		return err
	}})
	// Each use of an emergency account whose password change is late is told [004 §11 ①].
	emergencyResets := &notify.EmergencyResets{Uses: services.EmergencyUses, Notifier: dispatcher}
	sched.Jobs = append(sched.Jobs, notify.Job{Name: "emergency resets", Every: 15 * time.Minute, Run: emergencyResets.Run})
	// Each maintenance plan requested and not yet decided is told to those who may approve
	// it at its site [004 §10.1 事前申請・承認].
	if services.MaintenancePlans != nil {
		requests := &notify.MaintenanceRequests{Plans: services.MaintenancePlans, Notifier: dispatcher}
		sched.Jobs = append(sched.Jobs, notify.Job{Name: "maintenance requests", Every: 5 * time.Minute, Run: requests.Run})
	}
	// Backup jobs that failed or missed and restore tests overdue or failed are told to
	// those who read the site's backups [003 §3.1.3].
	backups := &notify.Backups{Backups: services.Backups, Notifier: dispatcher}
	sched.Jobs = append(sched.Jobs, notify.Job{Name: "backup findings", Every: time.Hour, Run: backups.Run})
	// Each site's governance calendar gets the current period's items of every duty;
	// items due soon and late are told to those who read the site's calendar [M11].
	governance := &notify.Governance{Governance: services.Governance, Notifier: dispatcher}
	sched.Jobs = append(sched.Jobs, notify.Job{Name: "governance calendar", Every: time.Hour, Run: governance.Run})
	sched.Jobs = append(sched.Jobs, notify.Job{Name: "log retention setting", Every: 5 * time.Minute, Run: func(ctx context.Context, _ time.Time) error {
		return logStore.syncRetention(ctx, services.LogRetention)
	}})
	sched.Jobs = append(sched.Jobs, logStore.alertJobs(db, &services, dispatcher, c.sealVerifyEvery)...)
	schedCtx, stopSched := context.WithCancel(ctx)
	schedDone := make(chan struct{})
	dispatcher.Now, sched.Now = m.now, m.now
	tick := m.SchedulerTick
	if tick <= 0 {
		tick = time.Minute
	}
	go func() { defer close(schedDone); sched.Run(schedCtx, tick) }()
	defer func() { stopSched(); <-schedDone; logStore.waitVerify() }()
	go heartbeat(schedCtx, detector, logger)

	flushEvery := m.logFlushEvery
	if flushEvery <= 0 {
		flushEvery = time.Minute
	}
	listening := func(kind, addr string) {
		logger.Info("log listener ready", "kind", kind, "addr", addr)
		if m.LogListening != nil {
			m.LogListening(kind, addr)
		}
	}
	stopLogs, err := startLogCollection(ctx, &c.logs, logStore, db, &services, flushEvery, set, logger, listening)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	defer func() {
		if err := stopLogs(); err != nil {
			logger.Error("log collection stop failed", "err", err)
		}
	}()
	resumeDetection(ctx, detector, m.now().UTC(), logger)

	if c.nats.cfg.URL != "" {
		stopCentral, err := startCentral(ctx, &c.nats, db, &services, services.LogSink, logStore.senders, c.logs.zone, set, logger)
		if err != nil {
			return err
		}
		defer stopCentral()
	}

	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: logger, SecureCookies: c.tlsCert != "", Now: m.now})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 5 * time.Minute, WriteTimeout: 5 * time.Minute,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	scheme := "http"
	if c.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(c.tlsCert, c.tlsKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("serve: TLS: %w", err)
		}
		hs.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
		if c.tlsMin == "1.2" {
			hs.TLSConfig.MinVersion, hs.TLSConfig.CipherSuites = tls.VersionTLS12, tls12CipherSuites
		}
		ln = tls.NewListener(ln, hs.TLSConfig)
		scheme = "https"
	}
	logger.Info("medsec listening", "url", scheme+"://"+ln.Addr().String(), "store", db.Engine())
	if m.Ready != nil {
		m.Ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("serve: shutdown: %w", err)
	}
	return nil
}

// lockDataDir takes an exclusive lock on the data directory so that two servers, or a
// restore and a server, never use it at once. The lock goes with the process.
func lockDataDir(dir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dir, "medsec.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s is in use by a running medsec", dir)
	}
	return func() { f.Close() }, nil
}

// asSystem returns ctx acting as medsec itself, for command-line work by the operator.
func asSystem(ctx context.Context) context.Context {
	return medsec.NewContextWithUser(ctx, medsec.SystemUser)
}

// tls12CipherSuites are the TLS 1.2 suites offered with --tls-min 1.2: forward-secret
// (ECDHE) AEAD suites only, as NIST SP 800-52 Rev. 2 §3.3.1 and BSI TR-02102-2 recommend.
// CBC and SHA-1 suites are not offered. TLS 1.3 suites are not configurable in Go and are
// all AEAD.
var tls12CipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}
