package logs

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	syslog "github.com/leodido/go-syslog/v4"
	"github.com/leodido/go-syslog/v4/rfc5424"
)

// rfc5424Machines reuses go-syslog machines, which are not safe for
// concurrent use.
var rfc5424Machines = sync.Pool{New: func() any {
	return rfc5424.NewMachine(rfc5424.WithBestEffort())
}}

// parseRFC5424 reads an RFC 5424 message with go-syslog in best-effort mode.
// A message whose header is invalid is an error naming the column. When the
// header is valid but STRUCTURED-DATA is not (RFC 5424 §6.3; e.g. the RFC's
// own §6.5 sample with a space after "eventSource="), the header is kept,
// the undecoded rest of the line becomes the message, and error.message says
// why; rsyslog is more lenient there and decodes the parameters.
// A UTF-8 BOM at the start of MSG (§6.4) is dropped.
func parseRFC5424(line []byte) (map[string]any, error) {
	m := rfc5424Machines.Get().(syslog.Machine)
	msg, err := m.Parse(line)
	rfc5424Machines.Put(m)
	sm, ok := msg.(*rfc5424.SyslogMessage)
	if sm == nil || !ok || sm.Priority == nil || sm.Version == 0 {
		if err == nil {
			err = fmt.Errorf("not a syslog message")
		}
		return nil, fmt.Errorf("rfc5424: %w", err)
	}
	f := make(map[string]any, 16)
	setPriority(f, int(*sm.Priority))
	f["log.syslog.version"] = strconv.Itoa(int(sm.Version))
	if sm.Timestamp != nil {
		f["@timestamp"] = *sm.Timestamp
	}
	if sm.Hostname != nil {
		setHost(f, *sm.Hostname)
	}
	if sm.Appname != nil {
		f["log.syslog.appname"] = *sm.Appname
		f["process.name"] = *sm.Appname
	}
	if sm.ProcID != nil {
		f["log.syslog.procid"] = *sm.ProcID
		if n, err := strconv.Atoi(*sm.ProcID); err == nil && n >= 0 {
			f["process.pid"] = n
		}
	}
	if sm.MsgID != nil {
		f["log.syslog.msgid"] = *sm.MsgID
	}
	if sm.StructuredData != nil && len(*sm.StructuredData) > 0 {
		sd := make(map[string]any, len(*sm.StructuredData))
		kept := 0
		for id, params := range *sm.StructuredData {
			p := make(map[string]any, len(params))
			for k, v := range params {
				p[k] = v
			}
			sd[id] = p
			kept += len(params)
		}
		if rest, ok := afterHeader5424(string(line)); ok && err == nil && mayRepeatSDParams(rest, kept) {
			repeatedSDParams(sd, rest)
		}
		f["log.syslog.structured_data"] = sd
	}
	if err != nil {
		// Header read, the rest is not valid: keep it as it came. An
		// error inside the header is an error.
		rest, ok := afterHeader5424(string(line))
		if !ok || errorColumn(err) < len(line)-len(rest) {
			return nil, fmt.Errorf("rfc5424: %w", err)
		}
		f["error.message"] = "rfc5424: " + err.Error()
		setMessage(f, strings.TrimPrefix(rest, "\xef\xbb\xbf"))
		delete(f, "log.syslog.structured_data")
		return f, nil
	}
	if sm.Message != nil {
		setMessage(f, strings.TrimPrefix(*sm.Message, "\xef\xbb\xbf"))
	}
	return f, nil
}

// afterHeader5424 returns what follows the six space-separated header
// fields of RFC 5424 §6.2 (PRI+VERSION, TIMESTAMP, HOSTNAME, APP-NAME,
// PROCID, MSGID), which contain no spaces by the grammar.
func afterHeader5424(s string) (string, bool) {
	for range 6 {
		i := strings.IndexByte(s, ' ')
		if i < 0 {
			return "", false
		}
		s = s[i+1:]
	}
	return s, true
}

// errorColumn reads the column go-syslog names at the end of its errors
// ("... [col 12]"); -1 when there is none.
func errorColumn(err error) int {
	s := err.Error()
	i := strings.LastIndex(s, "[col ")
	if i < 0 {
		return -1
	}
	n, e := strconv.Atoi(strings.TrimSuffix(s[i+5:], "]"))
	if e != nil {
		return -1
	}
	return n
}

// mayRepeatSDParams tells whether the STRUCTURED-DATA at the start of rest can name an
// SD-PARAM twice in an element, given that go-syslog kept kept parameters: each parameter
// opens its value with `="` (§6.3.3: a '"' inside a value is escaped, so `="` in a value
// is only a value ending in '='), so when rest holds no more `="` than go-syslog kept, none
// was dropped as a repeat and repeatedSDParams has nothing to do. Reading every element
// again (a builder per value, a map per element) was done on every record with structured
// data, for a case few senders produce (issue 12, parse cost).
func mayRepeatSDParams(rest string, kept int) bool {
	return strings.Count(rest, `="`) > kept
}

// repeatedSDParams reads the STRUCTURED-DATA at the start of rest (RFC 5424 §6.3) again
// for SD-PARAMs named more than once in an SD-ELEMENT, which §6.3.3 allows (the "ip" of
// the "origin" SD-ID, §7.2.2, is one) and go-syslog keeps only the last of: such a
// parameter becomes the list of its values in order ([]string) in sd, so that a rule
// matches any of them [issue 13]. Values are unescaped as §6.3.3 says (\", \\, \]).
// Well-formed input is assumed (go-syslog accepted it); anything else stops the scan.
func repeatedSDParams(sd map[string]any, rest string) {
	s := rest
	for len(s) > 0 && s[0] == '[' {
		i := strings.IndexAny(s, " ]")
		if i < 0 {
			return
		}
		id := s[1:i]
		s = s[i:]
		var names []string
		vals := map[string][]string{}
		for len(s) > 0 && s[0] == ' ' {
			eq := strings.IndexByte(s, '=')
			if eq < 0 || eq+1 >= len(s) || s[eq+1] != '"' {
				return
			}
			name := s[1:eq]
			s = s[eq+2:]
			var b strings.Builder
			j := 0
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) && (s[j+1] == '"' || s[j+1] == '\\' || s[j+1] == ']') {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return
			}
			s = s[j+1:]
			if _, seen := vals[name]; !seen {
				names = append(names, name)
			}
			vals[name] = append(vals[name], b.String())
		}
		if len(s) == 0 || s[0] != ']' {
			return
		}
		s = s[1:]
		params, ok := sd[id].(map[string]any)
		if !ok {
			continue
		}
		for _, n := range names {
			if len(vals[n]) > 1 {
				params[n] = vals[n]
			}
		}
	}
}
