package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/catalog"
	"medsec/incident"
)

// Names of the reports Build makes, as the CLI, the API and the UI call them.
const (
	SelfInspection = "self-inspection"
	Gap            = "gap"
	VulnLedger     = "vuln-ledger"
	IncidentLedger = "incident-ledger"
	// Drill is the drill report: each drill of the period with its clocks, people, tasks
	// and lessons [003 §6].
	Drill = "drill"
	// Stocktake is the discovery stocktake: the inventory against what passive discovery
	// saw on the network [000 資產盤點; 002 第九条(一)].
	Stocktake = "discovery-stocktake"
	// CRLReview is the yearly cyber-risk review of every classified device [000 §7(二)].
	CRLReview = "crl-review"
	// AccessReview is the access-review record: each quarter's review of each system's
	// accounts by its owner, every account kept or removed with the reason, and the
	// sign-off [000 帳號管理(高) 一; 004 §14 ④, ⑦].
	AccessReview = "access-review"
	// BackupRecord is the backup and restore-test record: every backup plan with its
	// 3-2-1 counts, generations and continuity targets, the period's job results and
	// restore tests with their evidence, and the rules broken [003 §3.1.3; 004 §12.2,
	// §18.1; 000 tw-cp-1].
	BackupRecord = "backup-record"
	// RiskReview is the yearly risk review: the risk of the assets (cyber risk levels,
	// open vulnerabilities), the exceptions and compensating controls, the incidents of
	// the year, and the decisions taken, for sign-off [000 §7(二); 002 第二十一条; 004 §4].
	RiskReview = "risk-review"
	// DataSecurity is the yearly data security risk assessment: the assets by the data
	// they hold, each holding medical data with its backups, account review and open
	// vulnerabilities, and the gaps with their clauses [002 第二十条, 第二十一条, 第二十二条].
	DataSecurity = "data-security"
)

// Names lists every report Build makes, in the order the UI offers them.
var Names = []string{SelfInspection, Gap, VulnLedger, IncidentLedger, Drill, Stocktake, CRLReview, AccessReview, BackupRecord, RiskReview, DataSecurity}

// Catalogs are the catalogs a gap report may cover, the TW baseline (assessed per asset)
// first.
var Catalogs = []string{catalog.IDTaiwanBaseline, catalog.IDChinaMeasures, catalog.IDJapanOperation, catalog.IDIncidentPlan}

// Sources are the services a report reads. Each answers within the caller's scope (the
// context's user), so a report holds only what its author may see.
type Sources struct {
	Org         medsec.OrgService
	Assets      medsec.AssetService
	Assessments medsec.AssessmentService
	Vulns       medsec.VulnService
	Incidents   medsec.IncidentService
	// Discovery gives the discovery stocktake its runs (nil: that report is refused).
	Discovery medsec.DiscoveryService
	// Zones gives the CRL review report its reviews (nil: that report is refused).
	Zones medsec.ZoneService
	// Accounts gives the access-review record its reviews (nil: that report is refused).
	Accounts medsec.AccountService
	// Backups gives the backup and restore-test record its plans, job results and tests
	// (nil: that report is refused).
	Backups medsec.BackupService
	// RiskReviews gives the risk review the decisions and signatures recorded in medsec
	// (nil: the decisions are left to the printed document).
	RiskReviews medsec.RiskReviewService
	// MLPS gives the self-inspection the sites' 等保 gradings and filings [002 第九条(一)]
	// (nil: its grading section says they were not read).
	MLPS medsec.MLPSService
}

// Params say which report to build, for what and in which language.
type Params struct {
	Name string
	// Lang is the report's language (zh-TW, zh-CN, ja, en).
	Lang string
	// Site limits the report to one site; nil covers every site the caller sees.
	Site *medsec.Site
	// Period is the period covered (ParsePeriod).
	Period Period
	// CatalogID is the gap report's catalog ("" is the TW baseline).
	CatalogID string
	// Organization names the hospital or hospital group on the cover.
	Organization string
	// GeneratedBy names who generates the report as a reader knows them (a person's
	// display name, not a login); Now the time, in the time zone the report shows (the
	// site's).
	GeneratedBy string
	Now         time.Time
}

// Period is a calendar year or month: [From, To) in the report's time zone.
type Period struct {
	Label    string
	From, To time.Time
}

// Zone is the IANA time zone a report of the sites is dated in — its period's bounds, its
// times: the zone of site (a site ID), or for a report of every site (site 0) their zone,
// or when they are in several the first site's (the order FindSites gives: the group's
// first, head site), which the cover states with its offset. UTC when sites is empty.
func Zone(sites []*medsec.Site, site int64) string {
	zone := ""
	for _, s := range sites {
		if s.ID == site || site == 0 && zone == "" {
			zone = s.Zone()
		}
	}
	if zone == "" {
		return "UTC"
	}
	return zone
}

// Organization is the hospital a report names on its cover and in its running head: the
// report's own site (site, by ID) when it covers one, else every site of sites joined by
// "、". It depends on the report alone, never on whose scope generated it, so the same
// report of the same data has the same content hash whoever asks (bt16 #3: a site's
// report named every site its generator could see, and a mainland site's ledger named the
// Taiwan sites).
func Organization(sites []*medsec.Site, site int64) string {
	var names []string
	for _, s := range sites {
		if s.ID == site {
			return s.Name
		}
		names = append(names, s.Name)
	}
	return strings.Join(names, "、")
}

// FirstYear is the earliest year a report may cover: medsec's seeds and the demo start
// well after it, and an earlier year is a typing error.
const FirstYear = 2000

// PeriodInRange reports whether a period may be reported on at now (in the report's time
// zone): it starts in FirstYear or later and not after now. The API, the pages and the
// command line refuse a period outside it alike (err.report_period_range).
func PeriodInRange(p Period, now time.Time) bool {
	return p.From.Year() >= FirstYear && !p.From.After(now)
}

// Yearly lists the reports that cover a calendar year and never a month: the yearly
// self-inspection [002 第九条], the CRL review and the risk review [000 §7(二)], the data
// security risk assessment [002 第二十一条]. The API, the pages and the command line
// refuse a month for them alike (err.report_period_yearly).
var Yearly = []string{SelfInspection, CRLReview, RiskReview, DataSecurity}

