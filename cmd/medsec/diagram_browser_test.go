package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"medsec/zone"
	"medsec/zone/synth"
)

// diagramCheck measures the network diagram as Chromium rendered it (bounding boxes in the
// SVG's user units) and returns every fault: two texts that overlap, a text that crosses a
// box's border, two boxes that overlap without one holding the other, and an arrow whose
// start or end does not lie in its own zone's box (the smallest zone box holding the point
// must be that zone's). A tolerance of half a unit allows for rounding.
const diagramCheck = `((sel) => {
  const svg = document.querySelector(sel);
  const tol = 0.5;
  const box = (e) => { const b = e.getBBox(); return {x: b.x, y: b.y, w: b.width, h: b.height}; };
  const overlaps = (a, b) => a.x + tol < b.x + b.w && b.x + tol < a.x + a.w && a.y + tol < b.y + b.h && b.y + tol < a.y + a.h;
  const inside = (a, b) => a.x >= b.x - tol && a.y >= b.y - tol && a.x + a.w <= b.x + b.w + tol && a.y + a.h <= b.y + b.h + tol;
  const name = (e) => (e.textContent || e.parentNode.id || e.tagName).slice(0, 40);
  const texts = [...svg.querySelectorAll("text")].map((e) => ({e, b: box(e)}));
  const rects = [...svg.querySelectorAll("rect")].map((e) => ({e, b: box(e)}));
  const faults = [];
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++)
      if (overlaps(texts[i].b, texts[j].b)) faults.push("texts overlap: " + name(texts[i].e) + " / " + name(texts[j].e));
  for (const t of texts)
    for (const r of rects)
      if (overlaps(t.b, r.b) && !inside(t.b, r.b)) faults.push("text crosses a box: " + name(t.e) + " / " + (r.e.parentNode.id || r.e.parentNode.getAttribute("class")));
  for (let i = 0; i < rects.length; i++)
    for (let j = i + 1; j < rects.length; j++) {
      const a = rects[i].b, b = rects[j].b;
      if (overlaps(a, b) && !inside(a, b) && !inside(b, a)) faults.push("boxes overlap: " + name(rects[i].e) + " / " + name(rects[j].e));
    }
  const zones = [...svg.querySelectorAll("g.zone[id^=zone-] > rect")].map((e) => ({id: e.parentNode.id, b: box(e)}));
  const zoneAt = (x, y) => {
    let best = null;
    for (const z of zones)
      if (x >= z.b.x - 1 && x <= z.b.x + z.b.w + 1 && y >= z.b.y - 1 && y <= z.b.y + z.b.h + 1 && (!best || z.b.w * z.b.h < best.b.w * best.b.h)) best = z;
    return best ? best.id : "none";
  };
  let arrows = 0;
  for (const g of svg.querySelectorAll("g[data-from]")) {
    const l = g.querySelector("line");
    arrows++;
    const from = zoneAt(l.x1.baseVal.value, l.y1.baseVal.value), to = zoneAt(l.x2.baseVal.value, l.y2.baseVal.value);
    if (from !== "zone-" + g.dataset.from || to !== "zone-" + g.dataset.to)
      faults.push(g.id + ": arrow from " + from + " to " + to + ", want zone-" + g.dataset.from + " to zone-" + g.dataset.to);
  }
  const vb = svg.viewBox.baseVal;
  return {faults, texts: texts.length, boxes: rects.length, arrows, collapsed: svg.dataset.collapsed === "true",
    links: svg.querySelectorAll("a[href]").length, viewWidth: vb.width, svgWidth: svg.getBoundingClientRect().width};
})`

// diagramMeasure is what diagramCheck returns.
type diagramMeasure struct {
	Faults    []string `json:"faults"`
	Texts     int      `json:"texts"`
	Boxes     int      `json:"boxes"`
	Arrows    int      `json:"arrows"`
	Collapsed bool     `json:"collapsed"`
	Links     int      `json:"links"`
	ViewWidth float64  `json:"viewWidth"`
	SVGWidth  float64  `json:"svgWidth"`
}

func measureDiagram(ctx context.Context, t *testing.T, what, sel string) diagramMeasure {
	t.Helper()
	var m diagramMeasure
	if err := chromedp.Run(ctx, chromedp.WaitVisible(sel), chromedp.Evaluate(diagramCheck+`("`+sel+`")`, &m)); err != nil {
		t.Fatalf("%s: measure: %v", what, err)
	}
	for i, f := range m.Faults {
		if i == 20 {
			t.Errorf("%s: … %d faults in all", what, len(m.Faults))
			break
		}
		t.Errorf("%s: %s", what, f)
	}
	if m.Texts == 0 || m.Boxes == 0 {
		t.Errorf("%s: %d texts and %d boxes drawn", what, m.Texts, m.Boxes)
	}
	return m
}

