package report

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/capture"
)

// stocktake is the discovery stocktake report [000 資產盤點; 002 第九条(一) 形成资产清单]:
// the discovery runs of the period, and from each site's last run the inventory seen on
// the network, the assets not seen and the hosts the inventory does not know.
func (b *builder) stocktake() error {
	if b.src.Discovery == nil {
		return medsec.Errorf(medsec.EINVALID, "This server keeps no discovery runs.")
	}
	all, err := b.src.Discovery.FindDiscoveryRuns(b.ctx)
	if err != nil {
		return err
	}
	loc := b.p.Now.Location()
	var runs [][]any
	last := map[int64]*medsec.DiscoveryRun{} // newest run per site (the list is newest first)
	var sites []int64
	for _, r := range all {
		if (b.siteID() != 0 && r.SiteID != b.siteID()) || !b.p.Period.Contains(r.CreatedAt) {
			continue
		}
		runs = append(runs, []any{r.ID, r.SiteName, r.Source, Stamp(r.CreatedAt.In(b.siteLoc(r.SiteID))), r.Packets, r.Hosts, r.Matched, r.NotSeen, r.ProposedNew})
		if last[r.SiteID] == nil {
			last[r.SiteID] = r
			sites = append(sites, r.SiteID)
		}
	}
	slices.Reverse(runs)
	slices.Sort(sites)
	chart := Chart{Title: b.t("report.stocktake_chart"), Stacked: true, Series: []Series{
		{Name: b.t("discovery.matched"), Tone: Good}, {Name: b.t("discovery.not_seen"), Tone: Warning}, {Name: b.t("discovery.new"), Tone: Bad}}}
	var alt []string
	var matched, notSeen, unknown [][]any
	for _, id := range sites {
		r, err := b.src.Discovery.FindDiscoveryRunByID(b.ctx, last[id].ID)
		if err != nil {
			return err
		}
		var res capture.StoredResult
		if err := json.Unmarshal(r.Result, &res); err != nil {
			return fmt.Errorf("discovery run %d: %w", r.ID, err)
		}
		st := res.Stocktake
		chart.Categories = append(chart.Categories, r.SiteName)
		chart.Series[0].Values = append(chart.Series[0].Values, float64(len(st.Matched)))
		chart.Series[1].Values = append(chart.Series[1].Values, float64(len(st.NotSeen)))
		chart.Series[2].Values = append(chart.Series[2].Values, float64(len(st.ProposedNew)))
		alt = append(alt, b.t("report.alt_stocktake", r.SiteName, len(st.Matched), len(st.NotSeen), len(st.ProposedNew)))
		for _, m := range st.Matched {
			var dis []string
			for _, d := range m.Disagreements {
				dis = append(dis, fmt.Sprintf("%s: %s → %s", b.t("field."+d.Field), orDash(d.Inventory), d.Observed))
			}
			matched = append(matched, []any{r.SiteName, m.Item.Name, addrs(m.Hosts), strings.Join(m.By, ", "),
				strings.Join(append(dis, m.Conflicts...), b.t("report.list_sep"))})
		}
		for _, it := range st.NotSeen {
			notSeen = append(notSeen, []any{r.SiteName, it.Name, addrs(it.IPs), strings.Join(it.MACs, " ")})
		}
		for _, h := range st.ProposedNew {
			var ident []string
			for _, f := range h.Identity {
				ident = append(ident, f.Value)
			}
			unknown = append(unknown, []any{r.SiteName, h.Address.String(), strings.Join(h.MACs, " "), strings.Join(h.Protocols, ", "),
				strings.Join(h.Roles, ", "), strings.Join(ident, b.t("report.list_sep")), stampOrZero(h.FirstSeen, loc), stampOrZero(h.LastSeen, loc)})
		}
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))
	summary := Section{Heading: b.t("report.stocktake_runs"), Text: []string{b.t("report.stocktake_intro")},
		Tables: []Table{{Title: b.t("report.stocktake_runs"), Sheet: b.t("report.stocktake_runs"), Rows: runs,
			Columns: b.columns("report.id", 0.5, "field.site", 1.2, "discovery.file", 2.0, "discovery.when", 1.4, "discovery.packets", 0.8,
				"discovery.hosts", 0.7, "discovery.matched", 0.8, "discovery.not_seen", 0.8, "discovery.new", 0.8)}}}
	if len(sites) > 0 {
		summary.Charts = []Chart{chart}
	}
	b.add(summary)
	b.add(Section{Heading: b.t("report.stocktake_unknown"), Text: []string{b.t("report.stocktake_unknown_intro")}, Landscape: true,
		Tables: []Table{{Title: b.t("report.stocktake_unknown"), Sheet: b.t("report.stocktake_unknown"), Rows: unknown,
			Columns: b.columns("field.site", 1.0, "discovery.address", 1.1, "discovery.addresses", 1.4, "discovery.app", 1.2, "discovery.roles", 1.3,
				"discovery.identity", 2.2, "discovery.first_seen", 1.2, "report.last_seen", 1.2)}}})
	b.add(Section{Heading: b.t("report.stocktake_not_seen"), Text: []string{b.t("report.stocktake_not_seen_intro")},
		Tables: []Table{{Title: b.t("report.stocktake_not_seen"), Sheet: b.t("report.stocktake_not_seen"), Rows: notSeen,
			Columns: b.columns("field.site", 1.0, "field.name", 2.0, "field.ips", 1.4, "discovery.addresses", 1.6)}}})
	b.add(Section{Heading: b.t("report.stocktake_matched"), Text: []string{b.t("report.stocktake_matched_intro")},
		Tables: []Table{{Title: b.t("report.stocktake_matched"), Sheet: b.t("report.stocktake_matched"), Rows: matched,
			Columns: b.columns("field.site", 1.0, "field.name", 1.8, "discovery.hosts", 1.2, "discovery.matched_by", 1.0, "discovery.disagreements", 2.6)}}})
	return nil
}