// IsMonth reports whether the period is a calendar month (ParsePeriod's "2026-11").
func (p Period) IsMonth() bool { return p.From.AddDate(0, 1, 0).Equal(p.To) }

// ParsePeriod reads "2026" (a year) or "2026-11" (a month) in loc. The error says what
// the value should look like.
func ParsePeriod(s string, loc *time.Location) (Period, error) {
	if y, err := strconv.Atoi(s); err == nil && len(s) == 4 {
		from := time.Date(y, 1, 1, 0, 0, 0, 0, loc)
		return Period{s, from, from.AddDate(1, 0, 0)}, nil
	}
	if t, err := time.ParseInLocation("2006-01", s, loc); err == nil {
		return Period{s, t, t.AddDate(0, 1, 0)}, nil
	}
	return Period{}, fmt.Errorf("period %q: want a year (2026) or a month (2026-11)", s)
}

// Contains reports whether t falls in the period.
func (p Period) Contains(t time.Time) bool { return !t.Before(p.From) && t.Before(p.To) }

// T translates a message key into the report's language, formatting args.
type T func(key string, args ...any) string

// Build gathers what report p.Name says from src, in p.Lang through t. Errors: an
// unknown report name or catalog (medsec.EINVALID) and the services' own errors
// (permission, scope).
func Build(ctx context.Context, p Params, src Sources, t T) (*Document, error) {
	if p.Name == Gap && p.CatalogID == "" {
		p.CatalogID = catalog.IDTaiwanBaseline
	}
	if p.Name == Gap && !slices.Contains(Catalogs, p.CatalogID) {
		return nil, medsec.ErrorWithKey(medsec.EINVALID, "err.unknown_catalog", "Unknown catalog %q.", p.CatalogID)
	}
	b := &builder{ctx: ctx, p: p, src: src, t: t}
	b.d = &Document{
		Name: p.Name, Lang: p.Lang, Title: t("report." + p.Name), Organization: p.Organization,
		Period: p.Period.Label, GeneratedBy: p.GeneratedBy, GeneratedAt: p.Now,
		Labels: Labels{
			Organization: t("report.organization"), Site: t("field.site"), Period: t("report.period"),
			GeneratedBy: t("report.generated_by"), GeneratedAt: t("report.generated_at"), Contents: t("report.contents"),
			Page: t("report.page"), Summary: t("report.summary"), Continued: t("report.continued"), Empty: t("report.none"),
		},
	}
	if p.Site != nil {
		b.d.Site = p.Site.Name
		if b.d.Organization == p.Site.Name {
			// medsec keeps no hospital name apart from its sites': a site's report names
			// the site once, not again as the hospital (bt16: the cover said it twice).
			b.d.Organization = ""
		}
	} else {
		b.d.Site = t("report.all_sites")
	}
	var err error
	switch p.Name {
	case SelfInspection:
		err = b.selfInspection()
	case Gap:
		err = b.gap()
	case VulnLedger:
		err = b.vulnLedger()
	case IncidentLedger:
		err = b.incidentLedger()
	case Drill:
		err = b.drills()
	case Stocktake:
		err = b.stocktake()
	case CRLReview:
		err = b.crlReview()
	case AccessReview:
		err = b.accessReviews()
	case BackupRecord:
		err = b.backupRecord()
	case RiskReview:
		err = b.riskReview()
	case DataSecurity:
		err = b.dataSecurity()
	default:
		return nil, medsec.ErrorWithKey(medsec.EINVALID, "err.unknown_report", "Unknown report %q.", p.Name)
	}
	if err != nil {
		return nil, err
	}
	return b.d, nil
}

type builder struct {
	ctx context.Context
	p   Params
	src Sources
	t   T
	d   *Document
	// crlIDs are the assets of the CRL review table's rows, in order; crlSites their sites.
	crlIDs, crlSites []int64
	// risks are the risk review's risks to decide on, in the order of its table.
	risks []medsec.RiskItem
	// statedAsOf is set once the cover says as of when the report's state is.
	statedAsOf bool
	// zones are the time zones of the sites by ID (siteLoc), read once.
	zones map[int64]*time.Location
}

// siteLoc is the time zone of site id, in which a report shows the times of that site's
// rows (bt16g M3: a report of every site showed a Shanghai incident in Taipei time); the
// report's own zone for site 0, an unknown site or a zone that does not load.
func (b *builder) siteLoc(id int64) *time.Location {
	if b.zones == nil {
		b.zones = map[int64]*time.Location{}
		var sites []*medsec.Site
		if b.src.Org != nil {
			sites, _ = b.src.Org.FindSites(b.ctx)
		}
		for _, s := range sites { // a site not read shows in the report's zone
			if loc, err := time.LoadLocation(s.Zone()); err == nil {
				b.zones[s.ID] = loc
			}
		}
	}
	if loc := b.zones[id]; loc != nil {
		return loc
	}
	return b.p.Now.Location()
}

// closed reports whether the period has ended at generation: its report then shows the
// state as recorded by the period's end, not today's.
func (b *builder) closed() bool { return !b.p.Now.Before(b.p.Period.To) }

// stateAsOf puts on the cover, once, as of when the inventory and compliance the report
// shows stand: the end of a closed period, with what medsec cannot show as it was then;
// or, for a period not yet ended, the generation.
func (b *builder) stateAsOf() {
	if b.statedAsOf {
		return
	}
	b.statedAsOf = true
	value := b.t("report.state_at_generation")
	if b.closed() {
		end := b.p.Period.To.Add(-time.Nanosecond).Format(time.DateOnly)
		value = b.t("report.state_at_period_end", end)
	}
	b.d.Facts = append(b.d.Facts, Fact{b.t("report.state_as_of"), value})
}

// historyNote says, for a closed period, what the report shows as it was at the period's
// end (assets with their zone and level, from the audit trail: medsec.GapFilter.AsOf)
// and what it shows as it is today because medsec keeps no history of it.
func (b *builder) historyNote() []string {
	if !b.closed() {
		return nil
	}
	return []string{b.t("report.history_note", b.p.Period.To.Add(-time.Nanosecond).Format(time.DateOnly))}
}

