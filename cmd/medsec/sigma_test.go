package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medsec/internal/shareddata"
)

// TestSigmaTestCommand runs "medsec sigma test" as a user would: a SigmaHQ rule over its
// regression events (Windows event-log JSON), a correlation over hand-written ECS events
// given as a JSON array, and a bad rule named with its file and line.
func TestSigmaTestCommand(t *testing.T) {
	sigma := shareddata.SigmaDir(t)
	dir := t.TempDir()
	rules := filepath.Join(dir, "logins.yml")
	if err := os.WriteFile(rules, []byte(`title: Failed login
name: failed_login
logsource: {product: medsec, service: auth}
detection:
  selection:
    event.action: login.failed
  condition: selection
---
title: Many failed logins
name: brute
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [user.name]
  timespan: 1m
  condition: {gte: 3}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(dir, "events.json")
	var evs []string
	for i, u := range []string{"amy", "amy", "bob", "amy"} {
		evs = append(evs, `{"@timestamp":"2026-11-30T10:00:0`+string(rune('0'+i))+`Z","event":{"dataset":"medsec.auth","action":"login.failed"},"user":{"name":"`+u+`"}}`)
	}
	if err := os.WriteFile(events, []byte("["+strings.Join(evs, ",\n")+"]"), 0o600); err != nil {
		t.Fatal(err)
	}
	regRule := filepath.Join(sigma, "rules/windows/registry/registry_set/registry_set_disable_administrative_share.yml")
	regEvents := filepath.Join(sigma, "regression_data/rules/windows/registry/registry_set/registry_set_disable_administrative_share/c7dcacd0-cc59-4004-b0a4-1d6cdebe6f3e.json")

	var out bytes.Buffer
	if err := run(context.Background(), []string{"sigma", "test", "--rules", rules, regRule, "--events", events, regEvents, "--json"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var res sigmaResultJSON
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if res.Events != 6 {
		t.Errorf("events %d, want 6", res.Events)
	}
	counts := map[string]int{}
	for _, r := range res.Rules {
		counts[r.Title] = len(r.Matches)
	}
	if counts["Failed login"] != 4 || counts["Disable Administrative Share Creation at Startup"] != 2 {
		t.Errorf("match counts %v", counts)
	}
	if len(res.Correlations) != 1 || len(res.Correlations[0].Alerts) != 1 {
		t.Fatalf("correlations %+v", res.Correlations)
	}
	a := res.Correlations[0].Alerts[0]
	if a.Group["user.name"] != "amy" || a.Value != 3 || len(a.Events) != 3 || a.Events[2].ID != events+":4" {
		t.Errorf("alert %+v", a)
	}

	// Text output names the rule's file and line and the matches.
	out.Reset()
	if err := run(context.Background(), []string{"sigma", "test", "--rules", rules, "--events", events}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), rules+":1 Failed login: 4 matches") || !strings.Contains(out.String(), "Many failed logins (event_count): 1 alerts") {
		t.Errorf("text output:\n%s", out.String())
	}

	// A bad rule: non-zero exit with file:line.
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("title: x\nlogsource: {product: a}\ndetection:\n  s:\n    a|contanis: 1\n  condition: s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"sigma", "test", "--rules", bad, "--events", events}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), bad+`:5: detection.s.a|contanis: unknown modifier "contanis"`) {
		t.Errorf("bad rule: %v", err)
	}
	// Bad JSON events: file and line.
	badEv := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(badEv, []byte("{\"a\": 1}\n{\"a\": }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"sigma", "test", "--rules", rules, "--events", badEv}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), badEv+":2:") {
		t.Errorf("bad events: %v", err)
	}
	if err := run(context.Background(), []string{"sigma", "test", "--rules", rules}, io.Discard, io.Discard); err == nil {
		t.Error("no events: no error")
	}
}

// TestSigmaUsageAgreesWithDocs checks that docs/DETECTION.md shows the command line the
// CLI prints, and that both say what an event without a time gets.
func TestSigmaUsageAgreesWithDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/DETECTION.md")
	if err != nil {
		t.Fatal(err)
	}
	usage := strings.TrimSpace(strings.Split(sigmaUsage, "\n")[1])
	if !strings.Contains(string(doc), "\n"+usage+"\n") {
		t.Errorf("docs/DETECTION.md lacks the usage line %q", usage)
	}
	for _, s := range []string{"1970-01-01T00:00:00Z plus 1 ms", "--lateness (default 0)"} {
		if !strings.Contains(strings.Join(strings.Fields(sigmaUsage), " "), s) {
			t.Errorf("usage lacks %q", s)
		}
	}
	if !strings.Contains(strings.Join(strings.Fields(string(doc)), " "), "1970-01-01T00:00:00Z plus 1 ms per event") {
		t.Errorf("docs/DETECTION.md does not say what an event without a time gets")
	}
}

// The events of "sigma test" are named by the line their JSON starts on, not their
// number (issue 13 break-test finding 8), and a bad event by its file and line.
func TestSigmaTestNamesEventLines(t *testing.T) {
	dir := t.TempDir()
	rules := filepath.Join(dir, "r.yml")
	if err := os.WriteFile(rules, []byte("title: Whoami\nlogsource: {product: windows, category: process_creation}\ndetection:\n  selection:\n    CommandLine|contains: whoami\n  condition: selection\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	events := filepath.Join(dir, "pretty.json")
	text := "{\n  \"EventID\": 1,\n  \"Channel\": \"Microsoft-Windows-Sysmon/Operational\",\n  \"CommandLine\": \"notepad\"\n}\n{\n  \"EventID\": 1,\n  \"Channel\": \"Microsoft-Windows-Sysmon/Operational\",\n  \"CommandLine\": \"whoami /all\"\n}\n"
	if err := os.WriteFile(events, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"sigma", "test", "--rules", rules, "--events", events, "--json"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var res sigmaResultJSON
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Rules) != 1 || len(res.Rules[0].Matches) != 1 || res.Rules[0].Matches[0].ID != events+":6" {
		t.Fatalf("matches: %+v", res.Rules)
	}
	if err := os.WriteFile(events, []byte(text+"{\"EventID\": 1,\n \"CommandLine\": whoami}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"sigma", "test", "--rules", rules, "--events", events}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), events+":12:") {
		t.Fatalf("bad event: %v", err)
	}
}
