package report

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/incident"
)

// riskReview is the yearly risk review [000 §7(二) 每年針對「資安列管儀器」…逐年檢討「資安風險
// 等級」; 002 第二十一条 每年…进行数据安全风险评估; 004 §4 リスクアセスメント(リスク分析、リスク評価)を
// 企画管理者と行い]: the risk of the assets (each classified device's cyber risk level of
// the year), the vulnerabilities open at the period's end, the exceptions taken (findings
// mitigated by a compensating control or analysed not affected, controls met by a
// compensating measure), the incidents and drills of the year, and the risks a decision
// is due on, with the lines the reviewers sign. What medsec holds is stated; the decisions
// themselves are the reviewers', on the signed document.
func (b *builder) riskReview() error {
	if b.src.Zones == nil {
		return medsec.Errorf(medsec.EINVALID, "This server keeps no risk reviews.")
	}
	if none, err := b.saidNoData(b.t("report.risk_intro")); none || err != nil {
		return err
	}
	// The cyber risk levels, kept aside to come after the summary.
	start := len(b.d.Sections)
	if err := b.crlReview(); err != nil {
		return err
	}
	crl := slices.Clone(b.d.Sections[start:])
	b.d.Sections = b.d.Sections[:start]
	byLevel := crl[0].Charts[0].Series[0].Values // high, medium, low, no review

	// A closed year's review is its own: its assets named and placed as they were then,
	// each subject's last assessment and each finding's compensating controls recorded
	// before the year's end (bt16c, bt16 #3: today's assessments, controls and names, so
	// the signed year's document changed with every later edit).
	var then map[int64]*medsec.Asset
	if b.closed() {
		assets, err := b.assets()
		if err != nil {
			return err
		}
		then = make(map[int64]*medsec.Asset, len(assets))
		for _, a := range assets {
			then[a.ID] = a
		}
	}
	findings, err := b.findings()
	if err != nil {
		return err
	}
	for _, f := range findings {
		if a := then[f.AssetID]; a != nil {
			f.AssetName = a.Name
		}
	}
	ledger, err := b.ledger()
	if err != nil {
		return err
	}
	loc := b.p.Now.Location()
	at := b.p.Period.To
	if b.p.Now.Before(at) {
		at = b.p.Now
	}

	// Vulnerabilities open at the period's end.
	var open []*medsec.Finding
	for _, f := range findings {
		if f.FoundAt.After(at) {
			continue
		}
		if end := closedAt(f); !end.IsZero() && !end.After(at) || end.IsZero() && !f.State.Open() {
			continue
		}
		open = append(open, f)
	}
	slices.SortStableFunc(open, func(x, y *medsec.Finding) int {
		return slices.Index(severities, orNone(x.Severity)) - slices.Index(severities, orNone(y.Severity))
	})
	openBy, overdueBy := map[string]int{}, map[string]int{}
	var openRows [][]any
	overdue := 0
	for _, f := range open {
		sev := orNone(f.Severity)
		openBy[sev]++
		due := Status{b.t("report.on_time"), Good}
		if f.Overdue {
			overdueBy[sev]++
			overdue++
			due = Status{b.t("report.overdue"), Severe}
		}
		kev := ""
		if f.KEV {
			kev = b.t("tristate.yes")
		}
		openRows = append(openRows, []any{f.CVE, f.AssetName, b.severity(f.Severity), f.Score, kev, b.t("finding_state." + string(f.State)),
			medsec.DateOf(f.FoundAt.In(loc)).Time(), f.Due, due})
	}
	chart := Chart{Title: b.t("report.risk_open_chart"), Sheet: b.t("report.sheet_risk_chart"), Series: []Series{{Name: b.t("report.risk_open_series"), Tone: Bad}, {Name: b.t("report.overdue"), Tone: Severe}}}
	var alt []string
	for _, s := range severities {
		chart.Categories = append(chart.Categories, b.t("severity."+s))
		chart.Series[0].Values = append(chart.Series[0].Values, float64(openBy[s]))
		chart.Series[1].Values = append(chart.Series[1].Values, float64(overdueBy[s]))
		alt = append(alt, b.t("report.alt_open_overdue", b.t("severity."+s), openBy[s], overdueBy[s]))
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))

	// Exceptions: findings mitigated by a compensating control or analysed not affected.
	var vulnExceptions [][]any
	var risks []siteRisk
	decide := func(site int64, it medsec.RiskItem) { risks = append(risks, siteRisk{it, site}) }
	for _, f := range findings {
		switch f.State {
		case medsec.FindingMitigated:
			controls, err := b.src.Vulns.FindControls(b.ctx, f.ID)
			if err != nil {
				return err
			}
			for _, c := range controls {
				if then != nil && !c.CreatedAt.Before(b.p.Period.To) {
					continue
				}
				vulnExceptions = append(vulnExceptions, []any{f.CVE, f.AssetName, b.severity(f.Severity), b.t("finding_state." + string(f.State)),
					c.Description, b.actor(c.CreatedBy), stampOrZero(c.CreatedAt, loc), c.ReviewOn.Time()})
				if !c.ReviewOn.IsZero() && c.ReviewOn.Time().Before(b.p.Period.To) {
					decide(f.SiteID, medsec.RiskItem{Kind: medsec.RiskItemControl, Ref: fmt.Sprintf("finding-control:%d", c.ID), Subject: f.AssetName + " · " + f.CVE,
						Why: medsec.Msg("report.risk_why_control", medsec.ArgText(c.ReviewOn.String())), Record: c.Description})
				}
			}
		case medsec.FindingNotAffected:
			measure := f.Detail
			if f.Justification != "" {
				measure = b.t("justification."+f.Justification) + b.t("report.list_sep") + f.Detail
			}
			vulnExceptions = append(vulnExceptions, []any{f.CVE, f.AssetName, b.severity(f.Severity), b.t("finding_state." + string(f.State)),
				measure, b.actor(f.AnalyzedBy), stampOrZero(f.AnalyzedAt, loc), time.Time{}})
		}
	}
	filter := medsec.AssessmentFilter{}
	if b.closed() {
		filter.RecordedBefore = b.p.Period.To
	}
	var controlExceptions [][]any
	for _, id := range Catalogs {
		filter.CatalogID = id
		list, err := b.src.Assessments.FindAssessments(b.ctx, filter)
		if err != nil {
			return err
		}
		for _, a := range list {
			if then != nil && a.AssetID != medsec.Organisation {
				asset := then[a.AssetID]
				if asset == nil {
					continue // not in use that year
				}
				a.AssetName, a.SiteID = asset.Name, asset.SiteID
			}
			if a.Status != medsec.AssessCompensating || b.siteID() != 0 && a.SiteID != b.siteID() && a.AssetID != medsec.Organisation {
				continue
			}
			subject := a.AssetName
			if a.AssetID == medsec.Organisation {
				subject = b.t("report.organisation")
			}
			controlExceptions = append(controlExceptions, []any{b.t("catalog." + a.CatalogID), a.ControlID, subject, a.Compensating, a.Assessor,
				a.AssessedOn.Time(), a.NextReview.Time()})
			if !a.NextReview.IsZero() && a.NextReview.Time().Before(b.p.Period.To) {
				it := medsec.RiskItem{Kind: medsec.RiskItemControl, Ref: fmt.Sprintf("assessment:%s/%s/%d", a.CatalogID, a.ControlID, a.AssetID),
					Subject: subject + " · " + a.ControlID, Why: medsec.Msg("report.risk_why_control", medsec.ArgText(a.NextReview.String())), Record: a.Compensating}
				site := a.SiteID
				if a.AssetID == medsec.Organisation {
					it.SubjectMsg = medsec.Msg("report.risk_subject_pair", medsec.ArgKey("report.organisation"), medsec.ArgText(a.ControlID))
					site = b.siteID()
				}
				decide(site, it)
			}
		}
	}

	// Decisions due: the devices whose risk is not acceptable or not reviewed, the
	// vulnerabilities past their deadline, the incidents still open.
	controlRisks := risks
	risks = nil
	for i, r := range crl[0].Tables[0].Rows {
		level := r[4].(Status)
		it := medsec.RiskItem{Kind: medsec.RiskItemDevice, Ref: fmt.Sprintf("asset:%d", b.crlIDs[i]), Subject: r[0].(string)}
		switch level.Tone {
		case Bad: // high: not acceptable [000 §7(二) 1]
			it.Why, it.Record = medsec.Msg("report.risk_why_high"), r[7].(string)
			decide(b.crlSites[i], it)
		case Severe: // no review this year
			it.Why = medsec.Msg("report.risk_why_unreviewed")
			decide(b.crlSites[i], it)
		}
	}
	risks = append(risks, controlRisks...)
	for _, f := range open {
		if f.Overdue {
			decide(f.SiteID, medsec.RiskItem{Kind: medsec.RiskItemVuln, Ref: fmt.Sprintf("finding:%d", f.ID), Subject: f.AssetName + " · " + f.CVE,
				Why:    medsec.Msg("report.risk_why_overdue", medsec.ArgKey("severity."+orNone(f.Severity)), medsec.ArgText(f.Due.In(loc).Format(time.DateOnly))),
				Record: f.Detail})
		}
	}
	openIncidents := 0
	for _, l := range ledger {
		if l.ClosedAt.IsZero() && !l.Drill {
			openIncidents++
			decide(l.SiteID, medsec.RiskItem{Kind: medsec.RiskItemIncident, Ref: fmt.Sprintf("incident:%d", l.IncidentID),
				Subject: fmt.Sprintf("#%d %s", l.IncidentID, incident.LedgerTitle(l, func(k string) string { return b.t(k) })), Why: medsec.Msg("report.risk_why_incident"), Record: l.Actions})
		}
	}
	b.risks = make([]medsec.RiskItem, len(risks))
	for i := range risks {
		risks[i].Seq = i + 1
		b.risks[i] = risks[i].RiskItem
	}
	recorded, drafts, err := b.recordedRiskReviews()
	if err != nil {
		return err
	}
	decisions, decisionsText := b.riskDecisionRows(risks, recorded)

	incidents, drills := 0, 0
	for _, l := range ledger {
		if l.Drill {
			drills++
		} else {
			incidents++
		}
	}
	count := func(v float64) string { return strconv.Itoa(int(v)) }
	b.d.Subtitle = b.t("report.risk_basis")
	b.add(Section{Heading: b.t("report.summary"), Text: []string{b.t("report.risk_intro")}, Facts: []Fact{
		{b.t("report.risk_devices_high"), count(byLevel[0])},
		{b.t("report.risk_devices_medium"), count(byLevel[1])},
		{b.t("report.risk_devices_low"), count(byLevel[2])},
		{b.t("report.risk_devices_unreviewed"), count(byLevel[3])},
		{b.t("report.risk_open_at_end"), strconv.Itoa(len(open))},
		{b.t("report.risk_overdue_at_end"), strconv.Itoa(overdue)},
		{b.t("report.risk_exceptions"), strconv.Itoa(len(vulnExceptions) + len(controlExceptions))},
		{b.t("report.risk_incidents"), strconv.Itoa(incidents)},
		{b.t("report.risk_drills"), strconv.Itoa(drills)},
		{b.t("report.risk_open_incidents"), strconv.Itoa(openIncidents)},
		{b.t("report.risk_decisions_due"), strconv.Itoa(len(decisions))},
	}})
	for _, s := range crl {
		b.add(s)
	}
	b.add(Section{Heading: b.t("report.risk_open"), Text: []string{b.t("report.risk_open_intro")}, Charts: []Chart{chart}, Landscape: true,
		Tables: []Table{{Title: b.t("report.risk_open"), Sheet: b.t("report.sheet_risk_open"), Rows: openRows,
			Columns: b.columns("report.cve", 1.3, "report.asset", 1.8, "report.severity", 0.9, "report.score", 0.6, "report.kev", 0.5,
				"field.status", 1.0, "report.found", 1.0, "report.due", 1.0, "report.deadline", 1.0)}}})
	b.add(Section{Heading: b.t("report.risk_exceptions"), Text: []string{b.t("report.risk_exceptions_intro")}, Landscape: true,
		Tables: []Table{
			{Title: b.t("report.risk_vuln_exceptions"), Sheet: b.t("report.sheet_risk_vuln_exceptions"), Rows: vulnExceptions,
				Columns: b.columns("report.cve", 1.2, "report.asset", 1.6, "report.severity", 0.8, "field.status", 0.9, "report.risk_measure", 3.0,
					"report.decided_by", 0.9, "report.decided_at", 1.1, "report.next_review", 0.9)},
			{Title: b.t("report.risk_control_exceptions"), Sheet: b.t("report.sheet_risk_control_exceptions"), Rows: controlExceptions,
				Columns: b.columns("report.catalog", 1.4, "report.control", 0.9, "report.asset", 1.6, "report.risk_measure", 3.0,
					"report.owner", 0.9, "report.assessed_on", 0.9, "report.next_review", 0.9)}}})
	for _, s := range b.incidentSections(ledger) {
		b.add(s)
	}
	b.add(Section{Heading: b.t("report.risk_decisions"), Text: append([]string{b.t("report.risk_decisions_intro")}, decisionsText...), Landscape: true,
		Tables: []Table{{Title: b.t("report.risk_decisions"), Sheet: b.t("report.risk_decisions"), Rows: decisions,
			Columns: b.columns("report.id", 0.4, "report.risk_kind", 0.9, "report.risk_subject", 1.7, "report.risk_why", 1.8, "report.risk_record", 2.0,
				"report.risk_decision", 0.9, "report.risk_reason", 1.9, "report.owner", 0.8, "report.due", 0.9)}}})
	b.add(b.riskSignoff(recorded, drafts))
	return nil
}

