package http_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
	"medsec/zone"
)

// TestZoneAPIAndPages builds a small zone model through the API, imports flows, and checks
// levels, violations, exports and the pages that show them.
func TestZoneAPIAndPages(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	site := fmt.Sprint(f.assetHQ.SiteID)
	create := func(path, body string) int64 {
		t.Helper()
		status, resp := f.do("POST", path, admin, body)
		if status != http.StatusCreated {
			t.Fatalf("POST %s: %d %s", path, status, resp)
		}
		var v struct{ ID int64 }
		json.Unmarshal([]byte(resp), &v)
		return v.ID
	}
	intranet := create("/api/v1/zones", `{"site_id": `+site+`, "name": "院內系統網路", "kind": "intranet", "ranges": ["10.1.10.0/24"]}`)
	ot := create("/api/v1/zones", `{"site_id": `+site+`, "name": "工控區", "kind": "ot", "ranges": ["10.1.40.0/24"], "sl": 3}`)
	status, body := f.do("POST", "/api/v1/zones", admin, `{"site_id": `+site+`, "name": "bad", "kind": "ot", "ranges": ["10.1.2.3/16"]}`)
	if status != 422 || !strings.Contains(body, `"field": "ranges"`) {
		t.Errorf("bad range: %d %s", status, body)
	}

	// The CT is placed by hand in the OT zone: its level follows the zone's SL3.
	ct := fmt.Sprint(f.assetHQ.ID)
	status, body = f.do("PUT", "/api/v1/assets/"+ct+"/zone", admin, fmt.Sprintf(`{"zone_id": %d}`, ot))
	if status != 200 || !strings.Contains(body, `"level": "moderate"`) || !strings.Contains(body, `"manual": true`) {
		t.Fatalf("place CT: %d %s", status, body)
	}
	if status, _ := f.do("GET", "/api/v1/assets/"+ct+"/zone", f.branchCE, ""); status != 404 {
		t.Errorf("branch user reads a main-site placement: %d", status)
	}
	if status, _ := f.do("GET", "/api/v1/zones?site="+site, f.branchCE, ""); status != 404 {
		t.Errorf("branch user lists main-site zones: %d", status)
	}
	if status, _ := f.do("PUT", "/api/v1/assets/"+ct+"/zone", f.tokens[medsec.RoleAuditor], `{"zone_id": 0}`); status != 403 {
		t.Errorf("auditor places an asset: %d", status)
	}

	// Flows: a bad file is rejected whole, with lines and columns.
	upload := func(csv string) (int, string) {
		req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/flows/import?site="+site+"&name=flows.csv", strings.NewReader(csv))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, body = upload("src,dst,proto,port\n10.1.40.7,10.1.10.11,tcp,104\n10.1.40.7,10.1.10.11,tcp,0\n")
	if status != 422 || !strings.Contains(body, `"line": 3`) || !strings.Contains(body, `"field": "port (4)"`) {
		t.Errorf("bad flows: %d %s", status, body)
	}
	status, body = upload("src,dst,proto,port,app\n10.1.40.7,10.1.10.11,tcp,104,dicom\n10.1.40.7,10.1.10.11,tcp,3389,\n")
	if status != 200 || !strings.Contains(body, `"imported": 2`) {
		t.Fatalf("good flows: %d %s", status, body)
	}
	violations := func() int {
		t.Helper()
		status, body := f.do("GET", "/api/v1/zones/analysis?site="+site, admin, "")
		if status != 200 {
			t.Fatalf("analysis: %d %s", status, body)
		}
		var an medsec.ZoneAnalysis
		if err := json.Unmarshal([]byte(body), &an); err != nil {
			t.Fatal(err)
		}
		return len(an.Violations)
	}
	if n := violations(); n != 2 {
		t.Errorf("%d violations before the conduit, want 2", n)
	}
	create("/api/v1/conduits", fmt.Sprintf(`{"site_id": %s, "name": "DICOM to PACS", "from_zone_id": %d, "to_zone_id": %d, "protocol": "tcp", "ports": "104", "app": "dicom", "sources": ["10.1.40.7"], "controls": ["filtering"]}`, site, ot, intranet))
	if n := violations(); n != 1 {
		t.Errorf("%d violations after the DICOM conduit, want 1 (RDP)", n)
	}
	status, body = f.do("GET", "/api/v1/zones/firewall?site="+site+"&format=nft", admin, "")
	if status != 200 || !strings.Contains(body, "tcp dport { 104 }") {
		t.Errorf("nft export: %d %s", status, body)
	}

	// Pages, as a clinical engineer.
	c := f.session("u-clinical-engineer")
	get := func(path string) string {
		t.Helper()
		resp, err := c.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	page := get("/zones?site=" + site)
	for _, want := range []string{"工控區", "SL3", "DICOM to PACS", "3389", "Cross-zone flow that no conduit allows", `id="proposals"`, "Create this conduit"} {
		if !strings.Contains(page, want) {
			t.Errorf("zones page lacks %q", want)
		}
	}
	if page := get("/assets/" + ct); !strings.Contains(page, `id="asset-zone"`) || !strings.Contains(page, "工控區") || !strings.Contains(page, "follows its zone (SL3)") {
		t.Errorf("asset page lacks its zone and level:\n%s", page)
	}
	if page := get("/zones/diagram?site=" + site); !strings.Contains(page, "<svg") || !strings.Contains(page, "1 flows without conduit") {
		t.Errorf("diagram page lacks the SVG or its violation")
	}
	get(fmt.Sprintf("/zones/%d", ot))
	get(fmt.Sprintf("/zones/%d/edit", ot))
	get("/conduits/new?site=" + site)
	get("/crl/missing?site=" + site)
	get("/flows/import?site=" + site)
	// Forms: a bad range is shown on the form, a good zone is created and audited.
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		resp, err := c.PostForm(f.srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	status, page = post("/zones", url.Values{"site": {site}, "name": {"MICU 內網"}, "kind": {"trusted-local-lan"}, "parent": {fmt.Sprint(ot)}, "ranges": {"10.1.101.0/24\n10.1.2.3/16"}, "vlans": {"101"}})
	if status != 422 || !strings.Contains(page, `class="wide invalid"`) || !strings.Contains(page, "10.1.2.3/16") {
		t.Errorf("zone form with a bad range: %d", status)
	}
	status, _ = post("/zones", url.Values{"site": {site}, "name": {"MICU 內網"}, "kind": {"trusted-local-lan"}, "parent": {fmt.Sprint(ot)}, "ranges": {"10.1.101.0/24"}, "vlans": {"101"}})
	if status != http.StatusSeeOther {
		t.Errorf("zone form: %d, want a redirect to the new zone", status)
	}
	if status, _ := post("/conduits", url.Values{"site": {site}, "name": {"x"}, "from_zone": {fmt.Sprint(ot)}, "to_zone": {fmt.Sprint(ot)}, "protocol": {"tcp"}}); status != 422 {
		t.Errorf("conduit form within one zone: %d, want 422", status)
	}
	auditor := f.session("u-auditor")
	if resp, err := auditor.PostForm(f.srv.URL+"/zones", url.Values{"site": {site}, "name": {"y"}, "kind": {"ot"}}); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor posts a zone: %v %v", resp, err)
	}
	resp, err := c.PostForm(f.srv.URL+"/assets/"+ct+"/class/propose", url.Values{})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("propose: %v %v", resp, err)
	}
	if page := get("/assets/" + ct + "/class"); !strings.Contains(page, `id="class-reasons"`) {
		t.Errorf("class page lacks the reasons")
	}
	resp, err = c.PostForm(f.srv.URL+"/assets/"+ct+"/crl", url.Values{"level": {"high"}, "method": {"ISO 14971"}, "year": {"2026"}, "date": {"2026-11-01"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "improvement") {
		t.Errorf("high CRL without actions: %d", resp.StatusCode)
	}
}

// TestZoneCodesAreTranslated checks that every finding, reason and enumeration value the
// zone pages translate dynamically exists in all four languages.
func TestZoneCodesAreTranslated(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, c := range []string{zone.FindSLExceedsParent, zone.FindSLBelowDemand, zone.FindSLTrustedNotZero, zone.FindSLUnassessed,
		zone.FindAssetUnplaced, zone.FindAssetAmbiguous, zone.FindConduitNotWhitelisted, zone.FindConduitAnyProtocol,
		zone.FindConduitAnyPort, zone.FindConduitOutsideZone, zone.FindConduitNoControl, zone.FindFlowNoConduit,
		zone.FindFlowUnplaced, zone.FindFlowAmbiguous} {
		keys = append(keys, "finding."+c)
	}
	for _, c := range []string{zone.ReasonITSystem, zone.ReasonBridgesLocalLAN, zone.ReasonGathersLocalLAN, zone.ReasonLANIdentical,
		zone.ReasonLANModules, zone.ReasonLANMakeupUnknown, zone.ReasonConsoleOfModality, zone.ReasonManagesTerminals,
		zone.ReasonManagesTooFew, zone.ReasonStoresPatientData, zone.ReasonManagesStaffAccount, zone.ReasonClinicalQueries,
		zone.ReasonNoIdentifiableData, zone.ReasonForwardsHL7, zone.ReasonOnLocalLAN, zone.ReasonSendsDICOM, zone.ReasonSendsHL7,
		zone.ReasonDirectIntranet, zone.ReasonHoldsPatientData, zone.ReasonInsufficientFacts} {
		keys = append(keys, "reason."+c)
	}
	for _, k := range medsec.ZoneKinds {
		keys = append(keys, "zonekind."+string(k))
	}
	for _, c := range medsec.ConduitControls {
		keys = append(keys, "control."+string(c))
	}
	for _, l := range medsec.CRLLevels {
		keys = append(keys, "crl."+l)
	}
	for _, s := range []string{"set", "members", "trusted", "none"} {
		keys = append(keys, "slsource."+s)
	}
	for _, s := range []string{"found", "none", "ambiguous"} {
		keys = append(keys, "placement."+s)
	}
	for _, s := range []string{medsec.DecisionProposed, medsec.DecisionConfirmed, medsec.DecisionOverridden} {
		keys = append(keys, "decision."+s)
	}
	for _, c := range []string{zone.ReviewUnused, zone.ReviewAnyProtocol, zone.ReviewAnyPort, zone.ReviewExtraPorts, zone.ReviewAnySource,
		zone.ReviewExtraSource, zone.ReviewAnyDestination, zone.ReviewExtraDest, zone.ReviewAnyApp} {
		keys = append(keys, "review."+c)
	}
	keys = append(keys, "levelsource.asset", "levelsource.none", "zone.edit", "conduit.edit", "side.source", "side.destination", "side.both")
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("%s is missing in at least one language", k)
		}
	}
}
