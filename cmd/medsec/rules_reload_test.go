package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"medsec"
	"medsec/internal/pgtest"
	"medsec/sqlstore"
)

// TestServerReloadsRulesImportedByTheCLI runs "medsec serve" and, beside it, "medsec
// rules import" on the same database: a rule imported and turned on by another process
// raises alerts on the running server within seconds, and the same rule imported again
// with another selection replaces the old one there (the server kept the old rule until
// it restarted) [issue 13 finding 7], on both engines.
func TestServerReloadsRulesImportedByTheCLI(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			dsn, where := dsnFor(dir, ""), []string{"--data", dir}
			if engine == "postgres" {
				dsn = pgtest.DSN(t)
				where = append(where, "--db", dsn)
			}
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			sys := asSystem(ctx)
			site := &medsec.Site{Code: "HQ", Name: "HQ"}
			if err := sqlstore.NewOrgService(db).CreateSite(sys, site); err != nil {
				t.Fatal(err)
			}
			token, err := sqlstore.NewLogSourceService(db).CreateLogSource(sys, &medsec.LogSource{SiteID: site.ID, Name: "winlogbeat", Transport: "https"}, true)
			if err != nil {
				t.Fatal(err)
			}

			t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
			sctx, cancel := context.WithCancel(ctx)
			ready := make(chan string, 1)
			var serverLog bytes.Buffer
			m := &Main{Stdout: io.Discard, Stderr: &serverLog, Ready: func(addr string) { ready <- addr }}
			done := make(chan error, 1)
			go func() { done <- m.Serve(sctx, append(where, "--listen", "127.0.0.1:0")) }()
			defer func() { cancel(); <-done }()
			var base string
			select {
			case addr := <-ready:
				base = "http://" + addr
			case err := <-done:
				t.Fatalf("serve: %v", err)
			case <-time.After(serverStartTimeout):
				t.Fatal("server did not start")
			}

			ruleFile := filepath.Join(t.TempDir(), "marker.yml")
			importRule := func(title, user string) {
				t.Helper()
				yml := fmt.Sprintf(`title: %s
id: 0f4a3c1e-7a53-4d8e-9d5c-3c8d1e2a9b71
logsource:
  category: authentication
detection:
  selection:
    event.outcome: failure
    user.name: %s
  condition: selection
level: high
`, title, user)
				if err := os.WriteFile(ruleFile, []byte(yml), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := run(ctx, append(append([]string{"rules", "import"}, where...), ruleFile), io.Discard, io.Discard); err != nil {
					t.Fatalf("rules import: %v", err)
				}
			}
			send := func(user string) {
				t.Helper()
				body := fmt.Sprintf(`{"@timestamp":%q,"event":{"category":["authentication"],"outcome":"failure"},"user":{"name":%q},"source":{"ip":"198.18.9.9"}}`+"\n",
					time.Now().UTC().Format(time.RFC3339Nano), user)
				req, _ := http.NewRequest("POST", base+"/api/v1/logs/ingest", bytes.NewBufferString(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/x-ndjson")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					t.Fatalf("ingest: %s", resp.Status)
				}
			}
			store := sqlstore.NewDetectionService(db)
			alertOf := func(title string) *medsec.Alert {
				t.Helper()
				all, _, err := store.FindAlerts(sys, medsec.AlertFilter{})
				if err != nil {
					t.Fatal(err)
				}
				for _, a := range all {
					if a.Title == title {
						return a
					}
				}
				return nil
			}
			// waitFor sends a failed login of user each second until the rule's alert is
			// there: the server notices the change within seconds, not at a restart.
			waitFor := func(title, user string) *medsec.Alert {
				t.Helper()
				for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
					send(user)
					time.Sleep(200 * time.Millisecond)
					if a := alertOf(title); a != nil {
						return a
					}
				}
				t.Fatalf("no alert %q for %s within 15 s of the change\n%s", title, user, serverLog.String())
				return nil
			}

			importRule("Marker rule", "alpha")
			rules, err := store.FindRules(sys, medsec.RuleFilter{Query: "Marker rule"})
			if err != nil || len(rules) != 1 {
				t.Fatalf("imported rule: %v, %v", rules, err)
			}
			// Turned on at the site from this process, as the rules page of another
			// server of the group would.
			if err := store.SetRuleEnabled(sys, rules[0].ID, site.ID, true); err != nil {
				t.Fatal(err)
			}
			waitFor("Marker rule", "alpha")

			importRule("Marker rule v2", "bravo")
			waitFor("Marker rule v2", "bravo")
			alpha := alertOf("Marker rule")
			send("alpha")
			time.Sleep(time.Second)
			if a := alertOf("Marker rule"); a == nil || a.EventCount != alpha.EventCount {
				t.Errorf("the replaced rule still matched: %+v (was %d events)", a, alpha.EventCount)
			}
		})
	}
}
