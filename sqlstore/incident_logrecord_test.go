package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"medsec"
	"medsec/logstore"
	"medsec/sqlstore"
)

// TestIncidentLogRecords attaches sealed log records to incidents, on both engines: the
// record carries its seal reference and a proof an auditor checks offline (the bundle
// verifies against the seal's public key, and a changed byte is found); its chain of
// custody starts once; a second attach, a record of another site, a record the log does
// not hold and a site outside the caller's are refused; the rows are append-only.
func TestIncidentLogRecords(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		st, _ := openLogStore(t)
		logs := sqlstore.NewLogService(db, st)
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "可疑 SSH 登入"})
		if err != nil {
			t.Fatal(err)
		}
		// Site 1 holds the even records of the store's 80 (10.1.x peers).
		proof, err := logs.ProveLogRecord(f.soc, f.main.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		if proof.Index != 5 || proof.CheckpointSize != 40 || proof.LeafHash == "" || !strings.Contains(proof.Raw, "Accepted password") ||
			!strings.Contains(proof.Checkpoint, "/site/1") {
			t.Fatalf("proof %+v", proof)
		}
		inc, err = f.svc.AttachLogRecord(f.soc, inc.ID, inc.Version, proof, "登入來源可疑")
		if err != nil {
			t.Fatal(err)
		}
		if len(inc.LogRecords) != 1 {
			t.Fatalf("log records %+v", inc.LogRecords)
		}
		l := inc.LogRecords[0]
		if l.Index != 5 || l.SiteID != f.main.ID || l.LeafHash != proof.LeafHash || l.CheckpointSize != 40 || l.RootHash != proof.RootHash ||
			l.AttachedBy != "soc.wang" || !l.AttachedAt.Equal(*f.now) || len(l.SHA256) != 64 {
			t.Errorf("attached %+v", l)
		}
		if len(l.Custody) != 1 || l.Custody[0].Action != "collected" || l.Custody[0].Msg == nil || l.Custody[0].Msg.Key != "incident.custody.log_sealed" ||
			l.Custody[0].Note != "登入來源可疑" {
			t.Errorf("custody %+v", l.Custody)
		}
		if last := inc.Timeline[len(inc.Timeline)-1]; last.Kind != "log_record" || last.Msg == nil || last.Msg.Key != "incident.tl.log_record" {
			t.Errorf("timeline %+v", last)
		}
		if auditCount(t, db, "incident.log_record") != 1 {
			t.Error("attach not audited")
		}

		// The proof as downloaded verifies offline; one changed byte is found.
		data, name, err := f.svc.LogRecordProof(f.auditor, inc.ID, f.main.ID, 5)
		if err != nil || !strings.HasSuffix(name, ".json") {
			t.Fatalf("proof download: %v %q", err, name)
		}
		rep, err := logstore.VerifyBundle(bytes.NewReader(data), st.PublicKey())
		if err != nil || !rep.OK || len(rep.Sites) != 1 || rep.Sites[0].Checked < 1 {
			t.Fatalf("offline check: %v %+v", err, rep)
		}
		var b logstore.Bundle
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		for i := range b.Sites[0].Records {
			if r := &b.Sites[0].Records[i]; r.Index == 5 {
				r.Raw = bytes.Replace(r.Raw, []byte("Accepted"), []byte("Rejected"), 1)
			}
		}
		bad, _ := json.Marshal(&b)
		if rep, err := logstore.VerifyBundle(bytes.NewReader(bad), st.PublicKey()); err != nil || rep.OK {
			t.Errorf("a changed record passed the offline check: %v %+v", err, rep)
		}
		if _, _, err := f.svc.LogRecordProof(f.branchOnly, inc.ID, f.main.ID, 5); code(err) != medsec.ENOTFOUND {
			t.Errorf("branch user downloads a main-site proof: %v", err)
		}

		// Attached once: a second attach is refused and adds no custody step.
		if _, err := f.svc.AttachLogRecord(f.soc, inc.ID, inc.Version, proof, ""); code(err) != medsec.EINVALID {
			t.Errorf("second attach: %v", err)
		}
		// Custody goes on for the record as for any evidence.
		inc, err = f.svc.AddCustody(f.soc, inc.ID, inc.Version, l.SHA256, "examined", "比對 sshd 日誌")
		if err != nil {
			t.Fatal(err)
		}
		if n := len(inc.LogRecords[0].Custody); n != 2 {
			t.Errorf("custody after a step: %d, want 2", n)
		}
		// A record of the branch's log on a main-site incident is refused.
		other, err := logs.ProveLogRecord(f.soc, f.branch.ID, 3)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AttachLogRecord(f.soc, inc.ID, inc.Version, other, ""); code(err) != medsec.EINVALID {
			t.Errorf("another site's record: %v", err)
		}
		// The log does not hold record 40 of site 1; a branch user may not prove the main site's.
		if _, err := logs.ProveLogRecord(f.soc, f.main.ID, 40); code(err) != medsec.ENOTFOUND {
			t.Errorf("record beyond the log: %v", err)
		}
		branchSOC := as(&medsec.User{ID: 17, Username: "soc.branch", Role: medsec.RoleSOCAnalyst, SiteIDs: []int64{f.branch.ID}})
		if _, err := logs.ProveLogRecord(branchSOC, f.main.ID, 5); code(err) != medsec.ENOTFOUND {
			t.Errorf("branch user proves a main-site record: %v", err)
		}
		if err := db.ExecRaw(context.Background(), `DELETE FROM incident_log_records`); err == nil {
			t.Error("an attached log record was deleted")
		}
	})
}
