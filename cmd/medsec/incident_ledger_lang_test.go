package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"medsec"
	"medsec/detection"
	"medsec/i18n"
	"medsec/sqlstore"
)

// TestIncidentLedgerTitleLanguage: an incident opened from an alert of a built-in rule
// keeps its title as the rule's message key; "medsec incident ledger" writes that title in
// the language asked (--lang), or without --lang in MEDSEC_LANG's, in CSV and in XLSX — not
// in the English the alert was raised with.
func TestIncidentLedgerTitleLanguage(t *testing.T) {
	ctx := asSystem(context.Background())
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := sqlstore.NewOrgService(store).CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	det := sqlstore.NewDetectionService(store)
	if err := detection.New(detection.Stores{Rules: det, Alerts: det}, nil).InstallBuiltins(ctx); err != nil {
		t.Fatal(err)
	}
	rules, err := det.FindRules(ctx, medsec.RuleFilter{Query: "cross-zone"})
	if err != nil || len(rules) != 1 {
		t.Fatalf("cross-zone rule: %v %v", rules, err)
	}
	rule := rules[0]
	al := &medsec.Alert{DedupKey: "ledger-lang", RuleID: rule.ID, RuleUID: rule.UID, Title: rule.Title, Level: "medium", SiteID: site.ID,
		Events: []medsec.AlertEvent{{Key: "t:1", Time: time.Now().UTC().Add(-time.Hour), Ref: medsec.EventRef{Type: medsec.EventRefEvent}, Fields: map[string]any{"x": "y"}}}}
	if _, err := det.RaiseAlert(ctx, al); err != nil {
		t.Fatal(err)
	}
	if _, _, err := sqlstore.NewIncidentService(store).OpenFromAlert(ctx, &medsec.IncidentFromAlert{AlertID: al.ID}); err != nil {
		t.Fatal(err)
	}
	store.Close()
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	ja, en := bundle.T("ja", medsec.RuleTitleKey(rule.UID)), bundle.T("en", medsec.RuleTitleKey(rule.UID))
	if ja == en || ja == medsec.RuleTitleKey(rule.UID) {
		t.Fatalf("the rule's title is not translated: %q %q", ja, en)
	}

	var out bytes.Buffer
	if err := run(context.Background(), []string{"incident", "ledger", "--data", data, "--format", "csv", "--lang", "ja"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if csv := out.String(); !strings.Contains(csv, ja) || strings.Contains(csv, en) {
		t.Errorf("ledger CSV --lang ja: want the title %q, not %q:\n%s", ja, en, csv)
	}
	t.Setenv("MEDSEC_LANG", "ja")
	xlsx := filepath.Join(data, "ledger.xlsx")
	if err := run(context.Background(), []string{"incident", "ledger", "--data", data, "--format", "xlsx", "--out", xlsx}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("インシデント台帳") // the sheet named in MEDSEC_LANG
	if err != nil || len(rows) != 2 || rows[1][2] != ja || rows[0][0] != bundle.T("ja", "incident.ledger.id") {
		t.Errorf("ledger XLSX with MEDSEC_LANG=ja: %v %v, want the title %q", rows, err, ja)
	}
}

// TestCLILanguage: the language of a command without --lang comes from MEDSEC_LANG, else
// the locale (ja_JP.UTF-8, zh_TW), else English; the C locale is no language.
func TestCLILanguage(t *testing.T) {
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "en"},
		{map[string]string{"LANG": "C.UTF-8"}, "en"},
		{map[string]string{"LANG": "ja_JP.UTF-8"}, "ja"},
		{map[string]string{"LANG": "zh_TW.UTF-8"}, "zh-TW"},
		{map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "ja_JP.UTF-8"}, "zh-CN"},
		{map[string]string{"MEDSEC_LANG": "zh-TW", "LANG": "ja_JP.UTF-8"}, "zh-TW"},
		{map[string]string{"MEDSEC_LANG": "en", "LANG": "ja_JP.UTF-8"}, "en"},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, "en"},
	} {
		if got := cliLanguage(bundle, func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: %s, want %s", c.env, got, c.want)
		}
	}
}
