package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserZones drives the zone pages of the demo hospital in headless Chromium as a
// clinical engineer: a CR reader in the imaging zone (SL3, 中) is placed by hand in the
// device control zone (SL4); its level and its baseline controls follow to 高, its flows are now checked from the
// device control zone, where no conduit allows its DICOM to PACS nor its file sharing, and
// the network diagram's arrow from that zone to the servers counts three flows outside
// every conduit where it counted one.
func TestBrowserZones(t *testing.T) {
	base, _ := startServer(t)
	ctx := newBrowser(t)
	const device, target = "CR 影像讀取器", "醫療儀器控制區（OT）"
	var body string
	if err := chromedp.Run(ctx,
		login(base, "ce.lin", demoPassword, ""),
		chromedp.Navigate(base+"/api/v1/assets?site=1&q="+url.QueryEscape(device)),
		chromedp.Text("body", &body, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []struct {
			ID   int64
			Name string
		}
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) == 0 {
		t.Fatalf("find %s: %v\n%s", device, err, body)
	}
	asset := fmt.Sprintf("%s/assets/%d", base, list.Items[0].ID)

	var level, zoneText, diagram, controlsBefore, controlsAfter, controlsZone string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(asset+"/controls"),
		chromedp.WaitVisible(`#controls-summary`),
		chromedp.Text(`#controls-summary`, &controlsBefore),
		chromedp.Navigate(asset),
		chromedp.WaitVisible(`#asset-level`),
		chromedp.Text(`#asset-level`, &level),
		chromedp.Text(`#asset-zone`, &zoneText),
		chromedp.Navigate(base+"/zones/diagram?site=1"),
		chromedp.WaitVisible(`#diagram svg`),
		chromedp.OuterHTML(`#diagram`, &diagram),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(level, "中") || !strings.Contains(level, "SL3") || !strings.Contains(zoneText, "醫療影像儀器區") {
		t.Fatalf("before: zone %q, level %q; want the imaging zone at SL3 (中)", zoneText, level)
	}
	if !strings.Contains(diagram, "1 筆未經管道之流量") || strings.Contains(diagram, "2 筆未經管道之流量") {
		t.Fatalf("before: the diagram should show single flows outside every conduit")
	}

	// Place the device by hand in the device control zone.
	var chosen string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(asset),
		chromedp.WaitVisible(`#place-form`),
		chromedp.Evaluate(`(() => { const s = document.querySelector('#place-form select');
			for (const o of s.options) { if (o.text === '`+target+`') { s.value = o.value; } }
			return s.value; })()`, &chosen),
		chromedp.Submit(`#place-form select`),
		chromedp.WaitVisible(`p.flash`),
		chromedp.Text(`#asset-level`, &level),
		chromedp.Text(`#asset-zone`, &zoneText),
	); err != nil {
		t.Fatal(err)
	}
	if chosen == "" || chosen == "0" {
		t.Fatalf("no option %q in the placement form", target)
	}
	if !strings.Contains(level, "高") || !strings.Contains(level, "SL4") || !strings.Contains(zoneText, target) || !strings.Contains(zoneText, "手動指定") {
		t.Errorf("after: zone %q, level %q; want %s set by hand at SL4 (高)", zoneText, level, target)
	}
	var violations string
	if err := chromedp.Run(ctx, chromedp.Text(`#asset-violations`, &violations),
		// The baseline controls follow the zone's level.
		chromedp.Navigate(asset+"/controls"),
		chromedp.WaitVisible(`#controls-summary`),
		chromedp.Text(`#controls-summary`, &controlsAfter),
		chromedp.Text(`#level-from-zone`, &controlsZone),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(controlsBefore, "等級 中") || !strings.Contains(controlsAfter, "等級 高") || controlsBefore == strings.Replace(controlsAfter, "高", "中", 1) || !strings.Contains(controlsZone, target) {
		t.Errorf("controls before %q, after %q (%q); want the level to rise from 中 to 高 with the zone, and more controls", controlsBefore, controlsAfter, controlsZone)
	}
	if !strings.Contains(violations, "tcp/445") || !strings.Contains(violations, "tcp/104") || !strings.Contains(violations, target) {
		t.Errorf("asset violations = %q, want its SMB and DICOM flows from %s", violations, target)
	}
	if err := chromedp.Run(ctx,
		chromedp.Navigate(base+"/zones/diagram?site=1"),
		chromedp.WaitVisible(`#diagram svg`),
		chromedp.OuterHTML(`#diagram`, &diagram),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(diagram, "3 筆未經管道之流量") {
		t.Errorf("after: the diagram does not show the three flows from %s to the servers outside every conduit", target)
	}

	// The API agrees.
	if err := chromedp.Run(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/api/v1/assets/%d/zone", base, list.Items[0].ID)),
		chromedp.Text("body", &body, chromedp.ByQuery),
	); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `"level": "high"`) || !strings.Contains(body, `"manual": true`) {
		t.Errorf("API placement: %s", body)
	}
}
