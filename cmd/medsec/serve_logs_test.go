package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestServeCollectsSyslog runs the real "medsec serve" with UDP and TCP syslog listeners,
// sends with util-linux logger, stops the server and finds the records with
// "medsec logs search", the sender auto-registered as a log source linked to the asset
// with its address, and the seal verified by "medsec logs verify --data".
func TestServeCollectsSyslog(t *testing.T) {
	t.Setenv("MEDSEC_ADMIN_PASSWORD", adminPassword)
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, dsnFor(dir, ""))
	if err != nil {
		t.Fatal(err)
	}
	sys := asSystem(ctx)
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := sqlstore.NewOrgService(db).CreateSite(sys, site); err != nil {
		t.Fatal(err)
	}
	asset := &medsec.Asset{SiteID: site.ID, Name: "syslog-relay", Kind: medsec.KindOther, IPs: []string{"127.0.0.1"}}
	if err := sqlstore.NewAssetService(db).CreateAsset(sys, asset); err != nil {
		t.Fatal(err)
	}
	db.Close()

	sctx, cancel := context.WithCancel(ctx)
	ready := make(chan string, 1)
	addrs := make(chan [2]string, 4)
	var stdout, stderr bytes.Buffer
	m := &Main{Stdout: &stdout, Stderr: &stderr, Ready: func(a string) { ready <- a },
		LogListening: func(kind, addr string) { addrs <- [2]string{kind, addr} }, logFlushEvery: time.Hour}
	done := make(chan error, 1)
	go func() {
		done <- m.Serve(sctx, []string{"--data", dir, "--listen", "127.0.0.1:0", "--syslog-udp", "127.0.0.1:0", "--syslog-tcp", "127.0.0.1:0"})
	}()
	got := map[string]string{}
	for len(got) < 2 {
		select {
		case a := <-addrs:
			got[a[0]] = a[1]
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, stderr.String())
		case <-time.After(time.Minute):
			t.Fatal("listeners did not start")
		}
	}
	<-ready
	port := func(a string) string { _, p, _ := net.SplitHostPort(a); return p }
	for i := range 5 {
		for _, way := range []struct{ flag, addr string }{{"-d", got["syslog-udp"]}, {"-T", got["syslog-tcp"]}} {
			msg := fmt.Sprintf("serve-test %s %d user=nurse01", strings.TrimPrefix(way.flag, "-"), i)
			if out, err := exec.Command("logger", "--rfc5424", way.flag, "-n", "127.0.0.1", "-P", port(way.addr), "-t", "emr", msg).CombinedOutput(); err != nil {
				t.Fatalf("logger: %v %s", err, out)
			}
		}
	}
	time.Sleep(500 * time.Millisecond) // UDP has no acknowledgement to wait for
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}

	var out, errb bytes.Buffer
	if err := run(ctx, []string{"logs", "search", "--data", dir, "--from", "-1h", "serve-test", "--json"}, &out, &errb); err != nil {
		t.Fatalf("logs search: %v %s", err, errb.String())
	}
	var res struct {
		Total int `json:"total"`
	}
	json.Unmarshal(out.Bytes(), &res)
	if res.Total != 10 {
		t.Errorf("logs search found %d of 10 records: %s", res.Total, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"logs", "verify", "--data", dir}, &out, &errb); err != nil || !strings.Contains(out.String(), "OK") {
		t.Errorf("logs verify: %v %s", err, out.String())
	}
	db, err = sqlstore.Open(ctx, dsnFor(dir, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	srcs, err := sqlstore.NewLogSourceService(db).FindLogSources(sys, medsec.LogSourceFilter{})
	if err != nil || len(srcs) != 1 {
		t.Fatalf("sources %v %v", srcs, err)
	}
	if s := srcs[0]; s.Address != "127.0.0.1" || s.AssetID != asset.ID || !s.AutoRegistered || s.Records != 10 || s.Format != "rfc5424" || s.SkewSamples != 10 {
		t.Errorf("source %+v", s)
	}
}
