package logs

import (
	"testing"
	"time"
)

// TestWebRequestFields reads WAF and web-server records into the ECS fields the
// sensitive-directory rule reads (url.path, event.outcome) [bt13h M2: CEF request= gave
// url.original only, a JSON record with url.original only missed, and nginx/Apache
// access-log lines over syslog gave no url.path, source.ip, status or outcome].
func TestWebRequestFields(t *testing.T) {
	p := &Parser{}
	now := time.Date(2026, 12, 2, 6, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		line, path, outcome, ip string
		status                  any
	}{
		{`CEF:0|F5|ASM|15|403|Request blocked|7|src=203.0.113.9 request=/admin/config.php?x=1 outcome=failure`, "/admin/config.php", "failure", "203.0.113.9", nil},
		{`{"url":{"original":"https://his.example/admin/users"},"http":{"response":{"status_code":403}},"source":{"ip":"10.1.2.3"}}`, "/admin/users", "failure", "10.1.2.3", 403},
		{`<190>Dec  2 06:00:01 web01 nginx: 203.0.113.7 - - [02/Dec/2026:06:00:01 +0800] "GET /admin/config.php HTTP/1.1" 403 153 "-" "curl/8.5.0"`, "/admin/config.php", "failure", "203.0.113.7", 403},
		{`<190>Dec  2 06:00:01 web01 apache2: 198.51.100.4 - alice [02/Dec/2026:06:00:01 +0800] "POST /phpmyadmin/index.php HTTP/1.1" 401 381`, "/phpmyadmin/index.php", "failure", "198.51.100.4", 401},
		{`<190>Dec  2 06:00:01 web01 nginx: 203.0.113.7 - - [02/Dec/2026:06:00:01 +0800] "GET /index.html HTTP/2.0" 200 512 "https://x/" "Mozilla/5.0"`, "/index.html", "success", "203.0.113.7", 200},
	} {
		rec, err := p.Parse([]byte(tc.line), now, "10.0.0.1:514")
		if err != nil {
			t.Fatal(err)
		}
		f := rec.Fields
		if f["url.path"] != tc.path || f["event.outcome"] != tc.outcome || f["source.ip"] != tc.ip || tc.status != nil && f["http.response.status_code"] != tc.status {
			t.Errorf("%s:\n  %v", tc.line, f)
		}
	}
}
