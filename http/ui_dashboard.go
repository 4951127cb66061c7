package http

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"medsec"
)

// dashboardTTL is how long the home page's figures are reused for users of the same scope
// before they are computed again; any change made through this server (a request that is
// not a GET or HEAD) drops them at once.
const dashboardTTL = time.Minute

// dashboard is the home page's figures for the caller's sites and vendor (the services
// scope every count): compliance by catalog, site and department, devices past end of
// support, unknown hosts of each site's latest discovery, flows no conduit allows, overdue
// obligations and reviews. The API returns it as JSON (GET /api/v1/dashboard).
type dashboard struct {
	GeneratedAt time.Time `json:"generated_at"`
	// Catalogs is each catalog's gap report totals (organisational catalogs count one
	// subject, the organisation; they are empty for vendor users).
	Catalogs []dashCatalog `json:"catalogs"`
	// BySite and ByDepartment split the TW baseline's (asset, control) rows.
	BySite       []medsec.GapGroup `json:"by_site"`
	ByDepartment []medsec.GapGroup `json:"by_department"`
	// Sites are the caller's sites with their own figures; the fields below add them up.
	Sites          []dashSite `json:"sites"`
	SupportEnded   int        `json:"support_ended"`
	UnknownHosts   int        `json:"unknown_hosts"`
	Violations     int        `json:"violations"`
	MissingReviews int        `json:"missing_crl_reviews"`
	// ObligationsOverdue counts the obligation calendar's overdue tasks; ReviewsOverdue
	// the current assessments whose next review day has passed.
	ObligationsOverdue int `json:"obligations_overdue"`
	ReviewsOverdue     int `json:"reviews_overdue"`
	// Incidents counts the open incidents (drills left out) and LateClocks their reporting
	// clocks that are late and not met; absent for a role that may not read incidents.
	Incidents  *int `json:"open_incidents,omitempty"`
	LateClocks *int `json:"late_incident_clocks,omitempty"`
	// Alerts counts the open detection alerts and AlertsSevere those of level high or
	// critical; absent for a role that may not read alerts.
	Alerts       *int `json:"open_alerts,omitempty"`
	AlertsSevere *int `json:"open_alerts_high_critical,omitempty"`
	// Vulns counts the open vulnerability findings and VulnsOverdue those past their fix
	// deadline; absent when vulnerability management is not running.
	Vulns        *int `json:"open_findings,omitempty"`
	VulnsOverdue *int `json:"overdue_findings,omitempty"`
	// ControlReviewsOverdue counts the mitigated findings whose compensating control is
	// past its review day.
	ControlReviewsOverdue *int `json:"control_reviews_overdue,omitempty"`
}

// dashCatalog is one catalog's totals on the dashboard.
type dashCatalog struct {
	CatalogID string          `json:"catalog_id"`
	Title     string          `json:"title"`
	Subjects  int             `json:"subjects"`
	Totals    medsec.GapCount `json:"totals"`
}

// dashSite is one site's figures on the dashboard.
type dashSite struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	SupportEnded int    `json:"support_ended"`
	// LastRun is the site's latest discovery run (0 when none); UnknownHosts counts the
	// hosts it saw that the inventory does not hold.
	LastRun      int64     `json:"last_discovery_id,omitempty"`
	LastRunAt    time.Time `json:"last_discovery_at,omitzero"`
	UnknownHosts int       `json:"unknown_hosts"`
	// Violations counts the site's observed flows that no conduit allows.
	Violations int `json:"violations"`
	// MissingReviews counts controlled devices without this year's CRL review [000 §7(二)].
	MissingReviews int `json:"missing_crl_reviews"`
}

// Implemented returns the share of a count's rows judged implemented or compensated, of
// those that apply (not applicable rows left out), in whole percent; 0 when none apply.
func implementedShare(c medsec.GapCount) int {
	applicable := c.Total - c.ByStatus[medsec.AssessNotApplicable]
	if applicable <= 0 {
		return 0
	}
	done := c.ByStatus[medsec.AssessImplemented] + c.ByStatus[medsec.AssessCompensating]
	return done * 100 / applicable
}

