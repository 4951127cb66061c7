package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
	"medsec/sqlstore"
)

// TestControlsPageCarriage renders the controls page of a system-type device recorded with
// its console, of a monitor behind a central station and of an unclassified asset: the page
// says what the asset carries and why, names and links the boundary host that carries a
// member device's controls, and never says "system-type device" and "no class" together.
// The asset page and the gap report show a failing check that no control row carries.
func TestControlsPageCarriage(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	zones, assets := sqlstore.NewZoneService(f.db), sqlstore.NewAssetService(f.db)
	ot := &medsec.Zone{SiteID: f.assetHQ.SiteID, Name: "工控區", Kind: medsec.ZoneOT, Ranges: []string{"10.1.40.0/24"}}
	if err := zones.CreateZone(ctx, ot); err != nil {
		t.Fatal(err)
	}
	lan := &medsec.Zone{SiteID: f.assetHQ.SiteID, Name: "MICU 監視器內網", Kind: medsec.ZoneTrustedLocalLAN, ParentID: ot.ID, Ranges: []string{"10.1.101.0/24"}}
	if err := zones.CreateZone(ctx, lan); err != nil {
		t.Fatal(err)
	}
	eos, _ := medsec.ParseDate("2022-12-31")
	central := &medsec.Asset{SiteID: f.assetHQ.SiteID, Name: "MICU 中央站", Kind: medsec.KindCentralStation, IPs: []string{"10.1.40.21", "10.1.101.1"}, Class: medsec.ClassBoundary}
	monitor := &medsec.Asset{SiteID: f.assetHQ.SiteID, Name: "MICU 監視器 1", Kind: medsec.KindPatientMonitor, IPs: []string{"10.1.101.11"}, Class: medsec.ClassGroup, EndOfSupport: eos}
	other := &medsec.Asset{SiteID: f.assetHQ.SiteID, Name: "未分群設備", Kind: medsec.KindOther}
	for _, a := range []*medsec.Asset{central, monitor, other} {
		if err := assets.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	f.classify(medsec.ClassSystem, medsec.LevelModerate)
	c := f.browserClient("u-clinical-engineer")
	page := func(path string) string {
		t.Helper()
		resp, err := c.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	tests := []struct {
		asset        *medsec.Asset
		carriage     string
		want, absent []string
	}{
		{f.assetHQ, medsec.CarriedAsSystemConsole, []string{"System-type device", "its console", `id="tw-si-1.l"`}, []string{"no class"}},
		{monitor, medsec.CarriedByBoundaryHost, []string{"Group-type device", "MICU 監視器內網", fmt.Sprintf(`<a href="/assets/%d/controls" class="carrier">MICU 中央站</a>`, central.ID)}, []string{"no class", `id="tw-si-1.l"`}},
		{other, medsec.CarriedUnclassified, []string{"no class in the grouping model"}, []string{"System-type", "Group-type"}},
	}
	for _, tt := range tests {
		body := page(fmt.Sprintf("/assets/%d/controls?control=tw-si-1.l", tt.asset.ID)) // its page
		if !strings.Contains(body, fmt.Sprintf(`data-carriage="%s"`, tt.carriage)) {
			t.Errorf("%s: carriage %s not on the page", tt.asset.Name, tt.carriage)
		}
		for _, s := range tt.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s: page lacks %q", tt.asset.Name, s)
			}
		}
		for _, s := range tt.absent {
			if strings.Contains(body, s) {
				t.Errorf("%s: page says %q", tt.asset.Name, s)
			}
		}
	}
	// The monitor's failing end-of-support check shows on its asset page and in the gap
	// report, although no control row of the monitor carries it.
	if body := page(fmt.Sprintf("/assets/%d", monitor.ID)); !strings.Contains(body, `id="failing-checks"`) || !strings.Contains(body, "End of support not passed") {
		t.Error("asset page does not show the failing check")
	}
	body := page("/compliance")
	if strings.Contains(body, "%!") || !strings.Contains(body, "in-use assets") {
		t.Error("gap report: the subjects line does not say how many in-use assets are counted")
	}
	csv := page("/compliance/export?catalog=tw-mohw-medical-baseline&format=csv")
	for _, s := range []string{fmt.Sprintf("MICU 監視器 1,%d,not counted", monitor.ID), "device on a Local LAN: its boundary host carries the controls · Controls carried by: MICU 中央站",
		fmt.Sprintf("未分群設備,%d,not counted", other.ID), fmt.Sprintf("tw-si-1.l,End of support not passed · Controls carried by: MICU 中央站,,,MICU 監視器 1,%d,", monitor.ID)} {
		if !strings.Contains(csv, s) {
			t.Errorf("gap CSV lacks %q", s)
		}
	}
	for _, s := range []string{`id="gap-left-out"`, `data-reason="behind-boundary-host"`, `data-reason="unclassified"`, `id="gap-uncarried"`, "MICU 監視器 1"} {
		if !strings.Contains(body, s) {
			t.Errorf("gap report lacks %q", s)
		}
	}
}

