package natsbus_test

import (
	"encoding/json"
	"testing"

	"medsec/natsbus"
)

// FuzzDecode feeds arbitrary message bodies to the central server's envelope decoder: it
// never panics, and what it accepts validates, makes a subject of four tokens and
// survives a round trip.
func FuzzDecode(f *testing.F) {
	e := logEnvelope("TPE", "span0", 1)
	e.Group = "north"
	b, _ := json.Marshal(e)
	f.Add(b)
	f.Add([]byte(`{"id":"x","group":"g","site":"S","sensor":"s","kind":"health","time":"2026-12-01T03:00:00Z","health":{"connected":true}}`))
	f.Add([]byte(`{"id":"x","group":"g.h","site":"S","sensor":"s","kind":"log","time":"2026-12-01T03:00:00Z","log":{"raw":"AA=="}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := natsbus.Decode(data)
		if err != nil {
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("decoded but invalid: %v", err)
		}
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		again, err := natsbus.Decode(b)
		if err != nil || again.ID != e.ID || again.Subject() != e.Subject() {
			t.Fatalf("round trip: %v", err)
		}
	})
}
