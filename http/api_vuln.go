package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"medsec"
	"medsec/tabular"
	"medsec/vuln"
)

// VulnService is what the UI and API need of vulnerability management (issue 11): the
// domain's service, plus the operations that speak the vuln package's types.
type VulnService interface {
	medsec.VulnService
	// EachFinding calls fn with every finding in scope the filter selects.
	EachFinding(ctx context.Context, f medsec.FindingFilter, fn func(*medsec.Finding) error) error
	// FindAdvisory returns an advisory as parsed and its findings in scope.
	FindAdvisory(ctx context.Context, ref string) (*vuln.Advisory, []*medsec.Finding, error)
	// VEX writes the advisory's VEX document ("csaf" or "cyclonedx").
	VEX(ctx context.Context, ref, format string, base vuln.VEXInput) ([]byte, error)
	// Import stores feeds and matches them, in one transaction.
	Import(ctx context.Context, b vuln.Batch) (medsec.ImportSummary, error)
}

// vulnAPIRoutes are the REST endpoints of findings, advisories, VEX and the fix ledger.
func vulnAPIRoutes(s *Server) []apiRoute {
	read, write := medsec.PermInventoryRead, medsec.PermInventoryWrite
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/findings", Perm: read, Handler: s.apiFindingList},
		{Method: "GET", Path: "/api/v1/findings/counts", Perm: read, Handler: s.apiFindingCounts},
		{Method: "GET", Path: "/api/v1/findings/{id}", Perm: read, Handler: s.apiFindingGet},
		{Method: "POST", Path: "/api/v1/findings/{id}/analysis", Perm: write, Handler: s.apiFindingAnalyze},
		{Method: "GET", Path: "/api/v1/findings/{id}/controls", Perm: read, Handler: s.apiFindingControls},
		{Method: "POST", Path: "/api/v1/findings/{id}/controls", Perm: write, Handler: s.apiFindingControlAdd},
		{Method: "GET", Path: "/api/v1/findings/{id}/fixes", Perm: read, Handler: s.apiFindingFixes},
		{Method: "POST", Path: "/api/v1/findings/{id}/fixes", Perm: write, Handler: s.apiFindingFixAdd},
		{Method: "GET", Path: "/api/v1/findings/{id}/rescores", Perm: read, Handler: s.apiFindingRescores},
		{Method: "POST", Path: "/api/v1/findings/{id}/rescores", Perm: write, Handler: s.apiFindingRescore},
		{Method: "GET", Path: "/api/v1/fixes", Perm: read, Handler: s.apiFixLedger},
		{Method: "GET", Path: "/api/v1/fixes/export", Perm: read, Handler: s.exportFixLedger},
		{Method: "POST", Path: "/api/v1/patch-permissions", Perm: write, Handler: s.apiPatchPermission},
		{Method: "GET", Path: "/api/v1/deadline-policies", Perm: read, Handler: s.apiPolicyList},
		{Method: "PUT", Path: "/api/v1/deadline-policies/{id}", Perm: medsec.PermSiteAdmin, Handler: s.apiPolicySet},
		{Method: "GET", Path: "/api/v1/advisories", Perm: read, Handler: s.apiAdvisoryList},
		{Method: "POST", Path: "/api/v1/advisories/import", Perm: write, Handler: s.apiAdvisoryImport},
		{Method: "GET", Path: "/api/v1/advisories/{ref}", Perm: read, Handler: s.apiAdvisoryGet},
		{Method: "GET", Path: "/api/v1/advisories/{ref}/vex", Perm: read, Handler: s.apiAdvisoryVEX},
	}
}

// vulns returns the service, or ENOTFOUND when the server runs without it.
func (s *Server) vulns() (VulnService, error) {
	if s.Vulns == nil {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.code.not_found", "Not found.")
	}
	return s.Vulns, nil
}

