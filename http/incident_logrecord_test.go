package http_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
	"medsec/logstore"
)

// TestIncidentLogRecordUIAndAPI: on the incident page a SOC analyst searches the site's
// sealed log and attaches a record (form), and through the API another (action
// log_record); the page shows each with its seal reference, proof link and custody in the
// user's language; the proof downloads (auditor) and verifies offline against the seal's
// public key; a record already attached or not in the log is refused naming the field;
// the auditor may not attach, a user of another site cannot download the proof.
func TestIncidentLogRecordUIAndAPI(t *testing.T) {
	f := newFixture(t)
	soc, auditor := f.tokens[medsec.RoleSOCAnalyst], f.tokens[medsec.RoleAuditor]
	status, resp := f.do("POST", "/api/v1/incidents", soc, fmt.Sprintf(`{"site_id": %d, "title": "SSH 異常登入"}`, f.assetHQ.SiteID))
	if status != 201 {
		t.Fatalf("create: %d %s", status, resp)
	}
	var inc medsec.Incident
	json.Unmarshal([]byte(resp), &inc)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("%s/incidents/%d", f.srv.URL, inc.ID)
	c := f.session("u-" + string(medsec.RoleSOCAnalyst))

	// Search the site's log from the incident page.
	status, body := sendIn(t, c, mustGet(t, page+"?logq=nurse1&logfrom=2000-01-01T00:00"), "zh-TW")
	if status != 200 || !strings.Contains(body, `id="log-hits"`) || !strings.Contains(body, bundle.T("zh-TW", "incident.log_attach")) {
		t.Fatalf("log search on the incident page: %d\n%.3000s", status, body)
	}
	// The search reads its times in the site's zone and says which (bt14 #4: it was
	// labelled UTC).
	if !strings.Contains(body, bundle.T("zh-TW", "incident.log_from")+" (Asia/Taipei)") || strings.Contains(body, "（UTC）") {
		t.Errorf("log search times not labelled with the site's zone:\n%.3000s", body[strings.Index(body, `id="log-search"`):])
	}
	idx := regexp.MustCompile(`name="log_index" value="(\d+)"`).FindStringSubmatch(body)
	if idx == nil {
		t.Fatal("no attach form")
	}
	if status, body := postFormIn(t, c, page, url.Values{"version": {fmt.Sprint(inc.Version)}, "action": {"log_record"}, "log_index": {idx[1]}, "note": {"來源 10.6.26.40"}}, "zh-TW"); status != 303 {
		t.Fatalf("attach by form: %d %.2000s", status, body)
	}
	act := func(token, extra string) (int, string) {
		return f.do("POST", fmt.Sprintf("/api/v1/incidents/%d/actions", inc.ID), token, fmt.Sprintf(`{"version": %d, "action": "log_record"%s}`, inc.Version, extra))
	}
	status, resp = f.do("GET", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), soc, "")
	json.Unmarshal([]byte(resp), &inc)
	if status, _ := act(auditor, `, "log_index": 2`); status != 403 {
		t.Errorf("auditor attaches: %d, want 403", status)
	}
	status, resp = act(soc, `, "log_index": 2, "note": "first login"`)
	if status != 200 {
		t.Fatalf("attach by API: %d %s", status, resp)
	}
	json.Unmarshal([]byte(resp), &inc)
	if len(inc.LogRecords) != 2 || inc.LogRecords[1].Index != 2 || inc.LogRecords[1].CheckpointSize < 3 || len(inc.LogRecords[1].Custody) != 1 {
		t.Fatalf("log records %+v", inc.LogRecords)
	}
	if status, resp := act(soc, `, "log_index": 2`); status != 422 || !strings.Contains(resp, "log_index") {
		t.Errorf("attach again: %d %s, want 422 naming log_index", status, resp)
	}
	if status, resp := act(soc, `, "log_index": 99999`); status != 422 || !strings.Contains(resp, "log_index") {
		t.Errorf("record not in the log: %d %s, want 422 naming log_index", status, resp)
	}
	if status, resp := act(soc, ``); status != 422 || !strings.Contains(resp, "log_index") {
		t.Errorf("no index: %d %s, want 422 naming log_index", status, resp)
	}

	// The page shows both, with their seal and custody, in the user's language (html/template
	// writes a base64 hash's "+" as "&#43;").
	status, body = sendIn(t, c, mustGet(t, page), "ja")
	if status != 200 || strings.Count(body, `class="log-proof"`) != 2 || !strings.Contains(body, strings.ReplaceAll(inc.LogRecords[1].LeafHash, "+", "&#43;")) ||
		!strings.Contains(body, bundle.T("ja", "incident.log_records")) || !strings.Contains(body, "来源") && !strings.Contains(body, "來源 10.6.26.40") {
		t.Errorf("incident page with log records: %d\n%.4000s", status, body)
	}

	// The proof: downloaded by the auditor, checked offline with the seal's public key.
	proofPath := fmt.Sprintf("/api/v1/incidents/%d/log-records/%d/%d/proof", inc.ID, inc.SiteID, 2)
	status, proof := f.do("GET", proofPath, auditor, "")
	if status != 200 {
		t.Fatalf("proof: %d %s", status, proof)
	}
	_, seal := f.do("GET", "/api/v1/logs/seal", soc, "")
	var key struct {
		PublicKey string `json:"public_key"`
	}
	json.Unmarshal([]byte(seal), &key)
	rep, err := logstore.VerifyBundle(strings.NewReader(proof), key.PublicKey)
	if err != nil || !rep.OK || rep.Sites[0].Checked < 1 {
		t.Errorf("offline check of the proof: %v %+v", err, rep)
	}
	if status, _ := f.do("GET", proofPath, f.branchCE, ""); status != 404 {
		t.Errorf("branch user downloads the proof: %d, want 404", status)
	}
	if status, _ := sendIn(t, c, mustGet(t, f.srv.URL+strings.TrimPrefix(proofPath, "/api/v1")), "en"); status != 200 {
		t.Errorf("proof from the page: %d", status)
	}
}
