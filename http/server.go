// Package http serves medsec's web UI and its REST API over the services of package medsec.
package http

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/logs"
)

//go:embed templates/*.html
var templatesFS embed.FS

//go:embed static
var staticFS embed.FS

// Services are what the server serves.
type Services struct {
	Assets medsec.AssetService
	Org    medsec.OrgService
	Users  medsec.UserService
	Audit  medsec.AuditService
	// Directory keeps the directory login settings (LDAP, group mappings); nil: the
	// directory page and routes answer 404.
	Directory medsec.DirectoryService
	// Assessments records compliance assessments against the catalogs (M4, M11).
	Assessments medsec.AssessmentService
	// Discovery stores passive discovery runs.
	Discovery medsec.DiscoveryService
	// Zones keeps the zone model: zones, conduits, flows, classes and CRL reviews.
	Zones medsec.ZoneService
	// Notifications keeps notification preferences, settings, webhooks and the delivery
	// log; NotifyTester sends an administrator's test messages.
	Notifications medsec.NotificationService
	NotifyTester  medsec.NotifyTester
	// NoticeWithdrawer withdraws a notice sent earlier and tells its recipients.
	NoticeWithdrawer medsec.NoticeWithdrawer
	// LogSources keeps log sources (issue 12); LogSink takes the JSON lines sources send
	// over HTTPS (nil: log collection is off and the ingest route answers 503).
	LogSources medsec.LogSourceService
	LogSink    logs.Sink
	// LogListeners, when set, reports the syslog listeners' counters (records received
	// and stored, UDP datagrams lost, store failures) for the log sources page and API.
	LogListeners func() logs.ListenerCounts
	// Sensors keeps the site sensors that forward records over NATS JetStream (issue 17)
	// and their health; nil: the sensors page and routes answer 404.
	Sensors medsec.SensorService
	// Metrics writes the server's metrics (the sensors' stream, log ingest, notifications,
	// the Go runtime) in the Prometheus text format for GET /metrics; nil: the route
	// answers 404.
	Metrics func(w io.Writer)
	// Components keeps device models, SBOMs, components and MDS2 profiles (M1); Scans
	// keeps scanner reports attached to assets. Nil: their pages and routes answer 404.
	Components medsec.ComponentService
	Scans      medsec.ScanService
	// Incidents keeps incidents on the response plan's clock, and the ledger (M9).
	Incidents medsec.IncidentService
	// Search finds assets, controls, findings, incidents, discovered hosts and audit
	// entries from one search box; nil: the search page and route answer 404.
	Search medsec.SearchService
	// Logs searches, exports and verifies the sealed log store (issue 12); nil when the
	// server keeps no logs.
	Logs medsec.LogService
	// LogReviews keeps the periodic log reviews and their sign-off; nil when the server
	// keeps no logs.
	LogReviews medsec.LogReviewService
	// LogRetention keeps the retention per log source class; nil when the server keeps
	// no logs.
	LogRetention medsec.LogRetentionService
	// LogAlerts keeps the log alerts (silent sources, clock skew, storage failures, seal
	// verification failures), their limits per class and the seal verifications; nil when
	// the server keeps no logs.
	LogAlerts medsec.LogAlertService
	// Rules and Alerts keep detection rules and alerts; Detection changes what detection
	// runs (imports, states per site, settings) and tests rules over stored events [M8].
	Rules     medsec.RuleService
	Alerts    medsec.AlertService
	Detection medsec.DetectionRunner
	// Suppressions keeps the suppressions of known false positives (changes go through
	// Detection, so that they apply at once).
	Suppressions medsec.SuppressionService
	// Events stores medsec's own events (and appends the demo's).
	Events medsec.EventStore
	// Accounts keeps the account inventory of clinical systems, the staff roster and the
	// access reviews [M6]; nil: their pages and routes answer 404.
	Accounts medsec.AccountService
	// EmergencyUses keeps the uses of emergency accounts found in the logs, each a
	// password-reset task [004 §11 ①]; nil: their pages and routes answer 404.
	EmergencyUses medsec.EmergencyUseService
	// MaintenancePlans keeps the maintenance vendors' approved plans [004 §10 ④]; nil:
	// their page and routes answer 404.
	MaintenancePlans medsec.MaintenancePlanService
	// Vulns keeps advisories, findings and their workflow (issue 11); nil: the routes
	// answer 404 and the asset page has no vulnerabilities section.
	Vulns VulnService
	// Systems keeps the clinical systems, each a system of assets with its owner and
	// continuity targets [issue 15 M6, M10]; nil: their pages and routes answer 404.
	Systems medsec.ClinicalSystemService
	// Backups keeps the backup plans of the clinical systems, their job results and
	// restore tests [M10]; nil: their pages and routes answer 404.
	Backups medsec.BackupService
	// Reports generates reports, keeps them as evidence and lists them, and keeps each
	// site's report schedule [M12]; nil: the reports page and routes answer 404.
	Reports medsec.ReportService
	// RiskReviews keeps the yearly risk reviews, their decisions and signatures; nil: their
	// pages and routes answer 404.
	RiskReviews medsec.RiskReviewService
	// Governance keeps each site's governance calendar (training, drills, reviews,
	// filings) and the training records [M11]; nil: their pages and routes answer 404.
	Governance medsec.GovernanceService
}

