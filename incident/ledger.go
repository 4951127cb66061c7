package incident

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"medsec"
	"medsec/tabular"
)

// LedgerHeaderKeys are the message keys of the 網絡安全事件臺賬's columns [003 §3.3.3: time,
// measures and result of each incident], in order.
var LedgerHeaderKeys = []string{"incident.ledger.id", "field.site", "incident.title", "incident.drill_col", "incident.level_col", "incident.scenario",
	"incident.status", "incident.detected_at", "incident.closed_at", "incident.clocks_met", "incident.clocks_late", "incident.clocks_total",
	"incident.cause", "incident.actions", "incident.result"}

// LedgerFormat is the format of a ledger export.
type LedgerFormat string

// Ledger formats.
const (
	LedgerCSV  LedgerFormat = "csv"
	LedgerXLSX LedgerFormat = "xlsx"
)

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// ledgerCells returns a row's cells; t translates message keys (drill, scenario, status).
func ledgerCells(l *medsec.LedgerRow, t func(string) string) []string {
	drill := ""
	if l.Drill {
		drill = t("incident.drill")
	}
	return []string{strconv.FormatInt(l.IncidentID, 10), l.Site, l.Title, drill, strconv.Itoa(int(l.Level)), t("scenario." + string(l.Scenario)),
		t("incident_status." + string(l.Status)), stamp(l.DetectedAt), stamp(l.ClosedAt), strconv.Itoa(l.ClocksMet), strconv.Itoa(l.ClocksLate),
		strconv.Itoa(l.ClocksTotal), l.Cause, l.Actions, l.Result}
}

// WriteLedger writes the ledger rows as CSV or XLSX (one sheet, 網絡安全事件臺賬), with the
// headers and values translated by t. Every cell goes through package tabular, so no cell
// can run as a formula.
func WriteLedger(w io.Writer, format LedgerFormat, rows []*medsec.LedgerRow, t func(string) string) error {
	header := make([]string, len(LedgerHeaderKeys))
	for i, k := range LedgerHeaderKeys {
		header[i] = t(k)
	}
	switch format {
	case LedgerCSV:
		cw := tabular.NewCSV(w)
		if err := cw.Write(header...); err != nil {
			return err
		}
		for _, l := range rows {
			if err := cw.Write(ledgerCells(l, t)...); err != nil {
				return err
			}
		}
		return cw.Flush()
	case LedgerXLSX:
		x := tabular.NewXLSX()
		if err := x.Sheet(tabular.Sheet{Name: "網絡安全事件臺賬", Header: header, Widths: []float64{6, 16, 30, 8, 6, 18, 10, 18, 18, 8, 8, 8, 30, 30, 30}}); err != nil {
			x.Close()
			return err
		}
		for _, l := range rows {
			cells := ledgerCells(l, t)
			row := make([]any, len(cells))
			for i, c := range cells {
				row[i] = c
			}
			// Numbers stay numbers.
			row[0], row[4], row[9], row[10], row[11] = l.IncidentID, int(l.Level), l.ClocksMet, l.ClocksLate, l.ClocksTotal
			// Times are typed date-times in UTC, as the header says.
			row[7], row[8] = tabular.Stamp(l.DetectedAt.UTC()), tabular.Stamp(l.ClosedAt.UTC())
			if err := x.Row(row...); err != nil {
				x.Close()
				return err
			}
		}
		_, err := x.WriteTo(w)
		return err
	}
	return fmt.Errorf("ledger format %q: want csv or xlsx", format)
}