// siteRisk is a risk to decide on with the site it belongs to (an organisation-wide
// measure in a report of every site: 0).
type siteRisk struct {
	medsec.RiskItem
	site int64
}

// riskDecisionRows is the "risks to decide on" table and what it says above it. A site
// whose last recorded revision is signed (by either signer) shows that revision's risks
// exactly as they were signed — subjects, reasons, records and decisions as stored —
// and none of the risks found since, which are counted as belonging to the next revision;
// the other sites show the risks found now with the decisions recorded for them.
func (b *builder) riskDecisionRows(risks []siteRisk, recorded []*medsec.RiskReview) ([][]any, []string) {
	var rows [][]any
	var text []string
	signed := map[int64]*medsec.RiskReview{}
	signedRefs := map[string]bool{}
	decided := map[string]medsec.RiskItem{}
	for _, r := range recorded {
		if !r.Signed() {
			for _, it := range r.Items {
				if it.Decision != "" {
					decided[it.Ref] = it
				}
			}
			continue
		}
		signed[r.SiteID] = r
		text = append(text, b.t("report.risk_decisions_signed", r.SiteName, r.Revision))
		for _, it := range r.Items {
			signedRefs[it.Ref] = true
			rows = append(rows, b.riskRow(len(rows)+1, it, it))
		}
	}
	arisen := map[int64]int{}
	for _, x := range risks {
		if r := signed[x.site]; r != nil || signedRefs[x.Ref] {
			if r != nil && !slices.ContainsFunc(r.Items, func(it medsec.RiskItem) bool { return it.Ref == x.Ref }) {
				arisen[x.site]++
			}
			continue
		}
		rows = append(rows, b.riskRow(len(rows)+1, x.RiskItem, decided[x.Ref]))
	}
	for _, r := range recorded {
		if n := arisen[r.SiteID]; n > 0 && signed[r.SiteID] == r {
			text = append(text, b.t("report.risk_new_since_signing", r.SiteName, n))
		}
	}
	return rows, text
}