// TestBrowserDiagramReads renders the network diagram in headless Chromium and measures it:
// on the demo hospital's page (both sites, as the security officer, in Chinese and English)
// and on a large synthetic site with Chinese and Japanese names (about 130 zones, 500
// conduits, 20,000 flows), whole (collapsed to zone level, each zone a link) and drilled
// down to one departmental zone. No text overlaps another or crosses a box's border, no
// boxes overlap, every arrow starts and ends in its own zones' boxes; the page's diagram
// fits the window and zooms in and back.
func TestBrowserDiagramReads(t *testing.T) {
	base, _ := startServer(t)
	ctx := newBrowserFor(t, 8*time.Minute)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1024, 768), login(base, "ciso", demoPassword, "")); err != nil {
		t.Fatalf("log in: %v", err)
	}
	for _, site := range []string{"1", "2"} {
		for _, lang := range []string{"zh-TW", "en"} {
			what := "demo site " + site + " " + lang
			if err := chromedp.Run(ctx,
				chromedp.Navigate(base+"/account"), chromedp.WaitVisible(`#lang`),
				chromedp.SetValue(`#lang`, lang), chromedp.Submit(`#lang`), chromedp.WaitVisible(`html[lang="`+lang+`"]`),
				chromedp.Navigate(base+"/zones/diagram?site="+site),
			); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			m := measureDiagram(ctx, t, what, "#diagram svg")
			if site == "1" && m.Arrows < 5 {
				t.Errorf("%s: %d arrows, want the demo's conduits and violations", what, m.Arrows)
			}
			if m.SVGWidth > 1024 {
				t.Errorf("%s: the diagram is %.0f px wide in a 1024 px window", what, m.SVGWidth)
			}
		}
	}
	// Zoom in, then fit again.
	var in, fit float64
	viewWidth := `document.querySelector("#diagram svg").viewBox.baseVal.width`
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/zones/diagram?site=1"),
		chromedp.WaitVisible(`button[data-zoom="in"]`),
		chromedp.Click(`button[data-zoom="in"]`), chromedp.Click(`button[data-zoom="in"]`),
		chromedp.Evaluate(viewWidth, &in),
		chromedp.Click(`button[data-zoom="fit"]`),
		chromedp.Evaluate(viewWidth, &fit),
	); err != nil {
		t.Fatalf("zoom: %v", err)
	}
	if !(in < fit*0.7) {
		t.Errorf("zooming in twice shows %.0f of %.0f units", in, fit)
	}

	// A large synthetic site, with names in Chinese and Japanese.
	h, err := synth.Generate(synth.Config{Seed: 7, OTZones: 30, Conduits: 500, Flows: 20_000, ViolationShare: 0.1, SameZoneShare: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	m := h.Model
	words := []string{"放射科影像診斷部", "集中治療室（ICU）", "手術部門ネットワーク", "검사실", "透析センター", "急診醫學部"}
	for i := range m.Zones {
		m.Zones[i].Name = words[i%len(words)] + " " + m.Zones[i].Name
	}
	for i := range m.Assets {
		if i%3 == 0 {
			m.Assets[i].Name = "輸液ポンプ・病棟" + m.Assets[i].Name
		}
	}
	c, err := zone.NewChecker(m)
	if err != nil {
		t.Fatal(err)
	}
	viol := c.CheckFlows(h.Flows)
	var ot int64
	for _, z := range m.Zones {
		if z.Kind == zone.KindOT && ot == 0 && z.Parent != 0 {
			ot = z.ID
		}
	}
	dir := t.TempDir()
	for _, focus := range []int64{0, ot} {
		d := zone.Diagram{Model: m, Levels: zone.Levels(m.Zones, m.Assets), Violations: viol, Focus: focus,
			ZoneLink: "?zone={id}", Labels: zone.DiagramLabels{Title: "大規模醫院網路", Violations: "{n} 筆未經管道", Conduits: "{n} 條管道", More: "另 {n} 台"}}
		var svg bytes.Buffer
		if err := d.WriteSVG(&svg); err != nil {
			t.Fatal(err)
		}
		page := filepath.Join(dir, fmt.Sprintf("diagram-%d.html", focus))
		html := `<!doctype html><html lang="zh-TW"><meta charset="utf-8"><body><div id="diagram">` +
			strings.TrimPrefix(svg.String(), `<?xml version="1.0" encoding="UTF-8"?>`) + `</div></body></html>`
		if err := os.WriteFile(page, []byte(html), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Run(ctx, chromedp.Navigate("file://"+page)); err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("synthetic site, %d zones, focus %d", len(m.Zones), focus)
		got := measureDiagram(ctx, t, what, "#diagram svg")
		t.Logf("%s: %d texts, %d boxes, %d arrows, %.0f units wide, collapsed %v", what, got.Texts, got.Boxes, got.Arrows, got.ViewWidth, got.Collapsed)
		if focus == 0 && (!got.Collapsed || got.Links < len(m.Zones)) {
			t.Errorf("%s: collapsed %v with %d zone links; want collapsed to zone level, each zone a link", what, got.Collapsed, got.Links)
		}
		if focus != 0 && got.Collapsed {
			t.Errorf("%s: one department's zone is still collapsed", what)
		}
		if got.Arrows == 0 {
			t.Errorf("%s: no arrows", what)
		}
	}
}