func addrs(list []netip.Addr) string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.String()
	}
	return strings.Join(out, " ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// drills is the drill report [003 §6 演练; 004]: the drills of the period with their clocks
// met and late, then each drill's record: its facts, clocks, people, tasks and lessons,
// cause, actions and result.
func (b *builder) drills() error {
	list, err := b.src.Incidents.FindIncidents(b.ctx, medsec.IncidentFilter{SiteID: b.siteID(), Drill: "yes"})
	if err != nil {
		return err
	}
	list = slices.DeleteFunc(list, func(i *medsec.Incident) bool { return !b.p.Period.Contains(i.DetectedAt) })
	slices.SortFunc(list, func(a, c *medsec.Incident) int { return a.DetectedAt.Compare(c.DetectedAt) })
	chart := Chart{Title: b.t("report.drill_clocks"), Stacked: true,
		Series: []Series{{Name: b.t("incident.clocks_met"), Tone: Good}, {Name: b.t("incident.clocks_late"), Tone: Bad}}}
	var rows [][]any
	var alt []string
	var details []Section
	for _, s := range list {
		inc, err := b.src.Incidents.FindIncidentByID(b.ctx, s.ID)
		if err != nil {
			return err
		}
		title := inc.Title
		if inc.TitleKey != "" {
			title = b.t(inc.TitleKey)
		}
		loc := b.siteLoc(inc.SiteID)
		met, late := 0, 0
		var clocks [][]any
		for _, c := range inc.Clocks {
			switch {
			case c.State == medsec.ClockLate:
				late++
			case !c.MetAt.IsZero():
				met++
			}
			name := c.Label
			if name == "" {
				name = b.t(c.LabelKey())
			}
			tone := Neutral
			switch c.State {
			case medsec.ClockMet:
				tone = Good
			case medsec.ClockLate:
				tone = Bad
			}
			clocks = append(clocks, []any{name, Stamp(c.Start.In(loc)), stampOrZero(c.Due, loc), stampOrZero(c.MetAt, loc), b.actor(c.MetBy),
				Status{b.t("clockstate." + string(c.State)), tone}})
		}
		label := fmt.Sprintf("#%d %s", inc.ID, title)
		chart.Categories = append(chart.Categories, label)
		chart.Series[0].Values = append(chart.Series[0].Values, float64(met))
		chart.Series[1].Values = append(chart.Series[1].Values, float64(late))
		alt = append(alt, b.t("report.alt_met_late", label, met, late))
		rows = append(rows, []any{inc.ID, inc.SiteName, title, b.t("scenario." + string(inc.Scenario)), int(inc.Level),
			b.t("incident_status." + string(inc.Status)), Stamp(inc.DetectedAt.In(loc)), stampOrZero(inc.ClosedAt, loc), met, late})
		var people, tasks [][]any
		for _, p := range inc.People {
			people = append(people, []any{p.Name, b.t("incident_role." + string(p.Role))})
		}
		for _, tk := range inc.Tasks {
			name := tk.Title
			if tk.Key != "" {
				name = b.t("incident.task." + tk.Key)
			}
			lesson := ""
			if tk.Lesson {
				lesson = b.t("incident.lesson")
			}
			tasks = append(tasks, []any{name, tk.Assignee, lesson, stampOrZero(tk.DoneAt, loc), b.actor(tk.DoneBy), tk.Note})
		}
		var text []string
		if inc.Description != "" {
			text = append(text, inc.Description)
		}
		details = append(details, Section{Heading: label, Text: text,
			Facts: []Fact{{b.t("field.site"), inc.SiteName}, {b.t("incident.scenario"), b.t("scenario." + string(inc.Scenario))},
				{b.t("incident.level_col"), fmt.Sprint(int(inc.Level))}, {b.t("incident.status"), b.t("incident_status." + string(inc.Status))},
				{b.t("incident.detected_at"), inc.DetectedAt.In(loc).Format("2006-01-02 15:04 -07:00")},
				{b.t("incident.closed_at"), stampText(inc.ClosedAt, loc)},
				{b.t("incident.cause"), inc.Cause}, {b.t("incident.actions"), inc.Actions}, {b.t("incident.result"), inc.Result}},
			Tables: []Table{
				{Title: b.t("incident.clocks"), Sheet: b.t("incident.clocks"), Rows: clocks,
					Columns: b.columns("incident.clock", 2.4, "incident.start", 1.2, "incident.due", 1.2, "report.met_at", 1.2, "incident.met_by", 1.0, "incident.state", 0.9)},
				{Title: b.t("incident.people"), Sheet: b.t("incident.people"), Rows: people,
					Columns: b.columns("field.name", 2.0, "incident.role", 2.0)},
				{Title: b.t("incident.tasks"), Sheet: b.t("incident.tasks"), Rows: tasks,
					Columns: b.columns("incident.task", 2.4, "incident.assignee", 1.1, "incident.lesson", 0.8, "incident.done", 1.2, "report.done_by", 0.9, "incident.note", 1.6)},
			}})
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))
	summary := Section{Heading: b.t("report.drills"), Text: []string{b.t("report.drill_intro")},
		Tables: []Table{{Title: b.t("report.drills"), Sheet: b.t("report.drills"), Rows: rows,
			Columns: b.columns("incident.ledger.id", 0.5, "field.site", 1.0, "incident.title", 2.0, "incident.scenario", 1.2, "incident.level_col", 0.6,
				"incident.status", 0.8, "incident.detected_at", 1.3, "incident.closed_at", 1.3, "incident.clocks_met", 0.6, "incident.clocks_late", 0.6)}}}
	if len(list) > 0 {
		summary.Charts = []Chart{chart}
	}
	b.add(summary)
	for _, s := range details {
		b.add(s)
	}
	return nil
}

