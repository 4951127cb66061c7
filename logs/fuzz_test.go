package logs

import (
	"bytes"
	"testing"
	"time"
)

// fuzzParse parses data as format and checks what every parse must hold:
// no panic, Raw kept as given, a Format and non-nil Fields on success, and
// a priority from 0 to 191 on syslog records.
func fuzzParse(t *testing.T, format string, data []byte) {
	orig := bytes.Clone(data)
	rec, err := (&Parser{Format: format}).Parse(data, time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC), "fuzz")
	if !bytes.Equal(rec.Raw, orig) || !bytes.Equal(data, orig) {
		t.Fatalf("raw bytes changed")
	}
	if err != nil {
		if format == FormatRFC3164 && len(trimRecord(data)) > 0 {
			t.Fatalf("rfc3164 never fails on a non-empty record: %v", err)
		}
		return
	}
	if rec.Fields == nil || rec.Format == "" {
		t.Fatalf("success without fields or format")
	}
	if p, ok := rec.Fields["log.syslog.priority"].(int); ok && (p < 0 || p > 191) {
		t.Fatalf("priority %d", p)
	}
}

// FuzzParse fuzzes format detection and every parser behind it.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`<34>Oct 11 22:14:15 mymachine su: 'su root' failed`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, FormatAuto, data) })
}

// FuzzParseRFC3164 fuzzes the RFC 3164 parser.
func FuzzParseRFC3164(f *testing.F) {
	f.Add([]byte(`<38>Mar 27 19:06:53 source_server sshd(pam_unix)[12750]: x`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, FormatRFC3164, data) })
}

// FuzzParseRFC5424 fuzzes the RFC 5424 parser (go-syslog) and medsec's
// handling of its partial results.
func FuzzParseRFC5424(f *testing.F) {
	f.Add([]byte(`<165>1 2003-10-11T22:14:15.003Z h evntslog - ID47 [a@1 b="\]"] msg`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, FormatRFC5424, data) })
}

// FuzzParseCEF fuzzes the CEF parser, bare and behind syslog headers.
func FuzzParseCEF(f *testing.F) {
	f.Add([]byte(`CEF:0|a\|b|c|1|2|n|5|src=10.0.0.1 act=x \= y msg=a\\b`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, FormatCEF, data) })
}

// FuzzParseJSON fuzzes the JSON lines parser.
func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"@timestamp":"2026-11-30T11:59:00Z","user":{"name":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzParse(t, FormatJSON, data) })
}
