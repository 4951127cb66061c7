package medsec_test

import (
	"encoding/json"
	"testing"

	"medsec"
)

// FuzzEventUnmarshal feeds arbitrary bytes to the decoder a NATS consumer uses: it must
// not panic, and whatever it accepts must have only field types Validate allows.
func FuzzEventUnmarshal(f *testing.F) {
	f.Add([]byte(`{"id":"audit:1","@timestamp":"2026-11-30T08:00:00Z","site_id":1,"ref":{"type":"audit","id":1},"fields":{"event.action":"login.failed","destination.port":443,"x":1.5,"tags":["a",2],"o":{"a":1},"b":true,"n":null}}`))
	f.Add([]byte(`{"fields":null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var e medsec.Event
		if err := json.Unmarshal(b, &e); err != nil {
			return
		}
		e.ID = "x"
		e.Time = e.Time.AddDate(1, 0, 0)
		for k, v := range e.Fields {
			switch v.(type) {
			case string, int64, float64, bool, []string, nil:
			default:
				t.Fatalf("field %s has type %T", k, v)
			}
		}
	})
}
