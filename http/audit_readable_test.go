package http_test

import (
	"encoding/json"
	"fmt"
	stdhtml "html"
	"io"
	"net/http"
	"strings"
	"testing"

	"medsec"
)

// TestAuditReadable checks on both engines that the audit trail reads as sentences in the
// user's language with a field-level diff and a link to the object, and that an asset's
// history holds its own changes, its class proposal and its assessments, and nothing of
// another asset.
func TestAuditReadable(t *testing.T) {
	forEachEngine(t, func(t *testing.T, engine string) {
		f := newFixtureOn(t, openEngine(t, engine))
		admin := f.tokens[medsec.RoleAdmin]
		a := *f.assetHQ
		a.Location, a.Version = "3F 放射科 CT 室", 1
		body, _ := json.Marshal(a)
		if code, resp := f.do("PUT", fmt.Sprintf("/api/v1/assets/%d", a.ID), admin, string(body)); code != http.StatusOK {
			t.Fatalf("update: %d %s", code, resp)
		}
		assess := fmt.Sprintf(`{"catalog_id":"tw-mohw-medical-baseline","control_id":"tw-si-1.h","asset_id":%d,"status":"partial"}`, a.ID)
		if code, resp := f.do("POST", "/api/v1/assessments", admin, assess); code != http.StatusCreated {
			t.Fatalf("assess: %d %s", code, resp)
		}
		other := *f.assetBR
		other.Location, other.Version = "分院 2F", 1
		body, _ = json.Marshal(other)
		if code, resp := f.do("PUT", fmt.Sprintf("/api/v1/assets/%d", other.ID), admin, string(body)); code != http.StatusOK {
			t.Fatalf("update other: %d %s", code, resp)
		}
		c := f.session("u-admin")
		page := func(path, lang string) string {
			t.Helper()
			req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
			req.AddCookie(&http.Cookie{Name: "medsec_lang", Value: lang})
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", path, resp.StatusCode)
			}
			return stdhtml.UnescapeString(string(b))
		}
		hist := page(fmt.Sprintf("/audit?asset=%d", a.ID), "en")
		for _, want := range []string{
			fmt.Sprintf(`data-action="asset.update">changed asset #%d CT-01<`, a.ID),
			fmt.Sprintf(`data-action="asset.create">created asset #%d CT-01<`, a.ID),
			`data-action="assessment.create">assessed assessment #`,
			`<tr data-field="location"><th scope="row">Location</th><td class="before"><span class="muted">(empty)</span></td><td aria-hidden="true">→</td><td class="after"><ins>3F 放射科 CT 室</ins>`,
			fmt.Sprintf(`href="/assets/%d"`, a.ID),
			fmt.Sprintf(`href="/assets/%d/controls?control=tw-si-1.h#tw-si-1.h"`, a.ID),
			fmt.Sprintf(`History of asset #%d`, a.ID),
		} {
			if !strings.Contains(hist, want) {
				t.Errorf("asset history lacks %q", want)
			}
		}
		if strings.Contains(hist, "分院 2F") || strings.Contains(hist, `data-field="version"`) {
			t.Errorf("asset history shows another asset's change or the version field")
		}
		ja := page(fmt.Sprintf("/audit?asset=%d", a.ID), "ja")
		if want := fmt.Sprintf(`資産 #%d CT-01：変更`, a.ID); !strings.Contains(ja, want) {
			t.Errorf("Japanese history lacks %q", want)
		}
		if strings.Contains(ja, ">asset.update<") {
			t.Errorf("Japanese history shows a raw action")
		}
		// The whole entry: the same diff, the raw record folded away.
		var list struct {
			Items []medsec.AuditEntry `json:"items"`
		}
		_, resp := f.do("GET", fmt.Sprintf("/api/v1/audit?asset=%d&action=asset.update", a.ID), admin, "")
		if err := json.Unmarshal([]byte(resp), &list); err != nil || len(list.Items) != 1 {
			t.Fatalf("API asset history: %v %s", err, resp)
		}
		if show := page(fmt.Sprintf("/audit/%d", list.Items[0].ID), "zh-TW"); !strings.Contains(show, `data-field="location"`) || !strings.Contains(show, "修改資產 #") {
			t.Errorf("entry page lacks the diff or the zh-TW summary")
		}
	})
}
