package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/evidence"
	"medsec/internal/pgtest"
	"medsec/report"
	"medsec/sqlstore"
)

// TestReportCommandGoesThroughTheService: "medsec report" generates as the page and the
// API do (issue 16 M2: the command line left no report.generate audit row, no row in the
// reports list, no evidence and no SHA-256): the written file's SHA-256 is printed, is the
// recorded report's, and the same bytes are in the data directory's evidence store; the
// report is listed (done, by the system, its parameters) and audited report.generate; a
// catalog given for a report that is not the gap report is refused as the API refuses it
// (--catalog named). On SQLite and PostgreSQL.
func TestReportCommandGoesThroughTheService(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := asSystem(context.Background())
			data := t.TempDir()
			db := ""
			if engine == "postgres" {
				db = pgtest.DSN(t)
			}
			store, err := sqlstore.Open(ctx, dsnFor(data, db))
			if err != nil {
				t.Fatal(err)
			}
			if err := sqlstore.NewOrgService(store).CreateSite(ctx, &medsec.Site{Code: "HQ", Name: "示範醫學中心"}); err != nil {
				t.Fatal(err)
			}
			store.Close()
			year := fmt.Sprint(time.Now().Year())
			args := []string{"--data", data, "--period", year, "--format", "html", "--lang", "ja", "--site", "HQ"}
			if db != "" {
				args = append(args, "--db", db)
			}
			err = runReport(context.Background(), append([]string{"incident-ledger", "--catalog", "tw-mohw-medical-baseline",
				"--out", filepath.Join(data, "x.html")}, args...), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "--catalog") {
				t.Errorf("--catalog for the incident ledger: %v, want refused naming --catalog", err)
			}
			out := filepath.Join(data, "ledger.html")
			var stdout bytes.Buffer
			if err := runReport(context.Background(), append([]string{"incident-ledger", "--out", out}, args...), &stdout, io.Discard); err != nil {
				t.Fatal(err)
			}
			body, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(body)
			sum := hex.EncodeToString(h[:])
			if !strings.Contains(stdout.String(), "SHA-256 "+sum) {
				t.Errorf("printed %q, want the file's SHA-256 %s", stdout.String(), sum)
			}

			store, err = sqlstore.Open(ctx, dsnFor(data, db))
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			reps, err := sqlstore.NewReportService(store, nil, report.Sources{}, nil).FindReports(ctx, medsec.ReportFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(reps) != 1 {
				t.Fatalf("%d reports listed, want 1", len(reps))
			}
			r := reps[0]
			if r.Name != "incident-ledger" || r.Period != year || r.Lang != "ja" || r.Format != "html" || r.Status != medsec.ReportDone ||
				r.SHA256 != sum || r.Size != int64(len(body)) || r.GeneratedBy != medsec.SystemUser.Username || r.SiteName != "示範醫學中心" {
				t.Errorf("listed report %+v, want the incident ledger done with SHA-256 %s", r, sum)
			}
			files, err := evidence.Open(filepath.Join(data, "evidence"))
			if err != nil {
				t.Fatal(err)
			}
			f, err := files.Open(sum)
			if err != nil {
				t.Fatalf("the report is not in the evidence store: %v", err)
			}
			kept, _ := io.ReadAll(f)
			f.Close()
			if !bytes.Equal(kept, body) {
				t.Error("the evidence file differs from the file written")
			}
			entries, _, err := sqlstore.NewAuditService(store).FindAuditEntries(ctx, medsec.AuditFilter{Action: "report.generate"})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].ObjectID != r.ID || entries[0].Username != medsec.SystemUser.Username {
				t.Errorf("report.generate audit rows: %+v, want one for report %d", entries, r.ID)
			}
		})
	}
}
