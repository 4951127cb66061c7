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
