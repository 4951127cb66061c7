package report

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"medsec/i18n"
)

// TestFormatBytes writes byte counts in binary units, the bytes below 1 KiB in the
// reader's language (bt16d #7: the backup record showed 1288490188).
func TestFormatBytes(t *testing.T) {
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		n    int64
		lang string
		want string
	}{
		{512, "en", "512 bytes"}, {512, "ja", "512 バイト"}, {512, "zh-TW", "512 位元組"}, {512, "zh-CN", "512 字节"},
		{1024, "en", "1 KiB"}, {1536, "ja", "1.5 KiB"}, {1288490188, "en", "1.2 GiB"}, {1288490188, "zh-TW", "1.2 GiB"},
		{2 << 30, "en", "2 GiB"}, {120 << 30, "en", "120 GiB"}, {1<<30 - 1, "en", "1 GiB"}, {15 << 40, "zh-CN", "15 TiB"},
	} {
		tr := func(key string, args ...any) string { return bundle.T(c.lang, key, args...) }
		if got := FormatBytes(c.n, tr); got != c.want {
			t.Errorf("FormatBytes(%d, %s) = %q, want %q", c.n, c.lang, got, c.want)
		}
	}
}

// TestBytesCells: a Bytes cell reads "1.2 GiB" in PDF (pdftotext where installed) and
// HTML, right-aligned as a number, and holds the raw count as a number in XLSX and in
// JSON; an unknown size is an empty cell.
func TestBytesCells(t *testing.T) {
	d := sample("en")
	d.Sections = append(d.Sections, Section{Heading: "Jobs", Tables: []Table{{Title: "Job results", Sheet: "Jobs",
		Columns: []Column{{Header: "Job", Width: 1}, {Header: "Size", Width: 1}}, Rows: [][]any{{"PACS-Daily", Bytes{1288490188, "1.2 GiB"}}, {"HIS-Nightly", Bytes{}}}}}})
	var pdf, html, xlsx bytes.Buffer
	if err := WritePDF(&pdf, d); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&html, d); err != nil {
		t.Fatal(err)
	}
	if err := WriteXLSX(&xlsx, d); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), `<td class="num">1.2 GiB</td>`) || strings.Contains(html.String(), "1288490188") {
		t.Error("HTML: the size is not shown as 1.2 GiB")
	}
	var seen bool
	for _, r := range pdfRuns(t, pdf.Bytes()) {
		seen = seen || r.text == "1.2 GiB"
		if strings.Contains(r.text, "1288490188") {
			t.Error("PDF: the raw byte count is shown")
		}
	}
	if !seen {
		t.Error("PDF: no cell reads 1.2 GiB")
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		path := filepath.Join(t.TempDir(), "r.pdf")
		if err := os.WriteFile(path, pdf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(pdfText(t, path), "1.2 GiB") {
			t.Error("pdftotext does not read 1.2 GiB")
		}
	}
	f, err := excelize.OpenReader(&xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if typ, _ := f.GetCellType("Jobs", "B2"); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
		t.Errorf("XLSX: the size is a %v cell, want a number", typ)
	}
	if v, _ := f.GetCellValue("Jobs", "B2", excelize.Options{RawCellValue: true}); v != "1288490188" {
		t.Errorf("XLSX: the size is %q, want the count 1288490188", v)
	}
	if v, _ := f.GetCellValue("Jobs", "B3"); v != "" {
		t.Errorf("XLSX: the unknown size is %q, want empty", v)
	}
	b, err := json.Marshal(d.Sections[len(d.Sections)-1].Tables[0].Rows[0])
	if err != nil || !strings.Contains(string(b), `"bytes":1288490188`) {
		t.Errorf("JSON: %s, %v", b, err)
	}
}
