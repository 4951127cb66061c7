// Package tabular writes the spreadsheets medsec hands out — CSV and XLSX — so that no
// cell can run as a formula when a person opens the file ("CSV injection", OWASP). Every
// CSV and XLSX export of medsec goes through CSVWriter or XLSXWriter; nothing else writes
// cells.
//
// A text cell is neutralised when a spreadsheet could read it as a formula: when its first
// character, or its first character after leading white space, is = + - @ (or their
// full-width forms ＝ ＋ － ＠, which East Asian spreadsheet input converts), or when it
// starts with a tab or a carriage return.
//
// In a CSV file, which has no cell types, such a cell is written with an apostrophe in
// front, the mark spreadsheets themselves use for "this is text" (Text). A cell that
// already starts with an apostrophe gets a second one, so that Untext gives back exactly
// what was written.
//
// In an XLSX workbook every text cell is written as it is, as a string cell (an inline
// string, ECMA-376 Part 1 §18.3.1.4 t="inlineStr", which a spreadsheet shows and never
// evaluates) under the built-in text number format "@" (§18.8.30, id 49), so that editing
// the cell keeps it text too. No apostrophe is shown. The workbook's keywords carry
// XLSXExactText so that medsec's readers know not to drop a leading apostrophe (older
// medsec workbooks had Text's apostrophe).
//
// Numbers and dates written as such are never touched.
package tabular

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// formulaLead lists the characters that make a spreadsheet read a cell as a formula.
const formulaLead = "=+-@＝＋－＠"

// NeedsQuote reports whether a spreadsheet could run s as a formula (see the package
// comment), or s starts with the apostrophe that Text adds.
func NeedsQuote(s string) bool {
	if s == "" {
		return false
	}
	switch s[0] {
	case '\t', '\r', '\n', '\'':
		return true
	}
	t := strings.TrimLeftFunc(s, unicode.IsSpace)
	if t == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	return strings.ContainsRune(formulaLead, r)
}

// XLSXExactText is the keyword XLSXWriter puts in a workbook's core properties
// (cp:keywords): its text cells hold their text exactly, without Text's apostrophe.
const XLSXExactText = "medsec-exact-text"

// Text returns s as a safe CSV text cell: s itself, or s with an apostrophe in front when
// NeedsQuote(s).
func Text(s string) string {
	if NeedsQuote(s) {
		return "'" + s
	}
	return s
}

// Untext undoes Text, for readers of files medsec wrote: it drops a leading apostrophe
// that Text would have added, and returns any other value unchanged.
func Untext(s string) string {
	if len(s) >= 2 && s[0] == '\'' && NeedsQuote(s[1:]) {
		return s[1:]
	}
	return s
}
