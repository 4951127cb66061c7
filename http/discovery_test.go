package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestDiscoveryRun uploads a real DICOM capture made with dcmtk and checks the stored run:
// the file's hash, the modality found with its identity, the stocktake against the site's
// inventory, and that no patient attribute reached the stored result.
func TestDiscoveryRun(t *testing.T) {
	f := newFixture(t)
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	// An inventory asset at the capture's storage SCP address, and one never seen.
	pacs := &medsec.Asset{SiteID: f.assetHQ.SiteID, Name: "PACS", Kind: medsec.KindPACS, IPs: []string{"127.0.0.1"}, AETitles: []string{"PACS01"}}
	if err := sqlstore.NewAssetService(f.db).CreateAsset(ctx, pacs); err != nil {
		t.Fatal(err)
	}
	capture, err := os.ReadFile("../capture/testdata/dicom-store-implicit.pcap")
	if err != nil {
		t.Fatal(err)
	}
	post := func(token, query string, body []byte) (int, string) {
		req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/discovery?"+query, strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	site := fmt.Sprint(f.assetHQ.SiteID)
	status, body := post(f.tokens[medsec.RoleClinicalEngineer], "site="+site+"&name=ct-store.pcap", capture)
	if status != 201 {
		t.Fatalf("upload: %d %s", status, body)
	}
	var run medsec.DiscoveryRun
	json.Unmarshal([]byte(body), &run)
	if len(run.SHA256) != 64 || run.Packets == 0 || run.Hosts == 0 || run.Source != "ct-store.pcap" {
		t.Errorf("stored run = %+v", run)
	}
	if run.Matched != 1 || run.NotSeen != 1 {
		t.Errorf("stocktake: %d matched, %d not seen; want the PACS matched and the main site's CT not seen", run.Matched, run.NotSeen)
	}
	flows, total, err := sqlstore.NewZoneService(f.db).FindFlows(ctx, f.assetHQ.SiteID, 100)
	if err != nil || total != run.Flows || total == 0 || flows[0].Port != 11112 || flows[0].App != "dicom" {
		t.Errorf("the run's flows were not added to the site's flows for the conduit check: %d flows, %v", total, err)
	}
	status, body = f.do("GET", fmt.Sprintf("/api/v1/discovery/%d", run.ID), f.tokens[medsec.RoleAuditor], "")
	if status != 200 || !strings.Contains(body, `"dicom-ae-title"`) || !strings.Contains(body, `"modality"`) {
		t.Errorf("auditor reads the run: %d, identity facts missing", status)
	}
	var stored struct {
		Result struct {
			Stocktake struct {
				Matched []struct {
					By []string `json:"by"`
				} `json:"matched"`
			} `json:"stocktake"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(body), &stored); err != nil {
		t.Fatal(err)
	}
	if m := stored.Result.Stocktake.Matched; len(m) != 1 || !slices.Contains(m[0].By, "ae-title") || !slices.Contains(m[0].By, "ip") {
		t.Errorf("the PACS was not matched by its AE title and address: %+v", m)
	}
	// capture/testdata/dicom/ct.dump, the data set stored in the capture, names a fictional
	// patient; neither the name nor the patient ID may be kept.
	if strings.Contains(body, "TESTPATIENT") || strings.Contains(body, "PID-TEST-999") {
		t.Error("a patient attribute reached the stored result")
	}
	if status, body := post(f.tokens[medsec.RoleClinicalEngineer], "site="+site+"&name=notes.txt", []byte("not a capture at all")); status != 422 || !strings.Contains(body, "notes.txt cannot be read as a capture") {
		t.Errorf("a text file: %d %s", status, body)
	}
	if status, _ := post(f.tokens[medsec.RoleAuditor], "site="+site, capture); status != 403 {
		t.Errorf("auditor uploading: %d, want 403", status)
	}
	if status, _ := post(f.branchCE, "site="+site, capture); status != 422 {
		t.Errorf("branch engineer uploading for the main site: %d, want 422 (site refused)", status)
	}
	if status, _ := f.do("GET", fmt.Sprintf("/api/v1/discovery/%d", run.ID), f.branchCE, ""); status != 404 {
		t.Errorf("branch engineer reading a main-site run: %d, want 404", status)
	}
}
