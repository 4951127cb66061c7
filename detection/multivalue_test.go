package detection_test

import (
	"context"
	"testing"
	"time"

	"medsec"
	"medsec/logs"
)

// TestHuntMatchesRepeatedSyslogAndCEFValues hunts over stored syslog and CEF records
// whose fields carry several values: an RFC 5424 SD-PARAM repeated in its element (the
// "origin" SD-ID's "ip", which RFC 5424 §7.2.2 lets a relay repeat; the line is
// rsyslog's fuzz corpus rfc5424-basic with that element added) and a CEF extension key
// given twice (Graylog's threatmanager fixture behind an RFC 3164 header, a second dst
// and a repeated custom string added). A rule that needs each value to match fires on
// both records, as it does on an element of a JSON list [issue 13: the stored records
// were read back with the values joined as one text, or with only the last value, and
// the hunt found nothing].
func TestHuntMatchesRepeatedSyslogAndCEFValues(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		now := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
		f := newFixture(t, engine, now)
		f.svc.Stop() // the records are stored, and hunted
		st, _ := f.openLogs(t)
		lines := []string{
			`<165>1 2026-12-01T05:30:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][origin ip="192.0.2.1" ip="10.1.20.77" software="rsyslogd"] An application event log entry`,
			`<132>Dec  1 05:31:10 example.com CEF:0|security|threatmanager|1.0|100|detected a threat in message|10|src=10.0.0.1 dst=1.1.1.1 cs1=ward-3 cs1Label=Location dst=1.1.1.2 cs1=icu`,
		}
		p := &logs.Parser{}
		var recs []logs.Record
		for i, l := range lines {
			rec, err := p.Parse([]byte(l), now.Add(-time.Duration(20-i)*time.Minute), "10.1.10.5:514")
			if err != nil {
				t.Fatal(err)
			}
			rec.SiteID = f.site.ID
			recs = append(recs, rec)
		}
		if recs[0].Format != logs.FormatRFC5424 || recs[1].Format != logs.FormatCEF {
			t.Fatalf("formats %q, %q", recs[0].Format, recs[1].Format)
		}
		if err := st.Append(context.Background(), recs); err != nil {
			t.Fatal(err)
		}
		st.Refresh()
		hunt := func(name, detection string) *medsec.HuntResult {
			t.Helper()
			rule := "title: " + name + "\nid: 44444444-4444-4444-8444-444444444444\nlogsource: {category: network}\n" +
				"detection:\n" + detection + "level: low\n"
			res, err := f.svc.Hunt(system, medsec.HuntRequest{YAML: rule, Since: now.Add(-time.Hour), Until: now})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return res
		}
		for _, c := range []struct{ name, detection string }{
			{"both origin addresses", "  a:\n    log.syslog.structured_data.origin.ip: 192.0.2.1\n  b:\n    log.syslog.structured_data.origin.ip: 10.1.20.77\n  condition: a and b\n"},
			{"origin address list", "  a:\n    log.syslog.structured_data.origin.ip|cidr: 10.1.20.0/24\n  condition: a\n"},
			{"both destinations", "  a:\n    destination.ip: 1.1.1.1\n  b:\n    destination.ip: 1.1.1.2\n  c:\n    cef.extensions.dst: 1.1.1.2\n  condition: a and b and c\n"},
			{"both custom strings", "  a:\n    cef.extensions.cs1: ward-3\n  b:\n    cef.extensions.cs1|startswith: ic\n  condition: a and b\n"},
		} {
			if res := hunt(c.name, c.detection); res.Logs != 2 || res.Hits != 1 {
				t.Errorf("%s: %d logs read, %d hits; want 2 and 1", c.name, res.Logs, res.Hits)
			}
		}
		// One value is not a list: the single SD-PARAM and CEF key are texts as before.
		if res := hunt("single values", "  a:\n    log.syslog.structured_data.origin.software: rsyslogd\n  b:\n    source.ip: 10.0.0.1\n  condition: a or b\n"); res.Hits != 2 {
			t.Errorf("single values: %d hits, want 2", res.Hits)
		}
	})
}
