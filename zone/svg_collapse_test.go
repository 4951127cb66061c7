package zone_test

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"

	"medsec/zone"
	"medsec/zone/synth"
)

// TestDiagramCollapseAndFocus: a large site (synthetic, about 120 zones) collapses to zone
// level, each zone a link and each group a count; drilled down to one OT zone, the drawing
// holds only that zone and those inside it, with asset names; a zone the model lacks is
// ErrNoZone.
func TestDiagramCollapseAndFocus(t *testing.T) {
	h, err := synth.Generate(synth.Config{Seed: 3, OTZones: 30, Conduits: 300, Flows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	write := func(focus int64) (string, error) {
		var b bytes.Buffer
		err := zone.Diagram{Model: h.Model, Focus: focus, ZoneLink: "/z?zone={id}"}.WriteSVG(&b)
		return b.String(), err
	}
	whole, err := write(0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(whole, `data-collapsed="true"`) || strings.Count(whole, `<a href="/z?zone=`) != len(h.Model.Zones) {
		t.Errorf("the whole site is not collapsed with a link per zone")
	}
	var ot zone.Zone
	for _, z := range h.Model.Zones {
		if z.Kind == zone.KindOT && ot.ID == 0 {
			ot = z
		}
	}
	part, err := write(ot.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(part, `data-collapsed="false"`) || !strings.Contains(part, `id="zone-`+strconv.FormatInt(ot.ID, 10)+`"`) || strings.Contains(part, `id="zone-1"`) {
		t.Errorf("drill-down to zone %d: not the zone alone, uncollapsed", ot.ID)
	}
	if _, err := write(99999); !errors.Is(err, zone.ErrNoZone) {
		t.Errorf("unknown focus: %v, want ErrNoZone", err)
	}
}
