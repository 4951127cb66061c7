package mds2

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/internal/shareddata"
)

// hiddenCopy returns NEMA's example worksheet with a copy of its form, every "No" turned
// to "Yes", put first as sheet "old-backup" (the tester's case, the shape of
// cases/xlsx-hidden-first-sheet-droplists.xlsx); hide says whether the copy is hidden and
// activeForm whether the real form is the active sheet.
func hiddenCopy(t *testing.T, hide, activeForm bool) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(shareddata.Data(t, nemaForm)))
	if err != nil {
		t.Fatal(err)
	}
	form := f.GetSheetList()[0]
	idx, err := f.NewSheet("old-backup")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := f.GetSheetIndex(form)
	if err := f.CopySheet(src, idx); err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("old-backup")
	for r, row := range rows {
		for c, v := range row {
			if strings.TrimSpace(v) == "No" {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				f.SetCellStr("old-backup", cell, "Yes")
			}
		}
	}
	if err := f.MoveSheet("old-backup", form); err != nil {
		t.Fatal(err)
	}
	if hide {
		if err := f.SetSheetVisible("old-backup", false); err != nil {
			t.Fatal(err)
		}
	}
	active, _ := f.GetSheetIndex("old-backup")
	if activeForm {
		active, _ = f.GetSheetIndex(form)
	}
	f.SetActiveSheet(active)
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestHiddenSheetNotRead: the visible, active form is read, not a hidden first sheet
// whose No answers say Yes (was: all 240 answers from "old-backup", 141 Yes). Two visible
// forms with neither active are refused naming both sheets; a form only on a hidden sheet
// is refused naming it.
func TestHiddenSheetNotRead(t *testing.T) {
	f, err := Parse("hidden.xlsx", hiddenCopy(t, true, true))
	if err != nil {
		t.Fatal(err)
	}
	checkNEMA(t, f, "mds2-form")

	// Both visible, the copy active: the active sheet is the one the person last saw.
	if f, err := Parse("both.xlsx", hiddenCopy(t, false, false)); err != nil || f.Sheet != "old-backup" {
		t.Errorf("active sheet not read: %v", err)
	}

	// Both visible, a third sheet active: refused naming both.
	data := hiddenCopy(t, false, true)
	x, _ := excelize.OpenReader(bytes.NewReader(data))
	i, _ := x.NewSheet("notes")
	x.SetActiveSheet(i)
	var b bytes.Buffer
	x.Write(&b)
	_, err = Parse("two.xlsx", b.Bytes())
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) || ve.Errors[0].Key != "mds2.err.two_forms" || strings.Join(ve.Errors[0].Args, ",") != "old-backup,mds2-form" {
		t.Errorf("two visible forms: %v", err)
	}

	// Only a hidden form: refused naming the sheet.
	y, _ := excelize.OpenReader(bytes.NewReader(hiddenCopy(t, true, true)))
	y.DeleteSheet("mds2-form")
	b.Reset()
	y.Write(&b)
	_, err = Parse("only-hidden.xlsx", b.Bytes())
	if !errors.As(err, &ve) || ve.Errors[0].Key != "mds2.err.hidden_only" || ve.Sheet != "old-backup" {
		t.Errorf("hidden form only: %v", err)
	}
}
