package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"medsec"
	"medsec/capture"
	"medsec/catalog"
)

// SearchService implements medsec.SearchService over the store and the catalogs.
type SearchService struct {
	db       *DB
	catalogs []*catalog.Catalog
}

var _ medsec.SearchService = (*SearchService)(nil)

// NewSearchService returns the search of db and the catalogs medsec assesses against.
func NewSearchService(db *DB, catalogs []*catalog.Catalog) *SearchService {
	return &SearchService{db: db, catalogs: catalogs}
}

// searchWords splits a query into lower-case words, as the asset search does.
func searchWords(query string) []string {
	return strings.Fields(strings.ToLower(strings.ReplaceAll(query, "\x00", " ")))
}

// Search finds each kind the caller may read, in the order of medsec.SearchKinds.
func (s *SearchService) Search(ctx context.Context, query string, perKind int) (*medsec.SearchResults, error) {
	u, err := medsec.Authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	query = strings.TrimSpace(query)
	words := searchWords(query)
	switch {
	case len(words) == 0:
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "q", Key: "err.required", Message: "is required"}}}
	case utf8.RuneCountInString(query) > medsec.MaxSearchQueryRunes:
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "q", Key: "err.too_long",
			Message: fmt.Sprintf("is longer than %d characters", medsec.MaxSearchQueryRunes)}}}
	}
	if perKind <= 0 || perKind > medsec.MaxPageSize {
		perKind = 10
	}
	res := &medsec.SearchResults{Query: query}
	steps := []struct {
		perm medsec.Permission
		find func(context.Context, string, []string, int) (medsec.SearchGroup, error)
	}{
		{medsec.PermInventoryRead, s.assets},
		{medsec.PermInventoryRead, s.controls},
		{medsec.PermInventoryRead, s.findings},
		{medsec.PermIncidentRead, s.incidents},
		{medsec.PermInventoryRead, s.discovery},
		{medsec.PermAuditRead, s.audit},
	}
	for _, step := range steps {
		if !u.Role.Can(step.perm) {
			continue
		}
		g, err := step.find(ctx, query, words, perKind)
		if err != nil {
			return nil, err
		}
		res.Groups = append(res.Groups, g)
	}
	return res, nil
}

// assets finds assets from the trigram index, as the inventory's search does.
func (s *SearchService) assets(ctx context.Context, query string, _ []string, n int) (medsec.SearchGroup, error) {
	g := medsec.SearchGroup{Kind: medsec.SearchAssets, Path: "/assets?" + url.Values{"q": {query}, "status": {""}}.Encode()}
	list, total, err := (&AssetService{db: s.db}).FindAssets(ctx, medsec.AssetFilter{Query: query, Limit: n})
	if err != nil {
		return g, err
	}
	for _, a := range list {
		detail := a.SiteName
		for _, x := range []string{a.DepartmentName, a.VendorName, a.Model, strings.Join(a.IPs, ", ")} {
			if x != "" {
				detail += " · " + x
			}
		}
		g.Hits = append(g.Hits, medsec.SearchHit{Kind: medsec.SearchAssets, ID: a.ID, Title: a.Name, Detail: detail, SiteID: a.SiteID,
			Path: "/assets/" + strconv.FormatInt(a.ID, 10)})
	}
	g.Total, g.More = total, total > len(list)
	return g, nil
}

// controls finds controls of every catalog whose id, titles or statements (the original
// language and English) hold every word. Catalogs are public: no scope applies.
func (s *SearchService) controls(_ context.Context, _ string, words []string, n int) (medsec.SearchGroup, error) {
	g := medsec.SearchGroup{Kind: medsec.SearchControls}
	for _, c := range s.catalogs {
		for _, ctl := range c.AllControls() {
			text := strings.ToLower(strings.Join([]string{ctl.ID, ctl.Title, ctl.TitleEnglish(), ctl.OriginalText(), ctl.English(), ctl.Domain(), ctl.DomainEnglish()}, "\n"))
			if !containsAll(text, words) {
				continue
			}
			g.Total++
			if len(g.Hits) == n {
				continue
			}
			path := "/compliance/organisation?" + url.Values{"catalog": {c.ID()}, "control": {ctl.ID}}.Encode() + "#" + ctl.ID
			if c.ID() == catalog.IDTaiwanBaseline {
				path = "/compliance?" + url.Values{"catalog": {c.ID()}}.Encode() + "#" + ctl.ID
			}
			g.Hits = append(g.Hits, medsec.SearchHit{Kind: medsec.SearchControls, Ref: ctl.ID, Catalog: c.ID(), Title: ctl.Title,
				Detail: c.Title() + " · " + ctl.TitleEnglish(), Path: path})
		}
	}
	g.More = g.Total > len(g.Hits)
	return g, nil
}

