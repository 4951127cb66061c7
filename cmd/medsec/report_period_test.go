package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec/i18n"
	"medsec/sqlstore"
)

// TestReportCommandRefusesPeriodOutOfRange: "medsec report" refuses a year after this one
// or before 2000 as the API does (err.report_period_range; issue 16 break-test #4: the
// command wrote 2031's and 1999's reports from today's data).
func TestReportCommandRefusesPeriodOutOfRange(t *testing.T) {
	data := t.TempDir()
	store, err := sqlstore.Open(asSystem(context.Background()), dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	for _, period := range []string{fmt.Sprint(time.Now().Year() + 5), "1999"} {
		err := runReport(context.Background(), []string{"self-inspection", "--data", data, "--period", period, "--format", "html",
			"--out", filepath.Join(data, period+".html")}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "must be a year or month from 2000 to") {
			t.Errorf("--period %s: %v, want refused", period, err)
		}
	}
}

// TestReportCommandLanguageFromEnvironment: without --lang, "medsec report" writes in
// MEDSEC_LANG's language, as the other commands do (issue 16 break-test #5: always
// English).
func TestReportCommandLanguageFromEnvironment(t *testing.T) {
	data := t.TempDir()
	store, err := sqlstore.Open(asSystem(context.Background()), dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	t.Setenv("MEDSEC_LANG", "ja")
	out := filepath.Join(data, "ja.html")
	if err := runReport(context.Background(), []string{"self-inspection", "--data", data, "--period", "2025", "--format", "html", "--out", out}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `lang="ja"`) {
		t.Errorf("report without --lang under MEDSEC_LANG=ja is not in Japanese: %.300s", body)
	}
}

// TestReportCommandErrorsInUsersLanguage: "medsec report"'s bad flags read in the user's
// language with the API's keys, each after its flag, a month refused for a yearly report,
// and a missing --out folder named as given, never the temporary file (issue 16
// break-test: English whatever the language, "open /nonexistent/dir/.medsec-report-…").
func TestReportCommandErrorsInUsersLanguage(t *testing.T) {
	data := t.TempDir()
	store, err := sqlstore.Open(asSystem(context.Background()), dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(data, "r.pdf")
	year := fmt.Sprint(time.Now().Year())
	for _, c := range []struct {
		args  []string
		field string
		key   string
		args2 []any
	}{
		{[]string{"self-inspection", "--period", "1999", "--format", "pdf", "--out", out}, "--period", "err.report_period_range", []any{"2000", year}},
		{[]string{"self-inspection", "--period", year + "-01", "--format", "pdf", "--out", out}, "--period", "err.report_period_yearly", nil},
		{[]string{"self-inspection", "--period", year, "--format", "doc", "--out", out}, "--format", "err.report_format", nil},
		{[]string{"self-inspection", "--period", year, "--format", "pdf", "--lang", "xx", "--out", out}, "--lang", "err.report_lang", nil},
		{[]string{"self-inspection", "--period", year, "--format", "pdf", "--site", "NOPE", "--out", out}, "--site", "err.site_not_found", nil},
		{[]string{"gap", "--period", year, "--format", "pdf", "--catalog", "nope", "--out", out}, "--catalog", "err.report_catalog", nil},
		{[]string{"self-inspection", "--period", year, "--format", "pdf", "--out", "/nonexistent/dir/x.pdf"}, "--out", "err.report_out_dir", []any{"/nonexistent/dir"}},
	} {
		err := runReport(context.Background(), append(c.args, "--data", data), io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v: no error", c.args)
			continue
		}
		text := errorText(b, "ja", err)
		want := c.field + ": " + b.T("ja", c.key, c.args2...)
		if !strings.Contains(text, want) || strings.Contains(text, "must ") || strings.Contains(text, ".medsec-report") || strings.HasPrefix(text, "report ") {
			t.Errorf("%v: %q, want %q alone in Japanese", c.args, text, want)
		}
	}
}
