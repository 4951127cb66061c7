package logs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTrickyLines checks the cases issue 12 names, each against the value
// the RFC (or, where it is silent, rsyslog) gives.
func TestTrickyLines(t *testing.T) {
	received := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, line, format string
		want               map[string]any
		absent             []string
	}{
		{"RFC 5424 without structured data", `<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed for lonvick on /dev/pts/8`, FormatRFC5424,
			map[string]any{"host.name": "mymachine.example.com", "process.name": "su", "log.syslog.msgid": "ID47", "message": "'su root' failed for lonvick on /dev/pts/8", "@timestamp": "2003-10-11T22:14:15.003Z"},
			[]string{"log.syslog.structured_data", "log.syslog.procid"}},
		{"escaped ] and \" in SD values (RFC 5424 §6.3.3)", `<34>1 2026-07-23T09:30:45+02:00 host app 123 msg [meta@32473 value="escaped\]bracket" quote="\""] payload`, FormatRFC5424,
			map[string]any{"log.syslog.structured_data": `map[meta@32473:map[quote:" value:escaped]bracket]]`, "process.pid": "123", "message": "payload"}, nil},
		{"BOM before MSG (RFC 5424 §6.4)", "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - \xef\xbb\xbfIt's time", FormatRFC5424,
			map[string]any{"message": "It's time", "host.ip": "192.0.2.1", "@timestamp": "2003-08-24T05:14:15.000003-07:00"}, []string{"host.name"}},
		{"BOM before the whole line", "\xef\xbb\xbf<34>Oct 11 22:14:15 mymachine su: x", FormatRFC3164,
			map[string]any{"host.name": "mymachine", "message": "x"}, nil},
		{"all NIL", `<13>1 - - - - - - minimal`, FormatRFC5424, map[string]any{"message": "minimal", "log.syslog.priority": "13"},
			[]string{"@timestamp", "host.name", "process.name"}},
		{"RFC 3164 without year: this year", `<34>Oct 11 22:14:15 mymachine su: x`, FormatRFC3164,
			map[string]any{"@timestamp": "2026-10-11T22:14:15Z"}, nil},
		{"host name that is an IPv4 address", `<167>Mar  6 16:57:54 172.20.245.8 %PIX-7-710005: UDP request discarded`, FormatRFC3164,
			map[string]any{"host.ip": "172.20.245.8", "process.name": "%PIX-7-710005", "message": "UDP request discarded"}, []string{"host.name"}},
		{"host name that is an IPv6 address", `<13>Nov 30 11:00:00 fe80::1 app: x`, FormatRFC3164,
			map[string]any{"host.ip": "fe80::1", "process.name": "app"}, nil},
		{"tag[pid]", `<38>Mar 27 19:06:53 source_server sshd(pam_unix)[12750]: session opened for user foo by (uid=0)`, FormatRFC3164,
			map[string]any{"process.name": "sshd(pam_unix)", "process.pid": "12750", "log.syslog.procid": "12750", "message": "session opened for user foo by (uid=0)"}, nil},
		{"tag[pid] not a number", `<38>Mar 27 19:06:53 h app[main]: x`, FormatRFC3164,
			map[string]any{"process.name": "app", "log.syslog.procid": "main"}, []string{"process.pid"}},
		{"no timestamp (RFC 3164 §4.3.2): all is message", `<13>this is not a header: at all`, FormatRFC3164,
			map[string]any{"message": "this is not a header: at all"}, []string{"@timestamp", "host.name", "process.name"}},
		{"no PRI (RFC 3164 §4.3.3): priority 13", `Oct 11 22:14:15 host.example app[123]: legacy message without PRI`, FormatRFC3164,
			map[string]any{"log.syslog.priority": "13", "host.name": "host.example", "process.pid": "123"}, nil},
		{"PRI above 191 is not a PRI", `<192>Oct 11 22:14:15 h a: x`, FormatRFC3164,
			map[string]any{"log.syslog.priority": "13", "message": "<192>Oct 11 22:14:15 h a: x"}, nil},
		{"RFC 3339 time in RFC 3164", `<13>2026-07-23T09:30:45.123+02:00 host daemon: timestamp variant`, FormatRFC3164,
			map[string]any{"@timestamp": "2026-07-23T09:30:45.123+02:00", "process.name": "daemon"}, nil},
		{"JSON line with nested ECS", `{"@timestamp":"2026-11-30T11:59:00Z","event":{"action":"login","outcome":"success"},"user":{"name":"dr.lin"},"source":{"ip":"10.0.0.5"},"count":3,"ratio":0.5}`, FormatJSON,
			map[string]any{"event.action": "login", "user.name": "dr.lin", "count": "3", "ratio": "0.5", "@timestamp": "2026-11-30T11:59:00Z"}, nil},
		{"CEF behind RFC 5424", `<134>1 2026-11-30T11:00:00Z fw01 cef - - - CEF:0|V|P|1|42|Blocked|5|src=10.0.0.1 act=block`, FormatCEF,
			map[string]any{"host.name": "fw01", "event.action": "block", "source.ip": "10.0.0.1", "message": "Blocked"}, nil},
		{"CEF: inside an ordinary message", `<13>Nov 30 11:00:00 h app: saw CEF: nothing`, FormatRFC3164,
			map[string]any{"message": "saw CEF: nothing"}, nil},
	}
	p := &Parser{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, err := p.Parse([]byte(tt.line), received, "")
			if err != nil {
				t.Fatal(err)
			}
			if rec.Format != tt.format {
				t.Errorf("format %q, want %q", rec.Format, tt.format)
			}
			for k, w := range tt.want {
				if g := str(rec.Fields[k]); g != fmt.Sprint(w) {
					t.Errorf("%s = %q, want %q", k, g, w)
				}
			}
			for _, k := range tt.absent {
				if v, ok := rec.Fields[k]; ok {
					t.Errorf("%s = %v, want absent", k, v)
				}
			}
		})
	}
}