// containsAll reports whether text holds every word.
func containsAll(text string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}

// likeAll returns the condition that expr holds every word, case-insensitively (LOWER
// folds ASCII on SQLite; CJK has no case), with its arguments.
func likeAll(expr string, words []string) (string, []any) {
	conds := make([]string, len(words))
	args := make([]any, len(words))
	for i, w := range words {
		conds[i] = "LOWER(" + expr + `) LIKE ? ESCAPE '\'`
		args[i] = "%" + escapeLike(w) + "%"
	}
	return strings.Join(conds, " AND "), args
}

// findings finds vulnerability findings by the finding list's own search (asset name, CVE,
// advisory or title) and scope.
func (s *SearchService) findings(ctx context.Context, query string, _ []string, n int) (medsec.SearchGroup, error) {
	g := medsec.SearchGroup{Kind: medsec.SearchVulns, Path: "/vulnerabilities?" + url.Values{"q": {query}}.Encode()}
	list, total, err := (&VulnService{db: s.db}).FindFindings(ctx, medsec.FindingFilter{Query: query, Limit: n})
	if err != nil {
		return g, err
	}
	for _, f := range list {
		g.Hits = append(g.Hits, medsec.SearchHit{Kind: medsec.SearchVulns, ID: f.ID, Ref: f.CVE, Title: f.CVE + " " + f.Title, Detail: f.AssetName, Status: string(f.State),
			SiteID: f.SiteID, Path: "/vulnerabilities/" + strconv.FormatInt(f.ID, 10)})
	}
	g.Total, g.More = total, total > len(list)
	return g, nil
}

// incidents finds incidents and drills of the caller's sites by title and description.
func (s *SearchService) incidents(ctx context.Context, _ string, words []string, n int) (medsec.SearchGroup, error) {
	g := medsec.SearchGroup{Kind: medsec.SearchIncidents}
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return g, err
	}
	cond, args := likeAll("i.title || ' ' || i.description", words)
	if sc2, a := sc.siteCond("i.site_id"); sc2 != "" {
		cond, args = cond+" AND "+sc2, append(args, a...)
	}
	d := s.db.dialect
	if err := s.db.read.QueryRowContext(ctx, d.rebind(`SELECT COUNT(*) FROM incidents i WHERE `+cond), args...).Scan(&g.Total); err != nil {
		return g, fmt.Errorf("search incidents: %w", err)
	}
	rows, err := s.db.read.QueryContext(ctx, d.rebind(`SELECT i.id, i.site_id, i.title, i.status, i.detected_at, s.name FROM incidents i JOIN sites s ON s.id = i.site_id WHERE `+cond+` ORDER BY i.id DESC LIMIT ?`), append(args, n)...)
	if err != nil {
		return g, fmt.Errorf("search incidents: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		h := medsec.SearchHit{Kind: medsec.SearchIncidents}
		if err := rows.Scan(&h.ID, &h.SiteID, &h.Title, &h.Status, &h.At, &h.Detail); err != nil {
			return g, fmt.Errorf("search incidents: %w", err)
		}
		h.At, h.Path = h.At.UTC(), "/incidents/"+strconv.FormatInt(h.ID, 10)
		g.Hits = append(g.Hits, h)
	}
	g.More = g.Total > len(g.Hits)
	return g, rows.Err()
}

