package logs

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// graylogFixture is one of Graylog's CEF test fixtures.
type graylogFixture struct {
	TestString         string         `json:"testString"`
	CEFVersion         int            `json:"cefVersion"`
	DeviceVendor       string         `json:"deviceVendor"`
	DeviceProduct      string         `json:"deviceProduct"`
	DeviceVersion      string         `json:"deviceVersion"`
	DeviceEventClassID string         `json:"deviceEventClassId"`
	Name               string         `json:"name"`
	Severity           string         `json:"severity"`
	Extensions         map[string]any `json:"extensions"`
	CodecConfiguration map[string]any `json:"codecConfiguration"`
}

// graylogFullNames are the CEF full key names Graylog's use_full_names
// option prints, for the keys the fixtures use.
var graylogFullNames = map[string]string{"deviceAddress": "dvc"}

// TestCEFGraylogFixtures parses the 36 CEF fixtures of Graylog's CEF plugin
// and compares the header fields and every expected extension. Graylog
// names a custom field by its label (cs2Label=Location gives "Location") and
// reports the syslog header's level and facility; both are looked up that way.
func TestCEFGraylogFixtures(t *testing.T) {
	files, _ := filepath.Glob("../../shared/data/logs/cef/graylog-cef-fixtures/*.json")
	if len(files) != 36 {
		t.Fatalf("found %d Graylog CEF fixtures in ../shared/data/logs/cef, want 36", len(files))
	}
	p := &Parser{}
	received := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var kept []string
		for _, l := range strings.Split(string(b), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(l), "//") {
				kept = append(kept, l)
			}
		}
		var fx graylogFixture
		dec := json.NewDecoder(strings.NewReader(strings.Join(kept, "\n")))
		dec.UseNumber() // 999999999999 stays as written
		if err := dec.Decode(&fx); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		name := filepath.Base(file)
		rec, err := p.Parse([]byte(fx.TestString), received, "127.0.0.1:514")
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if rec.Format != FormatCEF {
			t.Errorf("%s: format %q, want cef", name, rec.Format)
		}
		f := rec.Fields
		for k, want := range map[string]string{
			"cef.version": fmt.Sprint(fx.CEFVersion), "cef.device_vendor": fx.DeviceVendor,
			"cef.device_product": fx.DeviceProduct, "cef.device_version": fx.DeviceVersion,
			"cef.device_event_class_id": fx.DeviceEventClassID, "cef.name": fx.Name, "cef.severity": fx.Severity,
		} {
			if got := str(f[k]); got != want {
				t.Errorf("%s: %s = %q, want %q", name, k, got, want)
			}
		}
		for k, v := range fx.Extensions {
			want := fmt.Sprint(v)
			var got string
			switch {
			case k == "level":
				got = str(f["log.syslog.severity.code"])
			case k == "facility":
				got = str(f["log.syslog.facility.name"])
			case f["cef.extensions."+k] != nil:
				got = str(f["cef.extensions."+k])
			case graylogFullNames[k] != "":
				got = str(f["cef.extensions."+graylogFullNames[k]])
			default:
				for ek, ev := range f {
					if strings.HasSuffix(ek, "Label") && ev == k {
						got = str(f[strings.TrimSuffix(ek, "Label")])
					}
				}
			}
			if wt, err := time.Parse(time.RFC3339Nano, want); err == nil {
				// Graylog prints times in ISO 8601; medsec keeps the raw
				// string and reads it for ECS fields.
				if gt, ok := parseCEFTime(got, time.UTC); ok && gt.Equal(wt) {
					got = want
				}
			}
			if got != want {
				t.Errorf("%s: extension %s = %q, want %q", name, k, got, want)
			}
		}
	}
}

