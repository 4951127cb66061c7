package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/notify"
	"medsec/sqlstore"
)

// TestDemoLogSources loads the demo hospital and checks its log sources: linked to their
// assets, the PACS 95 s behind and naming no user, the wireless controller silent; the
// server's log alert check raises exactly those two alerts.
func TestDemoLogSources(t *testing.T) {
	data := t.TempDir()
	ctx := asSystem(context.Background())
	db, err := sqlstore.Open(ctx, dsnFor(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db), LogSources: sqlstore.NewLogSourceService(db)}
	if s.Assessments, err = newAssessmentService(db, data); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, s); err != nil || !loaded {
		t.Fatalf("demo: %v %v", loaded, err)
	}
	srcs, err := s.LogSources.FindLogSources(ctx, medsec.LogSourceFilter{})
	if err != nil || len(srcs) != len(demoLogSources)+1 {
		t.Fatalf("sources %d, %v", len(srcs), err)
	}
	now := time.Now()
	byHost := map[string]*medsec.LogSource{}
	for _, src := range srcs {
		byHost[src.Hostname] = src
		if src.Transport != "https" && (src.AssetID == 0 || !src.AutoRegistered) {
			t.Errorf("%s: not linked to its asset: %+v", src.Name, src)
		}
	}
	if p := byHost["pacs01"]; p == nil || p.Skew != -95 || p.Missing["user"] != 55 || p.Silent(now) {
		t.Errorf("PACS %+v", p)
	}
	if w := byHost["wlc7200"]; w == nil || !w.Silent(now) {
		t.Errorf("wireless controller not silent: %+v", w)
	}
	alerts := sqlstore.NewLogAlertService(db)
	told := &collected{}
	job := &notify.LogAlerts{Sources: s.LogSources, Alerts: alerts, Org: s.Org, Notifier: told}
	if err := job.Run(ctx, now); err != nil {
		t.Fatal(err)
	}
	open, err := alerts.FindLogAlerts(ctx, medsec.LogAlertFilter{Active: true})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, a := range open {
		got[string(a.Kind)+" "+a.Args[0]] = true
	}
	if len(open) != 2 || !got["logs.source_silent "+byHost["wlc7200"].Name] || !got["logs.clock_skew "+byHost["pacs01"].Name] || len(told.got) != 2 {
		t.Errorf("demo alerts: %v, told %d; want the silent wireless controller and the PACS's clock", got, len(told.got))
	}
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"logs", "alerts", "--data", data}, &out, &errb); err != nil || !strings.Contains(out.String(), "logs.clock_skew site") ||
		!strings.Contains(out.String(), ", -95.0, 10\n") || !strings.Contains(out.String(), "2 alerts") {
		t.Errorf("medsec logs alerts: %v %s%s", err, out.String(), errb.String())
	}
}

// collected keeps the notifications it is told.
type collected struct{ got []medsec.Notification }

func (c *collected) Notify(_ context.Context, n medsec.Notification) error {
	c.got = append(c.got, n)
	return nil
}
