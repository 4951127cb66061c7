package logstore

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestFilterStringRefusesSubqueries checks that pipes and subqueries, which run without
// the site limit, are refused with a message that shows none of the added limits, and
// that plain filters (a "|" inside a quoted phrase included) still pass.
func TestFilterStringRefusesSubqueries(t *testing.T) {
	from := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for _, f := range []string{
		`BT2MARK and log.syslog.version:in(BT2TS | format "1" as v | fields v)`,
		`user.name:in(* | uniq by (user.name))`,
		`message:contains_any(x | fields message)`,
		`message:contains_all(x | fields message)`,
		`a | delete x`,
		`(a | fields b)`,
		`* |`,
	} {
		_, err := Query{From: from, To: from.Add(time.Hour), Sites: []int64{1}, Filter: f}.filterString()
		var qe *QueryError
		if !errors.As(err, &qe) {
			t.Errorf("%s: want a QueryError, got %v", f, err)
			continue
		}
		if strings.Contains(qe.Message, "medsec.site") || strings.Contains(qe.Message, "2026") {
			t.Errorf("%s: message shows the internal query: %s", f, qe.Message)
		}
	}
	for _, f := range []string{`nurse1`, `"a | b" or user.name:nurse7`, `user.name:in(nurse1, nurse2)`, `-x ~"a|b"`} {
		s, err := Query{From: from, To: from.Add(time.Hour), Sites: []int64{1}, Filter: f}.filterString()
		if err != nil || !strings.Contains(s, "medsec.site:in(1)") {
			t.Errorf("%s: %q %v", f, s, err)
		}
	}
}