// TestRFC3164Year checks the year given to RFC 3164 times, which carry none.
func TestRFC3164Year(t *testing.T) {
	tests := []struct {
		stamp    string
		received time.Time
		want     string
	}{
		{"Dec 31 23:59:50", time.Date(2027, 1, 1, 0, 0, 5, 0, time.UTC), "2026-12-31T23:59:50Z"},
		{"Jan  1 00:00:05", time.Date(2026, 12, 31, 23, 59, 50, 0, time.UTC), "2027-01-01T00:00:05Z"},
		{"Nov 30 10:00:00", time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), "2026-11-30T10:00:00Z"},
		{"Dec  5 10:00:00", time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), "2026-12-05T10:00:00Z"},
		{"Dec 15 10:00:00", time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), "2025-12-15T10:00:00Z"},
		{"Feb 29 10:00:00", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), "2024-02-29T10:00:00Z"},
		{"Feb 29 10:00:00", time.Date(2028, 3, 1, 12, 0, 0, 0, time.UTC), "2028-02-29T10:00:00Z"},
	}
	for _, tt := range tests {
		rec, err := (&Parser{}).Parse([]byte("<13>"+tt.stamp+" h a: x"), tt.received, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := str(rec.Fields["@timestamp"]); got != tt.want {
			t.Errorf("%s received %s: %s, want %s", tt.stamp, tt.received.Format(time.RFC3339), got, tt.want)
		}
	}
	taipei := time.FixedZone("CST", 8*3600)
	rec, _ := (&Parser{Location: taipei}).Parse([]byte("<13>Nov 30 20:00:00 h a: x"), time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), "")
	if got := rec.Fields["@timestamp"].(time.Time); !got.Equal(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("Taipei 20:00 = %s, want 12:00 UTC", got)
	}
}