func (b *builder) siteID() int64 {
	if b.p.Site == nil {
		return 0
	}
	return b.p.Site.ID
}

func (b *builder) add(s Section) { b.d.Sections = append(b.d.Sections, s) }

// columns makes table columns from message keys, each followed by its width.
func (b *builder) columns(keysAndWidths ...any) []Column {
	var cols []Column
	for i := 0; i < len(keysAndWidths); i += 2 {
		cols = append(cols, Column{Header: b.t(keysAndWidths[i].(string)), Width: keysAndWidths[i+1].(float64)})
	}
	return cols
}

// statusTone is the colour family of an assessment status.
func statusTone(s medsec.AssessmentStatus) Tone {
	switch s {
	case medsec.AssessImplemented:
		return Good
	case medsec.AssessCompensating:
		return Info
	case medsec.AssessPartial:
		return Warning
	case medsec.AssessNotImplemented:
		return Bad
	}
	return Neutral
}

func (b *builder) status(s medsec.AssessmentStatus) Status {
	return Status{b.t("assess." + string(s)), statusTone(s)}
}

// assets lists the assets in scope: those in use now, or, for a closed period, those in
// use at some time in it (created before its end, not retired before its start).
func (b *builder) assets() ([]*medsec.Asset, error) {
	b.stateAsOf()
	f := medsec.AssetFilter{SiteID: b.siteID(), Status: medsec.StatusActive}
	if b.closed() {
		f = medsec.AssetFilter{SiteID: b.siteID(), InUseFrom: b.p.Period.From, InUseTo: b.p.Period.To}
	}
	var list []*medsec.Asset
	err := b.src.Assets.EachAsset(b.ctx, f, func(a *medsec.Asset) error {
		list = append(list, a)
		return nil
	})
	return list, err
}

func (b *builder) assetList(assets []*medsec.Asset) Section {
	rows := make([][]any, 0, len(assets))
	for _, a := range assets {
		class := ""
		if a.Class != "" {
			class = b.t("class." + string(a.Class))
		}
		level := ""
		if a.Level != "" {
			level = b.t("level." + string(a.Level))
		}
		rows = append(rows, []any{a.ID, a.Name, a.SiteName, a.DepartmentName, b.t("kind." + string(a.Kind)), class, level,
			joinNonEmpty(" ", a.VendorName, a.Model), strings.Join(a.IPs, " "), a.EndOfSupport.Time(), a.ResponsibleName})
	}
	return Section{Heading: b.t("report.asset_list"), Text: []string{b.t("report.asset_list_intro", len(assets))},
		Tables: []Table{{Title: b.t("report.asset_list"), Sheet: b.t("report.asset_list"), Rows: rows,
			Columns: b.columns("report.id", 0.6, "field.name", 2.0, "field.site", 1.2, "field.department", 1.2, "field.kind", 1.2,
				"field.class", 1.2, "field.level", 0.8, "field.model", 1.6, "field.ips", 1.4, "field.end_of_support", 1.0, "field.responsible", 1.0)}}}
}

// compliance is the summary of one catalog's gap report: a chart and table of the
// (subject, control) pairs by level and status.
func (b *builder) compliance(rep *medsec.GapReport) Section {
	chart := Chart{Title: b.t("report.by_status", rep.Title), Sheet: b.t("report.sheet_chart", b.t("report.sheet_catalog."+rep.CatalogID)), Stacked: true}
	cols := []Column{{Header: b.t("field.level"), Width: 1.4}}
	for _, s := range medsec.ReportStatuses {
		chart.Series = append(chart.Series, Series{Name: b.t("assess." + string(s)), Tone: statusTone(s)})
		cols = append(cols, Column{Header: b.t("assess." + string(s)), Width: 1})
	}
	cols = append(cols, Column{Header: b.t("report.total"), Width: 0.8})
	var rows [][]any
	var alt []string
	row := func(name string, c medsec.GapCount) []any {
		r := []any{name}
		for _, s := range medsec.ReportStatuses {
			r = append(r, c.ByStatus[s])
		}
		return append(r, c.Total)
	}
	for _, c := range rep.Counts {
		name := b.t("report.organisation")
		if c.Level != "" {
			name = b.t("level." + string(c.Level))
		}
		chart.Categories = append(chart.Categories, name)
		for i, s := range medsec.ReportStatuses {
			chart.Series[i].Values = append(chart.Series[i].Values, float64(c.ByStatus[s]))
		}
		alt = append(alt, b.t("report.alt_status", name, c.ByStatus[medsec.AssessImplemented], c.Total))
		rows = append(rows, row(name, c))
	}
	rows = append(rows, row(b.t("report.total"), rep.Totals))
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))
	sec := Section{Heading: rep.Title,
		Facts:  []Fact{{b.t("report.subjects"), strconv.Itoa(rep.Subjects)}, {b.t("report.open_items"), strconv.Itoa(len(rep.Open))}},
		Charts: []Chart{chart},
		Tables: []Table{{Title: b.t("report.by_status", rep.Title), Sheet: b.t("report.sheet_catalog." + rep.CatalogID), Columns: cols, Rows: rows}}}
	if len(rep.ByDomain) > 0 {
		byDomain := b.groups(b.t("report.by_domain", rep.Title), b.domains(rep.CatalogID, rep.ByDomain))
		byDomain.Sheet = b.t("report.sheet_chart", b.t("report.sheet_by_domain", b.t("report.sheet_catalog."+rep.CatalogID)))
		// The domain in the reader's language, and, when that is not the catalog's, the
		// catalog's own name beside it.
		translated := false
		for _, g := range rep.ByDomain {
			translated = translated || b.domain(rep.CatalogID, g.Name, g.NameEn) != g.Name
		}
		dcols := append([]Column{{Header: b.t("report.domain_named"), Width: 3.2}}, cols[1:]...)
		if translated {
			dcols = append([]Column{{Header: b.t("report.domain_named"), Width: 1.6}, {Header: b.t("report.domain"), Width: 1.6}}, cols[1:]...)
		}
		var drows [][]any
		for _, g := range rep.ByDomain {
			name := []any{b.domain(rep.CatalogID, g.Name, g.NameEn)}
			if translated {
				name = append(name, g.Name)
			}
			drows = append(drows, append(name, row("", g.Totals)[1:]...))
		}
		sec.Charts = append(sec.Charts, byDomain)
		sec.Tables = append(sec.Tables, Table{Title: b.t("report.by_domain", rep.Title), Sheet: b.t("report.sheet_by_domain", b.t("report.sheet_catalog."+rep.CatalogID)), Columns: dcols, Rows: drows})
	}
	return sec
}