func stampText(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04 -07:00")
}

// crlReview is the yearly cyber-risk review record [000 §7(二)]: every active classified
// device in scope with its review of the period's year — level, method, reasons, actions,
// assessor — or none, and the count by level.
func (b *builder) crlReview() error {
	if b.src.Zones == nil {
		return medsec.Errorf(medsec.EINVALID, "This server keeps no risk reviews.")
	}
	assets, err := b.assets()
	if err != nil {
		return err
	}
	year := b.p.Period.From.Year()
	levels := []string{"high", "medium", "low", ""}
	count := map[string]int{}
	var rows [][]any
	for _, a := range assets {
		if a.Class == "" {
			continue
		}
		reviews, err := b.src.Zones.FindCRLReviews(b.ctx, a.ID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(reviews, func(r *medsec.CRLReview) bool { return r.Year == year })
		if i < 0 {
			count[""]++
			b.crlIDs, b.crlSites = append(b.crlIDs, a.ID), append(b.crlSites, a.SiteID)
			rows = append(rows, []any{a.Name, a.SiteName, b.t("class." + string(a.Class)), time.Time{}, Status{b.t("report.crl_missing"), Severe}, "", "", "", ""})
			continue
		}
		r := reviews[i]
		count[r.Level]++
		b.crlIDs, b.crlSites = append(b.crlIDs, a.ID), append(b.crlSites, a.SiteID)
		rows = append(rows, []any{a.Name, a.SiteName, b.t("class." + string(a.Class)), r.Date.Time(), b.crlLevel(r.Level), r.Method,
			strings.Join(r.Reasons, "\n"), strings.Join(r.Actions, "\n"), r.Assessor})
	}
	chart := Chart{Title: b.t("report.crl_by_level"), Series: []Series{{Name: b.t("report.devices"), Tone: Info}}}
	var alt []string
	for _, l := range levels {
		name := b.t("report.crl_missing")
		if l != "" {
			name = b.crlLevel(l).Text
		}
		chart.Categories = append(chart.Categories, name)
		chart.Series[0].Values = append(chart.Series[0].Values, float64(count[l]))
		alt = append(alt, fmt.Sprintf("%s: %d", name, count[l]))
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))
	b.add(Section{Heading: b.t("report.crl-review"), Text: []string{b.t("report.crl_intro", year)}, Charts: []Chart{chart}, Landscape: true,
		Tables: []Table{{Title: b.t("crl.title"), Sheet: b.t("crl.title"), Rows: rows,
			Columns: b.columns("field.name", 1.6, "field.site", 1.0, "field.class", 1.2, "crl.date", 0.9, "crl.level", 1.1, "crl.method", 1.2,
				"report.crl_reasons", 1.8, "report.crl_actions", 1.8, "crl.assessor", 0.9)}}})
	return nil
}

