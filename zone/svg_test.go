package zone

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
)

func TestDiagramSVG(t *testing.T) {
	m := hospital()
	m.Zones[1].Name = `Intranet <script>alert("x")</script> & co`
	c := mustChecker(t, m)
	m.Assets, _ = c.Locator().AssignZones(m.Assets)
	for i := 0; i < 9; i++ { // a group large enough to be cut short
		m.Assets = append(m.Assets, Asset{ID: int64(300 + i), Name: "Monitor", Class: ClassGroup, Zone: zICULAN})
	}
	viol := c.CheckFlows([]Flow{
		{Src: ip("10.20.1.5"), Dst: ip("10.1.0.20"), Proto: ProtoTCP, Port: 3389},
		{Src: ip("10.20.1.6"), Dst: ip("10.1.0.20"), Proto: ProtoTCP, Port: 3389},
		{Src: ip("10.20.1.5"), Dst: ip("8.8.8.8"), Proto: ProtoUDP, Port: 53},
	})
	d := Diagram{
		Model:      m,
		Levels:     Levels(m.Zones, m.Assets),
		Violations: viol,
		Flagged:    map[int64]bool{4: true},
		Labels: DiagramLabels{
			Title:           "醫療儀器資料流網路模板",
			Kinds:           map[Kind]string{KindOT: "工控區", KindIntranet: "院內系統網路"},
			Classes:         map[Class]string{ClassGroup: "群組型儀器", ClassBoundary: "邊界主機", ClassControl: "醫儀控制系統", ClassStandalone: "終端單機"},
			Unclassified:    "未分類",
			More:            "另 {n} 台",
			Violations:      "{n} 筆未經管道",
			LegendConduit:   "管道",
			LegendViolation: "違規資料流",
		},
	}
	var b bytes.Buffer
	if err := d.WriteSVG(&b); err != nil {
		t.Fatal(err)
	}
	if p := os.Getenv("ZONE_SVG_OUT"); p != "" {
		_ = os.WriteFile(p, b.Bytes(), 0o644)
	}
	// Well-formed: the whole document decodes.
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	type el struct {
		name  string
		attrs map[string]string
	}
	var els []el
	var text strings.Builder
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed: %v\n%s", err, b.String())
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			e := el{name: tk.Name.Local, attrs: map[string]string{}}
			for _, a := range tk.Attr {
				e.attrs[a.Name.Local] = a.Value
			}
			els = append(els, e)
		case xml.CharData:
			text.Write(tk)
		}
	}
	if els[0].name != "svg" {
		t.Errorf("root element %q", els[0].name)
	}
	byID := map[string]int{}
	for i, e := range els {
		if id := e.attrs["id"]; id != "" {
			byID[id] = i
		}
	}
	for _, z := range m.Zones {
		if _, ok := byID["zone-"+itoa(z.ID)]; !ok {
			t.Errorf("zone %d not drawn", z.ID)
		}
	}
	// The flagged conduit's line is red, the others are not.
	lineOf := func(id string) map[string]string {
		i, ok := byID[id]
		if !ok {
			t.Fatalf("%s not drawn", id)
		}
		for _, e := range els[i+1:] {
			if e.name == "line" {
				return e.attrs
			}
		}
		t.Fatalf("%s has no line", id)
		return nil
	}
	if got := lineOf("conduit-4")["stroke"]; got != colorViolation {
		t.Errorf("flagged conduit stroke = %q, want red", got)
	}
	if got := lineOf("conduit-1")["stroke"]; got != colorConduit {
		t.Errorf("conduit 1 stroke = %q", got)
	}
	// Flows outside any conduit: one red arrow per zone pair, with the count.
	if got := lineOf("violation-3-7"); got["stroke"] != colorViolation || got["stroke-dasharray"] == "" {
		t.Errorf("violation arrow = %v", got)
	}
	if _, ok := byID["violation-3-1"]; !ok {
		t.Error("violation to the Internet not drawn")
	}
	all := text.String()
	for _, want := range []string{"醫療儀器資料流網路模板", "工控區 · SL3", "群組型儀器", "邊界主機", "另 5 台", "2 筆未經管道",
		`Intranet <script>alert("x")</script> & co`, "tcp 104,11112 (dicom)", "Ultrasound 1", "未分類"} {
		if !strings.Contains(all, want) {
			t.Errorf("diagram text lacks %q", want)
		}
	}
	if strings.Contains(b.String(), "<script>") {
		t.Error("zone name not escaped")
	}
	// Nesting: the ICU LAN box lies inside the OT box, which lies inside the intranet box.
	rect := func(id string) [4]float64 {
		i := byID[id]
		var r [4]float64
		for _, e := range els[i+1:] {
			if e.name == "rect" {
				for k, a := range []string{"x", "y", "width", "height"} {
					r[k] = mustFloat(t, e.attrs[a])
				}
				return r
			}
		}
		return r
	}
	inside := func(in, out [4]float64) bool {
		return in[0] >= out[0] && in[1] >= out[1] && in[0]+in[2] <= out[0]+out[2] && in[1]+in[3] <= out[1]+out[3]
	}
	if !inside(rect("zone-4"), rect("zone-3")) || !inside(rect("zone-3"), rect("zone-2")) {
		t.Errorf("zones not nested: %v %v %v", rect("zone-4"), rect("zone-3"), rect("zone-2"))
	}
	if inside(rect("zone-3"), rect("zone-1")) {
		t.Error("OT zone drawn inside the Internet")
	}
}

func mustFloat(t *testing.T, s string) float64 {
	t.Helper()
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil {
		t.Fatalf("not a number %q", s)
	}
	return f
}

// TestTextWidth: CJK text is measured a full em a character, Latin less.
func TestTextWidth(t *testing.T) {
	if w, want := textWidth("放射科", 10, false), 30.0; w != want {
		t.Errorf("textWidth(放射科) = %v, want %v", w, want)
	}
	if w := textWidth("abc", 10, false); w >= 30 {
		t.Errorf("textWidth(abc) = %v, want less than three ems", w)
	}
}
