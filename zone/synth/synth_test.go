package synth

import (
	"testing"

	"medsec/zone"
)

func TestGenerate(t *testing.T) {
	cfg := Default
	cfg.Flows = 20000
	h, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(h.Model.Zones); n < 45 || n > 60 {
		t.Errorf("zones = %d, want about 50", n)
	}
	if n := len(h.Model.Conduits); n != 500 {
		t.Errorf("conduits = %d", n)
	}
	nested := 0
	for _, z := range h.Model.Zones {
		if z.Parent != 0 {
			nested++
		}
	}
	if nested < 40 {
		t.Errorf("nested zones = %d", nested)
	}
	c, err := zone.NewChecker(h.Model)
	if err != nil {
		t.Fatal(err)
	}
	count := map[zone.VerdictStatus]int{}
	for _, f := range h.Flows {
		count[c.Check(f).Status]++
	}
	// Mostly allowed, a real share of violations, some same-zone traffic.
	if count[zone.VerdictAllowed] < len(h.Flows)/2 || count[zone.VerdictNoConduit] < len(h.Flows)/20 || count[zone.VerdictSameZone] < len(h.Flows)/10 {
		t.Errorf("verdicts = %v", count)
	}
	h2, _ := Generate(cfg)
	if h2.Flows[777] != h.Flows[777] {
		t.Error("not deterministic")
	}
}
