package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestDiscoveryReconcile rebuilds review D5: a CT in the inventory at the capture's
// address whose traffic shows another manufacturer, model, serial number, software version
// and an AE title the inventory lacks. The run lists each disagreement with its packets;
// the run page shows them; a person with inventory:write accepts values into the asset
// (audited, one update), and adds a host the inventory lacks as a new asset. Roles and
// sites are enforced.
func TestDiscoveryReconcile(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	assets := sqlstore.NewAssetService(f.db)
	ct, err := assets.FindAssetByID(ctx, f.assetHQ.ID)
	if err != nil {
		t.Fatal(err)
	}
	ct.IPs, ct.Model, ct.Serial = []string{"127.0.0.1"}, "Aurora CT 64 Evolve", "AMS-CT64-180427"
	if err := assets.UpdateAsset(ctx, ct); err != nil {
		t.Fatal(err)
	}
	ce := f.tokens[medsec.RoleClinicalEngineer]
	upload := func(file, name string) int64 {
		t.Helper()
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		status, body := f.do("POST", fmt.Sprintf("/api/v1/discovery?site=%d&name=%s", f.assetHQ.SiteID, name), ce, string(b))
		if status != 201 {
			t.Fatalf("upload %s: %d %s", name, status, body)
		}
		var run medsec.DiscoveryRun
		json.Unmarshal([]byte(body), &run)
		return run.ID
	}
	run := upload("../capture/testdata/dicom-store-implicit.pcap", "stocktake.pcap")

	// The stored run lists the disagreements with their evidence.
	status, body := f.do("GET", fmt.Sprintf("/api/v1/discovery/%d", run), ce, "")
	var stored struct {
		Result struct {
			Stocktake struct {
				Matched []struct {
					Disagreements []struct {
						Field, Inventory, Observed string
						Evidence                   []struct{ Packet int64 }
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(body), &stored); status != 200 || err != nil || len(stored.Result.Stocktake.Matched) != 1 {
		t.Fatalf("run: %d %v %s", status, err, body)
	}
	var got []string
	for _, d := range stored.Result.Stocktake.Matched[0].Disagreements {
		got = append(got, d.Field+"="+d.Observed)
		if len(d.Evidence) == 0 || d.Evidence[0].Packet == 0 {
			t.Errorf("%s without evidence", d.Field)
		}
	}
	slices.Sort(got)
	want := []string{"ae_titles=CTSCAN7", "ae_titles=PACS01", "model=Scanomatic 3000", "serial=SN-000123", "software_version=SV 4.2.1", "vendor=ACME Medical Systems"}
	if !slices.Equal(got, want) {
		t.Errorf("disagreements %v, want %v", got, want)
	}

	// The run page shows the identity and the disagreements with an accept form.
	page := func(c *http.Client, path string) string {
		t.Helper()
		resp, err := c.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	ceUI := f.session("u-" + string(medsec.RoleClinicalEngineer))
	runPath := fmt.Sprintf("/discovery/%d", run)
	p := page(ceUI, runPath)
	for _, want := range []string{"CTSCAN7", "Scanomatic 3000", "Aurora CT 64 Evolve", "AMS-CT64-180427", `value="model:Scanomatic 3000"`,
		"Identity differs from the inventory (6)", "packet 30, 2026-11-23 19:32:21.763 &#43;08:00"} {
		if !strings.Contains(p, want) {
			t.Errorf("run page lacks %q", want)
		}
	}
	for _, role := range []medsec.Role{medsec.RoleAuditor, medsec.RoleVendor} {
		if p := page(f.session("u-"+string(role)), runPath); strings.Contains(p, `name="accept"`) || !strings.Contains(p, "Scanomatic 3000") {
			t.Errorf("%s: offered the accept form, or not shown the disagreements of its asset", role)
		}
	}

	accept := func(token, body string) (int, string) {
		return f.do("POST", fmt.Sprintf("/api/v1/discovery/%d/accept", run), token, body)
	}
	denied := []struct {
		name   string
		token  string
		body   string // with %d for the asset's ID
		asset  int64
		status int
		msg    string
	}{
		{"auditor", f.tokens[medsec.RoleAuditor], `{"asset_id": %d}`, ct.ID, 403, ""},
		{"vendor", f.tokens[medsec.RoleVendor], `{"asset_id": %d}`, ct.ID, 403, ""},
		{"other site's engineer", f.branchCE, `{"asset_id": %d}`, ct.ID, 404, ""},
		{"a value not observed", ce, `{"asset_id": %d, "accept": [{"field": "model", "observed": "Fake 1"}]}`, ct.ID, 422, "Fake 1 is not a value this run observed"},
		{"a manufacturer no vendor names", ce, `{"asset_id": %d, "accept": [{"field": "vendor", "observed": "ACME Medical Systems"}]}`, ct.ID, 422, "No vendor is named ACME Medical Systems"},
		{"an asset the run did not see", ce, `{"asset_id": %d}`, f.assetBR.ID, 404, ""},
	}
	for _, tc := range denied {
		status, body := accept(tc.token, fmt.Sprintf(tc.body, tc.asset))
		if status != tc.status || !strings.Contains(body, tc.msg) {
			t.Errorf("%s: %d %s, want %d %q", tc.name, status, body, tc.status, tc.msg)
		}
	}
	if a, _ := assets.FindAssetByID(ctx, ct.ID); a.Version != ct.Version || a.Model != "Aurora CT 64 Evolve" {
		t.Errorf("a refused accept changed the asset: %+v", a)
	}

	// Accepting two values is one audited update.
	status, body = accept(ce, fmt.Sprintf(`{"asset_id": %d, "accept": [{"field": "model", "observed": "Scanomatic 3000"}, {"field": "ae_titles", "observed": "CTSCAN7"}]}`, ct.ID))
	if status != 200 {
		t.Fatalf("accept: %d %s", status, body)
	}
	a, _ := assets.FindAssetByID(ctx, ct.ID)
	if a.Model != "Scanomatic 3000" || !slices.Equal(a.AETitles, []string{"CTSCAN7"}) || a.Serial != "AMS-CT64-180427" || a.Version != ct.Version+1 {
		t.Errorf("after accept: %+v", a)
	}
	entries, _, err := sqlstore.NewAuditService(f.db).FindAuditEntries(ctx, medsec.AuditFilter{Action: "asset.update", ObjectID: ct.ID})
	if err != nil || len(entries) == 0 || entries[0].Username != "u-"+string(medsec.RoleClinicalEngineer) ||
		!strings.Contains(string(entries[0].After), "Scanomatic 3000") {
		t.Errorf("no audit row for the accept: %v %+v", err, entries)
	}

	// The form on the run page: the serial number; the page then lists what still differs.
	resp, err := ceUI.PostForm(f.srv.URL+runPath+"/accept", url.Values{"asset_id": {fmt.Sprint(ct.ID)}, "accept": {"serial:SN-000123"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept form: %v %v", err, resp)
	}
	resp.Body.Close()
	if a, _ := assets.FindAssetByID(ctx, ct.ID); a.Serial != "SN-000123" {
		t.Errorf("serial after the form: %q", a.Serial)
	}
	p = page(ceUI, runPath)
	if !strings.Contains(p, "Identity differs from the inventory (3)") || strings.Contains(p, `value="serial:SN-000123"`) {
		t.Error("the run page still offers accepted values")
	}

	// With the vendor in the organisation, the manufacturer can be accepted too.
	acme := &medsec.Vendor{Name: "ACME Medical Systems Inc."}
	if err := sqlstore.NewOrgService(f.db).CreateVendor(ctx, acme); err != nil {
		t.Fatal(err)
	}
	if status, body := accept(ce, fmt.Sprintf(`{"asset_id": %d, "accept": [{"field": "vendor", "observed": "ACME Medical Systems"}]}`, ct.ID)); status != 200 {
		t.Errorf("accept vendor: %d %s", status, body)
	}
	if a, _ := assets.FindAssetByID(ctx, ct.ID); a.VendorID != acme.ID {
		t.Errorf("vendor after accept: %d, want %d", a.VendorID, acme.ID)
	}

	// A host the inventory lacks becomes an asset in one step, identity prefilled.
	run2 := upload("../capture/testdata/tunnels/vxlan-hl7.pcap", "vxlan.pcap")
	add := func(token, body string) (int, string) {
		return f.do("POST", fmt.Sprintf("/api/v1/discovery/%d/assets", run2), token, body)
	}
	if status, _ := add(f.tokens[medsec.RoleAuditor], `{"address": "10.40.7.5", "kind": "his"}`); status != 403 {
		t.Errorf("auditor adds: %d", status)
	}
	if status, _ := add(f.branchCE, `{"address": "10.40.7.5", "kind": "his"}`); status != 404 {
		t.Errorf("other site's engineer adds: %d", status)
	}
	if status, body := add(ce, `{"address": "192.0.2.1", "kind": "his"}`); status != 422 || !strings.Contains(body, "192.0.2.1 is not among the hosts") {
		t.Errorf("adding the tunnel end: %d %s", status, body)
	}
	if status, body := add(ce, `{"address": "10.40.7.5", "kind": "no-such-kind"}`); status != 422 {
		t.Errorf("adding with a bad kind: %d %s", status, body)
	}
	status, body = add(ce, `{"address": "10.40.7.5", "kind": "his"}`)
	var his medsec.Asset
	json.Unmarshal([]byte(body), &his)
	if status != 201 || his.Name != "HIS" || his.SiteID != f.assetHQ.SiteID || !slices.Equal(his.IPs, []string{"10.40.7.5"}) ||
		!slices.Equal(his.MACs, []string{"02:00:00:00:07:05"}) {
		t.Fatalf("add: %d %s", status, body)
	}
	if entries, _, _ := sqlstore.NewAuditService(f.db).FindAuditEntries(ctx, medsec.AuditFilter{Action: "asset.create", ObjectID: his.ID}); len(entries) != 1 {
		t.Errorf("no audit row for the new asset")
	}
	resp, err = ceUI.PostForm(f.srv.URL+fmt.Sprintf("/discovery/%d/assets", run2), url.Values{"address": {"10.40.7.21"}, "name": {"LIS 分析儀介面"}, "kind": {"lis"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/assets/") {
		t.Fatalf("add form: %v %v", err, resp)
	}
	resp.Body.Close()
	p = page(ceUI, fmt.Sprintf("/discovery/%d", run2))
	if !strings.Contains(p, "In the inventory as") || !strings.Contains(p, "LIS 分析儀介面") || strings.Contains(p, `name="address" value="10.40.7.5"`) {
		t.Error("the run page does not show the added hosts as in the inventory")
	}
}