// TestParseErrors checks that unreadable input is an error naming what failed.
func TestParseErrors(t *testing.T) {
	tests := []struct{ format, line, want string }{
		{FormatAuto, "", "empty record"},
		{FormatAuto, "\r\n", "empty record"},
		{FormatJSON, `{"a":`, "json: "},
		{FormatJSON, `[1,2]`, "not a JSON object"},
		{FormatRFC5424, `<34>1 notatime host`, "rfc5424: "},
		{FormatCEF, `CEF:x|a|b|c|d|e|f|`, "version"},
		{"xml", `<a/>`, "unknown log format"},
	}
	for _, tt := range tests {
		_, err := (&Parser{Format: tt.format}).Parse([]byte(tt.line), time.Time{}, "")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s %q: error %v, want one containing %q", tt.format, tt.line, err, tt.want)
		}
	}
	if _, err := (&Parser{}).Parse(nil, time.Time{}, ""); !errors.Is(err, ErrEmpty) {
		t.Errorf("nil record: %v, want ErrEmpty", err)
	}
}

// TestJSONBadTimestampKept reads JSON lines whose @timestamp is no time: each is a record,
// its other fields kept, no @timestamp (read at its receive time) and error.message
// naming the field [bt13h M3: the line was refused and with it the whole ingest body].
func TestJSONBadTimestampKept(t *testing.T) {
	for _, ts := range []string{"", "Dec  2 22:19:00", "2026-13-45T00:00:00Z", "yesterday"} {
		line := fmt.Sprintf(`{"@timestamp":%q,"user":{"name":"x"},"error":{"message":"prev"}}`, ts)
		r, err := (&Parser{Format: FormatJSON}).Parse([]byte(line), time.Now(), "")
		if err != nil {
			t.Errorf("%s: %v", line, err)
			continue
		}
		em, _ := r.Fields["error.message"].(string)
		if _, has := r.Fields["@timestamp"]; has || r.Fields["user.name"] != "x" ||
			!strings.HasPrefix(em, "prev; ") || !strings.Contains(em, "@timestamp: "+strconv.Quote(ts)) {
			t.Errorf("%s: fields %v", line, r.Fields)
		}
	}
}

// TestRsyslogFuzzCorpus parses rsyslog's fuzz seeds; each must give a record.
func TestRsyslogFuzzCorpus(t *testing.T) {
	files, _ := filepath.Glob("../../shared/data/logs/syslog/rsyslog-fuzz-corpus/*")
	if len(files) != 7 {
		t.Fatalf("found %d rsyslog fuzz seeds, want 7", len(files))
	}
	for _, file := range files {
		b, _ := os.ReadFile(file)
		rec, err := (&Parser{}).Parse(b, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), "")
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(file), err)
			continue
		}
		if len(rec.Fields) < 5 {
			t.Errorf("%s: only %v", filepath.Base(file), rec.Fields)
		}
	}
}

// TestMissing checks the minimum content of 000 日誌紀錄內容 on real lines.
func TestMissing(t *testing.T) {
	tests := []struct{ line, want string }{
		{`<38>Mar 27 19:06:53 source_server sshd[12750]: session opened for user foo`, "[user]"},
		{`CEF:0|V|P|1|42|Login|5|src=10.0.0.1 suser=nurse01 rt=1764503998000 act=login`, "[]"},
		{`CEF:0|V|P|1|42|Login|5|suser=nurse01`, "[time source]"},
		{`{"user":{"name":"dr.lin"},"@timestamp":"2026-11-30T11:59:00Z","host":{"name":"his01"},"event":{"action":"chart-open"}}`, "[]"},
		{`{"x":""}`, "[event time user source]"},
	}
	for _, tt := range tests {
		rec, err := (&Parser{}).Parse([]byte(tt.line), time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), "")
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(Missing(rec.Fields)); got != tt.want {
			t.Errorf("%s: missing %s, want %s", tt.line, got, tt.want)
		}
	}
}