// riskRow is one row of the "risks to decide on" table: number, kind, subject, why, what
// medsec holds, then the decision d records (blank without one).
func (b *builder) riskRow(n int, it, d medsec.RiskItem) []any {
	row := []any{n, b.t("risk_kind." + it.Kind), b.riskSubject(it), b.msg(it.Why), it.Record}
	if d.Decision == "" {
		return append(row, "", "", "", time.Time{})
	}
	return append(row, Status{b.t("risk_decision." + d.Decision), decisionTone[d.Decision]}, d.Reason, d.Owner, d.Due.Time())
}

// riskSubject is a risk's subject in the report's language.
func (b *builder) riskSubject(it medsec.RiskItem) string {
	if it.SubjectMsg != nil {
		return b.msg(it.SubjectMsg)
	}
	return it.Subject
}

// msg renders a message medsec wrote in the report's language: an argument that is a key
// in its text (a key without text shows the argument's Text instead), a list of keys
// joined; "" for none.
func (b *builder) msg(m *medsec.Message) string {
	if m == nil {
		return ""
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch {
		case a.Keys != nil:
			names := make([]string, len(a.Keys))
			for j, k := range a.Keys {
				names[j] = b.t(k)
			}
			args[i] = strings.Join(names, b.t("report.list_sep"))
		case a.Key != "":
			if args[i] = b.t(a.Key); args[i] == a.Key && a.Text != "" {
				args[i] = a.Text
			}
		default:
			args[i] = a.Text
		}
	}
	return b.t(m.Key, args...)
}

