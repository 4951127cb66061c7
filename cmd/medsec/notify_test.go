package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strconv"
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

// TestNotifyWithdrawCommand runs "medsec notify withdraw" on a reminder queued for a
// user's digest: refused without a reason, without --user, for a user without user
// administration and for an unknown delivery, then withdrawn as the named administrator
// (the digest item dropped, none told since it was never sent; the audit row and the
// delivery log name that user, not "system": issue 15), and refused a second time.
// "medsec notify deliveries" lists the log with each row's result and the withdrawal.
func TestNotifyWithdrawCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	store, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	u := &medsec.User{Username: "ce.lin", Role: medsec.RoleClinicalEngineer}
	if err := sqlstore.NewUserService(store).CreateUser(asSystem(ctx), u, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	if err := sqlstore.NewUserService(store).CreateUser(asSystem(ctx), &medsec.User{Username: "admin.wu", Role: medsec.RoleAdmin}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	svc := sqlstore.NewNotifyService(store)
	if err := svc.UpdateNotifyPrefs(medsec.NewContextWithUser(ctx, u), medsec.NotifyPrefs{Email: "ce.lin@hospital.example", Delivery: medsec.DeliveryDigest, Kinds: medsec.NotificationKinds}); err != nil {
		t.Fatal(err)
	}
	d, err := newDispatcher(svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Notify(asSystem(ctx), medsec.Notification{Kind: medsec.KindGovernanceDue, Subject: map[string]string{"en": "Access review of HIS due"}, DedupKey: "governance:access:2026Q4"}); err != nil {
		t.Fatal(err)
	}
	rows, _, err := svc.FindDeliveries(asSystem(ctx), medsec.DeliveryFilter{})
	if err != nil || len(rows) != 1 || rows[0].Result != medsec.DeliveryQueued {
		t.Fatalf("deliveries: %+v, %v", rows, err)
	}
	store.Close()
	id := strconv.FormatInt(rows[0].ID, 10)
	if err := run(ctx, []string{"notify", "withdraw", "--data", data, "--user", "admin.wu", "--delivery", id}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Errorf("no reason: %v", err)
	}
	if err := run(ctx, []string{"notify", "withdraw", "--data", data, "--delivery", id, "--reason", "x"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "--user") {
		t.Errorf("no --user: %v", err)
	}
	if err := run(ctx, []string{"notify", "withdraw", "--data", data, "--user", "ce.lin", "--delivery", id, "--reason", "x"}, io.Discard, io.Discard); err == nil {
		t.Errorf("a clinical engineer withdrew a notice")
	}
	if err := run(ctx, []string{"notify", "withdraw", "--data", data, "--user", "admin.wu", "--delivery", "999", "--reason", "x"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("unknown delivery: %v", err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"notify", "withdraw", "--data", data, "--user", "admin.wu", "--delivery", id, "--reason", "The review moved to January."}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "withdrawn governance:access:2026Q4: 0 recipient(s) told, 1 digest item(s) dropped") {
		t.Errorf("output %q", out.String())
	}
	if err := run(ctx, []string{"notify", "withdraw", "--data", data, "--user", "admin.wu", "--delivery", id, "--reason", "again"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "already withdrawn") {
		t.Errorf("withdrawn twice: %v", err)
	}
	store, err = sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	entries, _, err := sqlstore.NewAuditService(store).FindAuditEntries(asSystem(ctx), medsec.AuditFilter{Action: medsec.ActionNoticeWithdraw})
	store.Close()
	if err != nil || len(entries) != 1 || entries[0].Username != "admin.wu" {
		t.Errorf("audit of the withdrawal: %+v, %v; want one row by admin.wu", entries, err)
	}
	out.Reset()
	if err := run(ctx, []string{"notify", "deliveries", "--data", data}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"RESULT", id + " ", "ce.lin@hospital.example", "queued", "Access review of HIS due", "withdrawn by admin.wu: The review moved to January."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("notify deliveries does not show %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"notify", "deliveries", "--data", data, "--json", "--result", "queued"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"total": 1`) || !strings.Contains(out.String(), `"by": "admin.wu"`) {
		t.Errorf("notify deliveries --json: %s", out.String())
	}
	if err := run(ctx, []string{"notify", "deliveries", "--data", data, "--result", "lost"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "skipped") {
		t.Errorf("unknown result: %v", err)
	}
}
