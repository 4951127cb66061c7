package http

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"medsec"
	"medsec/tabular"
)

// gapPageSize is how many open items a page of the gap report lists; the exports hold
// them all.
const gapPageSize = 50

// gapData is the gap report page.
type gapData struct {
	Report   *medsec.GapReport
	Filter   medsec.GapFilter
	Catalogs []string
	Statuses []medsec.AssessmentStatus
	Levels   []medsec.Level
	// Groups are the page's open items by control domain, worst first within each.
	Groups []gapGroup
	// LeftOut and Uncarried are the first gapPageSize of the report's lists.
	LeftOut   []medsec.GapLeftOut
	Uncarried []medsec.GapCheck
	Pager     pager
	Asset     *medsec.Asset
	// Sites, Departments and People are the choices of the TW report's filters.
	Sites       []*medsec.Site
	Departments []*medsec.Department
	People      []*medsec.Person
}

// gapGroup is one collapsible group of the gap page: the open items of one domain.
type gapGroup struct {
	// Domain is as the catalog prints it, DomainEn its English name.
	Domain, DomainEn string
	Items            []medsec.GapItem
}

// gapFilter reads a gap report's filter from the query string; a value that is not one of
// the choices is left out, and the TW-only filters are dropped for other catalogs.
func gapFilter(r *http.Request) medsec.GapFilter {
	q := r.URL.Query()
	f := medsec.GapFilter{CatalogID: q.Get("catalog"), AssetID: queryInt64(r, "asset"),
		SiteID: queryInt64(r, "site"), DepartmentID: queryInt64(r, "department"), OwnerID: queryInt64(r, "owner"),
		Level: medsec.Level(q.Get("level")), Status: medsec.AssessmentStatus(q.Get("status")), Domain: q.Get("domain")}
	if !slices.Contains(allCatalogs, f.CatalogID) {
		f.CatalogID = allCatalogs[0]
	}
	if f.CatalogID != allCatalogs[0] {
		f.AssetID, f.SiteID, f.DepartmentID, f.OwnerID, f.Level = 0, 0, 0, 0, ""
	}
	if !slices.Contains(medsec.Levels, f.Level) {
		f.Level = ""
	}
	if !slices.Contains(medsec.ReportStatuses, f.Status) {
		f.Status = ""
	}
	return f
}

// groupByDomain puts items into groups by domain, in the order the domains first appear.
func groupByDomain(items []medsec.GapItem) []gapGroup {
	var out []gapGroup
	at := map[string]int{}
	for _, it := range items {
		i, ok := at[it.Domain]
		if !ok {
			i = len(out)
			at[it.Domain] = i
			out = append(out, gapGroup{Domain: it.Domain, DomainEn: it.DomainEn})
		}
		out[i].Items = append(out[i].Items, it)
	}
	return out
}

func (s *Server) uiGapReport(w http.ResponseWriter, r *http.Request) error {
	f := gapFilter(r)
	// Only the page's open items are built: the page asked for first, then, when it lies
	// beyond the last, the last page.
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	f.Offset, f.Limit = (max(page, 1)-1)*gapPageSize, gapPageSize
	rep, err := s.Assessments.GapReport(r.Context(), f)
	if err != nil {
		return err
	}
	pg := newPager(r, rep.OpenTotal, gapPageSize)
	if pg.Total > 0 && pg.First-1 != f.Offset {
		f.Offset = pg.First - 1
		if rep, err = s.Assessments.GapReport(r.Context(), f); err != nil {
			return err
		}
	}
	f.Offset, f.Limit = 0, 0 // the filter the page's links and exports keep
	d := &gapData{Report: rep, Filter: f, Catalogs: allCatalogs, Statuses: medsec.ReportStatuses, Levels: medsec.Levels, Pager: pg}
	d.Groups = groupByDomain(rep.Open)
	d.LeftOut = rep.LeftOut[:min(len(rep.LeftOut), gapPageSize)]
	d.Uncarried = rep.UncarriedChecks[:min(len(rep.UncarriedChecks), gapPageSize)]
	if f.AssetID != 0 {
		if d.Asset, err = s.Assets.FindAssetByID(r.Context(), f.AssetID); err != nil {
			return err
		}
	}
	if d.Sites, err = s.Org.FindSites(r.Context()); err != nil {
		return err
	}
	if d.Departments, err = s.Org.FindDepartments(r.Context()); err != nil {
		return err
	}
	if d.People, err = s.Org.FindPeople(r.Context()); err != nil {
		return err
	}
	p := s.newPage(r, "gap.title")
	p.Data = d
	s.render(w, r, http.StatusOK, "gap_report", p)
	return nil
}

