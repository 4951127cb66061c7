package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/notify"
	"medsec/notify/notifytest"
)

var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func bundle(t *testing.T) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSendMailSTARTTLS sends through a real SMTP server (aiosmtpd) on this machine and
// reads what it delivered: the policy, the certificate check and AUTH each decide.
func TestSendMailSTARTTLS(t *testing.T) {
	tls := notifytest.StartSMTP(t, notifytest.Options{})
	plain := notifytest.StartSMTP(t, notifytest.Options{NoTLS: true})
	authed := notifytest.StartSMTP(t, notifytest.Options{Username: "medsec", Password: "smtp secret 1"})
	settings := func(s *notifytest.Server, policy, ca string) medsec.SMTPSettings {
		return medsec.SMTPSettings{Host: s.Host, Port: s.Port, TLSPolicy: policy, From: "medsec@hospital.example", CAFile: ca}
	}
	withAuth := func(s medsec.SMTPSettings, user, pw string) medsec.SMTPSettings {
		s.Username, s.Password = user, pw
		return s
	}
	tests := []struct {
		name     string
		server   *notifytest.Server
		settings medsec.SMTPSettings
		wantErr  bool
		wantTLS  bool
		login    string
	}{
		{"mandatory STARTTLS, trusted certificate", tls, settings(tls, medsec.TLSMandatory, tls.CAFile), false, true, ""},
		{"mandatory STARTTLS, server without it", plain, settings(plain, medsec.TLSMandatory, ""), true, false, ""},
		{"opportunistic, server without STARTTLS", plain, settings(plain, medsec.TLSOpportunistic, ""), false, false, ""},
		{"mandatory STARTTLS, certificate not trusted", tls, settings(tls, medsec.TLSMandatory, ""), true, false, ""},
		{"AUTH after STARTTLS", authed, withAuth(settings(authed, medsec.TLSMandatory, authed.CAFile), "medsec", "smtp secret 1"), false, true, "medsec"},
		{"AUTH with a wrong password", authed, withAuth(settings(authed, medsec.TLSMandatory, authed.CAFile), "medsec", "wrong"), true, false, ""},
		{"no AUTH where the server requires it", authed, settings(authed, medsec.TLSMandatory, authed.CAFile), true, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(tt.server.Messages(t))
			e := notify.Email{To: "ce.lin@hospital.example", Subject: "[medsec] 已終止支援：CT-01", Body: "本院 的 CT-01 自 2026-01-31 起已終止原廠支援。\n"}
			err := notify.SendMail(context.Background(), tt.settings, testNow, e)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			got := tt.server.Messages(t)
			if tt.wantErr {
				if len(got) != before {
					t.Fatalf("a refused send delivered %d messages", len(got)-before)
				}
				return
			}
			if len(got) != before+1 {
				t.Fatalf("delivered %d messages, want 1", len(got)-before)
			}
			m := got[len(got)-1]
			if m.TLS != tt.wantTLS || m.Login != tt.login {
				t.Errorf("tls=%v login=%q, want tls=%v login=%q", m.TLS, m.Login, tt.wantTLS, tt.login)
			}
			if m.Subject != e.Subject || m.Body != e.Body {
				t.Errorf("got subject %q body %q, want %q %q", m.Subject, m.Body, e.Subject, e.Body)
			}
			if m.MailFrom != "medsec@hospital.example" || len(m.RcptTos) != 1 || m.RcptTos[0] != e.To {
				t.Errorf("envelope %s -> %v", m.MailFrom, m.RcptTos)
			}
			if d, _ := m.Header.Date(); !d.Equal(testNow) {
				t.Errorf("Date %v, want %v", d, testNow)
			}
		})
	}
}

// TestRenderInRecipientLanguage renders one notification in the four languages, with a
// translated argument.
func TestRenderInRecipientLanguage(t *testing.T) {
	b := bundle(t)
	n := &medsec.Notification{Kind: medsec.KindEndOfSupport, Key: "notify.eos_passed", DedupKey: "x",
		Args: []medsec.NotifyArg{{Text: "CT-01"}, {Text: "本院"}, {Text: "2026-01-31"}}, Link: "/assets/7"}
	tests := []struct{ lang, subject, body string }{
		{"en", "Past end of support: CT-01", "CT-01 at 本院 has been past the manufacturer's end of support since 2026-01-31."},
		{"zh-TW", "已終止支援：CT-01", "本院 的 CT-01 自 2026-01-31 起已終止原廠支援。"},
		{"zh-CN", "已终止支持：CT-01", "本院 的 CT-01 自 2026-01-31 起已终止原厂支持。"},
		{"ja", "サポート終了済み：CT-01", "本院 の CT-01 は 2026-01-31 にメーカーのサポートが終了しています。"},
	}
	for _, tt := range tests {
		m := notify.Render(b, n, tt.lang, "https://medsec.example/")
		if m.Subject != tt.subject || m.Body != tt.body || m.URL != "https://medsec.example/assets/7" {
			t.Errorf("%s: got %q / %q / %q", tt.lang, m.Subject, m.Body, m.URL)
		}
	}
	obligation := &medsec.Notification{Key: "notify.obligation_overdue", Args: []medsec.NotifyArg{{Key: "catalog.cn-nhc-2022-measures"},
		{Text: "cn-9.2-1"}, {Text: "年度整改报告"}, {Text: "Yearly remediation report"}, {Text: "2026-11-01"}}}
	for _, lang := range i18n.Languages {
		m := notify.Render(b, obligation, lang, "")
		if strings.Contains(m.Subject+m.Body, "%!") || !strings.Contains(m.Body, b.T(lang, "catalog.cn-nhc-2022-measures")) {
			t.Errorf("%s: %q / %q", lang, m.Subject, m.Body)
		}
	}
}