// TestComplianceSettingsForm posts the graded networks through the settings form and reads
// them back: the level-2 network at exactly 100,000 people gets the 3-year assessment, the
// small one the 5-year one, and the label says 100,000 is included in every language.
func TestComplianceSettingsForm(t *testing.T) {
	f := newFixture(t)
	c := f.browserClient("u-admin")
	resp, err := c.PostForm(f.srv.URL+"/compliance/settings?catalog=cn-nhc-2022-measures", url.Values{"jp_pattern": {"I"},
		"net_name": {"HIS", "PACS", "LIS", ""}, "net_level": {"3", "2", "2", "0"}, "net_people": {"2,000,000", "100000", "8000", ""}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 303 {
		t.Fatalf("settings post: %d", resp.StatusCode)
	}
	// The PUT answers with what a GET then returns (issue 9: it echoed mlps_level 0).
	put := `{"jp_pattern":"I","networks":[{"name":"HIS","level":3,"people":2000000},{"name":"PACS","level":2,"people":100000},{"name":"LIS","level":2,"people":8000}]}`
	status, putBody := f.do("PUT", "/api/v1/compliance/settings", f.tokens[medsec.RoleAdmin], put)
	if status != 200 {
		t.Fatalf("settings PUT: %d %s", status, putBody)
	}
	status, body := f.do("GET", "/api/v1/compliance/settings", f.tokens[medsec.RoleAuditor], "")
	if strings.TrimSpace(putBody) != strings.TrimSpace(body) {
		t.Errorf("PUT answered %s, GET returns %s", putBody, body)
	}
	var set medsec.ComplianceSettings
	if err := json.Unmarshal([]byte(body), &set); status != 200 || err != nil {
		t.Fatalf("settings: %d %v", status, err)
	}
	want := []medsec.GradedNetwork{{Name: "HIS", Level: 3, People: 2_000_000}, {Name: "PACS", Level: 2, People: 100_000}, {Name: "LIS", Level: 2, People: 8_000}}
	if !slices.Equal(set.Networks, want) || set.MLPSLevel != 3 {
		t.Errorf("networks %+v (max %d), want %+v", set.Networks, set.MLPSLevel, want)
	}
	resp, err = c.Get(f.srv.URL + "/compliance/calendar")
	if err != nil {
		t.Fatal(err)
	}
	cal, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, id := range []string{"cn-6.4-2", "cn-6.4-3", "cn-6.4-4"} {
		if !strings.Contains(string(cal), id) {
			t.Errorf("calendar lacks %s", id)
		}
	}
	// A bad number is shown on the form; nothing is stored.
	resp, err = c.PostForm(f.srv.URL+"/compliance/settings?catalog=cn-nhc-2022-measures", url.Values{"jp_pattern": {"I"},
		"net_name": {"HIS"}, "net_level": {"3"}, "net_people": {"many"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 422 {
		t.Errorf("bad people count: %d, want 422", resp.StatusCode)
	}
	// Encouraged items are marked, not called obligations; with pattern II the JP items
	// outside the pattern table are shown with their handling.
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	cn := get("/compliance/organisation?catalog=cn-nhc-2022-measures")
	if i := strings.Index(cn, `id="cn-7-2"`); i < 0 || !strings.Contains(cn[i:i+2500], "not an obligation") || strings.Contains(cn[i:i+2500], "An obligation of the organisation") {
		t.Error("cn-7-2 (鼓励) is not marked as not an obligation")
	}
	resp, err = c.PostForm(f.srv.URL+"/compliance/settings?catalog=jp-mhlw-6.0-system-operation", url.Values{"jp_pattern": {"II"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The controls come a page at a time (a page past the last shows the last again):
	// count each control once over every page.
	confirmed := map[string]bool{}
	row := regexp.MustCompile(`<h3>(\S+) [^\n]*data-handling="confirm-with-provider"`)
	for page := 1; page <= 20; page++ {
		for _, m := range row.FindAllStringSubmatch(get(fmt.Sprintf("/compliance/organisation?catalog=jp-mhlw-6.0-system-operation&page=%d", page)), -1) {
			confirmed[m[1]] = true
		}
	}
	if confirm := len(confirmed); confirm != 35 {
		t.Errorf("pattern II: %d items to confirm with the provider, want 35", confirm)
	}
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for lang, inclusive := range map[string]string{"en": "100,000 or more", "zh-TW": "含 10 萬人", "zh-CN": "含10万人", "ja": "10万人を含む"} {
		if got := b.T(lang, "compliance.personal_info"); !strings.Contains(got, inclusive) {
			t.Errorf("%s: compliance.personal_info = %q, want it to say %q", lang, got, inclusive)
		}
	}
}