// domain names catalog id's control domain in the report's language (medsec.DomainKey),
// or as the catalog prints it when there is no message for it.
func (b *builder) domain(catalogID, name, nameEn string) string {
	if nameEn == "" {
		return name
	}
	key := medsec.DomainKey(catalogID, nameEn)
	if t := b.t(key); t != key {
		return t
	}
	return name
}

// domains returns groups, the domains of a gap report, named in the report's language.
func (b *builder) domains(catalogID string, groups []medsec.GapGroup) []medsec.GapGroup {
	out := make([]medsec.GapGroup, len(groups))
	for i, g := range groups {
		out[i] = g
		out[i].Name = b.domain(catalogID, g.Name, g.NameEn)
	}
	return out
}

// remediation lists a gap report's open items: the remediation plan. The control's title
// stays in the catalog's language, with its English beside it in a report in another
// language (controlColumns).
func (b *builder) remediation(rep *medsec.GapReport) Table {
	rows := make([][]any, 0, len(rep.Open))
	for _, it := range rep.Open {
		level := ""
		if it.Level != "" {
			level = b.t("level." + string(it.Level))
		}
		asset := it.AssetName
		if asset == "" {
			asset = b.t("report.organisation")
		}
		rows = append(rows, append(b.controlCells(rep.CatalogID, it.ControlID, it.Title, it.TitleEn), level, asset, it.SiteName, it.DepartmentName,
			b.status(it.Status), it.Owner, it.NextReview.Time()))
	}
	return Table{Title: b.t("report.remediation_plan", rep.Title), Sheet: b.t("report.sheet_remediation", b.t("report.sheet_catalog."+rep.CatalogID)), Rows: rows,
		Columns: b.controlColumns(rep.CatalogID, 2.4, 2.0, "field.level", 0.7,
			"report.asset", 1.5, "field.site", 1.0, "field.department", 1.0, "field.status", 1.1, "report.owner", 1.0, "report.next_review", 1.0)}
}

// remediationByControl is the remediation plan one row per control: how many subjects
// have it open, by status, and where — the self-inspection's summary, whose per-subject
// detail is the gap report's (a group of 50,000 assets has hundreds of thousands of open
// pairs).
func (b *builder) remediationByControl(rep *medsec.GapReport) Table {
	type agg struct {
		it       medsec.GapItem
		n        int
		byStatus map[medsec.AssessmentStatus]int
		sites    []string
	}
	var order []string
	rows := map[string]*agg{}
	for _, it := range rep.Open {
		a := rows[it.ControlID]
		if a == nil {
			a = &agg{it: it, byStatus: map[medsec.AssessmentStatus]int{}}
			rows[it.ControlID] = a
			order = append(order, it.ControlID)
		}
		a.n++
		a.byStatus[it.Status]++
		if it.SiteName != "" && !slices.Contains(a.sites, it.SiteName) {
			a.sites = append(a.sites, it.SiteName)
		}
	}
	out := make([][]any, 0, len(order))
	for _, id := range order {
		a := rows[id]
		level := ""
		if a.it.Level != "" {
			level = b.t("level." + string(a.it.Level))
		}
		out = append(out, append(b.controlCells(rep.CatalogID, id, a.it.Title, a.it.TitleEn), level, a.n, a.byStatus[medsec.AssessNotImplemented], a.byStatus[medsec.AssessPartial],
			a.byStatus[medsec.AssessNotAssessed], strings.Join(a.sites, b.t("report.list_sep"))))
	}
	return Table{Title: b.t("report.remediation_plan", rep.Title), Sheet: b.t("report.sheet_remediation", b.t("report.sheet_catalog."+rep.CatalogID)), Rows: out,
		Columns: b.controlColumns(rep.CatalogID, 2.6, 2.2, "field.level", 0.7,
			"report.open_subjects", 0.8, "assess.not-implemented", 0.8, "assess.partial", 0.8, "assess.not-assessed", 0.8, "field.site", 1.2)}
}

// gapReport is catalog id's gap report over the report's scope — today's, or, for a
// closed period, as recorded by its end (medsec.GapFilter.AsOf) — its title in the
// reader's language: the catalog's own title (its original followed by medsec's English)
// in English, else the catalog's name in the reader's language (catalog.ID), never
// English on a Chinese or Japanese page.
func (b *builder) gapReport(id string) (*medsec.GapReport, error) {
	b.stateAsOf()
	f := medsec.GapFilter{CatalogID: id, SiteID: b.siteID()}
	if b.closed() {
		f.AsOf, f.InUseFrom = b.p.Period.To, b.p.Period.From
	}
	rep, err := b.src.Assessments.GapReport(b.ctx, f)
	if err != nil {
		return nil, err
	}
	if !b.english() {
		if name := b.t("catalog." + id); name != "catalog."+id {
			rep.Title = name
		}
	}
	return rep, nil
}

// english reports whether the report is in English.
func (b *builder) english() bool { return b.p.Lang == "en" }

// catalogLangs are the languages the catalogs are written in (their metadata's
// source-language, TestCatalogLangsAreTheCatalogs).
var catalogLangs = map[string]string{
	catalog.IDTaiwanBaseline: "zh-TW", catalog.IDChinaMeasures: "zh-CN", catalog.IDJapanOperation: "ja", catalog.IDIncidentPlan: "zh-Hant",
}

