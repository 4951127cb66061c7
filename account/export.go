package account

import (
	"fmt"
	"io"
	"strings"
	"time"

	"medsec"
	"medsec/tabular"
)

// ReviewHeader is the header of the access-review record, one row per account: the
// review's system, period, owner and sign-off, then the account and the decision on it.
var ReviewHeader = []string{"review_id", "system", "period_start", "period_end", "owner", "signed_by", "signed_at",
	"username", "type", "person", "enabled", "last_login", "findings", "decision", "reason", "decided_by", "decided_at"}

func reviewRows(r *medsec.AccessReview) [][]string {
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	}
	var out [][]string
	for _, it := range r.Items {
		var fs []string
		for _, f := range it.Findings {
			fs = append(fs, string(f))
		}
		out = append(out, []string{fmt.Sprint(r.ID), r.Holder(), r.PeriodStart.Format("2006-01-02"), r.PeriodEnd.AddDate(0, 0, -1).Format("2006-01-02"),
			r.OwnerName, r.SignedByName, stamp(r.SignedAt), it.Username, string(it.Type), it.PersonName, fmt.Sprint(it.Enabled), stamp(it.LastLogin),
			strings.Join(fs, " "), it.Decision, it.Reason, it.DecidedBy, stamp(it.DecidedAt)})
	}
	return out
}

// WriteReviewCSV writes the access-review record of r as CSV (package tabular: UTF-8 with
// a byte-order mark, no cell a spreadsheet could run), the evidence of the periodic
// review [000 帳號管理(高) 一; 004 §14 ⑦]. The last day of the period is written, not the
// first day after it.
func WriteReviewCSV(w io.Writer, r *medsec.AccessReview) error {
	c := tabular.NewCSV(w)
	c.Write(ReviewHeader...)
	for _, row := range reviewRows(r) {
		c.Write(row...)
	}
	return c.Flush()
}

// WriteReviewXLSX writes the same record as an XLSX workbook of one sheet.
func WriteReviewXLSX(w io.Writer, r *medsec.AccessReview) error {
	x := tabular.NewXLSX()
	if err := x.Sheet(tabular.Sheet{Name: "access review", Header: ReviewHeader}); err != nil {
		return err
	}
	for _, row := range reviewRows(r) {
		cells := make([]any, len(row))
		for i, v := range row {
			cells[i] = v
		}
		if err := x.Row(cells...); err != nil {
			return err
		}
	}
	_, err := x.WriteTo(w)
	return err
}
