package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"medsec"
	"medsec/internal/pgtest"
	"medsec/sqlstore"
)

// TestServeResumesBruteForceAfterSIGKILL runs the built medsec binary, sends it six of a
// brute force's failed logins (JSON lines, event.category a list, as Winlogbeat sends
// them), kills it with SIGKILL, starts it again and sends the other four: the burst
// correlation (ten within five minutes) raises exactly one alert of ten events. Another
// SIGKILL and restart raise no second alert for the sequence [issue 13 finding 1], on
// both engines.
func TestServeResumesBruteForceAfterSIGKILL(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "medsec")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			dsn, args := dsnFor(dir, ""), []string{"serve", "--data", dir}
			if engine == "postgres" {
				dsn = pgtest.DSN(t)
				args = append(args, "--db", dsn)
			}
			db, err := sqlstore.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			sys := asSystem(ctx)
			site := &medsec.Site{Code: "HQ", Name: "HQ"}
			if err := sqlstore.NewOrgService(db).CreateSite(sys, site); err != nil {
				t.Fatal(err)
			}
			token, err := sqlstore.NewLogSourceService(db).CreateLogSource(sys, &medsec.LogSource{SiteID: site.ID, Name: "winlogbeat", Transport: "https"}, true)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			addr := freeAddr(t)
			base := "http://" + addr
			serverLog := filepath.Join(t.TempDir(), "serve.log")
			logFile, err := os.Create(serverLog)
			if err != nil {
				t.Fatal(err)
			}
			defer logFile.Close()
			start := func() *exec.Cmd {
				t.Helper()
				cmd := exec.Command(bin, append(args, "--listen", addr)...)
				cmd.Env = append(os.Environ(), "MEDSEC_ADMIN_PASSWORD="+adminPassword)
				cmd.Stdout, cmd.Stderr = logFile, logFile
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
					if time.Now().After(deadline) {
						cmd.Process.Kill()
						out, _ := os.ReadFile(serverLog)
						t.Fatalf("server did not start:\n%s", out)
					}
					if resp, err := http.Get(base + "/login"); err == nil {
						resp.Body.Close()
						return cmd
					}
				}
			}
			kill := func(cmd *exec.Cmd) {
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
			}
			// Two minutes in the past: the engines hold correlation input back 30 s
			// (Lateness) behind the clock, which the heartbeat moves every 10 s.
			burst := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
			send := func(from, n int) {
				t.Helper()
				var body bytes.Buffer
				for i := from; i < from+n; i++ {
					fmt.Fprintf(&body, `{"@timestamp":%q,"event":{"category":["authentication"],"type":["start"],"outcome":"failure","code":"4625"},"user":{"name":"admin"},"source":{"ip":"198.18.9.9"},"host":{"name":"ws-br-01"}}`+"\n",
						burst.Add(time.Duration(i)*time.Second).Format(time.RFC3339))
				}
				req, _ := http.NewRequest("POST", base+"/api/v1/logs/ingest", &body)
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
			alerts := func() []*medsec.Alert {
				t.Helper()
				db, err := sqlstore.Open(ctx, dsn)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				all, _, err := sqlstore.NewDetectionService(db).FindAlerts(sys, medsec.AlertFilter{})
				if err != nil {
					t.Fatal(err)
				}
				var burst []*medsec.Alert
				for _, a := range all {
					if a.Title == "Many failed logins in a short time" {
						burst = append(burst, a)
					}
				}
				return burst
			}

			cmd := start()
			send(0, 6)
			time.Sleep(500 * time.Millisecond) // evaluated, in memory only
			kill(cmd)
			cmd = start()
			send(6, 4)
			var got []*medsec.Alert
			for deadline := time.Now().Add(45 * time.Second); len(got) == 0 && time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
				got = alerts()
			}
			if len(got) != 1 || got[0].EventCount != 10 || got[0].SiteID != site.ID {
				out, _ := os.ReadFile(serverLog)
				t.Fatalf("after a SIGKILL in the middle of the burst: %+v, want one alert of 10 events\n%s", got, out)
			}
			kill(cmd)
			cmd = start()
			defer kill(cmd)
			// Two heartbeats: whatever the replay held back is out.
			time.Sleep(21 * time.Second)
			if again := alerts(); len(again) != 1 || again[0].ID != got[0].ID || again[0].EventCount != 10 {
				t.Fatalf("after a second SIGKILL: %+v, want the one alert of 10 events", again)
			}
		})
	}
}