// discovery finds the hosts of discovery runs (address, MACs, identity facts such as a
// DICOM AE title or a host name, protocols) of the caller's sites, newest run first; a
// vendor user sees only its company's hosts, as on the run's page.
func (s *SearchService) discovery(ctx context.Context, _ string, words []string, n int) (medsec.SearchGroup, error) {
	g := medsec.SearchGroup{Kind: medsec.SearchDiscovery, Total: -1}
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return g, err
	}
	cond, args := likeAll("r.result_json", words)
	if sc2, a := sc.siteCond("r.site_id"); sc2 != "" {
		cond, args = cond+" AND "+sc2, append(args, a...)
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT r.id FROM discovery_runs r WHERE `+cond+` ORDER BY r.id DESC LIMIT 20`), args...)
	if err != nil {
		return g, fmt.Errorf("search discovery: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return g, fmt.Errorf("search discovery: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return g, fmt.Errorf("search discovery: %w", err)
	}
	runs := &DiscoveryService{db: s.db}
	for _, id := range ids {
		r, err := runs.FindDiscoveryRunByID(ctx, id)
		if err != nil {
			return g, err
		}
		var st capture.StoredResult
		if err := json.Unmarshal(r.Result, &st); err != nil || st.Result == nil {
			continue
		}
		for _, h := range st.Result.Hosts {
			text, _ := json.Marshal(h)
			if !containsAll(strings.ToLower(string(text)), words) {
				continue
			}
			if len(g.Hits) == n {
				g.More = true
				return g, nil
			}
			detail := r.SiteName + " · " + r.Source
			if len(h.MACs) > 0 {
				detail = strings.Join(h.MACs, ", ") + " · " + detail
			}
			g.Hits = append(g.Hits, medsec.SearchHit{Kind: medsec.SearchDiscovery, ID: r.ID, Ref: h.Address.String(), Title: h.Address.String() + hostName(h),
				Detail: detail, SiteID: r.SiteID, Path: "/discovery/" + strconv.FormatInt(r.ID, 10)})
		}
	}
	g.Total = len(g.Hits)
	return g, nil
}

// hostName is " " and the first name of a host among its identity facts (DICOM AE title
// or station name, DHCP host name, DNS name), or "".
func hostName(h capture.Host) string {
	for _, f := range h.Identity {
		switch f.Kind {
		case capture.FactAETitle, capture.FactStationName, capture.FactDHCPHostname, capture.FactDNSName:
			return " " + f.Value
		}
	}
	return ""
}

// audit finds audit entries of the caller's sites whose user, action, object, detail or
// before/after values hold every word, newest first; it reads only until the page is
// full, so the total is not counted.
func (s *SearchService) audit(ctx context.Context, _ string, words []string, n int) (medsec.SearchGroup, error) {
	g := medsec.SearchGroup{Kind: medsec.SearchAudit, Total: -1}
	u, err := medsec.Authorize(ctx, medsec.PermAuditRead)
	if err != nil {
		return g, err
	}
	where, args := auditWhere(u, medsec.AuditFilter{})
	cond, cargs := likeAll("username || ' ' || action || ' ' || object_type || ' ' || detail || ' ' || before_json || ' ' || after_json", words)
	if where == "" {
		where = " WHERE " + cond
	} else {
		where += " AND " + cond
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, at, username, action, object_type, object_id, site_id FROM audit_log`+where+` ORDER BY id DESC LIMIT ?`),
		append(append(args, cargs...), n+1)...)
	if err != nil {
		return g, fmt.Errorf("search audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e medsec.AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.Username, &e.Action, &e.ObjectType, &e.ObjectID, &e.SiteID); err != nil {
			return g, fmt.Errorf("search audit: %w", err)
		}
		if len(g.Hits) == n {
			g.More = true
			break
		}
		g.Hits = append(g.Hits, medsec.SearchHit{Kind: medsec.SearchAudit, ID: e.ID, Ref: e.ObjectType, ObjectID: e.ObjectID, Title: e.Action, Status: e.Action,
			Detail: e.Username, At: e.At.UTC(), SiteID: e.SiteID, Path: "/audit/" + strconv.FormatInt(e.ID, 10)})
	}
	if !g.More {
		g.Total = len(g.Hits)
	}
	return g, rows.Err()
}
