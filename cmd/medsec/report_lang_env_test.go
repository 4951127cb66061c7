package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medsec/sqlstore"
)

// TestReportCommandRefusesUnknownMedsecLang: MEDSEC_LANG=xx is refused as --lang xx is, with
// the accepted codes named (issue 16 break-test: silently ignored, the report written in
// the locale's language); --lang given wins over it, and a tag of a supported language
// (ja-JP) is taken.
func TestReportCommandRefusesUnknownMedsecLang(t *testing.T) {
	data := t.TempDir()
	store, err := sqlstore.Open(asSystem(context.Background()), dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	run := func(out string, args ...string) error {
		return runReport(context.Background(), append([]string{"self-inspection", "--data", data, "--period", "2025", "--format", "html", "--out", filepath.Join(data, out)}, args...), io.Discard, io.Discard)
	}
	t.Setenv("MEDSEC_LANG", "xx")
	err = run("xx.html")
	if err == nil || !strings.Contains(err.Error(), `MEDSEC_LANG="xx"`) || !strings.Contains(err.Error(), "zh-TW") || !strings.Contains(err.Error(), "ja") {
		t.Errorf("MEDSEC_LANG=xx: %v, want refused naming the accepted codes", err)
	}
	if _, serr := os.Stat(filepath.Join(data, "xx.html")); serr == nil {
		t.Error("MEDSEC_LANG=xx: a report was written")
	}
	if err := run("xx-ja.html", "--lang", "ja"); err != nil {
		t.Errorf("MEDSEC_LANG=xx with --lang ja: %v", err)
	}
	t.Setenv("MEDSEC_LANG", "ja-JP")
	if err := run("ja-jp.html"); err != nil {
		t.Errorf("MEDSEC_LANG=ja-JP: %v", err)
	}
	body, err := os.ReadFile(filepath.Join(data, "ja-jp.html"))
	if err != nil {
		t.Fatal(err)
	}
	// The generator is named in the reader's language (issue 16 break-test: "medsec
	// report" untranslated).
	if s := string(body); !strings.Contains(s, `lang="ja"`) || !strings.Contains(s, "medsec report（コマンドライン）") {
		t.Errorf("MEDSEC_LANG=ja-JP: not in Japanese or the generator not in Japanese: %.600s", body)
	}
	t.Setenv("MEDSEC_LANG", "xx")
	out := filepath.Join(data, "ledger.csv")
	err = runIncident(context.Background(), []string{"ledger", "--data", data, "--format", "csv", "--out", out}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "MEDSEC_LANG") {
		t.Errorf("incident ledger under MEDSEC_LANG=xx: %v, want refused", err)
	}
}
