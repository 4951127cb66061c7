// Package systemio reads a hospital's spreadsheet of its clinical information systems
// (醫療資訊系統清冊; an HIS, a PACS, a LIS) — each system's name, site, owner,
// description, continuity targets and member assets — for the import of clinical
// systems [issue 15 M6, M10].
//
// Files are read as asset inventories are (assetio.ReadTable): CSV or XLSX; a CSV in
// UTF-8 with or without a byte-order mark, UTF-16 with one, Big5, GB18030 or Shift_JIS,
// and a file in none of them refused naming its line; separated by commas, tabs or
// semicolons; headers in English, Chinese or Japanese, compared without regard to case,
// width and spaces; formula-guard apostrophes of medsec's own exports dropped. Columns
// the import does not know (a criticality, a department) are left out. Every problem is
// returned with its line and the column as the file writes it, and the store imports all
// rows or none.
package systemio

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"medsec"
	"medsec/assetio"
)

// MaxRows is the most systems one import takes.
const MaxRows = 10000

// columns are the columns of a spreadsheet of clinical systems.
var columns = []assetio.Column{
	{Key: "name", Headers: []string{"name", "system", "system name", "系統名稱", "系統", "系统名称", "系统", "システム名", "システム", "名稱", "名称"}},
	{Key: "site", Headers: []string{"site", "hospital", "campus", "院區", "院区", "醫院", "医院", "病院", "施設", "拠点"}},
	{Key: "owner", Headers: []string{"owner", "system owner", "responsible", "負責人", "系統負責人", "负责人", "系统负责人", "管理責任者", "責任者", "システム管理者"}},
	{Key: "description", Headers: []string{"description", "desc", "說明", "描述", "说明", "説明", "概要"}},
	{Key: "rto_hours", Headers: []string{"rto_hours", "rto", "rto (hours)", "可容忍中斷時間", "可容忍中断时间", "目標復旧時間", "許容停止時間"}},
	{Key: "rpo_hours", Headers: []string{"rpo_hours", "rpo", "rpo (hours)", "可容忍資料遺失", "可容忍数据丢失", "目標復旧時点", "許容データ損失"}},
	{Key: "fallback", Headers: []string{"fallback", "manual fallback", "替代流程", "替代方案", "替代流程说明", "代替手段", "縮退運用"}},
	{Key: "members", Headers: []string{"members", "member assets", "assets", "hosts", "成員資產", "資產", "主機", "成员资产", "资产", "主机", "構成資産", "資産", "ホスト", "構成機器"}},
}

// ReadSystems reads a spreadsheet of clinical systems (CSV or XLSX) named source: columns
// name and site required; owner, description, rto_hours, rpo_hours, fallback and
// members optional. A members cell names the system's assets, separated by ';', ',',
// '、' or line breaks, each by its name (host name), serial number (asset tag) or IP
// address; the store finds them among the assets of the row's site. Every problem is in
// the import's Problems with its line and column as written; the rows are returned
// with them so that one pass reports the store's problems too.
func ReadSystems(data []byte, source string) medsec.SystemImport {
	t := assetio.ReadTable(data, source, "")
	imp := medsec.SystemImport{Source: source, Sheet: t.Sheet, Problems: t.Problems, Headers: map[string]string{}}
	if len(t.Problems) > 0 && len(t.Rows) == 0 {
		return imp
	}
	skipTitles(t)
	h, errs := assetio.MapHeader(t, columns, false)
	imp.Problems = append(imp.Problems, errs...)
	if h == nil {
		return imp
	}
	for _, c := range columns {
		if h.Has(c.Key) {
			imp.Columns = append(imp.Columns, c.Key)
			imp.Headers[c.Key] = h.Name(c.Key)
		}
	}
	for _, k := range []string{"name", "site"} {
		if !h.Has(k) {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: h.Line, Field: k, Key: "err.missing_column", Message: "the file has no " + k + " column"})
		}
	}
	if len(imp.Problems) > 0 {
		return imp
	}
	if len(t.Rows)-1 > MaxRows {
		imp.Problems = append(imp.Problems, medsec.FieldError{Field: "file", Key: "err.too_many", Value: strconv.Itoa(len(t.Rows) - 1),
			Message: fmt.Sprintf("has %d rows; at most %d are taken", len(t.Rows)-1, MaxRows)})
		return imp
	}
	seen := map[string]int{}
	for _, r := range t.Rows[1:] {
		row := readRow(h, r, &imp.Problems)
		k := assetio.Fold(row.Site) + "\x00" + assetio.Fold(row.System.Name)
		if first, dup := seen[k]; dup && row.System.Name != "" && row.Site != "" {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: r.Line, Field: h.Name("name"), Key: "err.system_duplicate", Value: row.System.Name,
				Args: []string{strconv.Itoa(first)}, Message: fmt.Sprintf("the system %q of this site is also on line %d", row.System.Name, first)})
		} else {
			seen[k] = r.Line
		}
		imp.Rows = append(imp.Rows, row)
	}
	return imp
}

// readRow reads one row, adding its problems.
func readRow(h *assetio.Header, r assetio.TableRow, problems *[]medsec.FieldError) medsec.SystemRow {
	add := func(k, key, value, msg string) {
		*problems = append(*problems, medsec.FieldError{Line: r.Line, Field: h.Name(k), Key: key, Value: value, Message: msg})
	}
	cell := func(k string) string { return strings.TrimSpace(h.Cell(r.Cells, k)) }
	row := medsec.SystemRow{Line: r.Line, Site: cell("site"), Owner: cell("owner")}
	c := &row.System
	c.Name, c.Description, c.Fallback = cell("name"), cell("description"), cell("fallback")
	if row.Site == "" {
		add("site", "err.required", "", "is required")
	}
	for _, f := range []struct {
		k string
		v *int
	}{{"rto_hours", &c.RTOHours}, {"rpo_hours", &c.RPOHours}} {
		v := cell(f.k)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.ToLower(v), "h")))
		if err != nil {
			add(f.k, "err.bad_number", v, fmt.Sprintf("%q is not a number of hours", v))
			continue
		}
		*f.v = n
	}
	if v := cell("members"); v != "" {
		row.Members = assetio.SplitList(v)
		if len(row.Members) > medsec.MaxSystemMembers {
			add("members", "err.too_many", strconv.Itoa(len(row.Members)), fmt.Sprintf("at most %d", medsec.MaxSystemMembers))
			row.Members = nil
		}
	}
	// The system's own checks (name required, lengths, control characters, the range of
	// the targets) name the column as written; its site is the store's to resolve.
	c.SiteID = 1
	if err := c.Validate(); err != nil {
		if ve, ok := err.(*medsec.ValidationError); ok {
			for _, fe := range ve.Errors {
				fe.Line, fe.Field = r.Line, h.Name(fe.Field)
				*problems = append(*problems, fe)
			}
		}
	}
	c.SiteID = 0
	return row
}

// skipTitles drops the title rows above the header ("○○醫院 醫療資訊系統清冊"): rows of
// one filled cell that names no column.
func skipTitles(t *assetio.Table) {
	for len(t.Rows) > 1 {
		filled := slices.DeleteFunc(slices.Clone(t.Rows[0].Cells), func(c string) bool { return c == "" })
		if len(filled) != 1 || slices.ContainsFunc(columns, func(c assetio.Column) bool {
			return slices.ContainsFunc(c.Headers, func(h string) bool { return assetio.Fold(h) == assetio.Fold(filled[0]) })
		}) {
			return
		}
		t.Rows = t.Rows[1:]
	}
}