// TestCEFEscapesAndECS checks the escapes of the CEF standard and the ECS
// fields filled from extensions.
func TestCEFEscapesAndECS(t *testing.T) {
	line := `<134>Nov 30 11:59:58 fw01 CEF:0|Acme\|Corp|Gate\\way|2.1|4000|Login failed|7|src=10.1.2.3 spt=51000 dst=10.9.9.9 dpt=443 suser=nurse01 act=login outcome=failure msg=a \= b \\ c\nnext request=https://his.example/x?a=b&c=d proto=TCP rt=1764503998000`
	rec, err := (&Parser{}).Parse([]byte(line), time.Date(2025, 11, 30, 12, 0, 0, 0, time.UTC), "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"cef.device_vendor": "Acme|Corp", "cef.device_product": `Gate\way`, "event.code": "4000",
		"event.severity": 7, "source.ip": "10.1.2.3", "source.port": 51000, "destination.port": 443,
		"user.name": "nurse01", "event.action": "login", "event.outcome": "failure",
		"message": "a = b \\ c\nnext", "url.original": "https://his.example/x?a=b&c=d",
		"network.transport": "tcp", "host.name": "fw01",
		"@timestamp": time.Date(2025, 11, 30, 11, 59, 58, 0, time.UTC),
	}
	for k, w := range want {
		if g := rec.Fields[k]; fmt.Sprint(g) != fmt.Sprint(w) {
			t.Errorf("%s = %#v, want %#v", k, g, w)
		}
	}
	if _, err := (&Parser{Format: FormatCEF}).Parse([]byte("CEF:0|a|b|c"), time.Time{}, ""); err == nil {
		t.Error("CEF with 3 header fields: no error")
	}
}

// TestRepeatedKeysAreLists reads a CEF line (Graylog's threatmanager fixture behind an
// RFC 3164 header, a second dst and a repeated custom string added) and an RFC 5424
// line (rsyslog's fuzz corpus rfc5424-basic with RFC 5424 §7.2.2's "origin" element,
// whose "ip" a relay may repeat): a key or SD-PARAM given more than once is a list of
// its values in order, on the record and on its event; one given once stays a text
// [issue 13: the last value alone was kept].
func TestRepeatedKeysAreLists(t *testing.T) {
	p := &Parser{}
	at := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	cef, err := p.Parse([]byte(`<132>Dec  1 05:31:10 example.com CEF:0|security|threatmanager|1.0|100|detected a threat in message|10|src=10.0.0.1 dst=1.1.1.1 cs1=ward-3 cs1Label=Location dst=1.1.1.2 cs1=icu dpt=80 dpt=443`), at, "10.1.10.5:514")
	if err != nil || cef.Format != FormatCEF {
		t.Fatalf("cef: %v %q", err, cef.Format)
	}
	sd, err := p.Parse([]byte(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"][origin ip="192.0.2.1" ip="10.1.20.77" ip="q\"uo\]te" software="rsyslogd"] An application event log entry`), at, "10.1.10.5:514")
	if err != nil || sd.Format != FormatRFC5424 {
		t.Fatalf("rfc5424: %v %q", err, sd.Format)
	}
	ce, se := RecordEvent(cef).Fields, RecordEvent(sd).Fields
	for _, c := range []struct {
		name string
		got  any
		want any
	}{
		{"destination.ip", ce["destination.ip"], []string{"1.1.1.1", "1.1.1.2"}},
		{"cef.extensions.dst", ce["cef.extensions.dst"], []string{"1.1.1.1", "1.1.1.2"}},
		{"cef.extensions.cs1", ce["cef.extensions.cs1"], []string{"ward-3", "icu"}},
		{"cef.extensions.cs1Label", ce["cef.extensions.cs1Label"], "Location"},
		{"source.ip", ce["source.ip"], "10.0.0.1"},
		{"destination.port", ce["destination.port"], int64(443)}, // one number: the last
		{"cef.extensions.dpt", ce["cef.extensions.dpt"], []string{"80", "443"}},
		{"origin.ip", se["log.syslog.structured_data.origin.ip"], []string{"192.0.2.1", "10.1.20.77", `q"uo]te`}},
		{"origin.software", se["log.syslog.structured_data.origin.software"], "rsyslogd"},
		{"exampleSDID@32473.iut", se["log.syslog.structured_data.exampleSDID@32473.iut"], "3"},
	} {
		if fmt.Sprintf("%#v", c.got) != fmt.Sprintf("%#v", c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}
