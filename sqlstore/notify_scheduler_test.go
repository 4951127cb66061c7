package sqlstore_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/catalog"
	"medsec/i18n"
	"medsec/notify"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// hookReceiver is a real HTTP server that verifies each webhook's signature.
type hookReceiver struct {
	mu      sync.Mutex
	secret  []byte
	now     func() time.Time
	got     []notify.WebhookPayload
	badSigs int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if notify.Verify(h.secret, r.Header.Get(notify.SignatureHeader), body, h.now(), 5*time.Minute) != nil {
		h.badSigs++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var p notify.WebhookPayload
	json.Unmarshal(body, &p)
	h.got = append(h.got, p)
}

// TestSchedulerReminders runs the scheduler with a set clock over a hospital with two
// sites and two vendors, against a real SMTP server and a real webhook receiver: each
// overdue item reaches exactly the users who may see it, once, in their language; a
// vendor user hears only of its company's devices and never of the organisation's
// obligations; the digest user gets one message the next day with every item.
func TestSchedulerReminders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := testNow // 2026-11-23 09:00 UTC
		clock := func() time.Time { return now }
		db.Now = clock
		main, branch := seedOrg(t, db)
		org := sqlstore.NewOrgService(db)
		vendors, _ := org.FindVendors(system)
		v1 := vendors[0]
		v2 := &medsec.Vendor{Name: "Borealis Imaging"}
		if err := org.CreateVendor(system, v2); err != nil {
			t.Fatal(err)
		}
		date := func(s string) medsec.Date { d, _ := medsec.ParseDate(s); return d }
		assets := sqlstore.NewAssetService(db)
		ct := &medsec.Asset{SiteID: main.ID, Name: "CT-HQ", Kind: medsec.KindWorkstation, VendorID: v1.ID, Class: medsec.ClassBoundary,
			Level: medsec.LevelModerate, EndOfSupport: date("2026-01-31")}
		mr := &medsec.Asset{SiteID: branch.ID, Name: "MR-BR", Kind: medsec.KindModality, VendorID: v2.ID, EndOfSupport: date("2026-12-31")}
		us := &medsec.Asset{SiteID: main.ID, Name: "US-HQ", Kind: medsec.KindUltrasound, VendorID: v2.ID, EndOfSupport: date("2031-01-01")}
		for _, a := range []*medsec.Asset{ct, mr, us} {
			if err := assets.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		assess := newAssessmentService(t, db)
		// A yearly CN obligation last done 2025-10-01 is overdue since 2026-10-01.
		tasks, err := assess.ObligationCalendar(system)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(tasks, func(x medsec.ObligationTask) bool { return x.Cadence == "P1Y" })
		if i < 0 {
			t.Fatal("no yearly obligation")
		}
		yearly := tasks[i]
		if err := assess.Assess(system, &medsec.Assessment{CatalogID: yearly.CatalogID, ControlID: yearly.ControlID, Status: medsec.AssessImplemented, AssessedOn: date("2025-10-01")}); err != nil {
			t.Fatal(err)
		}
		// CT-HQ's review of tw-ac-1.l was due 2026-06-01.
		if err := assess.Assess(system, &medsec.Assessment{CatalogID: catalog.IDTaiwanBaseline, ControlID: "tw-ac-1.l", AssetID: ct.ID,
			Status: medsec.AssessPartial, AssessedOn: date("2026-01-10"), NextReview: date("2026-06-01")}); err != nil {
			t.Fatal(err)
		}

		users := sqlstore.NewUserService(db)
		notifySvc := sqlstore.NewNotifyService(db)
		mk := func(name string, role medsec.Role, lang, delivery string, sites []int64, vendorID int64) *medsec.User {
			u := &medsec.User{Username: name, Role: role, SiteIDs: sites, VendorID: vendorID}
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			if lang != "" {
				if err := users.SetLanguage(as(u), lang); err != nil {
					t.Fatal(err)
				}
			}
			if delivery != "" {
				p := medsec.NotifyPrefs{Email: name + "@hospital.example", Delivery: delivery, Kinds: medsec.NotificationKinds}
				if err := notifySvc.UpdateNotifyPrefs(as(u), p); err != nil {
					t.Fatal(err)
				}
			}
			return u
		}
		mk("admin", medsec.RoleAdmin, "zh-TW", medsec.DeliveryImmediate, nil, 0)
		mk("ce-br", medsec.RoleClinicalEngineer, "", medsec.DeliveryImmediate, []int64{branch.ID}, 0)
		mk("vendor-aurora", medsec.RoleVendor, "", medsec.DeliveryImmediate, nil, v1.ID)
		mk("auditor", medsec.RoleAuditor, "ja", medsec.DeliveryDigest, nil, 0)
		mk("soc", medsec.RoleSOCAnalyst, "", "", nil, 0) // no address: gets nothing

		smtp := notifytest.StartSMTP(t, notifytest.Options{})
		if err := notifySvc.UpdateNotifySettings(system, medsec.NotifySettings{PublicURL: "https://medsec.example",
			SMTP: medsec.SMTPSettings{Host: smtp.Host, Port: smtp.Port, TLSPolicy: medsec.TLSMandatory, From: "medsec@hospital.example", CAFile: smtp.CAFile}}); err != nil {
			t.Fatal(err)
		}
		rc := &hookReceiver{secret: []byte("whsec-0123456789abcdef"), now: clock}
		hook := httptest.NewServer(rc)
		defer hook.Close()
		if err := notifySvc.CreateWebhook(system, &medsec.Webhook{Name: "SOC", URL: hook.URL, Secret: string(rc.secret), Enabled: true,
			Kinds: []medsec.NotificationKind{medsec.KindEndOfSupport}, SiteIDs: []int64{main.ID}}); err != nil {
			t.Fatal(err)
		}

		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		d := &notify.Dispatcher{Store: notifySvc, Translator: bundle, Now: clock, Webhooks: &notify.WebhookPoster{Client: hook.Client(), Backoff: time.Millisecond}}
		rem := &notify.Reminders{Assessments: assess, Assets: assets, Zones: sqlstore.NewZoneService(db), Org: org, Notifier: d}
		sched := &notify.Scheduler{Now: clock, Jobs: []notify.Job{
			{Name: "reminders", Every: time.Hour, Run: rem.Run},
			{Name: "digests", Every: time.Hour, Run: func(ctx context.Context, _ time.Time) error { return d.SendDigests(ctx) }},
		}}
		ctx := context.Background()

		sched.Tick(ctx)
		byRcpt := func(msgs []notifytest.Received) map[string][]string {
			out := map[string][]string{}
			for _, m := range msgs {
				if !m.TLS {
					t.Errorf("message to %v sent without TLS", m.RcptTos)
				}
				out[m.RcptTos[0]] = append(out[m.RcptTos[0]], m.Subject)
			}
			for _, v := range out {
				sort.Strings(v)
			}
			return out
		}
		obligationEn := "[medsec] Overdue obligation: " + yearly.ControlID + " " + yearly.TitleEn
		obligationTW := "[medsec] 義務逾期：" + yearly.ControlID + " " + yearly.Title
		want := map[string][]string{
			"admin@hospital.example": {
				"[medsec] 即將終止支援：MR-BR",
				"[medsec] 已終止支援：CT-HQ",
				"[medsec] 缺少年度網路安全風險評估：CT-HQ",
				"[medsec] 複審逾期：CT-HQ，tw-ac-1.l",
				obligationTW,
			},
			// A user limited to a site sees the organisation's obligations (as on the
			// calendar page) and that site's devices.
			"ce-br@hospital.example": {"[medsec] End of support soon: MR-BR", obligationEn},
			"vendor-aurora@hospital.example": {
				"[medsec] Past end of support: CT-HQ",
				"[medsec] Review overdue: CT-HQ, tw-ac-1.l",
				"[medsec] Yearly cyber-risk review missing: CT-HQ",
			},
		}
		for _, v := range want {
			sort.Strings(v)
		}
		got := byRcpt(smtp.WaitMessages(t, 10))
		for rcpt, subjects := range want {
			if !slices.Equal(got[rcpt], subjects) {
				t.Errorf("%s got\n  %q\nwant\n  %q", rcpt, got[rcpt], subjects)
			}
		}
		for rcpt := range got {
			if want[rcpt] == nil {
				t.Errorf("%s got %q, want nothing", rcpt, got[rcpt])
			}
		}
		if rc.badSigs != 0 || len(rc.got) != 1 || rc.got[0].Kind != medsec.KindEndOfSupport || rc.got[0].Scope.AssetID != ct.ID ||
			rc.got[0].URL != "https://medsec.example/assets/"+itoa(ct.ID) {
			t.Errorf("webhook got %+v (%d bad signatures), want CT-HQ's end of support", rc.got, rc.badSigs)
		}
		msgs := smtp.Messages(t)
		for _, m := range msgs {
			if m.RcptTos[0] == "admin@hospital.example" && strings.Contains(m.Subject, "CT-HQ") && strings.Contains(m.Subject, "已終止") {
				if !strings.Contains(m.Body, "示範醫學中心 的 CT-HQ 自 2026-01-31 起已終止原廠支援。") || !strings.Contains(m.Body, "https://medsec.example/assets/"+itoa(ct.ID)) {
					t.Errorf("admin's body:\n%s", m.Body)
				}
			}
		}

		// Later ticks the same day: nothing is sent again.
		now = now.Add(2 * time.Hour)
		sched.Tick(ctx)
		if n := len(smtp.Messages(t)); n != 10 || len(rc.got) != 1 {
			t.Errorf("after a second tick: %d messages, %d webhook calls; want 10 and 1", n, len(rc.got))
		}

		// The next day the auditor's digest goes: one message with all five items of
		// yesterday (the auditor sees every site and the organisation).
		now = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
		sched.Tick(ctx)
		msgs = smtp.WaitMessages(t, 11)
		if len(msgs) != 11 {
			t.Fatalf("%d messages after the digest, want 11", len(msgs))
		}
		dg := msgs[10]
		if dg.RcptTos[0] != "auditor@hospital.example" || dg.Subject != "[medsec] 日次ダイジェスト：2026-11-23 の通知 5 件" {
			t.Fatalf("digest to %v: %q", dg.RcptTos, dg.Subject)
		}
		for _, s := range []string{"サポート終了済み：CT-HQ", "サポート終了間近：MR-BR", "年次サイバーリスク評価が未実施：CT-HQ", "見直し期限切れ：CT-HQ", "期限切れの義務：" + yearly.ControlID} {
			if !strings.Contains(dg.Body, s) {
				t.Errorf("digest lacks %q:\n%s", s, dg.Body)
			}
		}
		// The digest goes once.
		now = now.Add(2 * time.Hour)
		sched.Tick(ctx)
		if n := len(smtp.Messages(t)); n != 11 {
			t.Errorf("%d messages after another tick, want 11", n)
		}

		log, total, err := notifySvc.FindDeliveries(system, medsec.DeliveryFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, r := range log {
			count[r.Channel+" "+r.Result]++
		}
		if total != 17 || count["email sent"] != 11 || count["email queued"] != 5 || count["webhook sent"] != 1 {
			t.Errorf("delivery log: %d rows %v; want 11 e-mails sent, 5 queued, 1 webhook", total, count)
		}
		// An administrator limited to the branch sees the branch's rows and the
		// organisation's, never a row about CT-HQ.
		brAdmin := as(&medsec.User{ID: 99, Username: "br-admin", Role: medsec.RoleAdmin, SiteIDs: []int64{branch.ID}})
		brLog, brTotal, err := notifySvc.FindDeliveries(brAdmin, medsec.DeliveryFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		sawMR := false
		for _, r := range brLog {
			if (r.SiteID != 0 && r.SiteID != branch.ID) || strings.Contains(r.Subject, "CT-HQ") {
				t.Errorf("branch admin sees %+v", r)
			}
			sawMR = sawMR || strings.Contains(r.Subject, "MR-BR")
		}
		if !sawMR || brTotal >= total || brTotal != len(brLog) {
			t.Errorf("branch admin sees %d of %d rows (MR-BR among them: %v)", brTotal, total, sawMR)
		}
	})
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// TestSchedulerSMTPDown: with the SMTP server unreachable, a run logs one failed delivery
// (not one per notification) and remembers nothing; the next run, with the server back,
// delivers everything.
func TestSchedulerSMTPDown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		now := testNow
		clock := func() time.Time { return now }
		db.Now = clock
		main, _ := seedOrg(t, db)
		assets := sqlstore.NewAssetService(db)
		for _, name := range []string{"CT-1", "CT-2", "CT-3"} {
			eos, _ := medsec.ParseDate("2026-01-31")
			if err := assets.CreateAsset(system, &medsec.Asset{SiteID: main.ID, Name: name, Kind: medsec.KindModality, EndOfSupport: eos}); err != nil {
				t.Fatal(err)
			}
		}
		users := sqlstore.NewUserService(db)
		svc := sqlstore.NewNotifyService(db)
		u := &medsec.User{Username: "ce.lin", Role: medsec.RoleClinicalEngineer}
		if err := users.CreateUser(system, u, "a long enough password"); err != nil {
			t.Fatal(err)
		}
		if err := svc.UpdateNotifyPrefs(as(u), medsec.NotifyPrefs{Email: "ce.lin@hospital.example", Delivery: medsec.DeliveryImmediate, Kinds: medsec.NotificationKinds}); err != nil {
			t.Fatal(err)
		}
		// A port nothing listens on.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		deadPort := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		set := medsec.NotifySettings{SMTP: medsec.SMTPSettings{Host: "localhost", Port: deadPort, TLSPolicy: medsec.TLSMandatory, From: "medsec@hospital.example"}}
		if err := svc.UpdateNotifySettings(system, set); err != nil {
			t.Fatal(err)
		}
		bundle, _ := i18n.Load()
		d := &notify.Dispatcher{Store: svc, Translator: bundle, Now: clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		rem := &notify.Reminders{Assessments: newAssessmentService(t, db), Assets: assets, Zones: sqlstore.NewZoneService(db), Org: sqlstore.NewOrgService(db), Notifier: d}
		if err := rem.Run(context.Background(), now); err != nil {
			t.Fatal(err)
		}
		rows, total, _ := svc.FindDeliveries(system, medsec.DeliveryFilter{})
		if total != 1 || rows[0].Result != medsec.DeliveryFailed || rows[0].Error == "" {
			t.Fatalf("server down: %d rows %+v, want one failed row", total, rows)
		}
		smtp := notifytest.StartSMTP(t, notifytest.Options{})
		set.SMTP.Port, set.SMTP.CAFile = smtp.Port, smtp.CAFile
		if err := svc.UpdateNotifySettings(system, set); err != nil {
			t.Fatal(err)
		}
		// Still within the pause: nothing is tried.
		now = now.Add(10 * time.Minute)
		rem.Run(context.Background(), now)
		if _, total, _ := svc.FindDeliveries(system, medsec.DeliveryFilter{}); total != 1 || len(smtp.Messages(t)) != 0 {
			t.Errorf("during the pause: %d rows, %d messages", total, len(smtp.Messages(t)))
		}
		now = now.Add(time.Hour)
		rem.Run(context.Background(), now)
		if got := smtp.WaitMessages(t, 3); len(got) != 3 {
			t.Errorf("server back: %d messages, want 3", len(got))
		}
	})
}
