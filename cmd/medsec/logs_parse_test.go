package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestLogsParse runs "medsec logs parse" on a gzip file with one record of
// each format and one bad line.
func TestLogsParse(t *testing.T) {
	dir := t.TempDir()
	lines := strings.Join([]string{
		`<34>Oct 11 22:14:15 mymachine su[42]: 'su root' failed for lonvick`,
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event`,
		`Sep 19 08:26:10 example.com CEF:0|security|threatmanager|1.0|100|detected a \| in message|10|src=10.0.0.1 act=blocked a \= dst=1.1.1.1`,
		`{"@timestamp":"2026-11-30T11:59:00Z","user":{"name":"dr.lin"},"event":{"action":"chart-open"}}`,
		`{"broken":`,
	}, "\n") + "\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(lines))
	zw.Close()
	file := filepath.Join(dir, "messages.1.gz")
	if err := os.WriteFile(file, gz.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"logs", "parse", file, "--json"}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "1 records could not be parsed") {
		t.Fatalf("error %v, want one bad record", err)
	}
	if !strings.Contains(errb.String(), file+":5: json") {
		t.Errorf("stderr %q does not name %s:5", errb.String(), file)
	}
	var got []map[string]any
	dec := json.NewDecoder(&out)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 4 {
		t.Fatalf("%d records, want 4: %s", len(got), out.String())
	}
	checks := []map[string]any{
		{"host.name": "mymachine", "process.name": "su", "process.pid": 42.0, "message": "'su root' failed for lonvick"},
		{"log.syslog.msgid": "ID47", "message": "An application event", "@timestamp": "2003-10-11T22:14:15.003Z"},
		{"host.name": "example.com", "cef.name": "detected a | in message", "event.action": "blocked a =", "destination.ip": "1.1.1.1"},
		{"user.name": "dr.lin", "event.action": "chart-open", "@timestamp": "2026-11-30T11:59:00Z"},
	}
	for i, c := range checks {
		for k, w := range c {
			if got[i][k] != w {
				t.Errorf("record %d: %s = %#v, want %#v", i+1, k, got[i][k], w)
			}
		}
	}
	if err := run(context.Background(), []string{"logs", "parse", "--format", "xml", file}, &out, &errb); err == nil {
		t.Error("--format xml: no error")
	}
}
