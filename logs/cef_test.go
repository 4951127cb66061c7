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
