package report

import (
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// dataSecurity is the yearly data security risk assessment [002 第二十一条: 每年对本单位的数据
// 进行数据安全风险评估，及时掌握数据安全状态], built from what medsec holds of the data: the
// assets by the data they hold (the inventory's data class [001 ch.1], the grading 002
// 第二十条 asks for), and for each asset holding medical data its backups [002 第二十二条(三)
// 备份], the review of its accounts [第二十二条(四) 严格规定不同人员的权限], its open
// vulnerabilities, then the gaps found, each with its clause. What the clause also asks and
// medsec does not record — the yearly revision of the rules, confidentiality agreements,
// the data-use approvals, data flows out of the hospital — is stated in the text.
func (b *builder) dataSecurity() error {
	if none, err := b.saidNoData(b.t("report.data_intro")); none || err != nil {
		return err
	}
	assets, err := b.assets()
	if err != nil {
		return err
	}
	findings, err := b.findings()
	if err != nil {
		return err
	}
	ledger, err := b.ledger()
	if err != nil {
		return err
	}
	at := b.p.Period.To
	if b.p.Now.Before(at) {
		at = b.p.Now
	}
	open, overdue := map[int64]int{}, map[int64]int{}
	for _, f := range findings {
		if f.FoundAt.After(at) {
			continue
		}
		if end := closedAt(f); !end.IsZero() && !end.After(at) || end.IsZero() && !f.State.Open() {
			continue
		}
		open[f.AssetID]++
		if f.Overdue {
			overdue[f.AssetID]++
		}
	}
	// The backups are judged as the backup record of the same period judges them (bt16d
	// #2: this report judged a closed year by today's rules while the year's backup record
	// said the plan met every rule): the plans as they stood at the period's end, of the
	// assets then at the site, and the rules they broke then, from the period's own job
	// results and restore tests.
	plans, broken := map[int64]int{}, map[int64]int{}
	if b.src.Backups != nil {
		rec, err := b.src.Backups.BackupRecord(b.ctx, medsec.BackupRecordFilter{SiteID: b.siteID(), From: b.p.Period.From, To: b.p.Period.To})
		if err != nil {
			return err
		}
		// A clinical system's plan backs up each of its member assets.
		covers := map[int64][]int64{}
		for _, p := range rec.Plans {
			covers[p.ID] = p.Covers()
			for _, a := range covers[p.ID] {
				plans[a]++
			}
		}
		for _, f := range rec.Findings {
			for _, a := range covers[f.PlanID] {
				broken[a]++
			}
		}
	}
	reviewed := map[int64]bool{}
	if b.src.Accounts != nil {
		rs, err := b.src.Accounts.FindAccessReviews(b.ctx, medsec.AccessReviewFilter{SiteID: b.siteID(), Status: medsec.AccessReviewSigned})
		if err != nil {
			return err
		}
		for _, r := range rs {
			if r.PeriodStart.Before(b.p.Period.To) && r.PeriodEnd.After(b.p.Period.From) {
				reviewed[r.AssetID] = true
			}
		}
	}

	count := map[medsec.DataClass]int{}
	yesNo := func(v bool) string {
		if v {
			return b.t("tristate.yes")
		}
		return b.t("tristate.no")
	}
	var rows, gaps [][]any
	gap := func(a *medsec.Asset, key, clause string, args ...any) {
		gaps = append(gaps, []any{a.Name, a.SiteName, b.t("data_class." + string(a.DataClass)), Status{b.t(key, args...), Bad}, clause})
	}
	for _, a := range assets {
		dc := a.DataClass
		if dc == "" {
			dc = medsec.DataUnknown
		}
		count[dc]++
		if dc == medsec.DataUnknown {
			gap(a, "report.data_gap_unclassified", "002 第二十条")
		}
		if dc != medsec.DataSensitivePersonal && dc != medsec.DataNonSensitive {
			continue
		}
		backup := Status{b.t("report.data_no_backup"), Bad}
		switch {
		case plans[a.ID] > 0 && broken[a.ID] > 0:
			backup = Status{b.t("report.backup_n_findings", broken[a.ID]), Warning}
		case plans[a.ID] > 0:
			backup = Status{b.t("report.backup_no_findings"), Good}
		}
		vulns := Status{strconv.Itoa(open[a.ID]), Good}
		if open[a.ID] > 0 {
			vulns.Tone = Warning
		}
		if overdue[a.ID] > 0 {
			vulns = Status{b.t("report.data_open_overdue", open[a.ID], overdue[a.ID]), Bad}
		}
		rows = append(rows, []any{a.Name, a.SiteName, a.DepartmentName, b.t("kind." + string(a.Kind)), b.t("data_class." + string(dc)),
			backup, yesNo(reviewed[a.ID]), vulns, a.ResponsibleName})
		if plans[a.ID] == 0 {
			gap(a, "report.data_gap_no_backup", "002 第二十二条(三)")
		} else if broken[a.ID] > 0 {
			gap(a, "report.data_gap_backup_rules", "002 第二十二条(三)", broken[a.ID])
		}
		if dc == medsec.DataSensitivePersonal && !reviewed[a.ID] {
			gap(a, "report.data_gap_no_review", "002 第二十二条(四)")
		}
		if overdue[a.ID] > 0 {
			gap(a, "report.data_gap_overdue", "002 第二十一条; 第二十四条", overdue[a.ID])
		}
	}
	incidents := 0
	for _, l := range ledger {
		if !l.Drill {
			incidents++
		}
	}

	chart := Chart{Title: b.t("report.data_by_class"), Series: []Series{{Name: b.t("report.data_assets_n"), Tone: Info}}}
	var alt []string
	for _, dc := range medsec.DataClasses {
		chart.Categories = append(chart.Categories, b.t("data_class."+string(dc)))
		chart.Series[0].Values = append(chart.Series[0].Values, float64(count[dc]))
		alt = append(alt, b.t("data_class."+string(dc))+": "+strconv.Itoa(count[dc]))
	}
	chart.Alt = strings.Join(alt, b.t("report.list_sep"))

	b.d.Subtitle = b.t("report.data_basis")
	b.add(Section{Heading: b.t("report.summary"), Text: []string{b.t("report.data_intro"), b.t("report.data_not_in_medsec")}, Charts: []Chart{chart}, Facts: []Fact{
		{b.t("report.data_assets_personal"), strconv.Itoa(count[medsec.DataSensitivePersonal])},
		{b.t("report.data_assets_medical"), strconv.Itoa(count[medsec.DataNonSensitive])},
		{b.t("report.data_assets_unclassified"), strconv.Itoa(count[medsec.DataUnknown])},
		{b.t("report.data_gaps"), strconv.Itoa(len(gaps))},
		{b.t("report.risk_incidents"), strconv.Itoa(incidents)},
	}})
	b.add(Section{Heading: b.t("report.data_assets"), Text: []string{b.t("report.data_assets_intro")}, Landscape: true,
		Tables: []Table{{Title: b.t("report.data_assets"), Sheet: b.t("report.data_assets"), Rows: rows,
			Columns: b.columns("field.name", 1.6, "field.site", 0.9, "field.department", 1.0, "field.kind", 1.0, "report.data_class", 1.4,
				"report.data_backup", 1.1, "report.data_access_review", 0.8, "report.data_open_vulns", 1.0, "report.owner", 0.9)}}})
	b.add(Section{Heading: b.t("report.data_gaps"), Text: []string{b.t("report.data_gaps_intro")}, Landscape: true,
		Tables: []Table{{Title: b.t("report.data_gaps"), Sheet: b.t("report.data_gaps"), Rows: gaps,
			Columns: b.columns("field.name", 1.6, "field.site", 0.9, "report.data_class", 1.4, "report.data_gap", 2.4, "backups.clause", 1.2)}}})
	return b.dataFlows(assets)
}

// clinicalApps are the application protocols that carry patient data whatever the zones
// hold: DICOM images and HL7 messages name the patient.
var clinicalApps = map[string]bool{"dicom": true, "hl7": true, "fhir": true}

// dataFlows adds the section of the flows of personal or patient data between zones [002
// 第二十一条: the assessment knows where the data goes]: each conduit of the zone model
// (medsec.ZoneService.Analyze, the sites in the report's scope) with a zone at either end
// holding an asset of medical data (data class sensitive-personal or non-sensitive, as the
// assets of the report are), or whose application protocol is a clinical one (DICOM,
// HL7, FHIR); with the assets of each end that hold the data, and its controls (none is a
// flow to review). For a closed period the zones, conduits and placements are as recorded
// at its end (ZoneService.AnalyzeAt, rewound from the audit trail as the self-inspection's
// are), as are the assets and their data class (the report's): a later change to any of
// them leaves the report as it was (bt16 H1). Without a zone service (nil) the section is
// left out.
func (b *builder) dataFlows(assets []*medsec.Asset) error {
	if b.src.Zones == nil {
		return nil
	}
	holds := map[int64]*medsec.Asset{}
	for _, a := range assets {
		if a.DataClass == medsec.DataSensitivePersonal || a.DataClass == medsec.DataNonSensitive {
			holds[a.ID] = a
		}
	}
	sites, err := b.src.Org.FindSites(b.ctx)
	if err != nil {
		return err
	}
	var siteIDs []int64
	siteName := map[int64]string{}
	for _, s := range sites {
		siteName[s.ID] = s.Name
		if id := b.siteID(); id == 0 || id == s.ID {
			siteIDs = append(siteIDs, s.ID)
		}
	}
	var rows [][]any
	uncontrolled := 0
	for _, siteID := range siteIDs {
		var an *medsec.ZoneAnalysis
		if b.closed() {
			an, err = b.src.Zones.AnalyzeAt(b.ctx, siteID, b.p.Period.From, b.p.Period.To)
		} else {
			an, err = b.src.Zones.Analyze(b.ctx, siteID)
		}
		if err != nil {
			return err
		}
		inZone := map[int64][]*medsec.Asset{}
		for _, pl := range an.Placements {
			if a := holds[pl.AssetID]; a != nil && pl.ZoneID != 0 {
				inZone[pl.ZoneID] = append(inZone[pl.ZoneID], a)
			}
		}
		say := func(list []*medsec.Asset) string {
			names := make([]string, 0, len(list))
			personal := 0
			for _, a := range list {
				names = append(names, a.Name)
				if a.DataClass == medsec.DataSensitivePersonal {
					personal++
				}
			}
			if len(names) == 0 {
				return "—"
			}
			slices.Sort(names)
			more := ""
			if len(names) > 5 {
				more = b.t("report.data_flow_more", len(names)-5)
				names = names[:5]
			}
			return b.t("report.data_flow_holders", len(list), personal) + b.t("report.list_sep") + strings.Join(names, b.t("report.list_sep")) + more
		}
		zoneName := map[int64]string{} // the zones' names as the analysis has them (then, for a closed period)
		for _, st := range an.Zones {
			zoneName[st.Zone.ID] = st.Zone.Name
		}
		named := func(id int64, name string) string {
			if n, ok := zoneName[id]; ok {
				return n
			}
			return name
		}
		for _, c := range an.Conduits {
			from, to := inZone[c.FromZoneID], inZone[c.ToZoneID]
			if len(from) == 0 && len(to) == 0 && !clinicalApps[c.App] {
				continue
			}
			service := c.Protocol
			if c.Ports != "" {
				service += " " + c.Ports
			}
			if c.App != "" {
				service += " (" + c.App + ")"
			}
			controls := Status{b.t("report.data_flow_no_control"), Bad}
			if len(c.Controls) > 0 {
				var names []string
				for _, k := range c.Controls {
					names = append(names, b.t("control."+string(k)))
				}
				controls = Status{strings.Join(names, b.t("report.list_sep")), Good}
			} else {
				uncontrolled++
			}
			rows = append(rows, []any{c.Name, siteName[siteID], named(c.FromZoneID, c.FromZoneName), named(c.ToZoneID, c.ToZoneName), service, say(from), say(to), controls})
		}
	}
	text := []string{b.t("report.data_flows_intro")}
	b.add(Section{Heading: b.t("report.data_flows"), Text: text, Landscape: true,
		Facts: []Fact{{b.t("report.data_flows_n"), strconv.Itoa(len(rows))}, {b.t("report.data_flows_uncontrolled"), strconv.Itoa(uncontrolled)}},
		Tables: []Table{{Title: b.t("report.data_flows"), Sheet: b.t("report.data_flows_sheet"), Rows: rows,
			Columns: b.columns("report.data_flow_conduit", 1.2, "field.site", 0.9, "report.data_flow_from", 1.0, "report.data_flow_to", 1.0,
				"report.data_flow_service", 1.1, "report.data_flow_from_holders", 2.0, "report.data_flow_to_holders", 2.0, "report.data_flow_controls", 1.1)}}})
	return nil
}
