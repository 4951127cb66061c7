package backup

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"medsec"
	"medsec/assetio"
)

// MaxRows is the most job results one import takes.
const MaxRows = 100000

// runColumns are the columns of a job-result export. The English headers include those
// of Veeam Backup & Replication's sessions as PowerShell's Export-Csv writes them
// (Get-VBRBackupSession: JobName, Result, CreationTime, EndTime) and of a generic export.
var runColumns = []assetio.Column{
	{Key: "job", Headers: []string{"job", "job name", "jobname", "backup job", "作業名稱", "備份作業", "任务名称", "备份任务", "作业名称", "ジョブ名", "ジョブ"}},
	{Key: "started", Headers: []string{"started", "start", "start time", "creationtime", "creation time", "開始時間", "开始时间", "開始時刻", "開始日時"}},
	{Key: "finished", Headers: []string{"finished", "end", "end time", "endtime", "結束時間", "结束时间", "終了時刻", "終了日時"}},
	{Key: "status", Headers: []string{"status", "result", "狀態", "結果", "状态", "结果", "状態"}},
	{Key: "bytes", Headers: []string{"bytes", "size", "backup size", "backupsize", "transferred", "大小", "容量", "サイズ"}},
}

// statusSpellings are the spellings of each job status an export writes.
var statusSpellings = map[string][]string{
	medsec.BackupSuccess: {"success", "succeeded", "successful", "ok", "completed", "成功", "正常終了", "正常"},
	medsec.BackupWarning: {"warning", "completed with warnings", "警告", "部分成功"},
	medsec.BackupFailed:  {"failed", "failure", "error", "失敗", "失败", "エラー", "異常終了"},
}

func parseStatus(s string) (string, bool) {
	for _, st := range []string{medsec.BackupSuccess, medsec.BackupWarning, medsec.BackupFailed} {
		for _, x := range statusSpellings[st] {
			if assetio.Fold(x) == assetio.Fold(s) {
				return st, true
			}
		}
	}
	return "", false
}

// timeLayouts are the date-and-time forms an export writes, read as UTC: RFC 3339,
// ISO-like with a space or slashes, and Export-Csv's en-US form ("11/30/2026 1:00:12 AM").
var timeLayouts = []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006/01/02 15:04:05", "2006/01/02 15:04",
	"1/2/2006 3:04:05 PM", "1/2/2006 15:04:05", "1/2/2006 15:04"}

func parseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range timeLayouts {
		if v, err := time.Parse(layout, s); err == nil {
			return v.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date and time (2026-11-30 01:00:00, RFC 3339, or 11/30/2026 1:00:00 AM)", s)
}

// ReadRuns reads an export of backup job results (CSV or XLSX; see assetio.ReadTable):
// columns job, started and status required, finished and bytes optional, headers in
// English, Chinese or Japanese; other columns are left out. A first line "#TYPE …", which Windows PowerShell's
// Export-Csv writes, is skipped. Every problem is returned in the import's Problems with
// its line and column as written.
func ReadRuns(data []byte, source string) medsec.BackupRunImport {
	t := assetio.ReadTable(data, source, "")
	imp := medsec.BackupRunImport{Source: source, Problems: t.Problems}
	if len(t.Rows) > 0 && len(t.Rows[0].Cells) > 0 && strings.HasPrefix(t.Rows[0].Cells[0], "#TYPE") {
		t.Rows = t.Rows[1:]
	}
	if len(t.Problems) > 0 && len(t.Rows) == 0 {
		return imp
	}
	h, errs := assetio.MapHeader(t, runColumns, false)
	imp.Problems = append(imp.Problems, errs...)
	if h == nil {
		return imp
	}
	for _, k := range []string{"job", "started", "status"} {
		if !h.Has(k) {
			imp.Problems = append(imp.Problems, medsec.FieldError{Line: h.Line, Field: k, Key: "err.missing_column", Message: "the file has no " + k + " column"})
		}
	}
	if len(imp.Problems) > 0 {
		return imp
	}
	if len(t.Rows)-1 > MaxRows {
		imp.Problems = append(imp.Problems, medsec.FieldError{Field: "file", Key: "err.too_many", Message: fmt.Sprintf("has %d rows; at most %d are taken", len(t.Rows)-1, MaxRows)})
		return imp
	}
	for _, r := range t.Rows[1:] {
		imp.Rows = append(imp.Rows, readRun(h, r, &imp.Problems))
	}
	return imp
}

// readRun reads one row, adding its problems.
func readRun(h *assetio.Header, r assetio.TableRow, problems *[]medsec.FieldError) medsec.BackupRunRow {
	bad := func(k, key, value, msg string) {
		*problems = append(*problems, medsec.FieldError{Line: r.Line, Field: h.Name(k), Key: key, Value: value, Message: msg})
	}
	row := medsec.BackupRunRow{Line: r.Line, Job: strings.TrimSpace(h.Cell(r.Cells, "job"))}
	if row.Job == "" {
		bad("job", "err.required", "", "is required")
	} else if fe := medsec.CheckText(h.Name("job"), row.Job, false); fe != nil {
		fe.Line = r.Line
		*problems = append(*problems, *fe)
	} else if fe := medsec.CheckLength(h.Name("job"), row.Job, 200); fe != nil {
		fe.Line = r.Line
		*problems = append(*problems, *fe)
	}
	if v := h.Cell(r.Cells, "started"); v == "" {
		bad("started", "err.required", "", "is required")
	} else if tm, err := parseTime(v); err != nil {
		bad("started", "err.bad_date", v, err.Error())
	} else {
		row.Started = tm
	}
	if v := h.Cell(r.Cells, "finished"); v != "" {
		if tm, err := parseTime(v); err != nil {
			bad("finished", "err.bad_date", v, err.Error())
		} else if !row.Started.IsZero() && tm.Before(row.Started) {
			bad("finished", "err.before_start", v, "ends before it started")
		} else {
			row.Finished = tm
		}
	}
	v := h.Cell(r.Cells, "status")
	if st, ok := parseStatus(v); ok {
		row.Status = st
	} else {
		*problems = append(*problems, medsec.FieldError{Line: r.Line, Field: h.Name("status"), Key: "err.unknown_value", Value: v, Enum: "backup_status",
			Allowed: []string{medsec.BackupSuccess, medsec.BackupWarning, medsec.BackupFailed}, Message: fmt.Sprintf("unknown job status %q", v)})
	}
	if v := strings.TrimSpace(h.Cell(r.Cells, "bytes")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			bad("bytes", "err.bad_number", v, "is not a number of bytes")
		} else {
			row.Bytes = n
		}
	}
	return row
}