// inCatalogLang reports whether the report is in the language catalog id is written in
// (a zh-TW reader reads the incident plan's zh-Hant as written).
func (b *builder) inCatalogLang(id string) bool {
	l := catalogLangs[id]
	return l == b.p.Lang || l == "zh-Hant" && b.p.Lang == "zh-TW"
}

// controlColumns are a control table's leading columns for catalog id: the control and
// its text; then the rest (keys and widths as columns). The catalogs carry each control's
// text in its original language and medsec's English rendering only (catalog/README.md):
// a report in the catalog's language shows the original alone, as the reader reads it;
// any other shows the original (its cells marked with the catalog's language) and the
// English beside it (bt16g M1: a Japanese plan of the Taiwanese baseline showed the
// Chinese alone; marked English in a report that is not).
func (b *builder) controlColumns(id string, textW, enW float64, rest ...any) []Column {
	if b.inCatalogLang(id) {
		return b.columns(append([]any{"report.control", 0.9, "report.control_text", textW + enW}, rest...)...)
	}
	cols := b.columns(append([]any{"report.control", 0.9, "report.control_text", textW, "report.control_text_en", enW}, rest...)...)
	cols[1].Lang = catalogLangs[id]
	if !b.english() {
		cols[2].Lang = "en"
	}
	return cols
}

// controlCells are a control row's leading cells, matching controlColumns.
func (b *builder) controlCells(catalogID, id, title, titleEn string) []any {
	if b.inCatalogLang(catalogID) {
		return []any{id, title}
	}
	return []any{id, title, titleEn}
}

func (b *builder) gap() error {
	rep, err := b.gapReport(b.p.CatalogID)
	if err != nil {
		return err
	}
	b.d.Subtitle = rep.Title
	b.d.Facts = append([]Fact{{b.t("report.catalog"), b.t("catalog." + rep.CatalogID)}}, b.d.Facts...)
	noData, err := b.beforeFirstData()
	if err != nil {
		return err
	}
	if noData {
		// As the self-inspection: no control is open for a period medsec has no record of
		// (bt16d: the gap report of such a period listed every organisation control open).
		none := b.t("report.no_data_period", b.p.Period.Label)
		b.add(Section{Heading: rep.Title, Text: append(b.historyNote(), none)})
		b.add(Section{Heading: b.t("report.remediation"), Text: []string{none}})
		return nil
	}
	sec := b.compliance(rep)
	sec.Text = b.historyNote()
	b.add(sec)
	if len(rep.BySite) > 1 || len(rep.ByDepartment) > 1 {
		b.add(Section{Heading: b.t("report.by_place"), Charts: []Chart{b.groups(b.t("report.by_site"), rep.BySite), b.groups(b.t("report.by_department"), rep.ByDepartment)}})
	}
	b.add(Section{Heading: b.t("report.remediation"), Text: []string{b.t("report.remediation_intro")}, Tables: []Table{b.remediation(rep)}})
	if len(rep.LeftOut) > 0 {
		rows := make([][]any, 0, len(rep.LeftOut))
		for _, l := range rep.LeftOut {
			var by []string
			for _, c := range l.CarriedBy {
				by = append(by, c.Name)
			}
			rows = append(rows, []any{l.Asset.ID, l.Asset.Name, b.carriage(l, by), strings.Join(by, ", ")})
		}
		b.add(Section{Heading: b.t("report.left_out"), Tables: []Table{{Title: b.t("report.left_out"), Rows: rows,
			Columns: b.columns("report.id", 0.5, "report.asset", 2.0, "report.reason", 2.5, "report.carried_by", 2.0)}}})
	}
	return nil
}

// carriage says why a left-out asset is not counted, naming its Local LAN and the boundary
// hosts carrying its controls as the asset page does [000 三(七), 五(二)].
func (b *builder) carriage(l medsec.GapLeftOut, hosts []string) string {
	lan := l.LocalLAN
	if lan == "" {
		lan = b.t("carriage.no_zone")
	}
	switch l.Reason {
	case medsec.CarriedByBoundaryHost:
		return b.t("carriage."+l.Reason, lan, strings.Join(hosts, ", "))
	case medsec.CarriedNoBoundaryHost:
		return b.t("carriage."+l.Reason, lan)
	}
	return b.t("carriage." + l.Reason)
}

// groups charts the status of a gap report's rows per site or department.
func (b *builder) groups(title string, groups []medsec.GapGroup) Chart {
	c := Chart{Title: title, Stacked: true}
	for _, s := range medsec.ReportStatuses {
		c.Series = append(c.Series, Series{Name: b.t("assess." + string(s)), Tone: statusTone(s)})
	}
	var alt []string
	for _, g := range groups {
		c.Categories = append(c.Categories, g.Name)
		for i, s := range medsec.ReportStatuses {
			c.Series[i].Values = append(c.Series[i].Values, float64(g.Totals.ByStatus[s]))
		}
		alt = append(alt, b.t("report.alt_status", g.Name, g.Totals.ByStatus[medsec.AssessImplemented], g.Totals.Total))
	}
	c.Alt = strings.Join(alt, b.t("report.list_sep"))
	return c
}