// exportGap writes the gap report as CSV or XLSX; the UI and the API share it. Headers
// and statuses are in the requester's language; control titles keep the original beside
// the English.
func (s *Server) exportGap(w http.ResponseWriter, r *http.Request) error {
	f := gapFilter(r)
	rep, err := s.Assessments.GapReport(r.Context(), f)
	if err != nil {
		return err
	}
	p := s.newPage(r, "gap.title")
	header := []string{p.T("gap.catalog"), p.T("gap.control"), p.T("gap.control_title"), p.T("gap.control_title_en"), p.T("field.level"),
		p.T("gap.asset"), p.T("gap.asset_id"), p.T("gap.status"), p.T("gap.owner"), p.T("gap.assessed_on"), p.T("gap.next_review"), p.T("gap.failed_checks"),
		p.T("field.site"), p.T("field.department"), p.T("gap.domain")}
	rows := [][]string{header}
	// typed are the same rows for XLSX: the asset ID a number, the days dates.
	var typed [][]any
	for _, it := range rep.Open {
		asset, assetID := it.AssetName, strconv.FormatInt(it.AssetID, 10)
		var idCell any = it.AssetID
		if it.AssetID == medsec.Organisation {
			asset, assetID, idCell = p.T("gap.organisation"), "", nil
		}
		checks := it.FailedChecks
		rows = append(rows, []string{it.CatalogID, it.ControlID, it.Title, it.TitleEn, p.Enum("level", it.Level), asset, assetID,
			p.Enum("assess", it.Status), it.Owner, it.AssessedOn.String(), it.NextReview.String(), strings.Join(checks, " "), it.SiteName, it.DepartmentName, it.Domain})
		typed = append(typed, []any{it.CatalogID, it.ControlID, it.Title, it.TitleEn, p.Enum("level", it.Level), asset, idCell,
			p.Enum("assess", it.Status), it.Owner, it.AssessedOn.Time(), it.NextReview.Time(), strings.Join(checks, " "), it.SiteName, it.DepartmentName, it.Domain})
	}
	for _, row := range gapLeftOutRows(p, rep) {
		row = append(row, "", "", "")
		rows = append(rows, row)
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = v
		}
		if id, err := strconv.ParseInt(row[6], 10, 64); err == nil {
			cells[6] = id
		}
		typed = append(typed, cells)
	}
	name := fmt.Sprintf("gap-%s-%s", rep.CatalogID, rep.GeneratedAt.Format("20060102"))
	switch r.URL.Query().Get("format") {
	case "xlsx":
		x := tabular.NewXLSX()
		defer x.Close()
		summaryHead := []string{p.T("field.level")}
		for _, st := range medsec.ReportStatuses {
			summaryHead = append(summaryHead, p.Enum("assess", st))
		}
		x.Sheet(tabular.Sheet{Name: p.T("gap.summary"), Header: append(summaryHead, p.T("gap.total"))})
		addCount := func(label string, c medsec.GapCount) {
			row := []any{label}
			for _, st := range medsec.ReportStatuses {
				row = append(row, c.ByStatus[st])
			}
			x.Row(append(row, c.Total)...)
		}
		for _, c := range rep.Counts {
			label := p.Enum("level", c.Level)
			if c.Level == medsec.LevelNone {
				label = p.T("gap.organisation")
			}
			addCount(label, c)
		}
		addCount(p.T("gap.total"), rep.Totals)
		x.Sheet(tabular.Sheet{Name: p.T("gap.open_items"), Header: header})
		for _, row := range typed {
			x.Row(row...)
		}
		var buf bytes.Buffer
		if _, err := x.WriteTo(&buf); err != nil {
			return fmt.Errorf("gap xlsx: %w", err)
		}
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		w.Write(buf.Bytes())
	default:
		var buf bytes.Buffer
		cw := tabular.NewCSV(&buf)
		for _, row := range rows {
			cw.Write(row...)
		}
		if err := cw.Flush(); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		w.Write(buf.Bytes())
	}
	return nil
}

// gapLeftOutRows are the export rows after the open items: each in-use asset the report does
// not count, with the reason and the boundary hosts that carry its controls, then each
// failing automatic check that no control row of its asset carries. Status says which.
func gapLeftOutRows(p *page, rep *medsec.GapReport) [][]string {
	names := func(refs []medsec.AssetRef) string {
		var out []string
		for _, r := range refs {
			out = append(out, r.Name)
		}
		return strings.Join(out, ", ")
	}
	var rows [][]string
	for _, lo := range rep.LeftOut {
		why := p.Enum("gap.reason", lo.Reason)
		if by := names(lo.CarriedBy); by != "" {
			why += " · " + p.T("gap.carried_by") + ": " + by
		}
		rows = append(rows, []string{rep.CatalogID, "", why, "", "", lo.Asset.Name, strconv.FormatInt(lo.Asset.ID, 10), p.T("gap.not_counted"), "", "", "", ""})
	}
	for _, c := range rep.UncarriedChecks {
		var controls []string
		for _, ref := range c.Controls {
			controls = append(controls, strings.TrimSpace(ref.ControlID+" "+ref.Item))
		}
		title := p.Enum("check", c.CheckID)
		if by := names(c.CarriedBy); by != "" {
			title += " · " + p.T("gap.carried_by") + ": " + by
		}
		rows = append(rows, []string{rep.CatalogID, strings.Join(controls, " "), title, "", "", c.Asset.Name, strconv.FormatInt(c.Asset.ID, 10), p.T("gap.check_uncarried"), "", "", "", c.CheckID})
	}
	return rows
}