// decisionTone colours a recorded decision: a treatment is work to do, an accepted risk
// stays, a transferred or avoided one leaves the hospital's hands.
var decisionTone = map[string]Tone{medsec.RiskAccept: Warning, medsec.RiskTreat: Info, medsec.RiskTransfer: Neutral, medsec.RiskAvoid: Good}

// recordedRiskReviews returns, for each site of the report, the revision of its risk review
// of the period's year recorded in medsec that the report stands on (none without
// Sources.RiskReviews): the newest signed by both, else the newest. A revision started
// after a signed one does not hide it while it is prepared: drafts says which there are.
func (b *builder) recordedRiskReviews() (recorded []*medsec.RiskReview, drafts []string, err error) {
	if b.src.RiskReviews == nil {
		return nil, nil, nil
	}
	list, err := b.src.RiskReviews.FindRiskReviews(b.ctx, medsec.RiskReviewFilter{SiteID: b.siteID(), Year: b.p.Period.From.Year()})
	if err != nil {
		return nil, nil, err
	}
	// Newest revision first: a site's first row is its newest, its first signed row the
	// one the report stands on.
	var sites []int64
	newest, signed := map[int64]*medsec.RiskReview{}, map[int64]*medsec.RiskReview{}
	for _, r := range list {
		if newest[r.SiteID] == nil {
			newest[r.SiteID] = r
			sites = append(sites, r.SiteID)
		}
		if r.Status == medsec.RiskReviewSigned && signed[r.SiteID] == nil {
			signed[r.SiteID] = r
		}
	}
	for _, site := range sites {
		n, s := newest[site], signed[site]
		if s == nil {
			recorded = append(recorded, n)
			continue
		}
		recorded = append(recorded, s)
		if n != s {
			drafts = append(drafts, b.t("report.risk_newer_revision", n.SiteName, n.Revision, s.Revision))
		}
	}
	return recorded, drafts, nil
}

