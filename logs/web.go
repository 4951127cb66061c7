package logs

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// combinedLog is the NCSA combined (and common) access-log line nginx and Apache write,
// also over syslog: client, ident, user, [time], "request", status, bytes, then in the
// combined form "referrer" "user agent".
var combinedLog = regexp.MustCompile(`^(\S+) \S+ (\S+) \[[^\]]+\] "(\S+) (\S+)(?: (HTTP/[0-9.]+))?" (\d{3}) (\d+|-)(?: "([^"]*)" "([^"]*)")?`)

// webFields adds the ECS fields of a web request, so that rules on url.path and
// event.outcome (the built-in sensitive-directory rule) see WAF and web-server logs
// [bt13h M2]: an access-log line in the combined or common format (its message) gives
// source.ip, user.name, http.request.method, url.original, http.version,
// http.response.status_code and .body.bytes, http.request.referrer and
// user_agent.original; url.original (CEF "request", a JSON record) gives url.path and
// url.query; and http.response.status_code gives event.outcome, failure from 400 on
// (401, 403: the request was refused), success below. A field the record has is kept.
func webFields(f map[string]any) {
	set := func(k string, v any) {
		if _, has := f[k]; !has && v != "" {
			f[k] = v
		}
	}
	if msg, ok := f["message"].(string); ok && len(msg) > 20 && strings.Contains(msg, `] "`) {
		if g := combinedLog.FindStringSubmatch(msg); g != nil {
			set("source.ip", g[1])
			if g[2] != "-" {
				set("user.name", g[2])
			}
			set("http.request.method", g[3])
			set("url.original", g[4])
			set("http.version", strings.TrimPrefix(g[5], "HTTP/"))
			if n, err := strconv.Atoi(g[6]); err == nil {
				set("http.response.status_code", n)
			}
			if n, err := strconv.Atoi(g[7]); err == nil {
				set("http.response.body.bytes", n)
			}
			if g[8] != "-" {
				set("http.request.referrer", g[8])
			}
			if g[9] != "-" {
				set("user_agent.original", g[9])
			}
			set("event.category", "web")
		}
	}
	if orig, ok := f["url.original"].(string); ok && orig != "" {
		if _, has := f["url.path"]; !has {
			if u, err := url.Parse(orig); err == nil && u.Path != "" {
				f["url.path"] = u.Path
				set("url.query", u.RawQuery)
			} else if i := strings.IndexAny(orig, "?#"); i != 0 && strings.HasPrefix(orig, "/") {
				if i > 0 {
					orig = orig[:i]
				}
				f["url.path"] = orig
			}
		}
	}
	if _, has := f["event.outcome"]; !has {
		var code int
		switch v := f["http.response.status_code"].(type) {
		case int:
			code = v
		case string:
			code, _ = strconv.Atoi(v)
		}
		switch {
		case code >= 400 && code < 600:
			f["event.outcome"] = "failure"
		case code >= 100 && code < 400:
			f["event.outcome"] = "success"
		}
	}
}