// Server is the web UI and REST API.
type Server struct {
	Services
	logger  *slog.Logger
	i18n    *i18n.Bundle
	views   map[string]*template.Template
	static  map[string]staticFile // by checksum URL
	handler http.Handler
	limiter *limiter
	// secureCookies marks cookies Secure; set when serving HTTPS.
	secureCookies bool
	now           func() time.Time
	// dash keeps the home page's figures per scope for a minute (see dashboardTTL).
	dash dashCache
}

type staticFile struct {
	name string
	data []byte
}

// Config configures a Server.
type Config struct {
	Services
	Logger        *slog.Logger
	SecureCookies bool
	// Now is the server's clock; nil means time.Now.
	Now func() time.Time
}

// NewServer parses the embedded views and builds the routes. A broken view fails here,
// at start-up, not on a request.
func NewServer(cfg Config) (*Server, error) {
	bundle, err := i18n.Load()
	if err != nil {
		return nil, err
	}
	s := &Server{Services: cfg.Services, logger: cfg.Logger, i18n: bundle, secureCookies: cfg.SecureCookies, now: cfg.Now,
		limiter: newLimiter(10, time.Minute)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.LogSources == nil {
		s.LogSources = noLogSources{}
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if err := s.loadStatic(); err != nil {
		return nil, err
	}
	if err := s.parseViews(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	for _, r := range apiRoutes(s) {
		mux.Handle(r.Method+" "+r.Path, s.api(r))
	}
	s.uiRoutes(mux)
	mux.HandleFunc("GET /static/{sum}/{name}", s.serveStatic)
	// Cross-origin protection rejects state-changing browser requests from other origins
	// (the Sec-Fetch-Site / Origin check of Go 1.25); API clients with bearer tokens send
	// neither header and pass.
	// Its refusal is said in the user's language (crossOriginDenied), not Go's English.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	s.handler = securityHeaders(s.refererGuard(cop.Handler(s.inputGuard(s.withNotFound(mux)))))
	return s, nil
}

// refererGuard refuses, as cross-origin protection does (crossOriginDenied), a
// state-changing request that carries neither Sec-Fetch-Site nor Origin but a Referer of
// another host: Go's check lets such a request through as not from a browser, while a
// browser or proxy that strips both headers still says in Referer which page sent it
// (bt16 CSRF). A request with no Referer either (an API client) passes, as before.
func (s *Server) refererGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if ref := r.Header.Get("Referer"); ref != "" && r.Header.Get("Sec-Fetch-Site") == "" && r.Header.Get("Origin") == "" {
				if u, err := url.Parse(ref); err != nil || u.Host != r.Host {
					s.crossOriginDenied(w, r)
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// ServeHTTP implements http.Handler. A request that may change data (any method but GET
// and HEAD) drops the dashboards computed before it, so that the home page shows it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.dash.clear()
	}
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		next.ServeHTTP(w, r)
	})
}

// loadStatic indexes the embedded static files under URLs that carry their checksum, so
// they can be cached forever.
func (s *Server) loadStatic() error {
	s.static = map[string]staticFile{}
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		name := path.Base(p)
		s.static[hex.EncodeToString(sum[:6])+"/"+name] = staticFile{name: name, data: data}
		return nil
	})
}

