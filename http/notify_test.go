package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/i18n"
	"medsec/notify"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// addNotify gives a test server the notification services on db.
func addNotify(t *testing.T, services *mhttp.Services, db *sqlstore.DB) {
	t.Helper()
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	svc := sqlstore.NewNotifyService(db)
	services.Notifications = svc
	d := &notify.Dispatcher{Store: svc, Translator: b, Webhooks: &notify.WebhookPoster{Backoff: time.Millisecond}}
	services.NotifyTester, services.NoticeWithdrawer = d, d
}

// TestNotifyAPIEndToEnd configures a real SMTP server (aiosmtpd, STARTTLS required) and a
// real webhook receiver through the API, sends the test messages, and reads what arrived
// and the delivery log; the password and the secret are never returned.
func TestNotifyAPIEndToEnd(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	smtp := notifytest.StartSMTP(t, notifytest.Options{Username: "medsec", Password: "smtp-pass-XYZZY"})
	settings := fmt.Sprintf(`{"public_url": "https://medsec.example", "smtp": {"host": %q, "port": %d, "tls_policy": "mandatory",
		"username": "medsec", "password": "smtp-pass-XYZZY", "from": "medsec@hospital.example", "ca_file": %q}}`, smtp.Host, smtp.Port, smtp.CAFile)
	status, body := f.do("PUT", "/api/v1/notifications/settings", admin, settings)
	if status != 200 || strings.Contains(body, "XYZZY") || !strings.Contains(body, `"password_set": true`) {
		t.Fatalf("put settings: %d %s", status, body)
	}
	if status, body := f.do("PUT", "/api/v1/notifications/settings", admin, `{"smtp": {"host": "mail:25", "tls_policy": "sometimes", "from": "x"}}`); status != 422 ||
		!strings.Contains(body, `"smtp.host"`) || !strings.Contains(body, `"smtp.tls_policy"`) || !strings.Contains(body, `"smtp.from"`) {
		t.Errorf("bad settings: %d %s", status, body)
	}

	status, body = f.do("POST", "/api/v1/notifications/test", admin, `{"to": "ciso@hospital.example"}`)
	if status != 200 || !strings.Contains(body, `"result": "sent"`) {
		t.Fatalf("test e-mail: %d %s", status, body)
	}
	got := smtp.WaitMessages(t, 1)
	if len(got) != 1 || !got[0].TLS || got[0].Login != "medsec" || got[0].RcptTos[0] != "ciso@hospital.example" ||
		!strings.HasPrefix(got[0].Subject, "[medsec] Test message (20") || !strings.Contains(got[0].Body, "https://medsec.example/notifications") {
		t.Fatalf("received %+v", got)
	}

	var mu sync.Mutex
	var hookCalls, badSigs int
	secret := "whsec-0123456789abcdef"
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		b, _ := io.ReadAll(r.Body)
		hookCalls++
		if notify.Verify([]byte(secret), r.Header.Get(notify.SignatureHeader), b, time.Now(), 5*time.Minute) != nil {
			badSigs++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if json.Unmarshal(b, &p) != nil || p.Kind != medsec.KindTest || p.Language != "ja" || !strings.HasPrefix(p.Subject, "テストメッセージ（20") {
			t.Errorf("webhook payload %s", b)
		}
	}))
	defer recv.Close()
	status, body = f.do("POST", "/api/v1/notifications/webhooks", admin, fmt.Sprintf(`{"name": "SOC", "url": %q, "secret": %q, "language": "ja", "enabled": true, "kinds": ["eos.passed"]}`, recv.URL, secret))
	if status != 201 || strings.Contains(body, secret) || !strings.Contains(body, `"secret_set": true`) {
		t.Fatalf("create webhook: %d %s", status, body)
	}
	var hook medsec.Webhook
	json.Unmarshal([]byte(body), &hook)
	status, body = f.do("POST", "/api/v1/notifications/test", admin, fmt.Sprintf(`{"webhook_id": %d}`, hook.ID))
	if status != 200 || hookCalls != 1 || badSigs != 0 {
		t.Fatalf("test webhook: %d %s; %d calls, %d bad signatures", status, body, hookCalls, badSigs)
	}
	// A wrong secret: the receiver refuses, the API answers 502 with the failed row.
	status, _ = f.do("PUT", fmt.Sprintf("/api/v1/notifications/webhooks/%d", hook.ID), admin, fmt.Sprintf(`{"name": "SOC", "url": %q, "secret": "another secret, long enough", "language": "ja", "enabled": true}`, recv.URL))
	if status != 200 {
		t.Fatalf("update webhook: %d", status)
	}
	if status, body = f.do("POST", "/api/v1/notifications/test", admin, fmt.Sprintf(`{"webhook_id": %d}`, hook.ID)); status != 502 || !strings.Contains(body, `"result": "failed"`) || !strings.Contains(body, "401") {
		t.Errorf("test webhook with a wrong secret: %d %s", status, body)
	}
	status, body = f.do("GET", "/api/v1/notifications/deliveries", admin, "")
	var log struct {
		Items []medsec.Delivery `json:"items"`
		Total int               `json:"total"`
	}
	json.Unmarshal([]byte(body), &log)
	if status != 200 || log.Total != 3 || log.Items[0].Result != medsec.DeliveryFailed || log.Items[2].Recipient != "ciso@hospital.example" {
		t.Errorf("deliveries: %d %s", status, body)
	}
	if status, body := f.do("GET", "/api/v1/notifications/webhooks", admin, ""); status != 200 || strings.Contains(body, "secret, long") || strings.Contains(body, secret) {
		t.Errorf("webhooks list shows a secret: %s", body)
	}
	if status, _ := f.do("DELETE", fmt.Sprintf("/api/v1/notifications/webhooks/%d", hook.ID), admin, ""); status != 204 {
		t.Errorf("delete webhook: %d", status)
	}
}