// buildDashboard reads the figures through the services, each scoped to the context's user.
func (s *Server) buildDashboard(ctx context.Context) (*dashboard, error) {
	d := &dashboard{GeneratedAt: s.now().UTC(), Catalogs: []dashCatalog{}, Sites: []dashSite{}}
	for _, id := range allCatalogs {
		rep, err := s.Assessments.GapReport(ctx, medsec.GapFilter{CatalogID: id, Limit: 1}) // the counts; no list
		if err != nil {
			return nil, fmt.Errorf("dashboard: gap report %s: %w", id, err)
		}
		if rep.Totals.Total == 0 && id != allCatalogs[0] {
			continue // an organisational catalog the caller does not see (vendor users)
		}
		d.Catalogs = append(d.Catalogs, dashCatalog{CatalogID: rep.CatalogID, Title: rep.Title, Subjects: rep.Subjects, Totals: rep.Totals})
		if id == allCatalogs[0] {
			d.BySite, d.ByDepartment = rep.BySite, rep.ByDepartment
		}
	}
	sites, err := s.Org.FindSites(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := s.Discovery.FindDiscoveryRuns(ctx) // newest first
	if err != nil {
		return nil, err
	}
	for _, site := range sites {
		ds := dashSite{ID: site.ID, Name: site.Name}
		if _, n, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: site.ID, Status: medsec.StatusActive, SupportEnded: true, Limit: 1}); err != nil {
			return nil, err
		} else {
			ds.SupportEnded = n
		}
		if i := slices.IndexFunc(runs, func(r *medsec.DiscoveryRun) bool { return r.SiteID == site.ID }); i >= 0 {
			ds.LastRun, ds.LastRunAt, ds.UnknownHosts = runs[i].ID, runs[i].CreatedAt, runs[i].ProposedNew
		}
		if ds.Violations, err = s.Zones.ViolationCount(ctx, site.ID); err != nil {
			return nil, err
		}
		if ds.MissingReviews, err = s.Zones.MissingCRLReviewCount(ctx, site.ID); err != nil {
			return nil, err
		}
		d.SupportEnded += ds.SupportEnded
		d.UnknownHosts += ds.UnknownHosts
		d.Violations += ds.Violations
		d.MissingReviews += ds.MissingReviews
		d.Sites = append(d.Sites, ds)
	}
	tasks, err := s.Assessments.ObligationCalendar(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tasks {
		if t.Overdue {
			d.ObligationsOverdue++
		}
	}
	overdue, err := s.overdueReviews(ctx)
	if err != nil {
		return nil, err
	}
	d.ReviewsOverdue = len(overdue)
	if u := medsec.UserFromContext(ctx); s.Incidents != nil && u != nil && u.Role.Can(medsec.PermIncidentRead) {
		open, err := s.Incidents.FindIncidents(ctx, medsec.IncidentFilter{Status: medsec.IncidentOpen, Drill: "no"})
		if err != nil {
			return nil, err
		}
		n, late := len(open), 0
		for _, inc := range open {
			late += len(inc.LateClocks())
		}
		d.Incidents, d.LateClocks = &n, &late
	}
	if u := medsec.UserFromContext(ctx); s.Alerts != nil && u != nil && u.Role.Can(medsec.PermAlertRead) {
		_, open, err := s.Alerts.FindAlerts(ctx, medsec.AlertFilter{Open: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		severe := 0
		for _, level := range []string{"high", "critical"} {
			_, n, err := s.Alerts.FindAlerts(ctx, medsec.AlertFilter{Open: true, Level: level, Limit: 1})
			if err != nil {
				return nil, err
			}
			severe += n
		}
		d.Alerts, d.AlertsSevere = &open, &severe
	}
	if s.Vulns != nil {
		_, open, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{Open: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		_, overdue, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{Overdue: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		_, reviews, err := s.Vulns.FindFindings(ctx, medsec.FindingFilter{ControlReviewOverdue: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		d.Vulns, d.VulnsOverdue, d.ControlReviewsOverdue = &open, &overdue, &reviews
	}
	return d, nil
}

// overdueReviews returns the current assessments the caller may see whose next review day
// has passed, of active assets or the organisation, soonest due first (the reminder rule
// of notify.Reminders).
func (s *Server) overdueReviews(ctx context.Context) ([]*medsec.Assessment, error) {
	as, err := s.Assessments.FindAssessments(ctx, medsec.AssessmentFilter{})
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := slices.DeleteFunc(as, func(a *medsec.Assessment) bool {
		return !a.NextReview.Before(now) || a.Status == medsec.AssessNotApplicable
	})
	active := map[int64]bool{}
	for _, a := range out {
		if _, ok := active[a.AssetID]; ok || a.AssetID == medsec.Organisation {
			continue
		}
		asset, err := s.Assets.FindAssetByID(ctx, a.AssetID)
		if err != nil {
			return nil, err
		}
		active[a.AssetID] = asset.Status == medsec.StatusActive
	}
	out = slices.DeleteFunc(out, func(a *medsec.Assessment) bool { return a.AssetID != medsec.Organisation && !active[a.AssetID] })
	slices.SortStableFunc(out, func(a, b *medsec.Assessment) int {
		return strings.Compare(a.NextReview.String(), b.NextReview.String())
	})
	return out, nil
}

// dashCache keeps computed dashboards per scope (role family, vendor and sites), computing
// each at most once at a time: concurrent requests of one scope wait for the same
// computation. Figures older than dashboardTTL are still served while new ones are
// computed in the background, so that no user waits for a large inventory's figures
// except the first after a start or a change.
type dashCache struct {
	mu      sync.Mutex
	entries map[string]*dashEntry
}

type dashEntry struct {
	ready      chan struct{}
	d          *dashboard
	err        error
	at         time.Time
	refreshing bool
}

// scopeKey names what a user may see: users with the same key get the same figures.
func scopeKey(u *medsec.User) string {
	var b strings.Builder
	if u.Role == medsec.RoleVendor {
		fmt.Fprintf(&b, "vendor:%d", u.VendorID)
	} else {
		b.WriteString("staff")
	}
	if u.Role.Can(medsec.PermIncidentRead) {
		b.WriteString(":incidents")
	}
	if u.Role.Can(medsec.PermAlertRead) {
		b.WriteString(":alerts")
	}
	ids := slices.Clone(u.SiteIDs)
	slices.Sort(ids)
	for _, id := range ids {
		b.WriteString(":" + strconv.FormatInt(id, 10))
	}
	return b.String()
}

// get returns the scope's dashboard: the stored one while younger than the TTL; an older
// one at once while a new one is computed in the background; else (none, or the last
// computation failed) one computed now.
func (c *dashCache) get(key string, now time.Time, compute func() (*dashboard, error)) (*dashboard, error) {
	c.mu.Lock()
	e := c.entries[key]
	if e != nil {
		select {
		case <-e.ready:
			switch {
			case e.err != nil:
				e = nil
			case now.Sub(e.at) < dashboardTTL && !now.Before(e.at):
				c.mu.Unlock()
				return e.d, nil
			default: // stale: serve it, refresh once
				if !e.refreshing {
					e.refreshing = true
					go c.refresh(key, e, now, compute)
				}
				c.mu.Unlock()
				return e.d, nil
			}
		default: // being computed: wait for it
		}
	}
	if e == nil {
		e = &dashEntry{ready: make(chan struct{}), at: now}
		if c.entries == nil {
			c.entries = map[string]*dashEntry{}
		}
		c.entries[key] = e
		c.mu.Unlock()
		e.d, e.err = compute()
		close(e.ready)
		return e.d, e.err
	}
	c.mu.Unlock()
	<-e.ready
	return e.d, e.err
}

// refresh computes a scope's figures again and puts them in place of old, unless a change
// dropped old meanwhile; a failed computation keeps old (and lets a later request retry).
func (c *dashCache) refresh(key string, old *dashEntry, now time.Time, compute func() (*dashboard, error)) {
	d, err := compute()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries[key] != old {
		return
	}
	if err != nil {
		old.refreshing = false
		return
	}
	n := &dashEntry{ready: make(chan struct{}), d: d, at: now}
	close(n.ready)
	c.entries[key] = n
}

// clear forgets every computed dashboard.
func (c *dashCache) clear() {
	c.mu.Lock()
	c.entries = nil
	c.mu.Unlock()
}

// dashboardFor returns the dashboard of the request's user, from the cache when fresh.
func (s *Server) dashboardFor(r *http.Request) (*dashboard, error) {
	u := medsec.UserFromContext(r.Context())
	if u == nil {
		return nil, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.login_required", "Not logged in.")
	}
	// The computation must not stop when the first requester goes away: others may wait
	// for it.
	ctx := context.WithoutCancel(r.Context())
	return s.dash.get(scopeKey(u), s.now(), func() (*dashboard, error) { return s.buildDashboard(ctx) })
}

// dashChart is one chart's data as the page's script reads it: category labels, one series
// per status (translated name, colour token, values) and the link of each category.
type dashChart struct {
	ID         string       `json:"id"`
	Label      string       `json:"label"`
	Categories []string     `json:"categories"`
	Links      []string     `json:"links"`
	Series     []dashSeries `json:"series"`
	Total      string       `json:"total_label"`
	Percent    []int        `json:"percent"`
}

type dashSeries struct {
	Status string `json:"status"`
	Name   string `json:"name"`
	Data   []int  `json:"data"`
}

// dashboardPage is the home page's view data.
type dashboardPage struct {
	D      *dashboard
	Charts []dashChart
	// ChartJSON is the charts' data, embedded in the page for its script.
	ChartJSON template.JS
	Statuses  []medsec.AssessmentStatus
	TW        string
}

// Share is implementedShare for the view.
func (dashboardPage) Share(c medsec.GapCount) int { return implementedShare(c) }

func (s *Server) uiDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dashboardFor(r)
	if err != nil {
		return err
	}
	p := s.newPage(r, "dashboard.title")
	v := &dashboardPage{D: d, Statuses: medsec.ReportStatuses, TW: allCatalogs[0]}
	chart := func(id, label string, names, links []string, counts []medsec.GapCount) dashChart {
		c := dashChart{ID: id, Label: label, Categories: names, Links: links, Total: p.T("gap.total")}
		for _, st := range medsec.ReportStatuses {
			sr := dashSeries{Status: string(st), Name: p.Enum("assess", st)}
			for _, gc := range counts {
				sr.Data = append(sr.Data, gc.ByStatus[st])
			}
			c.Series = append(c.Series, sr)
		}
		for _, gc := range counts {
			c.Percent = append(c.Percent, implementedShare(gc))
		}
		return c
	}
	var names, links []string
	var counts []medsec.GapCount
	for _, c := range d.Catalogs {
		names, links, counts = append(names, p.Enum("catalog", c.CatalogID)), append(links, "/compliance?catalog="+c.CatalogID), append(counts, c.Totals)
	}
	v.Charts = append(v.Charts, chart("chart-catalogs", p.T("dashboard.by_catalog"), names, links, counts))
	names, links, counts = nil, nil, nil
	for _, g := range d.BySite {
		names, links, counts = append(names, g.Name), append(links, fmt.Sprintf("/compliance?catalog=%s&site=%d", v.TW, g.ID)), append(counts, g.Totals)
	}
	v.Charts = append(v.Charts, chart("chart-sites", p.T("dashboard.by_site"), names, links, counts))
	names, links, counts = nil, nil, nil
	for _, g := range d.ByDepartment {
		name := g.Name
		if g.ID == 0 {
			name = p.T("dashboard.no_department")
		}
		if len(d.BySite) > 1 {
			for _, site := range d.BySite {
				if site.ID == g.SiteID {
					name = site.Name + " · " + name
				}
			}
		}
		names, links, counts = append(names, name), append(links, fmt.Sprintf("/compliance?catalog=%s&site=%d&department=%d", v.TW, g.SiteID, g.ID)), append(counts, g.Totals)
	}
	v.Charts = append(v.Charts, chart("chart-departments", p.T("dashboard.by_department"), names, links, counts))
	js, err := json.Marshal(v.Charts)
	if err != nil {
		return fmt.Errorf("dashboard charts: %w", err)
	}
	v.ChartJSON = template.JS(js)
	p.Data = v
	s.render(w, r, http.StatusOK, "dashboard", p)
	return nil
}

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request) error {
	d, err := s.dashboardFor(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// uiReviewsOverdue lists the assessments past their next review day, each linking to its
// subject's controls: the list the dashboard's "reviews overdue" number opens.
func (s *Server) uiReviewsOverdue(w http.ResponseWriter, r *http.Request) error {
	as, err := s.overdueReviews(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(r, "reviews.title")
	p.Data = as
	s.render(w, r, http.StatusOK, "reviews_overdue", p)
	return nil
}

// RowTotal adds up a chart's category i over its series.
func (dashboardPage) RowTotal(c dashChart, i int) int {
	n := 0
	for _, sr := range c.Series {
		n += sr.Data[i]
	}
	return n
}