// findings returns the findings of the period, all of them: found before its end and not
// fixed or gone before its start; for a closed period each as recorded at its end
// (medsec.FindingFilter.AsOf), open ones then first, then by deadline, as the finding list.
func (b *builder) findings() ([]*medsec.Finding, error) {
	f := medsec.FindingFilter{SiteID: b.siteID()}
	if b.closed() {
		f.AsOf = b.p.Period.To
	}
	var list []*medsec.Finding
	err := b.src.Vulns.EachFinding(b.ctx, f, func(f *medsec.Finding) error {
		ended := f.FixedAt
		if ended.IsZero() {
			ended = f.GoneAt
		}
		if f.FoundAt.Before(b.p.Period.To) && (ended.IsZero() || !ended.Before(b.p.Period.From)) {
			list = append(list, f)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(list, func(x, y *medsec.Finding) int {
		if x.State.Open() != y.State.Open() {
			if x.State.Open() {
				return -1
			}
			return 1
		}
		if c := x.Due.Compare(y.Due); c != 0 {
			return c
		}
		return int(x.ID - y.ID)
	})
	return list, nil
}

// closedBy reports whether a finding was closed (fixed, gone, or analysed not affected) by
// the end of the period, or now for a period not yet ended: a finding of 2024 fixed in
// 2026 was open at the end of 2024.
func (b *builder) closedBy(f *medsec.Finding) bool {
	if f.State.Open() && f.GoneAt.IsZero() {
		return false // open now, so open then
	}
	end := closedAt(f) // zero when not known: counted closed, as now
	return !b.closed() || end.IsZero() || end.Before(b.p.Period.To)
}

var severities = []string{"Critical", "High", "Medium", "Low", "None"}

func severityTone(s string) Tone {
	switch s {
	case "Critical":
		return Severe
	case "High":
		return Bad
	case "Medium":
		return Warning
	case "Low":
		return Info
	}
	return Neutral
}

func (b *builder) severity(s string) Status {
	if s == "" {
		return Status{b.t("severity.unscored"), Neutral}
	}
	return Status{b.t("severity." + s), severityTone(s)}
}

func (b *builder) findingsSection(list []*medsec.Finding) Section {
	open := map[string]int{}
	closed := map[string]int{}
	rows := make([][]any, 0, len(list))
	for _, f := range list {
		sev := f.Severity
		if sev == "" {
			sev = "None"
		}
		if b.closedBy(f) {
			closed[sev]++
		} else {
			open[sev]++
		}
		due := Status{b.t("report.on_time"), Good}
		if f.Overdue {
			due = Status{b.t("report.overdue"), Severe}
		} else if !f.FixedAt.IsZero() && f.FixedAt.After(f.Due) {
			due = Status{b.t("report.fixed_late"), Bad}
		}
		// The window applied and where it came from (the site's policy or the plan).
		due.Text += b.t("report.list_sep") + b.t(f.DeadlineBasis.Key(), f.DeadlineBasis.Args()...)
		rows = append(rows, []any{f.CVE, f.Advisory, f.AssetName, b.severity(f.Severity), f.Score, b.t("finding_state." + string(f.State)),
			medsec.DateOf(f.FoundAt.In(b.p.Now.Location())).Time(), f.Due, f.FixedAt, due, b.why(f) + b.scoreSource(f)})
	}
	chart := Chart{Title: b.t("report.findings_by_severity"), Stacked: true,
		Series: []Series{{Name: b.t("report.open"), Tone: Bad}, {Name: b.t("report.closed"), Tone: Good}}}
	var alt []string
	for _, s := range severities {
		chart.Categories = append(chart.Categories, b.t("severity."+s))
		chart.Series[0].Values = append(chart.Series[0].Values, float64(open[s]))
		chart.Series[1].Values = append(chart.Series[1].Values, float64(closed[s]))
		alt = append(alt, b.t("report.alt_open_closed", b.t("severity."+s), open[s], closed[s]))
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))
	charts := []Chart{chart}
	if trend := b.findingsTrend(list); len(trend.Categories) > 0 {
		charts = append(charts, trend)
	}
	text := []string{b.t("report.findings_intro")}
	if b.closed() {
		text = append(text, b.t("report.findings_as_of", b.p.Period.To.Add(-time.Nanosecond).Format(time.DateOnly)))
	}
	return Section{Heading: b.t("report.findings"), Text: text, Charts: charts, Landscape: true,
		Tables: []Table{{Title: b.t("report.findings"), Sheet: b.t("report.findings"), Rows: rows,
			Columns: b.columns("report.cve", 1.3, "report.advisory", 1.3, "report.asset", 1.6, "report.severity", 0.9, "report.score", 0.6,
				"field.status", 1.0, "report.found", 1.0, "report.due", 1.0, "report.fixed", 1.0, "report.deadline", 1.0, "vuln.why", 2.6)}}}
}

// why says why a finding matched, in the report's language (medsec.MatchWhy): the
// identifiers, the rule and the version tests; a finding matched before reasons were
// stored as data gives its English text.
func (b *builder) why(f *medsec.Finding) string {
	if f.Why == nil {
		return strings.Join(slices.DeleteFunc([]string{f.Identifier, f.Rule, f.VersionTest}, func(s string) bool { return s == "" }), "; ")
	}
	sep := "；"
	if b.p.Lang == "en" {
		sep = "; "
	}
	i, r, t := f.Why.Text(b.t, sep)
	return strings.Join(slices.DeleteFunc([]string{i, r, t}, func(s string) bool { return s == "" }), sep)
}

// scoreSource says where a finding's score came from, after the why (issue 11: a
// scanner's check's score is not the CVE's): "" when nothing scored it.
func (b *builder) scoreSource(f *medsec.Finding) string {
	switch f.ScoreSource {
	case medsec.ScoreFromScanner:
		return b.t("report.list_sep") + b.t("vuln.score_from_scanner", f.ScoreCheck)
	case medsec.ScoreFromAdvisory:
		switch f.ScoreOrigin {
		case medsec.ScoreOriginNVD:
			return b.t("report.list_sep") + b.t("vuln.score_from_nvd", f.ScoreRef)
		case medsec.ScoreOriginCSAF:
			return b.t("report.list_sep") + b.t("vuln.score_from_csaf", f.ScoreRef)
		case medsec.ScoreOriginScanner:
			return b.t("report.list_sep") + b.t("vuln.score_from_legacy_scanner")
		}
		return b.t("report.list_sep") + b.t("vuln.score_from_advisory")
	}
	return ""
}

func (b *builder) vulnLedger() error {
	list, err := b.findings()
	if err != nil {
		return err
	}
	b.add(b.findingsSection(list))
	fixes, err := b.fixLedger()
	if err != nil {
		return err
	}
	b.add(fixes)
	return nil
}

// fixLedger is the fix ledger of the period [003 §5.2.1 修復台賬]: every fix recorded in the
// period, oldest first — when, the CVE and device, who did what, how it was verified, the
// result on its colour, and the retest.
func (b *builder) fixLedger() (Section, error) {
	entries, err := b.src.Vulns.FindFixEntries(b.ctx, 0)
	if err != nil {
		return Section{}, err
	}
	var rows [][]any
	for i := len(entries) - 1; i >= 0; i-- { // the list is newest first
		e := entries[i]
		if b.siteID() != 0 && e.SiteID != b.siteID() || !b.p.Period.Contains(e.At) {
			continue
		}
		tone := map[medsec.FixResult]Tone{medsec.FixPassed: Good, medsec.FixFailed: Bad, medsec.FixPending: Warning}[e.Result]
		rows = append(rows, []any{Stamp(e.At.In(b.siteLoc(e.SiteID))), e.CVE, e.AssetName, e.Operator, e.Action, e.Verification,
			Status{b.t("fix_result." + string(e.Result)), tone}, e.RetestOn.Time(), e.RetestResult})
	}
	return Section{Heading: b.t("ledger.title"), Text: []string{b.t("ledger.help")}, Landscape: true,
		Tables: []Table{{Title: b.t("ledger.title"), Sheet: b.t("ledger.sheet"), Rows: rows,
			Columns: b.columns("ledger.at", 1.1, "ledger.cve", 1.1, "ledger.asset", 1.5, "ledger.operator", 0.8, "ledger.action", 2.2,
				"ledger.verification", 1.8, "ledger.result", 0.7, "ledger.retest_on", 0.9, "ledger.retest_result", 0.9)}}}, nil
}

func (b *builder) ledger() ([]*medsec.LedgerRow, error) {
	rows, err := b.src.Incidents.Ledger(b.ctx, medsec.IncidentFilter{SiteID: b.siteID()})
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(rows, func(l *medsec.LedgerRow) bool { return !b.p.Period.Contains(l.DetectedAt) }), nil
}

// incidentSections are the ledger's incidents, with the chart of their clocks met and late
// by level, and its drills apart; a title medsec chose (an alert's rule) is in the report's
// language as on the page and in the CSV (incident.LedgerTitle).
func (b *builder) incidentSections(rows []*medsec.LedgerRow) []Section {
	chart := Chart{Title: b.t("report.clocks_by_level"), Sheet: b.t("report.sheet_clocks"), Stacked: true,
		Series: []Series{{Name: b.t("incident.clocks_met"), Tone: Good}, {Name: b.t("incident.clocks_late"), Tone: Bad}}}
	met, late := map[int]int{}, map[int]int{}
	var incidents, drills [][]any
	for _, l := range rows {
		if !l.Drill {
			// A drill's clocks count for the drill report and its own section, never
			// as the real incidents' (bt14h #1).
			met[int(l.Level)] += l.ClocksMet
			late[int(l.Level)] += l.ClocksLate
		}
		title := incident.LedgerTitle(l, func(k string) string { return b.t(k) })
		row := []any{l.IncidentID, l.Site, title, int(l.Level), b.t("scenario." + string(l.Scenario)), b.t("incident_status." + string(l.Status)),
			Stamp(l.DetectedAt.In(b.siteLoc(l.SiteID))), stampOrZero(l.ClosedAt, b.siteLoc(l.SiteID)), l.ClocksMet, l.ClocksLate, l.Cause, l.Actions, l.Result}
		if l.Drill {
			drills = append(drills, row)
		} else {
			incidents = append(incidents, row)
		}
	}
	var alt []string
	for level := 1; level <= 4; level++ {
		name := b.t("report.level_n", level)
		chart.Categories = append(chart.Categories, name)
		chart.Series[0].Values = append(chart.Series[0].Values, float64(met[level]))
		chart.Series[1].Values = append(chart.Series[1].Values, float64(late[level]))
		alt = append(alt, b.t("report.alt_met_late", name, met[level], late[level]))
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))
	cols := b.columns("incident.ledger.id", 0.6, "field.site", 1.0, "incident.title", 2.0, "incident.level_col", 0.8, "incident.scenario", 1.1,
		"incident.status", 0.8, "incident.detected_at", 1.5, "incident.closed_at", 1.5, "incident.clocks_met", 0.6, "incident.clocks_late", 0.6,
		"incident.cause", 1.4, "incident.actions", 1.4, "incident.result", 1.4)
	return []Section{
		{Heading: b.t("report.incidents"), Text: []string{b.t("report.incidents_intro")}, Charts: []Chart{chart}, Landscape: true,
			Tables: []Table{{Title: b.t("report.incidents"), Sheet: b.t("report.incidents"), Columns: cols, Rows: incidents}}},
		{Heading: b.t("report.drills"), Landscape: true, Tables: []Table{{Title: b.t("report.drills"), Sheet: b.t("report.drills"), Columns: cols, Rows: drills}}},
	}
}

func stampOrZero(t time.Time, loc *time.Location) Stamp {
	if t.IsZero() {
		return Stamp{}
	}
	return Stamp(t.In(loc))
}

func (b *builder) incidentLedger() error {
	rows, err := b.ledger()
	if err != nil {
		return err
	}
	for _, s := range b.incidentSections(rows) {
		b.add(s)
	}
	return nil
}

// grading is the self-inspection's section on the networks' grading and filing [002
// 第九条(一) 摸清本单位网络定级、备案等情况]: the systems of the report's site (or of every
// mainland site the caller sees) as their 等保 events (MLPSService) stand at the period's
// end — each system's latest level by then, the day it was graded, and the filing,
// re-filing and assessment its events owe, each done (on its day), overdue or due as of
// the period's end (or today, for a period not yet ended). 等保 applies to networks in
// mainland China [002 第三条]: a report of a site elsewhere says so and lists none.
func (b *builder) grading() (Section, error) {
	sec := Section{Heading: b.t("report.grading"), Text: []string{b.t("report.grading_intro")}}
	if b.p.Site != nil && b.p.Site.Jurisdiction != medsec.JurisdictionCN {
		sec.Text = append(sec.Text, b.t("report.grading_not_cn"))
		return sec, nil
	}
	if b.src.MLPS == nil {
		sec.Text = append(sec.Text, b.t("report.grading_not_read"))
		return sec, nil
	}
	events, err := b.src.MLPS.FindMLPSEvents(b.ctx, b.siteID())
	if err != nil {
		return sec, err
	}
	// The day the states stand on: the period's last day, or today before it ends.
	asOf := medsec.DateOf(b.p.Period.To.Add(-time.Nanosecond))
	if !b.closed() {
		asOf = medsec.DateOf(b.p.Now)
	}
	type system struct {
		site   int64
		name   string
		latest *medsec.MLPSEvent
		graded medsec.Date
		items  []*medsec.GovernanceItem
	}
	var order []*system
	bySystem := map[string]*system{}
	// Events come latest first: the first seen by the period's end is the system's level then.
	for _, e := range events {
		if e.On.Time().After(asOf.Time()) {
			continue
		}
		key := strconv.FormatInt(e.SiteID, 10) + "\x00" + e.System
		s := bySystem[key]
		if s == nil {
			s = &system{site: e.SiteID, name: e.System, latest: e}
			if b.siteID() == 0 {
				s.name = e.SiteName + " " + e.System
			}
			bySystem[key] = s
			order = append(order, s)
		}
		if e.Kind == medsec.MLPSGrading && s.graded.IsZero() {
			s.graded = e.On
		}
		s.items = append(e.Items, s.items...)
	}
	var rows [][]any
	for _, s := range order {
		level := strconv.Itoa(s.latest.Level)
		if s.latest.Level == 0 {
			level = b.t("report.mlps_withdrawn")
		}
		var duties []string
		for _, it := range s.items {
			var state string
			switch {
			case !it.DoneOn.IsZero() && !it.DoneOn.Time().After(asOf.Time()):
				state = b.t("report.mlps_duty_done", b.t("duty."+string(it.Kind)), it.DoneOn.String())
			case it.Due.Before(asOf.Time()):
				state = b.t("report.mlps_duty_overdue", b.t("duty."+string(it.Kind)), it.Due.String())
			default:
				state = b.t("report.mlps_duty_due", b.t("duty."+string(it.Kind)), it.Due.String())
			}
			duties = append(duties, state)
		}
		if len(duties) == 0 {
			duties = append(duties, b.t("report.mlps_no_duty"))
		}
		graded := ""
		if !s.graded.IsZero() {
			graded = s.graded.String()
		}
		rows = append(rows, []any{s.name, level, graded, strings.Join(duties, "\n")})
	}
	sec.Tables = []Table{{Title: b.t("report.grading"), Sheet: b.t("report.grading"), Rows: rows,
		Columns: b.columns("report.network", 2.0, "report.mlps_level", 0.8, "report.mlps_graded_on", 1.2, "report.mlps_duties", 4.0)}}
	return sec, nil
}

// selfInspection is the yearly self-inspection [002 第九条]: the asset list, the
// networks' grading, compliance by catalog, vulnerabilities, incidents and drills, and
// the remediation of what was found.
func (b *builder) selfInspection() error {
	assets, err := b.assets()
	if err != nil {
		return err
	}
	noData, err := b.beforeFirstData()
	if err != nil {
		return err
	}
	var reps []*medsec.GapReport
	for _, id := range Catalogs {
		if noData {
			break // no control is open for a period medsec has no record of
		}
		rep, err := b.gapReport(id)
		if err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	findings, err := b.findings()
	if err != nil {
		return err
	}
	ledger, err := b.ledger()
	if err != nil {
		return err
	}
	b.d.Subtitle = b.t("report.self_inspection_basis")
	open := 0
	for _, r := range reps {
		open += len(r.Open)
	}
	openFindings := 0
	for _, f := range findings {
		if !b.closedBy(f) {
			openFindings++
		}
	}
	b.add(Section{Heading: b.t("report.summary"), Text: append([]string{b.t("report.self_inspection_intro")}, b.historyNote()...), Facts: []Fact{
		{b.t("report.assets_in_use"), strconv.Itoa(len(assets))},
		{b.t("report.open_items"), strconv.Itoa(open)},
		{b.t("report.open_findings"), strconv.Itoa(openFindings)},
		{b.t("report.incidents_in_period"), strconv.Itoa(len(ledger))},
	}})
	b.add(b.assetList(assets))
	grading, err := b.grading()
	if err != nil {
		return err
	}
	b.add(grading)
	if noData {
		b.add(Section{Heading: b.t("report.gap"), Text: []string{b.t("report.no_data_period", b.p.Period.Label)}})
	}
	for _, r := range reps {
		b.add(b.compliance(r))
	}
	b.add(b.findingsSection(findings))
	for _, s := range b.incidentSections(ledger) {
		b.add(s)
	}
	var plan []Table
	for _, r := range reps {
		if len(r.Open) > 0 {
			plan = append(plan, b.remediationByControl(r))
		}
	}
	if noData {
		b.add(Section{Heading: b.t("report.remediation"), Text: []string{b.t("report.no_data_period", b.p.Period.Label)}})
		return nil
	}
	b.add(Section{Heading: b.t("report.remediation"), Text: []string{b.t("report.remediation_by_control_intro")}, Tables: plan})
	return nil
}

// saidNoData adds, for a period before the first data (beforeFirstData), a summary that
// says medsec holds no data for it, after intro, and reports whether it did: the data
// security assessment and the risk review of such a period would otherwise read as a
// clean year, with no gap and no risk (bt16e M1).
func (b *builder) saidNoData(intro string) (bool, error) {
	noData, err := b.beforeFirstData()
	if err != nil || !noData {
		return false, err
	}
	text := append(append([]string{intro}, b.historyNote()...), b.t("report.no_data_period", b.p.Period.Label))
	b.add(Section{Heading: b.t("report.summary"), Text: text})
	return true, nil
}

// beforeFirstData reports whether the period ended before the first record medsec holds
// of the report's site, or of every site it covers: no asset of them, in use or retired
// since, was created before the period's end (asset created_at, kept by both engines and
// already what a closed period's asset list goes by; medsec.Site has no creation time).
// The self-inspection and the gap report of such a period say they have no data instead
// of counting every organisation-level control open (issue 16).
func (b *builder) beforeFirstData() (bool, error) {
	if !b.closed() {
		return false, nil
	}
	_, n, err := b.src.Assets.FindAssets(b.ctx, medsec.AssetFilter{SiteID: b.siteID(), InUseTo: b.p.Period.To, Limit: 1})
	return n == 0, err
}
