package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"medsec"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// TestNotifyTestCommand runs "medsec notify test" against a real SMTP server with
// STARTTLS required, as an operator checks the settings.
func TestNotifyTestCommand(t *testing.T) {
	ctx := context.Background()
	smtp := notifytest.StartSMTP(t, notifytest.Options{})
	data := t.TempDir()
	var out bytes.Buffer
	if err := run(ctx, []string{"notify", "test", "--data", data, "--to", "ops@hospital.example"}, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "No SMTP server") {
		t.Fatalf("without settings: %v, want an error saying no SMTP server is set", err)
	}
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	set := medsec.NotifySettings{SMTP: medsec.SMTPSettings{Host: smtp.Host, Port: smtp.Port, TLSPolicy: medsec.TLSMandatory, From: "medsec@hospital.example"}}
	if err := sqlstore.NewNotifyService(store).UpdateNotifySettings(asSystem(ctx), set); err != nil {
		t.Fatal(err)
	}
	store.Close()
	// The server's certificate is self-signed and not yet trusted: refused, and said why.
	if err := run(ctx, []string{"notify", "test", "--data", data, "--to", "ops@hospital.example"}, &out, io.Discard); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted certificate: %v, want a certificate error", err)
	}
	store, _ = sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	set.SMTP.CAFile = smtp.CAFile
	if err := sqlstore.NewNotifyService(store).UpdateNotifySettings(asSystem(ctx), set); err != nil {
		t.Fatal(err)
	}
	store.Close()
	out.Reset()
	if err := run(ctx, []string{"notify", "test", "--data", data, "--to", "ops@hospital.example"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	got := smtp.WaitMessages(t, 1)
	if len(got) != 1 || !got[0].TLS || got[0].RcptTos[0] != "ops@hospital.example" || !strings.HasPrefix(got[0].Subject, "[medsec] Test message") {
		t.Fatalf("received %+v", got)
	}
	if !strings.Contains(out.String(), "sent to ops@hospital.example") {
		t.Errorf("output %q", out.String())
	}
	if err := run(ctx, []string{"notify", "test", "--data", data}, io.Discard, io.Discard); err == nil {
		t.Error("no --to accepted")
	}
}
