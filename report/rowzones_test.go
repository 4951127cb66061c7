package report

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
)

// zoneOrg gives the sites of TestIncidentLedgerRowsInTheirSitesZones; the rest of
// OrgService is not called.
type zoneOrg struct {
	medsec.OrgService
	sites []*medsec.Site
}

func (o zoneOrg) FindSites(context.Context) ([]*medsec.Site, error) { return o.sites, nil }

// zoneIncidents gives its ledger rows.
type zoneIncidents struct {
	medsec.IncidentService
	rows []*medsec.LedgerRow
}

func (z zoneIncidents) Ledger(context.Context, medsec.IncidentFilter) ([]*medsec.LedgerRow, error) {
	return z.rows, nil
}

// TestIncidentLedgerRowsInTheirSitesZones is bt16g M3: the incident ledger of every site
// — a Taipei site, a Shanghai site and a Tokyo site, the report dated in the first — shows
// each incident's times in its own site's zone with the UTC offset (the Tokyo incident
// detected at 01:15 UTC reads 10:15 +09:00, not 09:15 in Taipei), in PDF (pdftotext too,
// where installed: the 13 columns fit, each date-time on one line with its offset at
// most on the next) and HTML.
func TestIncidentLedgerRowsInTheirSitesZones(t *testing.T) {
	sites := []*medsec.Site{
		{ID: 1, Code: "TPE", Name: "台北總院", Jurisdiction: medsec.JurisdictionTW},
		{ID: 2, Code: "SH", Name: "上海分院", Jurisdiction: medsec.JurisdictionCN},
		{ID: 3, Code: "TYO", Name: "東京分院", Jurisdiction: medsec.JurisdictionJP},
	}
	detected := time.Date(2026, 3, 4, 1, 15, 0, 0, time.UTC)
	var rows []*medsec.LedgerRow
	for i, s := range sites {
		rows = append(rows, &medsec.LedgerRow{IncidentID: int64(i + 1), SiteID: s.ID, Site: s.Name, Title: "勒索軟體感染 ransomware on the PACS archive", Level: 2,
			Scenario: medsec.ScenarioRansomware, Status: medsec.IncidentClosed, DetectedAt: detected, ClosedAt: detected.Add(26 * time.Hour),
			ClocksMet: 3, ClocksLate: 1, Cause: "Unpatched VPN appliance compromised (CVE-2024-21762)", Actions: "Quarantined the imaging subnet; restored from immutable backups",
			Result: "Recovered; notification submitted"})
	}
	taipei, _ := time.LoadLocation("Asia/Taipei")
	p, err := ParsePeriod("2026", taipei)
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{Org: zoneOrg{sites: sites}, Incidents: zoneIncidents{rows: rows}}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages {
		d, err := Build(context.Background(), Params{Name: IncidentLedger, Lang: lang, Period: p, Organization: "示範醫療集團", GeneratedBy: "ciso",
			Now: time.Date(2026, 12, 1, 9, 0, 0, 0, taipei)}, src, func(k string, args ...any) string { return bundle.T(lang, k, args...) })
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"2026-03-04 09:15 +08:00", "2026-03-05 11:15 +08:00", "2026-03-04 10:15 +09:00", "2026-03-05 12:15 +09:00"}
		var html bytes.Buffer
		if err := WriteHTML(&html, d); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			// Taipei and Shanghai share +08:00: two rows each.
			n := 1
			if strings.HasSuffix(w, "+08:00") {
				n = 2
			}
			if got := strings.Count(html.String(), "<td>"+w+"</td>"); got != n {
				t.Errorf("%s HTML: %d cells %q, want %d", lang, got, w, n)
			}
		}
		if strings.Contains(html.String(), "<td>2026-03-04 09:15</td>") {
			t.Errorf("%s HTML: a time without its offset", lang)
		}
		var pdf bytes.Buffer
		if err := WritePDF(&pdf, d); err != nil {
			t.Fatal(err)
		}
		if _, err := exec.LookPath("pdftotext"); err != nil {
			continue
		}
		path := filepath.Join(t.TempDir(), "ledger.pdf")
		if err := os.WriteFile(path, pdf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, path)
		for _, w := range want {
			at, off, _ := strings.Cut(w[11:], " ")
			if !strings.Contains(text, w[:10]+" "+at) || !strings.Contains(text, off) {
				t.Errorf("%s PDF: %q not drawn whole", lang, w)
			}
		}
		// The offsets go to a line of their own before a word breaks.
		if n := strings.Count(text, "ransomware"); n != 3 {
			t.Errorf("%s PDF: %d words \"ransomware\" whole, want 3", lang, n)
		}
		if n := strings.Count(text, "2026-03-04 09:15"); n != 2 {
			t.Errorf("%s PDF: %d incidents detected at 09:15, want Taipei's and Shanghai's alone", lang, n)
		}
	}
}
