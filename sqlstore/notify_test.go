package sqlstore_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

func TestNotifyPrefs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		users := sqlstore.NewUserService(db)
		svc := sqlstore.NewNotifyService(db)
		u := &medsec.User{Username: "ce.lin", Role: medsec.RoleClinicalEngineer}
		if err := users.CreateUser(system, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		ctx := as(u)
		got, err := svc.FindNotifyPrefs(ctx)
		if err != nil || got.Email != "" || got.Delivery != medsec.DeliveryImmediate || !slices.Equal(got.Kinds, medsec.NotificationKinds) {
			t.Fatalf("defaults = %+v, %v", got, err)
		}
		bad := []medsec.NotifyPrefs{
			{Email: "not an address", Delivery: medsec.DeliveryImmediate},
			{Email: "Lin <ce.lin@hospital.example>", Delivery: medsec.DeliveryImmediate},
			{Email: "ce.lin@hospital.example", Delivery: "weekly"},
			{Email: "ce.lin@hospital.example", Delivery: medsec.DeliveryDigest, Kinds: []medsec.NotificationKind{"nonsense"}},
		}
		for _, p := range bad {
			var ve *medsec.ValidationError
			if err := svc.UpdateNotifyPrefs(ctx, p); !errors.As(err, &ve) {
				t.Errorf("%+v: err = %v, want a validation error", p, err)
			}
		}
		want := medsec.NotifyPrefs{UserID: u.ID, Email: "ce.lin@hospital.example", Delivery: medsec.DeliveryDigest,
			Kinds: []medsec.NotificationKind{medsec.KindEndOfSupport, medsec.KindCRLMissing}}
		if err := svc.UpdateNotifyPrefs(ctx, want); err != nil {
			t.Fatal(err)
		}
		if got, _ = svc.FindNotifyPrefs(ctx); got.Email != want.Email || got.Delivery != want.Delivery || !slices.Equal(got.Kinds, want.Kinds) {
			t.Errorf("stored %+v, want %+v", got, want)
		}
		rs, err := svc.Recipients(system)
		if err != nil || len(rs) != 1 || rs[0].User.Username != "ce.lin" || rs[0].Prefs.Email != want.Email {
			t.Errorf("recipients = %+v, %v", rs, err)
		}
		entries, total, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: "notify.prefs"})
		if total != 1 || entries[0].ObjectID != u.ID || !strings.Contains(string(entries[0].After), want.Email) {
			t.Errorf("audit: %d rows %+v", total, entries)
		}
		u.Disabled = true
		if err := users.UpdateUser(system, u, ""); err != nil {
			t.Fatal(err)
		}
		if rs, _ := svc.Recipients(system); len(rs) != 0 {
			t.Errorf("a disabled user is a recipient")
		}
	})
}

// TestNotifySecretsNotShown stores an SMTP password and a webhook secret: they are used for
// delivery but never read back through the service or written to the audit trail.
func TestNotifySecretsNotShown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		svc := sqlstore.NewNotifyService(db)
		const password, secret = "smtp-pass-XYZZY", "whsec-PLUGH-0123456789"
		set := medsec.NotifySettings{PublicURL: "https://medsec.example/", SMTP: medsec.SMTPSettings{Host: "mail.example", Port: 587,
			TLSPolicy: medsec.TLSMandatory, Username: "medsec", Password: password, From: "medsec@hospital.example"}}
		if err := svc.UpdateNotifySettings(system, set); err != nil {
			t.Fatal(err)
		}
		got, err := svc.FindNotifySettings(system)
		if err != nil || got.SMTP.Password != "" || !got.SMTP.PasswordSet || got.PublicURL != "https://medsec.example" {
			t.Fatalf("read back %+v, %v", got, err)
		}
		got.SMTP.Port = 2525 // save without a password: the stored one stays
		if err := svc.UpdateNotifySettings(system, got); err != nil {
			t.Fatal(err)
		}
		full, _, err := svc.DeliverySettings(system)
		if err != nil || full.SMTP.Password != password || full.SMTP.Port != 2525 {
			t.Errorf("delivery settings %+v, %v", full.SMTP, err)
		}
		w := &medsec.Webhook{Name: "SOC", URL: "https://soc.example/hook", Secret: secret, Kinds: []medsec.NotificationKind{medsec.KindEndOfSupport}, Enabled: true}
		if err := svc.CreateWebhook(system, &medsec.Webhook{Name: "short", URL: "https://x.example", Secret: "short"}); err == nil {
			t.Error("a short secret was accepted")
		}
		if err := svc.CreateWebhook(system, w); err != nil {
			t.Fatal(err)
		}
		hooks, _ := svc.FindWebhooks(system)
		if len(hooks) != 1 || hooks[0].Secret != "" || !hooks[0].SecretSet || hooks[0].Language != "en" {
			t.Errorf("webhooks read back %+v", hooks)
		}
		hooks[0].Name = "SOC pager"
		if err := svc.UpdateWebhook(system, hooks[0]); err != nil {
			t.Fatal(err)
		}
		_, withSecrets, _ := svc.DeliverySettings(system)
		if len(withSecrets) != 1 || withSecrets[0].Secret != secret || withSecrets[0].Name != "SOC pager" {
			t.Errorf("delivery webhooks %+v", withSecrets)
		}
		entries, _, _ := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Limit: 100})
		actions := map[string]bool{}
		for _, e := range entries {
			actions[e.Action] = true
			if s := string(e.Before) + string(e.After); strings.Contains(s, password) || strings.Contains(s, secret) {
				t.Errorf("audit %s holds a secret: %s", e.Action, s)
			}
		}
		for _, a := range []string{"notify.settings", "webhook.create", "webhook.update"} {
			if !actions[a] {
				t.Errorf("no %s audit row", a)
			}
		}
		set.SMTP.Password, set.SMTP.ClearPassword = "", true
		if err := svc.UpdateNotifySettings(system, set); err != nil {
			t.Fatal(err)
		}
		if full, _, _ := svc.DeliverySettings(system); full.SMTP.Password != "" {
			t.Error("clear_password kept the password")
		}
		if err := svc.DeleteWebhook(system, w.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteWebhook(system, w.ID); medsec.ErrorCode(err) != medsec.ENOTFOUND {
			t.Errorf("second delete: %v", err)
		}
		ce := as(&medsec.User{ID: 5, Username: "ce", Role: medsec.RoleClinicalEngineer})
		if _, err := svc.FindNotifySettings(ce); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("clinical engineer reads settings: %v", err)
		}
		if _, _, err := svc.FindDeliveries(ce, medsec.DeliveryFilter{}); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
			t.Errorf("clinical engineer reads the delivery log: %v", err)
		}
	})
}
