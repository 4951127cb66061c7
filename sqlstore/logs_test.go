package sqlstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/logs"
	"medsec/logstore"
	"medsec/sqlstore"
)

// openLogStore opens a log store with 40 records in each of sites 1 and 2.
func openLogStore(t *testing.T) (*logstore.Store, time.Time) {
	t.Helper()
	start := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	st, err := logstore.Open(logstore.Config{Dir: t.TempDir(), Site: func(r logs.Record) int64 {
		if strings.HasPrefix(r.Peer, "10.2.") {
			return 2
		}
		return 1
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var recs []logs.Record
	for i := range 80 {
		recs = append(recs, logs.Record{Received: start.Add(time.Duration(i) * time.Second), Format: logs.FormatRFC5424,
			Raw:    []byte(fmt.Sprintf("<38>1 - his01 sshd %d - - Accepted password for nurse%d", i, i%2)),
			Fields: map[string]any{"user.name": fmt.Sprintf("nurse%d", i%2)}, Peer: fmt.Sprintf("10.%d.0.9:514", 1+i%2)})
	}
	if err := st.Append(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	st.Refresh()
	return st, start
}

func TestLogServiceScopeAndAudit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		st, start := openLogStore(t)
		svc := sqlstore.NewLogService(db, st)
		ctx := context.Background()
		as := func(role medsec.Role, sites ...int64) context.Context {
			return medsec.NewContextWithUser(ctx, &medsec.User{ID: 0, Username: "u-" + string(role), Role: role, SiteIDs: sites})
		}
		q := medsec.LogQuery{From: start.Add(-time.Minute), To: start.Add(time.Hour), Query: "nurse1"}

		res, err := svc.SearchLogs(as(medsec.RoleSOCAnalyst), q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 40 || len(res.Hits) != 40 {
			t.Fatalf("every site: %d records (%d hits), want 40", res.Total, len(res.Hits))
		}
		res, err = svc.SearchLogs(as(medsec.RoleAuditor, 2), q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 40 {
			t.Fatalf("site 2 holds all nurse1 records: got %d", res.Total)
		}
		res, err = svc.SearchLogs(as(medsec.RoleAuditor, 1), q)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 0 {
			t.Fatalf("site 1 user sees %d records of site 2", res.Total)
		}
		for _, role := range []medsec.Role{medsec.RoleClinicalEngineer, medsec.RoleVendor} {
			if _, err := svc.SearchLogs(as(role), q); medsec.ErrorCode(err) != medsec.EFORBIDDEN {
				t.Errorf("%s searched logs: %v", role, err)
			}
		}
		if _, err := svc.SearchLogs(as(medsec.RoleSOCAnalyst), medsec.LogQuery{From: q.From, To: q.To, Query: "a | delete"}); medsec.ErrorCode(err) != medsec.EINVALID {
			t.Errorf("a pipe in the query: %v, want EINVALID", err)
		}
		var buf bytes.Buffer
		if err := svc.ExportLogs(as(medsec.RoleAuditor, 1), q.From, q.To, &buf); err != nil {
			t.Fatal(err)
		}
		rep, err := logstore.VerifyBundle(&buf, "")
		if err != nil || !rep.OK || len(rep.Sites) != 1 || rep.Sites[0].Site != 1 {
			t.Fatalf("site-1 export: %+v, %v", rep, err)
		}
		vr, err := svc.VerifyLogs(as(medsec.RoleSecurityOfficer))
		if err != nil || !vr.OK || vr.Checked != 80 {
			t.Fatalf("verify: %+v, %v", vr, err)
		}
		seal, err := svc.LogSeal(as(medsec.RoleAuditor, 2))
		if err != nil || len(seal.Sites) != 1 || seal.Sites[0].CheckpointSize != 40 || !strings.HasPrefix(seal.PublicKey, logstore.KeyName+"+") {
			t.Fatalf("seal: %+v, %v", seal, err)
		}

		system := medsec.NewContextWithUser(ctx, medsec.SystemUser)
		for action, want := range map[string]int{medsec.ActionLogSearch: 4, medsec.ActionLogExport: 1, medsec.ActionLogVerify: 1} {
			entries, n, err := sqlstore.NewAuditService(db).FindAuditEntries(system, medsec.AuditFilter{Action: action})
			if err != nil || n != want {
				t.Fatalf("%s: %d audit entries, want %d (%v)", action, n, want, err)
			}
			if action == medsec.ActionLogSearch && !strings.Contains(entries[len(entries)-1].Detail, `"nurse1"`) {
				t.Errorf("search audit does not say what was searched: %q", entries[len(entries)-1].Detail)
			}
		}
	})
}
