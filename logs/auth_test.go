package logs

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"
)

// Login lines become ECS authentication events, so that the built-in "Failed login"
// rule sees them [issue 13 finding 3]: sshd as the demo and OpenSSH write them, PAM in
// a real CEF record (graylog-cef fixture), Windows 4625 in CEF.
func TestLoginLinesGetECSAuthenticationFields(t *testing.T) {
	p := &Parser{}
	now := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		line, outcome, user, ip string
	}{
		{"<38>Dec  1 06:00:01 web01 sshd[1234]: Failed password for root from 203.0.113.9 port 50023 ssh2", "failure", "root", "203.0.113.9"},
		{"<38>Dec  1 06:00:01 web01 sshd[1234]: Failed password for invalid user admin from 203.0.113.7 port 50023 ssh2", "failure", "admin", "203.0.113.7"},
		{"<38>Dec  1 06:00:01 web01 sshd[1234]: Failed publickey for git from 2001:db8::5 port 4 ssh2", "failure", "git", "2001:db8::5"},
		{"<38>Dec  1 06:00:01 web01 sshd[1234]: Invalid user oracle from 198.51.100.3 port 4711", "failure", "oracle", "198.51.100.3"},
		{"<38>Dec  1 06:00:01 web01 sshd[1234]: message repeated 5 times: [ Failed password for root from 203.0.113.9 port 50023 ssh2]", "failure", "root", "203.0.113.9"},
		{"<38>Dec  1 06:00:01 web01 sshd[1234]: Accepted publickey for ops from 10.10.1.5 port 50999 ssh2", "success", "ops", "10.10.1.5"},
		{"<86>Dec  1 06:00:01 web01 sshd[1234]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.4  user=root", "failure", "root", "203.0.113.4"},
		{"CEF:0|Microsoft|Microsoft Windows|10|Microsoft-Windows-Security-Auditing:4625|An account failed to log on.|5|src=192.0.2.8 duser=nurse01", "failure", "nurse01", "192.0.2.8"},
	} {
		rec, err := p.Parse([]byte(tc.line), now, "10.0.0.1:514")
		if err != nil {
			t.Fatal(err)
		}
		f := rec.Fields
		if f["event.category"] != "authentication" || f["event.outcome"] != tc.outcome || f["user.name"] != tc.user || f["source.ip"] != tc.ip {
			t.Errorf("%s:\n  %v", tc.line, f)
		}
	}
	// A real OSSEC record in CEF (graylog-cef-plugin fixture) whose msg is a PAM failure.
	b, err := os.ReadFile("../../shared/data/logs/cef/graylog-cef-fixtures/cef_with_unescaped_msg.json")
	if err != nil {
		t.Skip("shared data not present:", err)
	}
	// The fixture starts with // comment lines.
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			lines = append(lines, l)
		}
	}
	b = []byte(strings.Join(lines, "\n"))
	var fx struct {
		TestString string `json:"testString"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	rec, err := p.Parse([]byte(fx.TestString), now, "")
	if err != nil {
		t.Fatal(err)
	}
	if f := rec.Fields; f["event.category"] != "authentication" || f["event.outcome"] != "failure" || f["source.ip"] != "116.31.116.17" {
		t.Errorf("OSSEC PAM failure: %v", f)
	}
	// Not logins: a session line of the rsyslog corpus, and a record that says its own category.
	for _, line := range []string{
		"<38>Apr  6 15:07:10 lxcvs07 sshd(pam_unix)[31738]: session closed for user cvsadmin",
		`{"message":"Failed password for root from 203.0.113.9 port 1 ssh2","event.category":"network"}`,
	} {
		rec, err := p.Parse([]byte(line), now, "")
		if err != nil {
			t.Fatal(err)
		}
		if rec.Fields["event.category"] == "authentication" {
			t.Errorf("%s: %v", line, rec.Fields)
		}
	}
}