// findingFilter reads a findings filter from the query: asset, site, advisory, cve, state,
// open, overdue, review_overdue, q, offset, limit.
func findingFilter(r *http.Request) (medsec.FindingFilter, error) {
	q := r.URL.Query()
	if st := q.Get("state"); st != "" && !slices.Contains(medsec.FindingStates, medsec.FindingState(st)) {
		allowed := make([]string, len(medsec.FindingStates))
		for i, s := range medsec.FindingStates {
			allowed[i] = string(s)
		}
		return medsec.FindingFilter{}, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "state", Key: "err.unknown_value", Value: st,
			Message: "must be one of " + strings.Join(allowed, ", "), Enum: "finding_state", Allowed: allowed}}}
	}
	return medsec.FindingFilter{AssetID: queryInt64(r, "asset"), SiteID: queryInt64(r, "site"), Advisory: q.Get("advisory"),
		CVE: q.Get("cve"), State: medsec.FindingState(q.Get("state")), Open: q.Get("open") == "1" || q.Get("open") == "true",
		Overdue: q.Get("overdue") == "1" || q.Get("overdue") == "true", ControlReviewOverdue: q.Get("review_overdue") == "1" || q.Get("review_overdue") == "true", Query: q.Get("q"), Offset: queryInt(r, "offset", 0), Limit: queryInt(r, "limit", 0)}, nil
}

func (s *Server) apiFindingList(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	f, err := findingFilter(r)
	if err != nil {
		return err
	}
	items, total, err := v.FindFindings(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.Finding]{Items: items, Total: total, Offset: f.Offset, Limit: len(items)})
	return nil
}