// crlLevel is a review's level as the report shows it, on its colour.
func (b *builder) crlLevel(l string) Status {
	tone := map[string]Tone{"high": Bad, "medium": Warning, "low": Good}[l]
	return Status{b.t("crl." + l), tone}
}

// findingsTrend charts the findings open at the end of each month of a yearly period (each
// day of a monthly one), by severity, up to the time the report is made: a finding is open
// from when it was found until it was fixed, gone, or analysed as not affecting or fixed.
func (b *builder) findingsTrend(list []*medsec.Finding) Chart {
	c := Chart{Title: b.t("report.findings_trend"), Sheet: b.t("report.sheet_trend"), Line: true}
	for _, s := range severities {
		c.Series = append(c.Series, Series{Name: b.t("severity." + s), Tone: severityTone(s)})
	}
	yearly := b.p.Period.To.Sub(b.p.Period.From) > 32*24*time.Hour
	for start := b.p.Period.From; start.Before(b.p.Period.To) && start.Before(b.p.Now); {
		next := start.AddDate(0, 0, 1)
		label := fmt.Sprint(start.Day())
		if yearly {
			next, label = start.AddDate(0, 1, 0), start.Format("2006-01")
		}
		at := next
		if b.p.Now.Before(at) {
			at = b.p.Now
		}
		c.Categories = append(c.Categories, label)
		for i := range c.Series {
			c.Series[i].Values = append(c.Series[i].Values, 0)
		}
		for _, f := range list {
			if f.FoundAt.After(at) {
				continue
			}
			if end := closedAt(f); !end.IsZero() && !end.After(at) || end.IsZero() && !f.State.Open() {
				continue
			}
			i := slices.Index(severities, f.Severity)
			if i < 0 {
				i = len(severities) - 1 // unscored counts with None
			}
			c.Series[i].Values[len(c.Categories)-1]++
		}
		start = next
	}
	if len(c.Categories) == 0 {
		return c
	}
	alt := []string{b.t("report.alt_trend", c.Categories[0], c.Categories[len(c.Categories)-1])}
	for _, s := range c.Series {
		vals := make([]string, len(s.Values))
		for i, v := range s.Values {
			vals[i] = formatNumber(v)
		}
		alt = append(alt, s.Name+": "+strings.Join(vals, ", "))
	}
	c.Alt = strings.Join(alt, b.t("report.list_sep"))
	return c
}

// closedAt is when a finding stopped being open: fixed, gone from the asset, or analysed
// closed (not affected, or fixed without a fix time); zero while it is open.
func closedAt(f *medsec.Finding) time.Time {
	switch {
	case !f.FixedAt.IsZero():
		return f.FixedAt
	case !f.GoneAt.IsZero():
		return f.GoneAt
	case !f.State.Open():
		return f.AnalyzedAt
	}
	return time.Time{}
}
