package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/sqlstore"
)

// TestIncidentEvidenceAddCLI: "medsec incident evidence add" stores a file as an open
// incident's evidence, as the web page's upload does: in the evidence store by its
// SHA-256, linked with its chain of custody started by the user named, on the timeline
// and audited. An empty file, an unknown incident and an unknown user are refused saying
// so. Was: no way to add evidence from the command line.
func TestIncidentEvidenceAddCLI(t *testing.T) {
	ctx := asSystem(context.Background())
	dir, db, s := incidentDemoData(t, time.Now().UTC())
	list, err := s.Incidents.FindIncidents(ctx, medsec.IncidentFilter{Status: medsec.IncidentOpen, Drill: "no"})
	if err != nil || len(list) == 0 {
		t.Fatalf("open incidents: %v %v", list, err)
	}
	inc := list[0]
	db.Close()

	content := []byte("EDR export: host PACS-01, 2026-12-01 03:10 encryption started\n")
	file := filepath.Join(t.TempDir(), "edr-export.txt")
	if err := os.WriteFile(file, content, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:])
	var out, errOut bytes.Buffer
	args := []string{"incident", "evidence", "add", "--data", dir, "--incident", strconv.FormatInt(inc.ID, 10), "--user", "soc.wang", "--note", "exported from the EDR console", file}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("evidence add: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "edr-export.txt") {
		t.Errorf("output %q lacks the file and its SHA-256", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "evidence")); err != nil {
		t.Errorf("evidence store: %v", err)
	}
	// The same file again is received again, not added (bt14e #10).
	out.Reset()
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("evidence add again: %v %s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "received again") || strings.Contains(out.String(), "added") {
		t.Errorf("the same file again: %q, want received again", out.String())
	}
	db, err = sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := sqlstore.NewIncidentService(db).FindIncidentByID(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ev *medsec.IncidentEvidence
	for _, e := range got.Evidence {
		if e.SHA256 == want {
			ev = e
		}
	}
	if ev == nil || len(ev.Custody) == 0 || ev.Custody[0].Username != "soc.wang" || ev.Custody[0].Note != "exported from the EDR console" {
		t.Fatalf("evidence on the incident: %+v", ev)
	}
	if entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(ctx, medsec.AuditFilter{Action: "evidence.upload", Username: "soc.wang"}); err != nil || len(entries) == 0 {
		t.Errorf("upload not audited: %v %v", entries, err)
	}
	empty := filepath.Join(t.TempDir(), "empty.txt")
	os.WriteFile(empty, nil, 0o600)
	for name, a := range map[string][]string{
		"empty file":       {"--incident", strconv.FormatInt(inc.ID, 10), "--user", "soc.wang", empty},
		"unknown incident": {"--incident", "99999", "--user", "soc.wang", file},
		"unknown user":     {"--incident", strconv.FormatInt(inc.ID, 10), "--user", "nobody", file},
		"no file":          {"--incident", strconv.FormatInt(inc.ID, 10), "--user", "soc.wang"},
	} {
		err := run(context.Background(), append([]string{"incident", "evidence", "add", "--data", dir}, a...), &out, &errOut)
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// The refusals the service gives are said in the user's language (bt14 #7: English
	// "Incident not found." and "is empty" under MEDSEC_LANG=ja).
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		args []string
		key  string
	}{
		"unknown incident": {[]string{"--incident", "99999", "--user", "soc.wang", file}, "incident.err.not_found"},
		"empty file":       {[]string{"--incident", strconv.FormatInt(inc.ID, 10), "--user", "soc.wang", empty}, "incident.err.empty_file"},
	} {
		err := run(context.Background(), append([]string{"incident", "evidence", "add", "--data", dir}, c.args...), &out, &errOut)
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		if text, want := errorText(bundle, "ja", err), bundle.T("ja", c.key); !strings.Contains(text, want) {
			t.Errorf("%s in Japanese: %q lacks %q", name, text, want)
		}
	}
	// A file that is not there is named in the user's language, not the OS's English
	// (bt14 #7 rest: "open …: no such file or directory" under MEDSEC_LANG=ja).
	missing := filepath.Join(t.TempDir(), "no-such-export.txt")
	for _, lang := range []string{"ja", "zh-TW", "zh-CN", "en"} {
		err := run(context.Background(), []string{"incident", "evidence", "add", "--data", dir, "--incident", strconv.FormatInt(inc.ID, 10), "--user", "soc.wang", missing}, &out, &errOut)
		if err == nil {
			t.Fatal("missing file accepted")
		}
		text := errorText(bundle, lang, err)
		if want := bundle.T(lang, "incident.err.file_missing", missing); !strings.Contains(text, want) || (lang != "en" && strings.Contains(text, "no such file")) {
			t.Errorf("missing file in %s: %q, want %q", lang, text, want)
		}
	}
}
