package report

import (
	"context"
	"fmt"
	"testing"
	"time"

	"medsec"
)

// ledgerOnly is an incident service that gives the ledger rows it holds and nothing else.
type ledgerOnly struct {
	medsec.IncidentService
	rows []*medsec.LedgerRow
}

func (l ledgerOnly) Ledger(context.Context, medsec.IncidentFilter) ([]*medsec.LedgerRow, error) {
	return l.rows, nil
}

// ledgerT translates the keys a test names, else says the key with its arguments.
func ledgerT(known map[string]string) T {
	return func(key string, args ...any) string {
		if s, ok := known[key]; ok {
			return fmt.Sprintf(s, args...)
		}
		if len(args) == 0 {
			return key
		}
		return fmt.Sprint(append([]any{key}, args...)...)
	}
}

// TestIncidentLedgerChartLeavesDrillsOut builds the incident ledger of an incident and a
// drill at level 1: the chart of clocks met and late by level counts the incident's
// clocks only (bt14h #1: "Level 1: 15 clocks met, 1 late" were a drill's), and the drill
// is listed in the Drills section alone.
func TestIncidentLedgerChartLeavesDrillsOut(t *testing.T) {
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	rows := []*medsec.LedgerRow{
		{IncidentID: 1, Title: "Real", Level: 1, Status: medsec.IncidentClosed, DetectedAt: at, ClocksMet: 2, ClocksLate: 0},
		{IncidentID: 3, Title: "Drill", Drill: true, Level: 1, Status: medsec.IncidentClosed, DetectedAt: at, ClocksMet: 15, ClocksLate: 1},
	}
	p := Params{Name: IncidentLedger, Lang: "en", Period: Period{"2026", at.AddDate(0, -10, -2), at.AddDate(0, 2, 0)}, Now: at}
	doc, err := Build(context.Background(), p, Sources{Incidents: ledgerOnly{rows: rows}}, ledgerT(nil))
	if err != nil {
		t.Fatal(err)
	}
	chart := doc.Sections[0].Charts[0]
	if met, late := chart.Series[0].Values[0], chart.Series[1].Values[0]; met != 2 || late != 0 {
		t.Errorf("level 1 in the chart: %v met, %v late; want the incident's 2 met, 0 late (alt %q)", met, late, chart.Alt)
	}
	if n, d := len(doc.Sections[0].Tables[0].Rows), len(doc.Sections[1].Tables[0].Rows); n != 1 || d != 1 {
		t.Errorf("%d incident rows and %d drill rows, want 1 and 1", n, d)
	}
}

// TestIncidentLedgerRowsTranslateRuleTitles builds the ledger of an incident an alert
// opened in Japanese: its row shows the rule's title in the report's language, as the page
// and the CSV do, not the rule's English title (bt14h #5); a typed title stays as typed.
func TestIncidentLedgerRowsTranslateRuleTitles(t *testing.T) {
	at := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	key := medsec.RuleTitleKey("new-device")
	rows := []*medsec.LedgerRow{
		{IncidentID: 1, Title: "New device on a device network", TitleKey: key, Level: 3, Status: medsec.IncidentOpen, DetectedAt: at},
		{IncidentID: 2, Title: "手入力の件名", Level: 4, Status: medsec.IncidentOpen, DetectedAt: at},
	}
	p := Params{Name: IncidentLedger, Lang: "ja", Period: Period{"2026", at.AddDate(0, -10, -2), at.AddDate(0, 2, 0)}, Now: at}
	doc, err := Build(context.Background(), p, Sources{Incidents: ledgerOnly{rows: rows}}, ledgerT(map[string]string{key: "医療機器ネットワーク上の新しい機器"}))
	if err != nil {
		t.Fatal(err)
	}
	got := doc.Sections[0].Tables[0].Rows
	if got[0][2] != "医療機器ネットワーク上の新しい機器" || got[1][2] != "手入力の件名" {
		t.Errorf("titles %q and %q, want the rule's title in Japanese and the typed title", got[0][2], got[1][2])
	}
}
