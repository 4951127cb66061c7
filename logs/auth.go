package logs

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// Login lines of common systems, read into ECS so that detection rules on
// event.category: authentication (such as medsec's built-in "Failed login" [003 §3.2.1])
// see them: OpenSSH's sshd, PAM, and Windows security events 4624/4625 (CEF signature ID
// or JSON event id).
var (
	sshFailed   = regexp.MustCompile(`^Failed (\S+) for (invalid user )?(\S*) from (\S+) port (\d+)`)
	sshAccepted = regexp.MustCompile(`^Accepted (\S+) for (\S+) from (\S+) port (\d+)`)
	sshInvalid  = regexp.MustCompile(`^Invalid user (\S*) from (\S+)(?: port (\d+))?`)
	pamFailure  = regexp.MustCompile(`authentication failures?;(?:.*?\brhost=(\S*))?(?:\s+user=(\S+))?`)
	winEventID  = regexp.MustCompile(`(?i)\bEvent ?ID[=:\s]+(462[45])\b`)
)

// authFields adds ECS login fields to the parsed fields of a login record:
// event.category "authentication", event.type "start", event.outcome "failure" or
// "success", event.action, and user.name, source.ip and source.port when the line names
// them (a field the record already has is kept). Records that already carry
// event.category are left as they are.
func authFields(f map[string]any) {
	if _, ok := f["event.category"]; ok {
		return
	}
	msg, _ := f["message"].(string)
	if msg == "" {
		msg, _ = f["cef.extensions.msg"].(string)
	}
	set := func(k, v string) {
		if _, has := f[k]; !has && v != "" {
			f[k] = v
		}
	}
	login := func(outcome, action, user, ip, port string) {
		f["event.category"], f["event.type"], f["event.outcome"] = "authentication", "start", outcome
		set("event.action", action)
		set("user.name", user)
		if a, err := netip.ParseAddr(ip); err == nil {
			set("source.ip", a.String())
		}
		if port != "" {
			if _, has := f["source.port"]; !has {
				var n int64
				if _, err := fmt.Sscan(port, &n); err == nil {
					f["source.port"] = n
				}
			}
		}
	}
	// The sshd message, after a "sshd[pid]: " a CEF msg may still carry.
	m := msg
	if i := strings.Index(m, "sshd["); i >= 0 {
		if j := strings.Index(m[i:], "]: "); j >= 0 {
			m = m[i+j+3:]
		}
	}
	// rsyslog's reduction of repeated messages, "message repeated 5 times: [ Failed
	// password ...]": the login fields of the repeated line [bt13h M1: such a record was
	// no login at all]. The record is one event: it counts once, not five times.
	if strings.HasPrefix(m, "message repeated ") {
		if i := strings.Index(m, " times: [ "); i > 0 {
			m = strings.TrimSuffix(m[i+len(" times: [ "):], "]")
			if i := strings.Index(m, "sshd["); i >= 0 {
				if j := strings.Index(m[i:], "]: "); j >= 0 {
					m = m[i+j+3:]
				}
			}
		}
	}
	// Each pattern is tried only where its fixed text is (a match needs it): most records
	// are no login, and running every pattern on each was a tenth of the parse.
	if strings.HasPrefix(m, "Failed ") {
		if g := sshFailed.FindStringSubmatch(m); g != nil {
			login("failure", "ssh_login", g[3], g[4], g[5])
			return
		}
	}
	if strings.HasPrefix(m, "Accepted ") {
		if g := sshAccepted.FindStringSubmatch(m); g != nil {
			login("success", "ssh_login", g[2], g[3], g[4])
			return
		}
	}
	if strings.HasPrefix(m, "Invalid user ") {
		if g := sshInvalid.FindStringSubmatch(m); g != nil {
			login("failure", "ssh_login", g[1], g[2], g[3])
			return
		}
	}
	if strings.Contains(msg, "authentication failure") {
		if g := pamFailure.FindStringSubmatch(msg); g != nil {
			// In CEF, rhost= and user= may have been read as extensions of their own.
			host, user := g[1], g[2]
			if host == "" {
				host, _ = f["cef.extensions.rhost"].(string)
			}
			if user == "" {
				user, _ = f["cef.extensions.user"].(string)
			}
			login("failure", "pam_authentication", user, host, "")
			return
		}
	}
	// Windows security log: 4625 a failed logon, 4624 a successful one.
	var code string
	switch c := first(f, "event.code", "winlog.event_id", "EventID", "event_id").(type) {
	case string:
		code = c
	case nil:
	default:
		code = fmt.Sprint(c)
	}
	// A CEF signature ID may name the provider: "Microsoft-Windows-Security-Auditing:4625".
	code = code[strings.LastIndex(code, ":")+1:]
	if code != "4624" && code != "4625" {
		if !strings.Contains(msg, "462") {
			return // winEventID needs 4624 or 4625
		}
		if g := winEventID.FindStringSubmatch(msg); g != nil {
			code = g[1]
		} else {
			return
		}
	}
	outcome := "success"
	if code == "4625" {
		outcome = "failure"
	}
	user := fmt.Sprint(first(f, "winlog.event_data.TargetUserName", "TargetUserName", "destination.user.name", "duser"))
	ip := fmt.Sprint(first(f, "winlog.event_data.IpAddress", "IpAddress", "source.ip", "src"))
	if user == "<nil>" {
		user = ""
	}
	login(outcome, "windows_logon", user, ip, "")
}

// first returns the value of the first of the keys the fields hold; nil if none.
func first(f map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := f[k]; ok && v != nil && v != "" {
			return v
		}
	}
	return nil
}
