package incident

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"medsec"
)

// TestLedgerSheetNamedInTheReadersLanguage: the XLSX ledger's sheet is named in the
// language of its headers (was 網絡安全事件臺賬 in every language).
func TestLedgerSheetNamedInTheReadersLanguage(t *testing.T) {
	b := bundle()
	if b == nil {
		t.Fatal("no messages")
	}
	for lang, want := range map[string]string{"en": `name="Incident ledger"`, "ja": `name="インシデント台帳"`, "zh-TW": `name="網絡安全事件臺賬"`} {
		var buf bytes.Buffer
		if err := WriteLedger(&buf, LedgerXLSX, nil, func(k string) string { return b.T(lang, k) }); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatal(err)
		}
		var workbook string
		for _, f := range zr.File {
			if f.Name == "xl/workbook.xml" {
				rc, _ := f.Open()
				data, _ := io.ReadAll(rc)
				rc.Close()
				workbook = string(data)
			}
		}
		if !strings.Contains(workbook, want) {
			t.Errorf("%s: workbook %q lacks %s", lang, workbook, want)
		}
	}
}

// TestLedgerOccurrenceAndExposureColumns: the ledger names when the incident occurred and
// when personal data was found exposed, beside its detection — the moments its duties
// count from (003 ch.2 事件發生後, §5.3.3) — in CSV and as typed date-times in XLSX
// (was: detection and closing only; bt14b).
func TestLedgerOccurrenceAndExposureColumns(t *testing.T) {
	b := bundle()
	if b == nil {
		t.Fatal("no messages")
	}
	tr := func(k string) string { return b.T("en", k) }
	at := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	row := &medsec.LedgerRow{IncidentID: 7, Site: "本院", Title: "病歷外洩", Level: 2, Scenario: medsec.ScenarioDataLeak, Status: medsec.IncidentOpen,
		OccurredAt: at, DetectedAt: at.Add(time.Hour), ExposureFoundAt: at.Add(3 * time.Hour), TimeZone: "Asia/Taipei"}
	var buf bytes.Buffer
	if err := WriteLedger(&buf, LedgerCSV, []*medsec.LedgerRow{row}, tr); err != nil {
		t.Fatal(err)
	}
	csv := buf.String()
	for _, want := range []string{"Occurred", "Personal data exposure found", "2026-11-30 09:00 (Asia/Taipei)", "2026-11-30 10:00 (Asia/Taipei)", "2026-11-30 12:00 (Asia/Taipei)"} {
		if !strings.Contains(csv, want) {
			t.Errorf("ledger CSV lacks %q:\n%s", want, csv)
		}
	}
	if len(LedgerHeaderKeys) != len(ledgerCells(row, tr)) {
		t.Errorf("%d headers, %d cells", len(LedgerHeaderKeys), len(ledgerCells(row, tr)))
	}
}
