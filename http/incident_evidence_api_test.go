package http_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/evidence"
)

// multipartUpload builds a multipart body with the given fields and, when file is not
// nil, a file part named name; it streams, so a file of any size costs no memory.
func multipartUpload(fields map[string]string, name string, file io.Reader) (io.Reader, string) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		if file != nil {
			fw, _ := mw.CreateFormFile("file", name)
			if _, err := io.Copy(fw, file); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType()
}

// TestIncidentEvidenceUploadAPI: POST /api/v1/incidents/{id}/evidence stores the file, links
// it with its chain of custody, audits it and answers its SHA-256; it refuses a stale
// version (409, nothing linked), names every missing field at once, refuses an empty or
// too large file naming file, another site's incident (404, the file not stored), roles
// without incident:write (403) and a cross-site browser post (403).
func TestIncidentEvidenceUploadAPI(t *testing.T) {
	f := newFixture(t)
	inc := openIncidentAt(t, f, "PACS 勒索軟體", time.Now().Add(-time.Hour))
	path := fmt.Sprintf("/api/v1/incidents/%d/evidence", inc.ID)
	analyst := f.tokens[medsec.RoleSOCAnalyst]
	send := func(token string, fields map[string]string, name string, file io.Reader) (int, string) {
		t.Helper()
		body, ct := multipartUpload(fields, name, file)
		status, _, out := f.request("POST", path, token, ct, body)
		return status, string(out)
	}
	version := func(v int64) map[string]string {
		return map[string]string{"version": fmt.Sprint(v), "note": "取自 PACS 伺服器"}
	}

	const content = "ransom note captured from PACS-01"
	sum := sha256.Sum256([]byte(content))
	digest := hex.EncodeToString(sum[:])
	status, body := send(analyst, version(inc.Version), `..\..\C:\temp\ransom<note>.txt`, strings.NewReader(content))
	var got struct {
		SHA256   string          `json:"sha256"`
		Name     string          `json:"name"`
		Size     int64           `json:"size"`
		Incident medsec.Incident `json:"incident"`
	}
	if status != 201 || json.Unmarshal([]byte(body), &got) != nil {
		t.Fatalf("upload: %d %s", status, body)
	}
	if got.SHA256 != digest || got.Size != int64(len(content)) || got.Name != "ransom_note_.txt" || got.Incident.Version != inc.Version+1 {
		t.Errorf("answer: sha256 %s size %d name %q version %d; want %s, %d, ransom_note_.txt, %d",
			got.SHA256, got.Size, got.Name, got.Incident.Version, digest, len(content), inc.Version+1)
	}
	var linked *medsec.IncidentEvidence
	for _, ev := range got.Incident.Evidence {
		if ev.SHA256 == digest {
			linked = ev
		}
	}
	if linked == nil || linked.UploadedBy != "u-soc-analyst" || len(linked.Custody) != 1 || linked.Custody[0].Action != "collected" ||
		linked.Custody[0].Username != "u-soc-analyst" || linked.Custody[0].Note != "取自 PACS 伺服器" {
		t.Errorf("linked evidence and its chain of custody: %+v", linked)
	}
	// The stored bytes are the file's.
	if status, _, data := f.request("GET", "/api/v1/evidence/"+digest, f.tokens[medsec.RoleAdmin], "", nil); status != 200 || string(data) != content {
		t.Errorf("stored file: %d %q", status, data)
	}
	if _, resp := f.do("GET", "/api/v1/audit?action=evidence.upload", f.tokens[medsec.RoleAdmin], ""); !strings.Contains(resp, digest) {
		t.Errorf("upload not audited: %.500s", resp)
	}

	// A stale version: 409, nothing linked.
	status, body = send(analyst, version(inc.Version), "late.txt", strings.NewReader("written by someone who did not reload"))
	if status != 409 {
		t.Errorf("stale version: %d %s, want 409", status, body)
	}
	_, resp := f.do("GET", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), analyst, "")
	if strings.Contains(resp, "late.txt") {
		t.Errorf("the stale upload was linked: %.300s", resp)
	}
	cur := got.Incident.Version

	// Every missing field at once, each named.
	status, body = send(analyst, map[string]string{"note": "x"}, "", nil)
	if status != 422 || !strings.Contains(body, `"field": "file"`) || !strings.Contains(body, `"field": "version"`) {
		t.Errorf("no file, no version: %d %s; want 422 naming both", status, body)
	}
	status, body = send(analyst, map[string]string{"version": "7x"}, "a.txt", strings.NewReader("a"))
	if status != 422 || !strings.Contains(body, `"field": "version"`) {
		t.Errorf("version 7x: %d %s", status, body)
	}
	if status, body = send(analyst, version(cur), "empty.pcap", strings.NewReader("")); status != 422 || !strings.Contains(body, `"field": "file"`) {
		t.Errorf("empty file: %d %s", status, body)
	}
	if status, _, out := f.request("POST", path, analyst, "application/json", strings.NewReader(`{"version": 1}`)); status != 422 || !bytes.Contains(out, []byte(`"field": "file"`)) {
		t.Errorf("JSON body: %d %s; want 422 naming file", status, out)
	}
	// One byte over 64 MiB: the file is refused naming it; far over, the body is refused.
	status, body = send(analyst, version(cur), "big.bin", io.LimitReader(zeros{}, evidence.MaxSize+1))
	if status != 422 || !strings.Contains(body, `"field": "file"`) {
		t.Errorf("64 MiB + 1 byte: %d %.300s; want 422 naming file", status, body)
	}
	if status, body = send(analyst, version(cur), "huge.bin", io.LimitReader(zeros{}, evidence.MaxSize+2<<20)); status != 413 {
		t.Errorf("66 MiB: %d %.300s; want 413", status, body)
	}

	// Scope and roles: the file of a refused upload is not stored.
	const secret = "branch engineer's file"
	ssum := sha256.Sum256([]byte(secret))
	if status, body = send(f.branchCE, version(cur), "b.txt", strings.NewReader(secret)); status != 404 {
		t.Errorf("another site's incident: %d %s, want 404", status, body)
	}
	if status, _, _ := f.request("GET", "/api/v1/evidence/"+hex.EncodeToString(ssum[:]), f.tokens[medsec.RoleAdmin], "", nil); status != 404 {
		t.Errorf("the refused upload was stored: %d", status)
	}
	for _, role := range []medsec.Role{medsec.RoleAuditor, medsec.RoleVendor} {
		if status, _ = send(f.tokens[role], version(cur), "x.txt", strings.NewReader("x")); status != 403 {
			t.Errorf("%s uploads: %d, want 403", role, status)
		}
	}
	if status, _ = send("", version(cur), "x.txt", strings.NewReader("x")); status != 401 {
		t.Errorf("no token: %d, want 401", status)
	}
	// A browser session posting from another site is refused (cross-origin protection).
	mp, ct := multipartUpload(version(cur), "y.txt", strings.NewReader("y"))
	req, _ := http.NewRequest("POST", f.srv.URL+path, mp)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if status, _ := sendIn(t, f.session("u-soc-analyst"), req, "en"); status != 403 {
		t.Errorf("cross-site post with a session: %d, want 403", status)
	}
	_, resp = f.do("GET", fmt.Sprintf("/api/v1/incidents/%d", inc.ID), analyst, "")
	var after medsec.Incident
	json.Unmarshal([]byte(resp), &after)
	if after.Version != cur || len(after.Evidence) != 1 {
		t.Errorf("after the refused uploads: version %d (want %d), %d evidence files (want 1)", after.Version, cur, len(after.Evidence))
	}
}

// zeros reads as endless zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
