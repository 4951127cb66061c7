package http_test

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"

	"medsec"
)

// TestDiscoveryMirror uploads mirrored traffic delivered by VXLAN and checks that the
// run page names the tunnel as the mirror and proposes only the devices inside as new.
func TestDiscoveryMirror(t *testing.T) {
	f := newFixture(t)
	capture, err := os.ReadFile("../capture/testdata/tunnels/vxlan-hl7.pcap")
	if err != nil {
		t.Fatal(err)
	}
	status, body := f.do("POST", fmt.Sprintf("/api/v1/discovery?site=%d&name=vxlan.pcap", f.assetHQ.SiteID),
		f.tokens[medsec.RoleClinicalEngineer], string(capture))
	if status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	var run medsec.DiscoveryRun
	if err := json.Unmarshal([]byte(body), &run); err != nil {
		t.Fatal(err)
	}
	if run.Hosts != 2 || run.ProposedNew != 2 {
		t.Errorf("run has %d hosts, %d proposed new; want the 2 devices inside the tunnel", run.Hosts, run.ProposedNew)
	}
	resp, err := f.session("u-" + string(medsec.RoleClinicalEngineer)).Get(fmt.Sprintf("%s/discovery/%d", f.srv.URL, run.ID))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	page := string(b)
	want := "vxlan session 5001 from 198.51.100.10 to 198.51.100.20, 8 packets"
	if resp.StatusCode != 200 || !strings.Contains(page, want) {
		t.Errorf("run page %d does not name the mirror %q", resp.StatusCode, want)
	}
	if !strings.Contains(page, "10.40.7.21") || strings.Contains(page, "<td>198.51.100.10</td>") {
		t.Error("the run page lists the tunnel end as a host, or misses the device inside")
	}
}
