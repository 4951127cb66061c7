package sqlstore_test

import (
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
	"medsec/sqlstore"
)

// TestFindingsBeforeWhyDataSayItInEveryLanguage (issue 11): findings stored before
// migration 0073 kept why they matched only as English sentences (an empty why_json); the
// matching of queued devices (at start and every five minutes) gives them their why as
// data again — an advisory's finding by matching its device, a scanner's from its stored
// scan result — so that in ja, zh-CN and zh-TW they read as the findings made since,
// with no English sentence left.
func TestFindingsBeforeWhyDataSayItInEveryLanguage(t *testing.T) {
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newVulnFixture(t, db)
		if _, err := f.svc.Import(system, sqlstore.VulnImport{Files: []string{"test"}, Advisories: f.advisories}); err != nil {
			t.Fatal(err)
		}
		a := &medsec.Asset{SiteID: f.mx40old.SiteID, Name: "server99", Kind: medsec.KindHIS, IPs: []string{"10.99.99.99"}}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, a); err != nil {
			t.Fatal(err)
		}
		if _, err := sqlstore.NewScanService(db).ImportScan(system, readScan(t, "openvas/defectdojo-openvas-report_detail_v2.xml", 0)); err != nil {
			t.Fatal(err)
		}
		langs := []string{"ja", "zh-CN", "zh-TW"}
		say := func(fd *medsec.Finding, lang string) string {
			if fd.Why == nil {
				return fd.Identifier + " | " + fd.Rule + " | " + fd.VersionTest // what a page shows without it: English
			}
			i, r, v := fd.Why.Text(func(key string, args ...any) string { return bundle.T(lang, key, args...) }, "; ")
			return i + " | " + r + " | " + v
		}
		read := func() []*medsec.Finding {
			list, _, err := f.svc.FindFindings(system, medsec.FindingFilter{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			return list
		}
		want := map[int64]map[string]string{}
		sources := map[string]int{}
		for _, fd := range read() {
			want[fd.ID] = map[string]string{}
			for _, lang := range langs {
				want[fd.ID][lang] = say(fd, lang)
			}
			sources[fd.Source]++
		}
		if sources["scanner"] != 93 || sources["advisory"] == 0 {
			t.Fatalf("findings by source %v", sources)
		}
		// As before migration 0073: the English sentences only.
		if err := db.ExecForTest(`UPDATE vuln_findings SET why_json = ''`); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.MatchQueued(system); err != nil {
			t.Fatal(err)
		}
		for _, fd := range read() {
			for _, lang := range langs {
				if got := say(fd, lang); got != want[fd.ID][lang] {
					t.Errorf("%s finding %d (%s, %s) reads %q, want %q", lang, fd.ID, fd.Source, fd.CVE, got, want[fd.ID][lang])
				}
			}
			if english := fd.Rule; fd.Why == nil || strings.Contains(say(fd, "ja"), english) {
				t.Errorf("finding %d (%s) still reads its English rule %q in ja", fd.ID, fd.Source, english)
			}
		}
	})
}
