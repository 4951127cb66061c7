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

// TestLedgerRestorationAndLevelHistory: the ledger says when the systems were restored
// and the level history — the level opened at, then each change with its time in the
// site's zone — in every language, in CSV and XLSX (bt14 #10: only the current level, no
// restoration).
func TestLedgerRestorationAndLevelHistory(t *testing.T) {
	b := bundle()
	if b == nil {
		t.Fatal("no messages")
	}
	at := time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC)
	row := &medsec.LedgerRow{IncidentID: 7, Site: "本院", Title: "PACS", Level: 2, Scenario: medsec.ScenarioRansomware, Status: medsec.IncidentOpen,
		DetectedAt: at, RestoredAt: at.Add(5 * time.Hour), InitialLevel: 3, LevelChanges: []medsec.LevelChange{{At: at.Add(time.Hour), From: 3, To: 2}}, TimeZone: "Asia/Taipei"}
	for _, lang := range []string{"en", "ja", "zh-TW", "zh-CN"} {
		tr := func(k string) string { return b.T(lang, k) }
		for _, format := range []LedgerFormat{LedgerCSV, LedgerXLSX} {
			var buf bytes.Buffer
			if err := WriteLedger(&buf, format, []*medsec.LedgerRow{row}, tr); err != nil {
				t.Fatal(err)
			}
			text := buf.String()
			if format == LedgerXLSX {
				text = xlsxText(t, buf.Bytes())
			}
			for _, want := range []string{tr("incident.restored_at"), tr("incident.ledger.level_history"), "3 → 2", "2026-11-30 10:00 (Asia/Taipei)"} {
				if !strings.Contains(text, want) {
					t.Errorf("%s %s ledger lacks %q", lang, format, want)
				}
			}
			if format == LedgerCSV && !strings.Contains(text, "2026-11-30 14:00 (Asia/Taipei)") {
				t.Errorf("%s CSV lacks the restoration time:\n%s", lang, text)
			}
		}
	}
}

// xlsxText is the text of an XLSX file's shared strings and sheets.
func xlsxText(t *testing.T, data []byte) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, f := range zr.File {
		if strings.HasPrefix(f.Name, "xl/") && strings.HasSuffix(f.Name, ".xml") {
			rc, _ := f.Open()
			d, _ := io.ReadAll(rc)
			rc.Close()
			sb.Write(d)
		}
	}
	return sb.String()
}
