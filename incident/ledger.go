package incident

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/tabular"
)

// LedgerHeaderKeys are the message keys of the 網絡安全事件臺賬's columns [003 §3.3.3: time,
// measures and result of each incident; who of the leading group declared the end of the
// response and when, 003 §4.4.4], in order.
var LedgerHeaderKeys = []string{"incident.ledger.id", "field.site", "incident.title", "incident.drill_col", "incident.level_col", "incident.ledger.level_history", "incident.scenario",
	"incident.status", "incident.occurred_at", "incident.detected_at", "incident.ledger.exposure_found", "incident.restored_at", "incident.closed_at", "incident.end_declared_by", "incident.end_declared_at", "incident.clocks_met", "incident.clocks_late", "incident.clocks_unmet", "incident.clocks_total",
	"incident.ledger.tasks_untimed", "incident.cause", "incident.actions", "incident.result", "incident.time_zone"}

// LedgerFormat is the format of a ledger export.
type LedgerFormat string

// Ledger formats.
const (
	LedgerCSV  LedgerFormat = "csv"
	LedgerXLSX LedgerFormat = "xlsx"
)

// stamp writes a time in the site's zone, naming it ("2026-11-30 14:05 (Asia/Taipei)").
func stamp(t time.Time, zone string) string { return medsec.ZonedTime(t, zone) }

// local is a time in the site's zone as a typed XLSX date-time.
func local(t time.Time, zone string) tabular.Stamp {
	if t.IsZero() {
		return tabular.Stamp{}
	}
	t, _ = medsec.InZone(t, zone)
	return tabular.Stamp(t)
}

// LedgerTitle is a row's title in t's language: the message of a title medsec chose (an
// alert's rule title, TitleKey) where t has it, else the title as stored.
func LedgerTitle(l *medsec.LedgerRow, t func(string) string) string {
	if l.TitleKey != "" {
		if s := t(l.TitleKey); s != "" && s != l.TitleKey {
			return s
		}
	}
	return l.Title
}

// LevelHistory says a row's levels in t's language: the level it was opened at, then each
// change with its time in the site's zone ("3 → 2 (2026-11-30 14:05 (Asia/Taipei))").
func LevelHistory(l *medsec.LedgerRow, t func(string) string) string {
	s := strconv.Itoa(int(l.InitialLevel))
	for _, c := range l.LevelChanges {
		s += " " + fmt.Sprintf(t("incident.ledger.level_change"), strconv.Itoa(int(c.To)), stamp(c.At, l.TimeZone))
	}
	return s
}

// TaskTitle is a ledger task's title in t's language: its template's message, else the
// title it was added with.
func TaskTitle(k medsec.LedgerTask, t func(string) string) string {
	if k.Title == "" && k.Key != "" {
		return t("incident.task." + k.Key)
	}
	return k.Title
}

// UntimedTasks says a row's tasks without a clock in t's language, each done (when, in the
// site's zone, and by whom) or not done, joined by t's separator ("Block attack sources:
// done (2026-11-30 14:05 (Asia/Taipei), ciso); Check the backups are clean: not done").
func UntimedTasks(l *medsec.LedgerRow, t func(string) string) string {
	parts := make([]string, len(l.Tasks))
	for i, k := range l.Tasks {
		if k.Done {
			parts[i] = fmt.Sprintf(t("incident.ledger.task_done"), TaskTitle(k, t), stamp(k.DoneAt, l.TimeZone), k.DoneBy)
		} else {
			parts[i] = fmt.Sprintf(t("incident.ledger.task_open"), TaskTitle(k, t))
		}
	}
	return strings.Join(parts, t("incident.ledger.task_sep"))
}

// ledgerCells returns a row's cells; t translates message keys (title, drill, scenario,
// status).
func ledgerCells(l *medsec.LedgerRow, t func(string) string) []string {
	drill := ""
	if l.Drill {
		drill = t("incident.drill")
	}
	return []string{strconv.FormatInt(l.IncidentID, 10), l.Site, LedgerTitle(l, t), drill, strconv.Itoa(int(l.Level)), LevelHistory(l, t), t("scenario." + string(l.Scenario)),
		t("incident_status." + string(l.Status)), stamp(l.OccurredAt, l.TimeZone), stamp(l.DetectedAt, l.TimeZone), stamp(l.ExposureFoundAt, l.TimeZone), stamp(l.RestoredAt, l.TimeZone), stamp(l.ClosedAt, l.TimeZone), l.EndDeclaredBy, stamp(l.EndDeclaredAt, l.TimeZone), strconv.Itoa(l.ClocksMet), strconv.Itoa(l.ClocksLate),
		strconv.Itoa(l.ClocksUnmet), strconv.Itoa(l.ClocksTotal), UntimedTasks(l, t), l.Cause, l.Actions, l.Result, l.TimeZone}
}

// WriteLedger writes the ledger rows as CSV or XLSX (one sheet, named by t's
// "incident.ledger_sheet": 網絡安全事件臺賬 in zh-TW, "Incident ledger" in English), with the
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
		if err := x.Sheet(tabular.Sheet{Name: t("incident.ledger_sheet"), Header: header, Widths: []float64{6, 16, 30, 8, 6, 30, 18, 10, 18, 18, 18, 18, 18, 20, 18, 8, 8, 8, 8, 40, 30, 30, 30, 16}}); err != nil {
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
			row[0], row[4], row[15], row[16], row[17], row[18] = l.IncidentID, int(l.Level), l.ClocksMet, l.ClocksLate, l.ClocksUnmet, l.ClocksTotal
			// Times are typed date-times in the site's zone, which the last column names.
			row[8], row[9], row[10] = local(l.OccurredAt, l.TimeZone), local(l.DetectedAt, l.TimeZone), local(l.ExposureFoundAt, l.TimeZone)
			row[11], row[12], row[14] = local(l.RestoredAt, l.TimeZone), local(l.ClosedAt, l.TimeZone), local(l.EndDeclaredAt, l.TimeZone)
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
