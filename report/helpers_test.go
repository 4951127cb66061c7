package report

import "codeberg.org/go-pdf/fpdf"

// fpdfForTest is a document with the report font at 8 pt and 1 mm cell margins, as in
// a table.
func fpdfForTest() *fpdf.Fpdf {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("cjk", "", cjkFont)
	f.SetFont("cjk", "", 8)
	f.SetCellMargin(1)
	f.AddPage()
	return f
}