// TestNotifyPrefsAPIAndUI: every user keeps its own preferences, by API and on the
// account page, in the user's language.
func TestNotifyPrefsAPIAndUI(t *testing.T) {
	f := newFixture(t)
	vendor := f.tokens[medsec.RoleVendor]
	status, body := f.do("PUT", "/api/v1/me/notifications", vendor, `{"email": "svc@aurora.example", "delivery": "digest", "kinds": ["eos.passed"]}`)
	if status != 200 || !strings.Contains(body, `"delivery": "digest"`) {
		t.Fatalf("vendor saves its preferences: %d %s", status, body)
	}
	if status, body := f.do("PUT", "/api/v1/me/notifications", vendor, `{"email": "nope", "delivery": "hourly"}`); status != 422 || !strings.Contains(body, `"email"`) || !strings.Contains(body, `"delivery"`) {
		t.Errorf("bad preferences: %d %s", status, body)
	}
	if _, body := f.do("GET", "/api/v1/me/notifications", f.tokens[medsec.RoleAuditor], ""); strings.Contains(body, "aurora") {
		t.Errorf("another user's preferences: %s", body)
	}

	c := f.session("u-clinical-engineer")
	resp, err := c.PostForm(f.srv.URL+"/language", url.Values{"lang": {"zh-TW"}, "next": {"/account"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	page := func() string {
		resp, err := c.Get(f.srv.URL + "/account")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if p := page(); !strings.Contains(p, `id="notifications"`) || !strings.Contains(p, "已終止支援的設備") || !strings.Contains(p, "每日一封摘要") {
		t.Fatalf("account page lacks the translated notification section:\n%s", p)
	}
	resp, err = c.PostForm(f.srv.URL+"/account/notifications", url.Values{"email": {"ce@hospital.example"}, "delivery": {"immediate"}, "kinds": {"eos.passed", "crl.missing"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save preferences: %d", resp.StatusCode)
	}
	p := page()
	if !strings.Contains(p, `value="ce@hospital.example"`) || !strings.Contains(p, `value="crl.missing" checked`) || strings.Contains(p, `value="eos.near" checked`) {
		t.Errorf("saved preferences not shown")
	}
	resp, err = c.PostForm(f.srv.URL+"/account/notifications", url.Values{"email": {"not-an-address"}, "delivery": {"immediate"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "不是電子郵件地址") {
		t.Errorf("bad address: %d, want 422 with the translated error", resp.StatusCode)
	}
}

// TestNotifyAdminPage renders the administrator's page in the four languages and sends a
// test e-mail from it through the real SMTP server.
func TestNotifyAdminPage(t *testing.T) {
	f := newFixture(t)
	smtp := notifytest.StartSMTP(t, notifytest.Options{})
	c := f.session("u-admin")
	post := func(path string, form url.Values) (int, string) {
		resp, err := c.PostForm(f.srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, _ := post("/notifications/settings", url.Values{"host": {smtp.Host}, "port": {fmt.Sprint(smtp.Port)}, "tls_policy": {"mandatory"},
		"from": {"medsec@hospital.example"}, "ca_file": {smtp.CAFile}}); status != http.StatusSeeOther {
		t.Fatalf("save settings: %d", status)
	}
	if status, body := post("/notifications/settings", url.Values{"host": {"mail.example"}, "port": {"70000"}, "tls_policy": {"mandatory"}, "from": {"x"}}); status != 422 || !strings.Contains(body, `value="70000"`) {
		t.Errorf("bad settings: %d (the form must come back as typed)", status)
	}
	if status, _ := post("/notifications/test", url.Values{"to": {"admin@hospital.example"}}); status != http.StatusSeeOther {
		t.Fatalf("send test: %d", status)
	}
	if got := smtp.WaitMessages(t, 1); len(got) != 1 || got[0].RcptTos[0] != "admin@hospital.example" || !got[0].TLS {
		t.Fatalf("received %+v", got)
	}
	for _, lang := range i18n.Languages {
		post("/language", url.Values{"lang": {lang}, "next": {"/notifications"}})
		resp, err := c.Get(f.srv.URL + "/notifications")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode != 200 || !strings.Contains(body, "admin@hospital.example") || !strings.Contains(body, `id="webhooks"`) {
			t.Errorf("%s: %d", lang, resp.StatusCode)
		}
		if strings.Contains(body, "notify.") || strings.Contains(body, "notify_") {
			t.Errorf("%s: an untranslated key on the page", lang)
		}
	}
	// Not an administrator: refused.
	resp, err := f.session("u-security-officer").Get(f.srv.URL + "/notifications")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("security officer: %d, want 403", resp.StatusCode)
	}
}

// TestNoticeWithdrawAPIAndPage withdraws a reminder queued for the branch engineer's
// digest: by API refused without a reason (422 naming it) and to the branch engineer (403),
// then withdrawn and refused again (409); the delivery log shows it withdrawn with the
// reason by API and on the page in the four languages, and a second reminder is withdrawn
// from the page's form.
func TestNoticeWithdrawAPIAndPage(t *testing.T) {
	f := newFixture(t)
	admin := f.tokens[medsec.RoleAdmin]
	if status, body := f.do("PUT", "/api/v1/me/notifications", f.branchCE, `{"email": "ce.hsu@hospital.example", "delivery": "digest", "kinds": ["governance.due", "backup.problem"]}`); status != 200 {
		t.Fatalf("prefs: %d %s", status, body)
	}
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := &notify.Dispatcher{Store: sqlstore.NewNotifyService(f.db), Translator: b}
	for _, key := range []string{"governance:access:2026Q4", "backup:restore:9:2026-11-20"} {
		if err := d.Notify(context.Background(), medsec.Notification{Kind: medsec.KindGovernanceDue, Subject: map[string]string{"en": "Due: " + key},
			Scope: medsec.NotifyScope{SiteID: f.assetBR.SiteID}, DedupKey: key}); err != nil {
			t.Fatal(err)
		}
	}
	var log struct {
		Items []medsec.Delivery `json:"items"`
	}
	_, body := f.do("GET", "/api/v1/notifications/deliveries", admin, "")
	if json.Unmarshal([]byte(body), &log); len(log.Items) != 2 {
		t.Fatalf("deliveries: %s", body)
	}
	first, second := log.Items[1], log.Items[0]
	path := fmt.Sprintf("/api/v1/notifications/deliveries/%d/withdraw", first.ID)
	if status, body := f.do("POST", path, admin, `{"reason": ""}`); status != 422 || !strings.Contains(body, `"reason"`) {
		t.Errorf("no reason: %d %s", status, body)
	}
	if status, _ := f.do("POST", path, f.branchCE, `{"reason": "moved"}`); status != 403 {
		t.Errorf("branch engineer: %d", status)
	}
	status, body := f.do("POST", path, admin, `{"reason": "The access review moved to January (board decision 2026-11-30)."}`)
	if status != 200 || !strings.Contains(body, `"dropped": 1`) || !strings.Contains(body, `"by": "u-admin"`) {
		t.Fatalf("withdraw: %d %s", status, body)
	}
	if status, _ := f.do("POST", path, admin, `{"reason": "again"}`); status != 409 {
		t.Errorf("withdrawn twice: %d", status)
	}
	_, body = f.do("GET", "/api/v1/notifications/deliveries", admin, "")
	if !strings.Contains(body, `"reason": "The access review moved to January (board decision 2026-11-30)."`) {
		t.Errorf("log does not show the withdrawal: %s", body)
	}
	c := f.session("u-admin")
	for _, lang := range i18n.Languages {
		c.PostForm(f.srv.URL+"/language", url.Values{"lang": {lang}, "next": {"/notifications"}})
		resp, err := c.Get(f.srv.URL + "/notifications")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := strings.SplitN(b.T(lang, "notify.withdrawn_by", "u-admin", "§", "x"), "§", 2)[0]
		if !strings.Contains(string(page), want) || !strings.Contains(string(page), "board decision 2026-11-30") ||
			!strings.Contains(string(page), fmt.Sprintf(`action="/notifications/deliveries/%d/withdraw"`, second.ID)) ||
			strings.Contains(string(page), fmt.Sprintf(`action="/notifications/deliveries/%d/withdraw"`, first.ID)) {
			t.Errorf("%s: page does not show the withdrawal (%q) or the form", lang, want)
		}
	}
	resp, err := c.PostForm(f.srv.URL+fmt.Sprintf("/notifications/deliveries/%d/withdraw", second.ID), url.Values{"reason": {"Restore test done on 2026-11-19."}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusSeeOther {
		t.Errorf("withdraw from the page: %d", resp.StatusCode)
	}
	if _, body = f.do("GET", "/api/v1/notifications/deliveries", admin, ""); strings.Count(body, `"withdrawn": {`) != 2 {
		t.Errorf("second notice not withdrawn: %s", body)
	}
}
