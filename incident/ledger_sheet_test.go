package incident

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
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
