package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mhttp "medsec/http"
	"medsec/logstore"
	"medsec/sqlstore"
)

// TestLogsIngestSearchExportVerify runs the log commands on a fresh data directory: ingest
// a file, search it, export a bundle, verify it and the live store, then find a changed
// byte, a deleted record and an inserted record in copies of the bundle.
func TestLogsIngestSearchExportVerify(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	db, err := sqlstore.Open(ctx, dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	file := filepath.Join(t.TempDir(), "auth.log")
	lines := []string{
		"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
		`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] An application event log entry`,
		"<13>Nov 30 10:00:00 his01 sshd[123]: Accepted password for nurse7 from 10.0.0.5 port 22 ssh2",
		"CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232",
	}
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli := func(args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, args, &out, &errb)
		return out.String() + errb.String(), err
	}
	if out, err := cli("logs", "ingest", "--data", data, file); err != nil || !strings.Contains(out, "4 records") {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	out, err := cli("logs", "search", "--data", data, "--from", "-1h", "--to", "now", "nurse7", "--json")
	if err != nil {
		t.Fatalf("search: %v\n%s", err, out)
	}
	var res struct {
		Total int64 `json:"total"`
		Hits  []struct {
			Raw    string            `json:"raw"`
			Fields map[string]string `json:"fields"`
		} `json:"hits"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("search --json: %v\n%s", err, out)
	}
	if res.Total != 1 || res.Hits[0].Raw != lines[2] || res.Hits[0].Fields["process.name"] != "sshd" {
		t.Fatalf("search for nurse7: %+v", res)
	}
	if out, err := cli("logs", "search", "--data", data, "--from", "-1h", "--to", "now", "process.name:sshd or cef.name:worm", "--json"); err != nil || !strings.Contains(out, `"total": 2`) {
		t.Fatalf("field search: %v\n%s", err, out)
	}
	bundle := filepath.Join(t.TempDir(), "bundle.json")
	if out, err := cli("logs", "export", "--data", data, "--from", "-1h", "--out", bundle); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	key, err := cli("logs", "key", "--data", data)
	if err != nil {
		t.Fatal(err)
	}
	key = strings.TrimSpace(key)
	if out, err := cli("logs", "verify", "--key", key, bundle); err != nil || !strings.Contains(out, "OK: 4 records") {
		t.Fatalf("verify bundle: %v\n%s", err, out)
	}
	if out, err := cli("logs", "verify", "--data", data); err != nil || !strings.Contains(out, "OK: 4 records") {
		t.Fatalf("verify store: %v\n%s", err, out)
	}
	orig, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	tamper := func(name string, fn func(b *logstore.Bundle), want string) {
		t.Run(name, func(t *testing.T) {
			var b logstore.Bundle
			if err := json.Unmarshal(orig, &b); err != nil {
				t.Fatal(err)
			}
			fn(&b)
			p := filepath.Join(t.TempDir(), "tampered.json")
			data, _ := json.Marshal(&b)
			os.WriteFile(p, data, 0o600)
			out, err := cli("logs", "verify", "--key", key, p)
			if err == nil || !strings.Contains(out, want) {
				t.Fatalf("tampered bundle: err %v, want %q in\n%s", err, want, out)
			}
		})
	}
	tamper("changed byte", func(b *logstore.Bundle) { b.Sites[0].Records[2].Raw[40] = 'X' }, "CHANGED: site 0 record 2 at ")
	tamper("deleted record", func(b *logstore.Bundle) {
		r := b.Sites[0].Records
		b.Sites[0].Records = append(r[:1:1], r[2:]...)
	}, "DELETED: site 0 record 1")
	tamper("inserted record", func(b *logstore.Bundle) {
		f := b.Sites[0].Records[3]
		f.Raw = []byte("<13>Nov 30 10:00:01 his01 sshd[124]: Accepted password for root")
		b.Sites[0].Records = append(b.Sites[0].Records, f)
	}, "INSERTED: site 0 record 3")
}

// TestBackupCarriesLogStore backs up a data directory with a log store, restores it into
// a new directory and checks that the restored store verifies and finds the records.
func TestBackupCarriesLogStore(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	db, err := sqlstore.Open(ctx, dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	file := filepath.Join(t.TempDir(), "messages")
	var lines []string
	for i := range 200 {
		lines = append(lines, "<13>Nov 30 10:00:00 his01 sshd[123]: Accepted password for nurse"+strings.Repeat("x", i%5)+" from 10.0.0.5")
	}
	os.WriteFile(file, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"logs", "ingest", "--data", data, file}, &out, &errb); err != nil {
		t.Fatalf("ingest: %v %s", err, errb.String())
	}
	archive := filepath.Join(t.TempDir(), "backup.tar")
	if err := run(ctx, []string{"backup", "--data", data, "--out", archive}, &out, &errb); err != nil {
		t.Fatalf("backup: %v %s", err, errb.String())
	}
	restored := filepath.Join(t.TempDir(), "restored")
	if err := run(ctx, []string{"restore", "--data", restored, "--from", archive}, &out, &errb); err != nil {
		t.Fatalf("restore: %v %s", err, errb.String())
	}
	out.Reset()
	if err := run(ctx, []string{"logs", "verify", "--data", restored}, &out, &errb); err != nil || !strings.Contains(out.String(), "OK: 200 records") {
		t.Fatalf("restored store: %v\n%s%s", err, out.String(), errb.String())
	}
	k1, _ := os.ReadFile(filepath.Join(data, "logs", "seal.pub"))
	k2, _ := os.ReadFile(filepath.Join(restored, "logs", "seal.pub"))
	if len(k1) == 0 || !bytes.Equal(k1, k2) {
		t.Fatal("the restored store has another seal key")
	}
}

// TestDemoLogs loads the demo hospital and its day of logs and checks that the logs are
// sealed, verify, and hold patient-record access and the PACS's late clock.
func TestDemoLogs(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	db, err := sqlstore.Open(ctx, dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx = asSystem(ctx)
	services := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), Components: sqlstore.NewComponentService(db), Scans: sqlstore.NewScanService(db),
		LogSources: sqlstore.NewLogSourceService(db), Incidents: sqlstore.NewIncidentService(db)}
	if services.Assessments, err = newAssessmentService(db, data); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, services); err != nil || !loaded {
		t.Fatalf("demo: %v %v", loaded, err)
	}
	site, err := siteResolver(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openLogStore(data, false, site)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	n, err := loadDemoLogs(ctx, st, db, now)
	if err != nil || n < demoLogRecords-200 {
		t.Fatalf("demo logs: %d, %v", n, err)
	}
	if again, err := loadDemoLogs(ctx, st, db, now); again != 0 || err != nil {
		t.Fatalf("second load stored %d (%v)", again, err)
	}
	st.Refresh()
	res, err := st.Search(ctx, logstore.Query{From: now.Add(-25 * time.Hour), To: now.Add(time.Minute), Filter: `patient "patient record"`, Limit: 1})
	if err != nil || res.Total < 2000 {
		t.Fatalf("patient-record access: %+v %v", res, err)
	}
	rep, err := st.Verify(ctx, nil)
	if err != nil || !rep.OK {
		t.Fatalf("demo logs do not verify: %+v %v", rep, err)
	}
	st.Close()
}
