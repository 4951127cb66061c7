package sqlstore_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/evidence"
	"medsec/sqlstore"
)

// TestUploadSameFileTwice: the same file (by SHA-256) uploaded to one incident again adds a
// "received again" step to its chain of custody, by that user at that time, and an audit
// row; the store keeps one copy and the incident one evidence entry (bt14 #6: the second
// upload left no trace in the chain).
func TestUploadSameFileTwice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		dir := t.TempDir()
		files, err := evidence.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		f.svc.WithEvidence(files)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		inc, ev, err := f.svc.UploadEvidence(f.soc, inc.ID, inc.Version, "capture.pcap", strings.NewReader("capture bytes"), "")
		if err != nil {
			t.Fatal(err)
		}
		*f.now = f.now.Add(20 * time.Minute)
		inc, again, err := f.svc.UploadEvidence(f.itops, inc.ID, inc.Version, "capture-copy.pcap", strings.NewReader("capture bytes"), "from the second mirror")
		if err != nil {
			t.Fatal(err)
		}
		if again.SHA256 != ev.SHA256 || len(inc.Evidence) != 1 {
			t.Fatalf("evidence %+v", inc.Evidence)
		}
		c := inc.Evidence[0].Custody
		if len(c) != 2 || c[1].Username != "itops.chen" || !c[1].At.Equal(*f.now) || c[1].Note != "from the second mirror" ||
			c[1].Msg == nil || c[1].Msg.Key != "incident.custody.received_again" {
			t.Errorf("custody after the second upload: %+v", c)
		}
		if n := auditCount(t, db, "evidence.upload"); n != 2 {
			t.Errorf("%d evidence.upload audit rows, want 2", n)
		}
		stored := 0
		if err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				stored++
			}
			return err
		}); err != nil || stored != 1 {
			t.Errorf("%d files stored (%v), want 1", stored, err)
		}
	})
}

// TestLedgerLevelHistoryAndRestoration: the ledger row of an incident opened at level 3,
// raised to 2 and restored carries the restoration time, the level it was opened at and
// the change with its time (bt14 #10). Both engines.
func TestLedgerLevelHistoryAndRestoration(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "PACS", Level: 3, LevelReason: "one system", DetectedAt: testNow.Add(-2 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		*f.now = testNow.Add(10 * time.Minute)
		if inc, err = f.svc.ChangeLevel(f.soc, inc.ID, inc.Version, 2, "key department down"); err != nil {
			t.Fatal(err)
		}
		if inc, err = f.svc.SetRestored(f.soc, inc.ID, inc.Version, testNow, "PACS back"); err != nil {
			t.Fatal(err)
		}
		rows, err := f.svc.Ledger(f.soc, medsec.IncidentFilter{})
		if err != nil || len(rows) != 1 {
			t.Fatalf("ledger %v %v", rows, err)
		}
		r := rows[0]
		if !r.RestoredAt.Equal(testNow) || r.InitialLevel != 3 || r.Level != 2 || len(r.LevelChanges) != 1 ||
			r.LevelChanges[0].From != 3 || r.LevelChanges[0].To != 2 || !r.LevelChanges[0].At.Equal(*f.now) {
			t.Errorf("ledger row %+v", r)
		}
	})
}

// TestTaskAssigneeUser: a task's assignee is free text — a person who is not a medsec
// user (王網管) is taken as written — but a medsec username is that user, who must see the
// incident: a user of the incident's site or of every site is taken, a user of another
// site (ce.hsu, branch only) or whose role does not read incidents is refused naming them
// (bt14 #5), however cased, and so is making them lead of the incident. Both engines.
func TestTaskAssigneeUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		users := sqlstore.NewUserService(db)
		for _, u := range []*medsec.User{
			{Username: "itops.chen", DisplayName: "Chen", Role: medsec.RoleITOperations},
			{Username: "ce.hsu", DisplayName: "Hsu", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{f.branch.ID}},
		} {
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "x"})
		if err != nil {
			t.Fatal(err)
		}
		for _, who := range []string{"王網管", "itops.chen"} {
			if inc, err = f.svc.AddTask(f.soc, inc.ID, inc.Version, medsec.IncidentTask{Title: "重建 VLAN", Assignee: who}); err != nil {
				t.Errorf("assign %s: %v", who, err)
			}
		}
		// Another site's user, however the name is cased or padded with an invisible
		// character (bt14d #3), neither takes a task nor holds a role on the incident
		// (bt14d #4).
		for _, who := range []string{"ce.hsu", "CE.HSU", "ce.hsu\u200b"} {
			_, err = f.svc.AddTask(f.soc, inc.ID, inc.Version, medsec.IncidentTask{Title: "重建 VLAN", Assignee: who})
			if fieldKey(err, "assignee") != "incident.err.assignee_site" || !strings.Contains(strings.ToLower(err.Error()), "ce.hsu") {
				t.Errorf("assign %q, a user of another site: %v", who, err)
			}
			_, err = f.svc.AddPerson(f.soc, inc.ID, inc.Version, medsec.IncidentPerson{Name: who, Role: medsec.IncidentRoles[0]})
			if fieldKey(err, "name") != "incident.err.assignee_site" {
				t.Errorf("make %q, a user of another site, %s: %v", who, medsec.IncidentRoles[0], err)
			}
		}
		if _, err = f.svc.AddPerson(f.soc, inc.ID, inc.Version, medsec.IncidentPerson{Name: "王網管", Role: medsec.IncidentRoles[0]}); err != nil {
			t.Errorf("a person as %s: %v", medsec.IncidentRoles[0], err)
		}
	})
}

// TestUploaderPerIncident: the same file (by SHA-256) uploaded to an incident of each site
// by a user of that site shows, on each incident, the user who uploaded it there — not the
// other site's user who brought it into medsec first (bt14e #9). Both engines.
func TestUploaderPerIncident(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		files, err := evidence.Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		f.svc.WithEvidence(files)
		mainInc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "本院"})
		if err != nil {
			t.Fatal(err)
		}
		branchInc, err := f.svc.CreateIncident(f.branchOnly, &medsec.IncidentCreate{SiteID: f.branch.ID, Title: "分院"})
		if err != nil {
			t.Fatal(err)
		}
		if mainInc, _, err = f.svc.UploadEvidence(f.soc, mainInc.ID, mainInc.Version, "ransom-note.txt", strings.NewReader("pay 5 BTC"), ""); err != nil {
			t.Fatal(err)
		}
		*f.now = f.now.Add(time.Hour)
		if branchInc, _, err = f.svc.UploadEvidence(f.branchOnly, branchInc.ID, branchInc.Version, "note.txt", strings.NewReader("pay 5 BTC"), ""); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			inc  *medsec.Incident
			want string
		}{{mainInc, "soc.wang"}, {branchInc, "ce.hsu"}} {
			if len(c.inc.Evidence) != 1 || c.inc.Evidence[0].UploadedBy != c.want {
				t.Errorf("incident %q: evidence %+v, want uploaded by %s", c.inc.Title, c.inc.Evidence, c.want)
			}
		}
	})
}
