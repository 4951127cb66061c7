package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// TestDemoPasswordRefusedBeforeAnythingIsLoaded is the newcomer review's F4: a demo password
// that the policy refuses stops "serve --demo" before the data directory is made, and a demo
// left without its users by an earlier start gets them on the next start.
func TestDemoPasswordRefusedBeforeAnythingIsLoaded(t *testing.T) {
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
	for _, pw := range []string{"demo", "password1234", "ce.lin-password-2026"} {
		t.Setenv("MEDSEC_DEMO_PASSWORD", pw)
		data := filepath.Join(t.TempDir(), "data")
		m := &Main{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Ready: func(string) {}}
		err := m.Serve(context.Background(), []string{"--data", data, "--listen", "127.0.0.1:0", "--demo"})
		if err == nil || !strings.Contains(err.Error(), "MEDSEC_DEMO_PASSWORD") {
			t.Errorf("demo password %q: err = %v, want a refusal naming MEDSEC_DEMO_PASSWORD", pw, err)
		}
		if _, statErr := os.Stat(data); !os.IsNotExist(statErr) {
			t.Errorf("demo password %q: the data directory was made (%v)", pw, statErr)
		}
	}
	t.Setenv("MEDSEC_DEMO_PASSWORD", demoPassword)
	t.Setenv("MEDSEC_ADMIN_PASSWORD", "password1234")
	data := filepath.Join(t.TempDir(), "data")
	m := &Main{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}, Ready: func(string) {}}
	if err := m.Serve(context.Background(), []string{"--data", data, "--demo"}); err == nil || !strings.Contains(err.Error(), "MEDSEC_ADMIN_PASSWORD") {
		t.Errorf("weak admin password at first start: err = %v", err)
	}
	if _, statErr := os.Stat(data); !os.IsNotExist(statErr) {
		t.Errorf("weak admin password: the data directory was made (%v)", statErr)
	}

	// A demo hospital without its users, as a start that failed at them left it.
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
	ctx := asSystem(context.Background())
	db, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	s := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Discovery: sqlstore.NewDiscoveryService(db), Zones: sqlstore.NewZoneService(db)}
	if s.Assessments, err = newAssessmentService(db, data); err != nil {
		t.Fatal(err)
	}
	if loaded, err := loadDemoHospital(ctx, s); err != nil || !loaded {
		t.Fatalf("load the hospital alone: %v, %v", loaded, err)
	}
	db.Close()

	var stdout bytes.Buffer
	serveCtx, stop := context.WithCancel(context.Background())
	ready := make(chan struct{})
	m = &Main{Stdout: &stdout, Stderr: &bytes.Buffer{}, Ready: func(string) { close(ready) }}
	done := make(chan error, 1)
	go func() { done <- m.Serve(serveCtx, []string{"--data", data, "--listen", "127.0.0.1:0", "--demo"}) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	case <-time.After(serverStartTimeout):
		t.Fatal("server did not start")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if !strings.Contains(stdout.String(), "Demo users (ciso, ce.lin") || !strings.Contains(stdout.String(), "MEDSEC_DEMO_PASSWORD") {
		t.Errorf("the start that made the demo users says:\n%s", stdout.String())
	}
	db, err = sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	users := sqlstore.NewUserService(db)
	all, err := users.FindUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range all {
		names = append(names, u.Username)
	}
	want := []string{"admin", "auditor", "ce.hsu", "ce.lin", "ciso", "director", "itops.chen", "soc.wang", "vendor.aurora"}
	if !slices.Equal(names, want) {
		t.Errorf("users after the second start: %v, want %v", names, want)
	}
	u, err := users.Authenticate(ctx, "ce.hsu", demoPassword, "")
	if err != nil || len(u.SiteIDs) != 1 {
		t.Errorf("ce.hsu logs in with the demo password: %+v, %v; want one site", u, err)
	}
	if u, err := users.Authenticate(ctx, "vendor.aurora", demoPassword, ""); err != nil || u.VendorID == 0 || u.Role != medsec.RoleVendor {
		t.Errorf("vendor.aurora: %+v, %v", u, err)
	}
}