// riskSignoff is the sign-off section: each recorded review's revision, state and
// signatures with their times, and drafts (the newer revisions in preparation); without
// one, the lines the reviewers sign on paper.
func (b *builder) riskSignoff(recorded []*medsec.RiskReview, drafts []string) Section {
	if len(recorded) == 0 {
		return Section{Heading: b.t("report.risk_signoff"), Text: []string{b.t("report.risk_signoff_intro")}, Facts: []Fact{
			{b.t("report.risk_prepared_by"), signLine},
			{b.t("report.risk_reviewed_by"), signLine},
			{b.t("report.risk_approved_by"), signLine},
			{b.t("report.risk_signed_on"), signLine},
		}}
	}
	loc := b.p.Now.Location()
	signed := func(name, title string, at time.Time) string {
		if at.IsZero() {
			return b.t("report.risk_not_signed")
		}
		if title != "" {
			name += " (" + title + ")"
		}
		return b.t("report.risk_signed_by_at", name, at.In(loc).Format("2006-01-02 15:04 -07:00"))
	}
	var facts []Fact
	for _, r := range recorded {
		facts = append(facts,
			Fact{b.t("report.risk_recorded_review", r.SiteName), b.t("report.risk_revision", r.Revision, b.t("risk_review_status."+r.Status), r.CreatedBy)},
			Fact{b.t("report.risk_reviewed_by"), signed(r.OfficerName, "", r.OfficerSignedAt)},
			Fact{b.t("report.risk_approved_by"), signed(r.LeaderName, r.LeaderTitle, r.LeaderSignedAt)})
	}
	return Section{Heading: b.t("report.risk_signoff"), Text: append([]string{b.t("report.risk_signoff_recorded")}, drafts...), Facts: facts}
}

// RiskItems returns the risks the yearly risk review of site (nil: every site the caller
// sees) for year has to decide on, as the risk-review report lists them at now: kind,
// reference and subject, numbered in the report's order. Errors are Build's.
func RiskItems(ctx context.Context, src Sources, site *medsec.Site, year int, now time.Time, t T) ([]medsec.RiskItem, error) {
	loc := now.Location()
	from := time.Date(year, 1, 1, 0, 0, 0, 0, loc)
	src.RiskReviews = nil
	b := &builder{ctx: ctx, p: Params{Name: RiskReview, Lang: "en", Site: site, Period: Period{fmt.Sprint(year), from, from.AddDate(1, 0, 0)}, Now: now}, src: src, t: t, d: &Document{}}
	if err := b.riskReview(); err != nil {
		return nil, err
	}
	return b.risks, nil
}

// signLine is the blank a reviewer signs on in the printed report.
const signLine = "________________________________"

func orNone(severity string) string {
	if severity == "" || !slices.Contains(severities, severity) {
		return "None"
	}
	return severity
}