func (s *Server) apiFindingCounts(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	c, err := v.CountFindings(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// findingAction is the shared start of every finding workflow handler, API and UI (and of
// the deadline policy's, whose {id} is a site's): the vulnerability service (ENOTFOUND when
// the server runs without it) and the {id} of the path, then act.
func (s *Server) findingAction(r *http.Request, act func(v VulnService, id int64) error) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	return act(v, id)
}

// apiFindingRead is an API read of one finding's records: do's result is written as JSON.
func apiFindingRead[Out any](s *Server, w http.ResponseWriter, r *http.Request, do func(ctx context.Context, v VulnService, id int64) (Out, error)) error {
	return s.findingAction(r, func(v VulnService, id int64) error {
		out, err := do(r.Context(), v, id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
}

// apiFindingWrite is an API change of one finding: the JSON body is read into an In, do
// makes the change and its result is written as JSON with status.
func apiFindingWrite[In, Out any](s *Server, w http.ResponseWriter, r *http.Request, status int, do func(ctx context.Context, v VulnService, id int64, in *In) (Out, error)) error {
	return s.findingAction(r, func(v VulnService, id int64) error {
		var in In
		if err := readJSON(r, &in); err != nil {
			return err
		}
		out, err := do(r.Context(), v, id, &in)
		if err != nil {
			return err
		}
		writeJSON(w, status, out)
		return nil
	})
}

// listOf is a whole list as the API writes it (every item, one page).
func listOf[T any](items []T) list[T] {
	return list[T]{Items: items, Total: len(items), Limit: len(items)}
}

func (s *Server) apiFindingGet(w http.ResponseWriter, r *http.Request) error {
	return apiFindingRead(s, w, r, func(ctx context.Context, v VulnService, id int64) (*medsec.Finding, error) {
		return v.FindFinding(ctx, id)
	})
}

func (s *Server) apiFindingAnalyze(w http.ResponseWriter, r *http.Request) error {
	return apiFindingWrite(s, w, r, http.StatusOK, func(ctx context.Context, v VulnService, id int64, a *medsec.FindingAnalysis) (*medsec.Finding, error) {
		return v.AnalyzeFinding(ctx, id, *a)
	})
}

func (s *Server) apiFindingControls(w http.ResponseWriter, r *http.Request) error {
	return apiFindingRead(s, w, r, func(ctx context.Context, v VulnService, id int64) (list[*medsec.CompensatingControl], error) {
		cs, err := v.FindControls(ctx, id)
		return listOf(cs), err
	})
}

func (s *Server) apiFindingControlAdd(w http.ResponseWriter, r *http.Request) error {
	return apiFindingWrite(s, w, r, http.StatusCreated, func(ctx context.Context, v VulnService, id int64, c *medsec.CompensatingControl) (*medsec.CompensatingControl, error) {
		c.FindingID = id
		return c, v.AddCompensatingControl(ctx, c)
	})
}

func (s *Server) apiFindingFixes(w http.ResponseWriter, r *http.Request) error {
	return apiFindingRead(s, w, r, func(ctx context.Context, v VulnService, id int64) (list[*medsec.FixEntry], error) {
		es, err := v.FindFixEntries(ctx, id)
		return listOf(es), err
	})
}

func (s *Server) apiFindingFixAdd(w http.ResponseWriter, r *http.Request) error {
	return apiFindingWrite(s, w, r, http.StatusCreated, func(ctx context.Context, v VulnService, id int64, e *medsec.FixEntry) (*medsec.FixEntry, error) {
		e.FindingID = id
		return e, v.AddFixEntry(ctx, e)
	})
}

func (s *Server) apiFindingRescores(w http.ResponseWriter, r *http.Request) error {
	return apiFindingRead(s, w, r, func(ctx context.Context, v VulnService, id int64) (*medsec.RescoreGuide, error) {
		return v.RescoreGuide(ctx, id)
	})
}

func (s *Server) apiFindingRescore(w http.ResponseWriter, r *http.Request) error {
	return apiFindingWrite(s, w, r, http.StatusCreated, func(ctx context.Context, v VulnService, id int64, in *medsec.FindingRescore) (*medsec.Rescore, error) {
		return v.RescoreFinding(ctx, id, *in)
	})
}

func (s *Server) apiPolicyList(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	ps, err := v.FindDeadlinePolicies(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(ps))
	return nil
}

func (s *Server) apiPolicySet(w http.ResponseWriter, r *http.Request) error {
	// {id} is the site's.
	return apiFindingWrite(s, w, r, http.StatusOK, func(ctx context.Context, v VulnService, id int64, p *medsec.DeadlinePolicy) (*medsec.DeadlinePolicy, error) {
		p.SiteID = id
		return p, v.SetDeadlinePolicy(ctx, p)
	})
}

// fixLedger returns every fix-ledger line in the caller's scope, for the ledger's API, page
// and export.
func (s *Server) fixLedger(r *http.Request) ([]*medsec.FixEntry, error) {
	v, err := s.vulns()
	if err != nil {
		return nil, err
	}
	return v.FindFixEntries(r.Context(), 0)
}

func (s *Server) apiFixLedger(w http.ResponseWriter, r *http.Request) error {
	es, err := s.fixLedger(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listOf(es))
	return nil
}

// exportFixLedger writes the fix ledger (漏洞修復臺賬) as CSV or, with format=xlsx, XLSX,
// headers in the caller's language.
func (s *Server) exportFixLedger(w http.ResponseWriter, r *http.Request) error {
	switch f := r.URL.Query().Get("format"); f {
	case "", "csv", "xlsx":
	default:
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "format", Key: "err.unknown_value", Value: f,
			Message: "must be one of csv, xlsx", Allowed: []string{"csv", "xlsx"}}}}
	}
	es, err := s.fixLedger(r)
	if err != nil {
		return err
	}
	p := s.newPage(r, "ledger.title")
	header := []string{p.T("ledger.at"), p.T("ledger.asset"), p.T("ledger.asset_id"), p.T("ledger.cve"), p.T("ledger.operator"), p.T("ledger.action"),
		p.T("ledger.verification"), p.T("ledger.result"), p.T("ledger.retest_on"), p.T("ledger.retest_result"), p.T("ledger.recorded_by")}
	// Each line's time in its site's zone, the zone named.
	zones := map[int64]string{}
	if s.Org != nil {
		if sites, err := s.Org.FindSites(r.Context()); err == nil {
			for _, st := range sites {
				zones[st.ID] = st.Zone()
			}
		}
	}
	row := func(e *medsec.FixEntry) []string {
		return []string{medsec.ZonedTime(e.At, zones[e.SiteID]), e.AssetName, strconv.FormatInt(e.AssetID, 10), e.CVE, e.Operator, e.Action,
			e.Verification, p.Enum("fix_result", e.Result), e.RetestOn.String(), e.RetestResult, e.CreatedBy}
	}
	name := "fix-ledger-" + s.now().UTC().Format("20060102")
	if r.URL.Query().Get("format") == "xlsx" {
		x := tabular.NewXLSX()
		defer x.Close()
		x.Sheet(tabular.Sheet{Name: p.T("ledger.sheet"), Header: header, Widths: []float64{17, 24, 8, 16, 16, 40, 30, 10, 12, 30, 14}})
		for _, e := range es {
			cells := []any{}
			for _, c := range row(e) {
				cells = append(cells, c)
			}
			x.Row(cells...)
		}
		var buf bytes.Buffer
		if _, err := x.WriteTo(&buf); err != nil {
			return fmt.Errorf("fix ledger xlsx: %w", err)
		}
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		w.Write(buf.Bytes())
		return nil
	}
	var buf bytes.Buffer
	cw := tabular.NewCSV(&buf)
	cw.Write(header...)
	for _, e := range es {
		cw.Write(row(e)...)
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	w.Write(buf.Bytes())
	return nil
}

func (s *Server) apiPatchPermission(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	var p medsec.PatchPermission
	if err := readJSON(r, &p); err != nil {
		return err
	}
	if err := v.SetPatchPermission(r.Context(), &p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, &p)
	return nil
}

func (s *Server) apiAdvisoryList(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	as, err := v.FindAdvisories(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[*medsec.AdvisorySummary]{Items: as, Total: len(as), Limit: len(as)})
	return nil
}

// advisoryView is an advisory with its findings in scope.
type advisoryView struct {
	Advisory *vuln.Advisory    `json:"advisory"`
	Findings []*medsec.Finding `json:"findings"`
}

func (s *Server) apiAdvisoryGet(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	a, fs, err := v.FindAdvisory(r.Context(), r.PathValue("ref"))
	if err != nil {
		return err
	}
	if fs == nil {
		fs = []*medsec.Finding{}
	}
	writeJSON(w, http.StatusOK, advisoryView{Advisory: a, Findings: fs})
	return nil
}

// apiAdvisoryVEX serves the advisory's VEX: format=csaf (default) or cyclonedx.
func (s *Server) apiAdvisoryVEX(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csaf"
	}
	ref := r.PathValue("ref")
	doc, err := v.VEX(r.Context(), ref, format, vuln.VEXInput{Publisher: "medsec", Now: s.now().UTC()})
	if err != nil {
		return err
	}
	name := "vex-" + strings.NewReplacer("/", "_", "\\", "_", `"`, "_").Replace(strings.ToLower(ref))
	if format == "cyclonedx" {
		w.Header().Set("Content-Type", "application/vnd.cyclonedx+json")
		name += ".cdx.json"
	} else {
		w.Header().Set("Content-Type", "application/json")
		name += ".csaf.json"
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(doc)
	return nil
}

// maxFeedUpload bounds one uploaded feed file: a yearly NVD file gzip-compressed is about
// 30 MB; EPSS's about 2 MB.
const maxFeedUpload = 256 << 20

// apiAdvisoryImport imports the feed file in the request body (any format medsec vuln
// import reads; ?name= names it for the audit trail) and matches it.
func (s *Server) apiAdvisoryImport(w http.ResponseWriter, r *http.Request) error {
	v, err := s.vulns()
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxFeedUpload+1))
	if err != nil {
		return medsec.ErrorWithKey(medsec.EINVALID, "err.body_unreadable", "The request body could not be read.")
	}
	name := r.URL.Query().Get("name")
	if name == "" {
		name = "upload"
	}
	sum, err := importFeeds(r.Context(), v, []namedFile{{name, data}})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}

