package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/logs"
	"medsec/logstore"
	"medsec/sqlstore"
)

// TestLogComplianceChecks computes the TW baseline's log checks of a PACS from the data of
// log collection: unknown before a log source is linked; once its records arrive, kept
// (190 days ≥ 183) and clock synchronised (0.4 s within 10 s); sealed and verified once the
// site's seal is verified; failing when the verification is a week and a day old and when
// the source's clock runs 30 s off. Each result names its figures and the seed clause.
func TestLogComplianceChecks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Second)
		db.Now = func() time.Time { return now }
		main, _ := seedOrg(t, db)
		pacs := &medsec.Asset{SiteID: main.ID, Name: "PACS-01", Kind: medsec.KindPACS, IPs: []string{"10.1.0.50"}}
		if err := sqlstore.NewAssetService(db).CreateAsset(system, pacs); err != nil {
			t.Fatal(err)
		}
		svc := newAssessmentService(t, db)
		checks := func() map[string]medsec.CheckResult {
			t.Helper()
			ac, err := svc.AssetControls(system, pacs.ID)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]medsec.CheckResult{}
			for _, r := range ac.Checks {
				if strings.HasPrefix(r.CheckID, "logs-") {
					out[r.CheckID] = r
				}
			}
			// The results are shown on the controls they evidence.
			for _, c := range ac.Controls {
				if c.ControlID == "tw-au-1.l" && len(c.Checks) != 1 {
					t.Errorf("tw-au-1.l shows %d checks", len(c.Checks))
				}
			}
			return out
		}
		want := func(got map[string]medsec.CheckResult, id string, o medsec.CheckOutcome, detail ...string) {
			t.Helper()
			r := got[id]
			text := r.Detail
			for _, d := range r.Data {
				text += " | " + d.Value
			}
			if r.Outcome != o {
				t.Errorf("%s = %s (%s), want %s", id, r.Outcome, text, o)
			}
			for _, d := range detail {
				if !strings.Contains(text, d) {
					t.Errorf("%s: %q does not name %q", id, text, d)
				}
			}
		}
		got := checks()
		for _, id := range []string{sqlstore.CheckLogsKept, sqlstore.CheckLogsClock, sqlstore.CheckLogsVerified} {
			want(got, id, medsec.CheckUnknown, "no log source")
		}

		sources := sqlstore.NewLogSourceService(db)
		activity := func(skew time.Duration) {
			t.Helper()
			if err := sources.RecordLogSourceActivity(system, main.ID, []medsec.LogSourceActivity{{Address: "10.1.0.50", Hostname: "pacs01", Transport: "tcp",
				Format: "rfc5424", First: now.Add(-time.Minute), Last: now, Window: time.Minute, Records: 10, Skew: skew, SkewSamples: 10, Missing: map[string]int64{}}}); err != nil {
				t.Fatal(err)
			}
		}
		activity(400 * time.Millisecond)
		got = checks()
		want(got, sqlstore.CheckLogsKept, medsec.CheckPass, "kept 190 days", "183 days", "事件記錄", "10 records")
		want(got, sqlstore.CheckLogsClock, medsec.CheckPass, "+0.4 s", "±10 s", "時戳")
		want(got, sqlstore.CheckLogsVerified, medsec.CheckUnknown, "never verified")

		st, err := logstore.Open(logstore.Config{Dir: t.TempDir(), Site: func(logs.Record) int64 { return main.ID }})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.Append(ctx, []logs.Record{{Received: now, Peer: "10.1.0.50:514", Format: logs.FormatRFC5424, Raw: []byte("<134>1 - pacs01 pacs - - - study opened")}}); err != nil {
			t.Fatal(err)
		}
		if _, err := sqlstore.NewLogService(db, st).VerifyLogs(system); err != nil {
			t.Fatal(err)
		}
		got = checks()
		want(got, sqlstore.CheckLogsVerified, medsec.CheckPass, "no problem over 1 records", "日誌資訊之保護", "1 records checked, 0 problem(s)")

		now = now.Add(8 * 24 * time.Hour)
		activity(30 * time.Second)
		got = checks()
		want(got, sqlstore.CheckLogsVerified, medsec.CheckFail, "8 days ago")
		want(got, sqlstore.CheckLogsClock, medsec.CheckFail, "+30.0 s", "1 of 1", "時戳")
	})
}
