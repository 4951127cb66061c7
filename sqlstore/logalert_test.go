package sqlstore_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"

	"medsec"
	"medsec/i18n"
	"medsec/logs"
	"medsec/logstore"
	"medsec/notify"
	"medsec/notify/notifytest"
	"medsec/sqlstore"
)

// TestLogAlerts runs log collection for real — the TCP syslog listener, the source
// tracker and the sealed store — with a settable clock, and the log alert job through the
// real dispatcher to a real SMTP server: a source whose clock is two minutes ahead raises
// a clock skew alert; twenty minutes of silence raise silent-source alerts; records again
// resolve them; each raise and resolution reaches the site's log readers once, in their
// language. A record changed in the store's files makes the periodic seal verification
// raise logs.verify_failed naming the record; a store that refuses records for lack of
// disk space raises a storage failure that clears when the refusals stop.
func TestLogAlerts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		var mu sync.Mutex
		now := time.Now().UTC().Truncate(time.Second).Add(-2 * time.Hour)
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
		db.Now = clock
		main, _ := seedOrg(t, db)

		users := sqlstore.NewUserService(db)
		notifySvc := sqlstore.NewNotifyService(db)
		for _, u := range []struct {
			name string
			role medsec.Role
			lang string
			site []int64
		}{{"ciso", medsec.RoleSecurityOfficer, "zh-TW", nil}, {"soc", medsec.RoleSOCAnalyst, "", []int64{main.ID}},
			{"auditor", medsec.RoleAuditor, "ja", nil}, {"itops", medsec.RoleITOperations, "zh-CN", nil}, {"ce", medsec.RoleClinicalEngineer, "", nil}} {
			x := &medsec.User{Username: u.name, Role: u.role, SiteIDs: u.site}
			if err := users.CreateUser(system, x, "a long enough password"); err != nil {
				t.Fatal(err)
			}
			if u.lang != "" {
				if err := users.SetLanguage(as(x), u.lang); err != nil {
					t.Fatal(err)
				}
			}
			if err := notifySvc.UpdateNotifyPrefs(as(x), medsec.NotifyPrefs{Email: u.name + "@hospital.example", Delivery: medsec.DeliveryImmediate, Kinds: medsec.NotificationKinds}); err != nil {
				t.Fatal(err)
			}
		}
		smtp := notifytest.StartSMTP(t, notifytest.Options{})
		if err := notifySvc.UpdateNotifySettings(system, medsec.NotifySettings{PublicURL: "https://medsec.example",
			SMTP: medsec.SMTPSettings{Host: smtp.Host, Port: smtp.Port, TLSPolicy: medsec.TLSMandatory, From: "medsec@hospital.example", CAFile: smtp.CAFile}}); err != nil {
			t.Fatal(err)
		}
		bundle, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		seen := 0
		mails := func(n int) map[string][]string {
			t.Helper()
			msgs := smtp.WaitMessages(t, seen+n)
			out := map[string][]string{}
			for _, m := range msgs[seen:] {
				out[m.RcptTos[0]] = append(out[m.RcptTos[0]], m.Subject)
			}
			for _, v := range out {
				slices.Sort(v)
			}
			if len(msgs)-seen != n {
				t.Errorf("%d messages, want %d: %q", len(msgs)-seen, n, out)
			}
			seen = len(msgs)
			return out
		}

		dir := t.TempDir()
		health := &logstore.Health{Now: clock}
		open := func(minFree int64) *logstore.Store {
			st, err := logstore.Open(logstore.Config{Dir: dir, Now: clock, Site: func(logs.Record) int64 { return main.ID }, MinFree: minFree, OnFailure: health.Failure})
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		st := open(0)
		health.Store = st
		sources := sqlstore.NewLogSourceService(db)
		alerts := sqlstore.NewLogAlertService(db)
		logSvc := sqlstore.NewLogService(db, st)
		d := &notify.Dispatcher{Store: notifySvc, Translator: bundle, Now: clock}
		job := &notify.LogAlerts{Sources: sources, Alerts: alerts, Org: sqlstore.NewOrgService(db), Notifier: d, Storage: health.Conditions}
		tracker := &logs.Tracker{Next: st, Sources: sources, Now: clock, Transport: "tcp"}
		l := &logs.Listener{Parser: &logs.Parser{}, Sink: tracker, Now: clock}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lctx, stop := context.WithCancel(ctx)
		served := make(chan error, 1)
		go func() { served <- l.ServeStream(lctx, ln) }()
		sent := int64(0)
		// send writes n RFC 5424 lines from the address, stamped off the clock by skew,
		// and waits until the store has them; then the tracker's window is flushed.
		send := func(from string, n int, skew time.Duration) {
			t.Helper()
			c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}).Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			for i := range n {
				fmt.Fprintf(c, "<134>1 %s pump-%s infusion 77 ALARM - user=nurse01 dose changed %d\n", clock().Add(skew).Format(time.RFC3339), from, i)
			}
			c.Close()
			sent += int64(n)
			for deadline := time.Now().Add(10 * time.Second); l.Stats.Stored.Load() < sent; {
				if time.Now().After(deadline) {
					t.Fatalf("stored %d of %d records", l.Stats.Stored.Load(), sent)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := tracker.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		active := func() map[string]*medsec.LogAlert {
			t.Helper()
			as, err := alerts.FindLogAlerts(system, medsec.LogAlertFilter{Active: true})
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]*medsec.LogAlert{}
			for _, a := range as {
				out[string(a.Kind)+" "+a.Subject] = a
			}
			return out
		}

		// 127.0.0.1 keeps time; 127.0.0.2 runs two minutes ahead.
		send("127.0.0.1", 5, 0)
		send("127.0.0.2", 5, 2*time.Minute)
		srcs, err := sources.FindLogSources(system, medsec.LogSourceFilter{})
		if err != nil || len(srcs) != 2 {
			t.Fatalf("sources: %v %v", srcs, err)
		}
		id := map[string]int64{}
		for _, s := range srcs {
			id[s.Address] = s.ID
		}
		if err := job.Run(ctx, clock()); err != nil {
			t.Fatal(err)
		}
		skewKey := fmt.Sprintf("logs.clock_skew source:%d", id["127.0.0.2"])
		if got := active(); len(got) != 1 || got[skewKey] == nil || got[skewKey].Args[1] != "120.0" || got[skewKey].SiteID != main.ID {
			t.Fatalf("after the first records: %v, want the skew of 127.0.0.2 only", got)
		}
		want := map[string][]string{
			"ciso@hospital.example":    {"[medsec] 日誌來源 pump-127.0.0.2 時鐘偏差：120.0 秒"},
			"soc@hospital.example":     {"[medsec] Clock off on log source pump-127.0.0.2: 120.0 s"},
			"auditor@hospital.example": {"[medsec] ログ送信元 pump-127.0.0.2 の時刻ずれ：120.0 秒"},
			"itops@hospital.example":   {"[medsec] 日志来源 pump-127.0.0.2 时钟偏差：120.0 秒"},
		}
		if got := mails(4); !mapsEqual(got, want) {
			t.Errorf("skew mails (the clinical engineer does not read logs):\n got %q\nwant %q", got, want)
		}
		// A minute later nothing new: the same alert is not told twice.
		advance(time.Minute)
		if err := job.Run(ctx, clock()); err != nil {
			t.Fatal(err)
		}
		// Twenty minutes without a record: both are silent (default 15 minutes)...
		advance(20 * time.Minute)
		if err := job.Run(ctx, clock()); err != nil {
			t.Fatal(err)
		}
		if got := active(); len(got) != 3 {
			t.Fatalf("after 21 minutes: %v, want two silent sources and the skew", got)
		}
		got := mails(8)
		if s := got["soc@hospital.example"]; len(s) != 2 || s[0] != "[medsec] Log source silent: pump-127.0.0.1 (示範醫學中心)" {
			t.Errorf("silent mails: %q", got)
		}
		// ...unless their class waits longer.
		advance(time.Minute)
		if err := alerts.SetLogAlertThreshold(as(&medsec.User{Username: "ciso", Role: medsec.RoleSecurityOfficer}),
			medsec.LogAlertThreshold{Class: medsec.LogClassOther, SilentAfter: 3600, MaxSkew: 10}); err != nil {
			t.Fatal(err)
		}
		if err := job.Run(ctx, clock()); err != nil {
			t.Fatal(err)
		}
		if got := active(); len(got) != 1 || got[skewKey] == nil {
			t.Fatalf("with an hour's limit: %v, want the skew only", got)
		}
		got = mails(8)
		if s := got["ciso@hospital.example"]; len(s) != 2 || !strings.HasPrefix(s[0], "[medsec] 已解除：日誌來源停止傳送 — pump-127.0.0.") {
			t.Errorf("resolved mails: %q", got)
		}
		if err := alerts.SetLogAlertThreshold(system, medsec.LogAlertThreshold{Class: medsec.LogClassOther, SilentAfter: 30, MaxSkew: 10}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("30 s silence: %v, want EINVALID", err)
		}
		// 127.0.0.2's clock is set right: its next window resolves the skew.
		send("127.0.0.2", 3, 0)
		if err := job.Run(ctx, clock()); err != nil {
			t.Fatal(err)
		}
		if got := active(); len(got) != 0 {
			t.Fatalf("after the clock was set: %v, want none", got)
		}
		mails(4)
		all, err := alerts.FindLogAlerts(system, medsec.LogAlertFilter{})
		if err != nil || len(all) != 3 {
			t.Fatalf("alerts: %d, %v; want 3 (skew, two silences), all resolved", len(all), err)
		}
		for _, a := range all {
			if a.Active || a.ResolvedAt.IsZero() || !a.ResolvedAt.After(a.RaisedAt) {
				t.Errorf("alert %+v not resolved", a)
			}
		}

		// The seal: verified, then one record's byte changed in the storage's files.
		if err := (&notify.SealCheck{Logs: logSvc}).Verify(ctx); err != nil {
			t.Fatal(err)
		}
		vs, err := alerts.LogVerifications(system)
		if err != nil || len(vs) != 1 || vs[0].Problems != 0 || vs[0].Checked != 13 || vs[0].SiteID != main.ID {
			t.Fatalf("verification: %+v, %v", vs, err)
		}
		stop()
		<-served
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		tamperRecord(t, filepath.Join(dir, "data"), main.ID, 3)
		st = open(0)
		defer st.Close()
		health.Store = st
		logSvc = sqlstore.NewLogService(db, st)
		advance(time.Minute)
		if err := (&notify.SealCheck{Logs: logSvc}).Verify(ctx); err != nil {
			t.Fatal(err)
		}
		if err := job.Run(ctx, clock()); err != nil {
			t.Fatal(err)
		}
		sealKey := fmt.Sprintf("logs.verify_failed seal:%d", main.ID)
		if a := active()[sealKey]; a == nil || a.Args[1] != "1" || a.Args[2] != "logproblem.changed" || a.Args[3] != "3" {
			t.Fatalf("after tampering: %v, want the seal alert naming record 3 as changed", active())
		}
		got = mails(4)
		if s := got["soc@hospital.example"]; len(s) != 1 || s[0] != "[medsec] Log seal broken at 示範醫學中心: 1 problem(s) found" {
			t.Errorf("seal mails: %q", got)
		}
		if msgs := smtp.Messages(t); !strings.Contains(msgs[len(msgs)-1].Body+msgs[len(msgs)-2].Body+msgs[len(msgs)-3].Body+msgs[len(msgs)-4].Body, "record 3") {
			t.Errorf("no seal mail names record 3")
		}

		// Storage: a store that refuses records for lack of space.
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		full := open(1 << 62)
		defer full.Close()
		if err := full.Append(ctx, []logs.Record{{Received: clock(), Peer: "127.0.0.1:5000", Raw: []byte("<134>1 - h a - - - x")}}); err != logstore.ErrStorageFull {
			t.Fatalf("append to a full disk: %v", err)
		}
		if err := job.Run(ctx, clock()); err != nil {
			t.Fatal(err)
		}
		if a := active()["logs.storage_failure storage:full"]; a == nil || a.SiteID != 0 {
			t.Fatalf("disk full: %v", active())
		}
		got = mails(4)
		if s := got["auditor@hospital.example"]; len(s) != 1 || s[0] != "[medsec] ログ保存の障害（ディスクの空き容量が下限未満）: レコードを受け付けていません" {
			t.Errorf("storage mails: %q", got)
		}
		advance(logstore.FullHold + time.Minute)
		if err := job.Run(ctx, clock()); err != nil {
			t.Fatal(err)
		}
		if a := active()["logs.storage_failure storage:full"]; a != nil {
			t.Errorf("disk full after refusals stopped: still active")
		}
		mails(4)
	})
}