type namedFile struct {
	name string
	data []byte
}

// feedError is a refused feed file as a field error that keeps its detail in every
// language: the file, the place in it (JSON pointer, line and column) and the reason, as
// the translation's arguments (err.bad_feed_at); the reason is the parser's own words.
func feedError(name string, err error) medsec.FieldError {
	var ie *vuln.InputError
	if !errors.As(err, &ie) {
		return medsec.FieldError{Field: "file", Key: "err.bad_feed", Message: err.Error(), Value: err.Error()}
	}
	file, where := ie.File, ie.Where
	if file == "" {
		file = name
	}
	if where == "" {
		where = "/"
	}
	return medsec.FieldError{File: file, Field: "file", Key: "err.bad_feed_at", Args: []string{file, where, ie.Reason}, Message: err.Error()}
}

// importFeeds reads every file first and imports them in one transaction; a bad file is
// refused (EINVALID naming file and place) with nothing stored.
func importFeeds(ctx context.Context, v VulnService, files []namedFile) (medsec.ImportSummary, error) {
	var b vuln.Batch
	for _, f := range files {
		if len(f.data) > maxFeedUpload {
			return medsec.ImportSummary{}, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "file", Key: "err.body_too_large", Message: "is too large"}}}
		}
		feed, err := vuln.ReadFeed(f.name, f.data)
		if err != nil {
			return medsec.ImportSummary{}, &medsec.ValidationError{Errors: []medsec.FieldError{feedError(f.name, err)}}
		}
		b.Add(f.name, feed)
	}
	return v.Import(ctx, b)
}
