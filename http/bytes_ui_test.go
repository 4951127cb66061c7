package http_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"

	"medsec"
)

// TestPagesShowByteCountsInTheReadersLanguage: the discovery run page and the backup
// plan's job table write byte counts as the reports do, in the reader's language (a
// 924-byte capture is "924 bytes" in English and "924 バイト" in Japanese, a 1.2 TB job
// "1.2 TiB"), never the raw count with "B".
func TestPagesShowByteCountsInTheReadersLanguage(t *testing.T) {
	f := newFixture(t)
	pcap, err := os.ReadFile("../capture/testdata/tunnels/mpls-ip-hl7.pcap")
	if err != nil {
		t.Fatal(err)
	}
	status, body := f.do("POST", fmt.Sprintf("/api/v1/discovery?site=%d&name=mpls.pcap", f.assetHQ.SiteID), f.tokens[medsec.RoleClinicalEngineer], string(pcap))
	var run medsec.DiscoveryRun
	if err := json.Unmarshal([]byte(body), &run); status != 201 || err != nil || run.Size != int64(len(pcap)) {
		t.Fatalf("upload: %d %v %.300s", status, err, body)
	}

	pc := f.pages("u-admin", "en")
	plan := url.Values{"asset_id": {fmt.Sprint(f.assetHQ.ID)}, "name": {"PACS database"}, "job_name": {"PACS-Daily"}, "frequency_hours": {"24"},
		"generations": {"2"}, "immutable_from": {"0"}, "restore_test_days": {"7"}, "copy_label_0": {"NAS"}, "copy_medium_0": {"disk"}}
	if st, body := pc.form("/backups", plan); st != 303 {
		t.Fatalf("create plan: %d %.600s", st, body)
	}
	id := f.backupPlans()[0].ID
	jobs := "job,started,finished,status,bytes\n" +
		"PACS-Daily,2026-11-20T01:00:00Z,2026-11-20T01:10:00Z,success,512\n" +
		"PACS-Daily,2026-11-21T01:00:00Z,2026-11-21T02:40:00Z,success,1288490188800\n"
	if st, body := pc.upload("/backups/import", nil, "jobs.csv", jobs); st != 200 {
		t.Fatalf("import: %d %.600s", st, body)
	}

	c := f.session("u-admin")
	for lang, want := range map[string]struct{ capture, job string }{
		"en":    {"924 bytes", "512 bytes"},
		"ja":    {"924 バイト", "512 バイト"},
		"zh-TW": {"924 位元組", "512 位元組"},
	} {
		disc := f.page(c, fmt.Sprintf("/discovery/%d", run.ID), lang)
		if !strings.Contains(disc, want.capture) || strings.Contains(disc, "924 B<") {
			t.Errorf("%s: the discovery page lacks %q or shows the raw count", lang, want.capture)
		}
		show := f.page(c, fmt.Sprintf("/backups/%d", id), lang)
		for _, w := range []string{want.job, "<td>1.2 TiB</td>"} {
			if !strings.Contains(show, w) {
				t.Errorf("%s: the plan's job table lacks %q", lang, w)
			}
		}
		if strings.Contains(show, "1288490188800") || strings.Contains(show, "<td>512</td>") {
			t.Errorf("%s: the plan's job table shows a raw byte count", lang)
		}
	}
}
