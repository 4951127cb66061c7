package report

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"medsec"
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
	// The cyber risk levels, kept aside to come after the summary.
	start := len(b.d.Sections)
	if err := b.crlReview(); err != nil {
		return err
	}
	crl := slices.Clone(b.d.Sections[start:])
	b.d.Sections = b.d.Sections[:start]
	byLevel := crl[0].Charts[0].Series[0].Values // high, medium, low, no review

	findings, err := b.findings()
	if err != nil {
		return err
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
	chart := Chart{Title: b.t("report.risk_open_chart"), Series: []Series{{Name: b.t("report.open"), Tone: Bad}, {Name: b.t("report.overdue"), Tone: Severe}}}
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
	var decisions [][]any
	for _, f := range findings {
		switch f.State {
		case medsec.FindingMitigated:
			controls, err := b.src.Vulns.FindControls(b.ctx, f.ID)
			if err != nil {
				return err
			}
			for _, c := range controls {
				vulnExceptions = append(vulnExceptions, []any{f.CVE, f.AssetName, b.severity(f.Severity), b.t("finding_state." + string(f.State)),
					c.Description, c.CreatedBy, stampOrZero(c.CreatedAt, loc), c.ReviewOn.Time()})
				if !c.ReviewOn.IsZero() && c.ReviewOn.Time().Before(b.p.Period.To) {
					decisions = append(decisions, []any{b.t("report.risk_kind_control"), f.AssetName + " · " + f.CVE,
						b.t("report.risk_why_control", c.ReviewOn.String()), c.Description, ""})
				}
			}
		case medsec.FindingNotAffected:
			measure := f.Detail
			if f.Justification != "" {
				measure = b.t("justification."+f.Justification) + b.t("report.list_sep") + f.Detail
			}
			vulnExceptions = append(vulnExceptions, []any{f.CVE, f.AssetName, b.severity(f.Severity), b.t("finding_state." + string(f.State)),
				measure, f.AnalyzedBy, stampOrZero(f.AnalyzedAt, loc), time.Time{}})
		}
	}
	var controlExceptions [][]any
	for _, id := range Catalogs {
		list, err := b.src.Assessments.FindAssessments(b.ctx, medsec.AssessmentFilter{CatalogID: id})
		if err != nil {
			return err
		}
		for _, a := range list {
			if a.Status != medsec.AssessCompensating || b.siteID() != 0 && a.SiteID != b.siteID() && a.AssetID != medsec.Organisation {
				continue
			}
			subject := a.AssetName
			if a.AssetID == medsec.Organisation {
				subject = b.t("report.organisation")
			}
			controlExceptions = append(controlExceptions, []any{a.CatalogID, a.ControlID, subject, a.Compensating, a.Assessor,
				a.AssessedOn.Time(), a.NextReview.Time()})
			if !a.NextReview.IsZero() && a.NextReview.Time().Before(b.p.Period.To) {
				decisions = append(decisions, []any{b.t("report.risk_kind_control"), subject + " · " + a.ControlID,
					b.t("report.risk_why_control", a.NextReview.String()), a.Compensating, ""})
			}
		}
	}

	// Decisions due: the devices whose risk is not acceptable or not reviewed, the
	// vulnerabilities past their deadline, the incidents still open.
	var crlDecisions [][]any
	for _, r := range crl[0].Tables[0].Rows {
		level := r[4].(Status)
		switch level.Tone {
		case Bad: // high: not acceptable [000 §7(二) 1]
			crlDecisions = append(crlDecisions, []any{b.t("report.risk_kind_device"), r[0], b.t("report.risk_why_high"), r[7], ""})
		case Severe: // no review this year
			crlDecisions = append(crlDecisions, []any{b.t("report.risk_kind_device"), r[0], b.t("report.risk_why_unreviewed"), "", ""})
		}
	}
	decisions = append(crlDecisions, decisions...)
	for _, f := range open {
		if f.Overdue {
			decisions = append(decisions, []any{b.t("report.risk_kind_vuln"), f.AssetName + " · " + f.CVE,
				b.t("report.risk_why_overdue", b.t("severity."+orNone(f.Severity)), f.Due.In(loc).Format(time.DateOnly)), f.Detail, ""})
		}
	}
	openIncidents := 0
	for _, l := range ledger {
		if l.ClosedAt.IsZero() && !l.Drill {
			openIncidents++
			decisions = append(decisions, []any{b.t("report.risk_kind_incident"), fmt.Sprintf("#%d %s", l.IncidentID, l.Title),
				b.t("report.risk_why_incident"), l.Actions, ""})
		}
	}
	for i := range decisions {
		decisions[i] = append([]any{i + 1}, decisions[i]...)
	}

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
		Tables: []Table{{Title: b.t("report.risk_open"), Sheet: b.t("report.risk_open"), Rows: openRows,
			Columns: b.columns("report.cve", 1.3, "report.asset", 1.8, "report.severity", 0.9, "report.score", 0.6, "report.kev", 0.5,
				"field.status", 1.0, "report.found", 1.0, "report.due", 1.0, "report.deadline", 1.0)}}})
	b.add(Section{Heading: b.t("report.risk_exceptions"), Text: []string{b.t("report.risk_exceptions_intro")}, Landscape: true,
		Tables: []Table{
			{Title: b.t("report.risk_vuln_exceptions"), Sheet: b.t("report.risk_vuln_exceptions"), Rows: vulnExceptions,
				Columns: b.columns("report.cve", 1.2, "report.asset", 1.6, "report.severity", 0.8, "field.status", 0.9, "report.risk_measure", 3.0,
					"report.decided_by", 0.9, "report.decided_at", 1.1, "report.next_review", 0.9)},
			{Title: b.t("report.risk_control_exceptions"), Sheet: b.t("report.risk_control_exceptions"), Rows: controlExceptions,
				Columns: b.columns("report.catalog", 1.4, "report.control", 0.9, "report.asset", 1.6, "report.risk_measure", 3.0,
					"report.owner", 0.9, "report.assessed_on", 0.9, "report.next_review", 0.9)}}})
	for _, s := range b.incidentSections(ledger) {
		b.add(s)
	}
	b.add(Section{Heading: b.t("report.risk_decisions"), Text: []string{b.t("report.risk_decisions_intro")}, Landscape: true,
		Tables: []Table{{Title: b.t("report.risk_decisions"), Sheet: b.t("report.risk_decisions"), Rows: decisions,
			Columns: b.columns("report.id", 0.4, "report.risk_kind", 1.0, "report.risk_subject", 2.0, "report.risk_why", 2.2, "report.risk_record", 2.6,
				"report.risk_decision", 2.4)}}})
	b.add(Section{Heading: b.t("report.risk_signoff"), Text: []string{b.t("report.risk_signoff_intro")}, Facts: []Fact{
		{b.t("report.risk_prepared_by"), signLine},
		{b.t("report.risk_reviewed_by"), signLine},
		{b.t("report.risk_approved_by"), signLine},
		{b.t("report.risk_signed_on"), signLine},
	}})
	return nil
}

// signLine is the blank a reviewer signs on in the printed report.
const signLine = "________________________________"

func orNone(severity string) string {
	if severity == "" || !slices.Contains(severities, severity) {
		return "None"
	}
	return severity
}