// staticURL returns the checksum URL of a static file.
func (s *Server) staticURL(name string) string {
	for k, f := range s.static {
		if f.name == name {
			return "/static/" + k
		}
	}
	panic("no static file " + name)
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := s.static[r.PathValue("sum")+"/"+r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	switch path.Ext(f.name) {
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(f.data)
}

const sessionCookie = "medsec_session"

// authenticate finds the user of a request: a bearer token for the API, else the session
// cookie. It returns nil when there is none or it is invalid.
func (s *Server) authenticate(r *http.Request) *medsec.User {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			return nil
		}
		u, err := s.Users.FindUserByAPIToken(ctx, strings.TrimSpace(token))
		if err != nil {
			s.logIfInternal(r, err)
			return nil
		}
		return u
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	u, err := s.Users.FindUserBySession(ctx, c.Value)
	if err != nil {
		s.logIfInternal(r, err)
		return nil
	}
	return u
}

// mustEnrolTOTP reports whether the user may do nothing but enrol two-factor
// authentication: the organisation requires it and the user has not enrolled. Sessions of
// enrolled users always passed the code (Authenticate asks for it), so this is exactly a
// password-only session, and for API tokens a token of a user who has not enrolled: such
// tokens are refused while the setting is on, whenever they were made.
func (s *Server) mustEnrolTOTP(r *http.Request, u *medsec.User) (bool, error) {
	if u.TOTPEnabled {
		return false, nil
	}
	set, err := s.Users.FindSettings(r.Context())
	if err != nil {
		return false, err
	}
	return set.RequireTOTP, nil
}

// withUser returns r with the user and the client address in its context.
func withUser(r *http.Request, u *medsec.User) *http.Request {
	ctx := medsec.NewContextWithUser(r.Context(), u)
	ctx = medsec.NewContextWithRemoteAddr(ctx, clientIP(r))
	return r.WithContext(ctx)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// denied records a permission denial in the audit trail.
func (s *Server) denied(r *http.Request, detail string) { s.deniedAt(r, detail, 0) }

// deniedAt records a permission denial about an object of a site (0 for none), so that
// only users who may see that site read it in the audit trail.
func (s *Server) deniedAt(r *http.Request, detail string, siteID int64) {
	e := &medsec.AuditEntry{Action: medsec.ActionDenied, SiteID: siteID, Detail: truncate(r.Method+" "+r.URL.Path+": "+detail, 200)}
	if err := s.Audit.RecordEvent(r.Context(), e); err != nil {
		s.logger.Error("audit denial", "err", err)
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// clientGone reports whether err only says that the client went away (it closed the
// connection, so the request's context was cancelled): nothing failed on our side, so it
// is logged at INFO and nothing is written back.
func (s *Server) clientGone(r *http.Request, err error) bool {
	if r.Context().Err() == nil || !errors.Is(err, context.Canceled) {
		return false
	}
	s.logger.Info("client went away", "method", r.Method, "path", r.URL.Path)
	return true
}

func (s *Server) logIfInternal(r *http.Request, err error) {
	if medsec.ErrorCode(err) == medsec.EINTERNAL && !s.clientGone(r, err) {
		s.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// statusOf maps error codes to HTTP statuses.
var statusOf = map[string]int{
	medsec.ECONFLICT:     http.StatusConflict,
	medsec.EINVALID:      http.StatusUnprocessableEntity,
	medsec.ENOTFOUND:     http.StatusNotFound,
	medsec.EUNAUTHORIZED: http.StatusUnauthorized,
	medsec.EFORBIDDEN:    http.StatusForbidden,
	medsec.EINTERNAL:     http.StatusInternalServerError,
	medsec.EUNAVAILABLE:  http.StatusServiceUnavailable,
	medsec.ETOOLARGE:     http.StatusRequestEntityTooLarge,
}

// errorStatus returns the HTTP status of an error; validation errors are EINVALID.
func errorStatus(err error) int {
	if _, ok := err.(*medsec.ValidationError); ok {
		return http.StatusUnprocessableEntity
	}
	return statusOf[medsec.ErrorCode(err)]
}

// limiter allows n attempts per key (a client address) in each window.
type limiter struct {
	n      int
	window time.Duration
	mu     sync.Mutex
	hits   map[string][]time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, hits: map[string][]time.Time{}}
}

// allow records an attempt by key at now and reports whether it is within the limit.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.hits[key][:0]
	for _, t := range l.hits[key] {
		if now.Sub(t) < l.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= l.n {
		l.hits[key] = recent
		return false
	}
	l.hits[key] = append(recent, now)
	if len(l.hits) > 10000 { // forget idle clients so memory stays bounded
		for k, v := range l.hits {
			if len(v) == 0 || now.Sub(v[len(v)-1]) >= l.window {
				delete(l.hits, k)
			}
		}
	}
	return true
}

func parseID(r *http.Request, name string) (int64, error) {
	var id int64
	if _, err := fmt.Sscan(r.PathValue(name), &id); err != nil || id <= 0 {
		return 0, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	return id, nil
}
