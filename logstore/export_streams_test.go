package logstore

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"medsec/logs"
)

// TestExportOfMixedFormats: the lines of `medsec logs ingest` in cmd/medsec's
// TestLogsIngestSearchExportVerify (RFC 3164, RFC 5424, CEF: each with its own field
// names) received in one batch export as a bundle that verifies, every record checked,
// from one sender and from four (a storage stream each). Was: the search read kept the
// storage's column names without copying them, the names of one block's rows became
// bytes of the next block read, and the bundle reported records "not the sealed record"
// (different ones each run) once a site's records were in more than one stream.
func TestExportOfMixedFormats(t *testing.T) {
	lines := []string{
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event log entry`,
		"<13>Nov 30 10:00:00 his01 sshd[123]: Accepted password for nurse7 from 10.0.0.5 port 22 ssh2",
		"CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
	}
	for run := range 6 {
		s, err := Open(Config{Dir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		var p logs.Parser
		var recs []logs.Record
		if err := logs.ReadLines(strings.NewReader(strings.Join(lines, "\n")+"\n"), "auth.log", now, &p, func(r logs.Record, err error) error {
			if run%2 == 1 {
				r.Peer = "10.0.0." + string(rune('1'+len(recs))) + ":514"
			}
			recs = append(recs, r)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Append(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := s.Export(context.Background(), &buf, now.Add(-time.Hour), now.Add(time.Minute), nil); err != nil {
			t.Fatal(err)
		}
		rep, err := VerifyBundle(&buf, "")
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK || len(rep.Sites) != 1 || rep.Sites[0].Checked != 4 {
			t.Fatalf("run %d: bundle report %+v", run, rep)
		}
		s.Close()
	}
}