// tamperRecord changes the last byte of one record's raw message straight in the search
// storage's files, as an intruder with the disk would: it finds the row, removes it and
// writes it back changed, with the store closed.
func tamperRecord(t *testing.T, dir string, site, index int64) {
	t.Helper()
	vl := logstorage.MustOpenStorage(dir, &logstorage.StorageConfig{Retention: 365 * 24 * time.Hour, MaxBackfillAge: 365 * 24 * time.Hour, FlushInterval: time.Second})
	defer vl.MustClose()
	filter := fmt.Sprintf("%s:=%d %s:=%d", logstore.FieldSite, site, logstore.FieldIndex, index)
	q, err := logstorage.ParseQuery(filter)
	if err != nil {
		t.Fatal(err)
	}
	var row []logstorage.Field
	var mu sync.Mutex
	qctx := logstorage.NewQueryContext(context.Background(), &logstorage.QueryStats{}, []logstorage.TenantID{{}}, q, false, nil)
	if err := vl.RunQuery(qctx, func(_ uint, db *logstorage.DataBlock) {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range db.GetColumns(false) {
			if db.RowsCount() > 0 {
				row = append(row, logstorage.Field{Name: c.Name, Value: strings.Clone(c.Values[0])})
			}
		}
	}); err != nil || row == nil {
		t.Fatalf("record %d/%d: %v", site, index, err)
	}
	var ts int64
	var fields, stream []logstorage.Field
	for _, f := range row {
		switch f.Name {
		case "_time":
			tm, err := time.Parse(time.RFC3339Nano, f.Value)
			if err != nil {
				t.Fatal(err)
			}
			ts = tm.UnixNano()
		case "_stream", "_stream_id":
		case "_msg":
			b := []byte(f.Value)
			b[len(b)-1] ^= 1
			fields = append(fields, logstorage.Field{Name: "_msg", Value: string(b)})
		case logstore.FieldSite, logstore.FieldPeer:
			stream = append(stream, f)
		default:
			fields = append(fields, f)
		}
	}
	slices.SortFunc(stream, func(a, b logstorage.Field) int { return strings.Compare(b.Name, a.Name) }) // site, then peer
	f, err := logstorage.ParseFilter(filter)
	if err != nil {
		t.Fatal(err)
	}
	if err := vl.DeleteRunTask(context.Background(), "tamper", time.Now().UnixNano(), []logstorage.TenantID{{}}, f); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if tasks, _ := vl.DeleteActiveTasks(context.Background()); len(tasks) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("delete task did not finish")
		}
	}
	lr := logstorage.GetLogRows(nil, nil, nil, nil, "")
	defer logstorage.PutLogRows(lr)
	lr.MustAdd(logstorage.TenantID{}, ts, append(stream, fields...), len(stream))
	vl.MustAddRows(lr)
	vl.DebugFlush()

}
