package sqlstore_test

import (
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestIncidentAssignTask: a scenario template's task is assigned and then reassigned, each
// on the timeline (from whom to whom) and audited; the assignee is checked as a new task's
// is (a user of another site is refused naming them), the same assignee, an empty one and
// a task already done are refused naming the field, a role without incident write is
// forbidden and another site's user does not find the incident. Was: no way to assign a
// template task at all (bt14e #5).
func TestIncidentAssignTask(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		f := newIncidentFixture(t, db)
		users := sqlstore.NewUserService(db)
		for _, u := range []*medsec.User{
			{Username: "itops.lin", DisplayName: "Lin", Role: medsec.RoleITOperations},
			{Username: "ce.branch", DisplayName: "Branch", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{f.branch.ID}},
		} {
			if err := users.CreateUser(system, u, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		inc, err := f.svc.CreateIncident(f.soc, &medsec.IncidentCreate{SiteID: f.main.ID, Title: "勒索軟體", Scenario: medsec.ScenarioRansomware})
		if err != nil {
			t.Fatal(err)
		}
		var task *medsec.IncidentTask
		for _, x := range inc.Tasks {
			if x.Key == "isolate-infected" {
				task = x
			}
		}
		if task == nil || task.Assignee != "" {
			t.Fatalf("template task isolate-infected: %+v", inc.Tasks)
		}
		audits := auditCount(t, db, "incident.task.assigned")

		if inc, err = f.svc.AssignTask(f.soc, inc.ID, inc.Version, task.ID, " 王網管 "); err != nil {
			t.Fatalf("assign: %v", err)
		}
		if inc, err = f.svc.AssignTask(f.soc, inc.ID, inc.Version, task.ID, "itops.lin"); err != nil {
			t.Fatalf("reassign: %v", err)
		}
		if got := taskByID(inc, task.ID).Assignee; got != "itops.lin" {
			t.Errorf("assignee %q, want itops.lin", got)
		}
		if got := auditCount(t, db, "incident.task.assigned"); got != audits+2 {
			t.Errorf("%d incident.task.assigned audit rows, want 2", got-audits)
		}
		var kinds []string
		for _, e := range inc.Timeline {
			if e.Kind == "task.assigned" {
				kinds = append(kinds, e.Msg.Key+":"+strings.Join(msgTexts(e.Msg), "|"))
			}
		}
		want := []string{"incident.tl.task_assigned:王網管", "incident.tl.task_reassigned:王網管|itops.lin"}
		if strings.Join(kinds, ",") != strings.Join(want, ",") {
			t.Errorf("timeline %q, want %q", kinds, want)
		}

		for _, c := range []struct{ name, who, field, key string }{
			{"same assignee", "itops.lin", "assignee", "incident.err.task_same_assignee"},
			{"empty", "  ", "assignee", "err.required"},
			{"user of another site", "CE.Branch", "assignee", "incident.err.assignee_site"},
		} {
			if _, err := f.svc.AssignTask(f.soc, inc.ID, inc.Version, task.ID, c.who); fieldKey(err, c.field) != c.key {
				t.Errorf("%s: %v, want %s naming %s", c.name, err, c.key, c.field)
			}
		}
		if _, err := f.svc.AssignTask(f.soc, inc.ID, inc.Version, 999999, "王網管"); code(err) != medsec.ENOTFOUND {
			t.Errorf("unknown task: %v, want ENOTFOUND", err)
		}
		if _, err := f.svc.AssignTask(f.auditor, inc.ID, inc.Version, task.ID, "王網管"); code(err) != medsec.EFORBIDDEN {
			t.Errorf("auditor: %v, want EFORBIDDEN", err)
		}
		if _, err := f.svc.AssignTask(f.branchOnly, inc.ID, inc.Version, task.ID, "王網管"); code(err) != medsec.ENOTFOUND {
			t.Errorf("branch user: %v, want ENOTFOUND", err)
		}
		if _, err := f.svc.AssignTask(f.soc, inc.ID, inc.Version-1, task.ID, "王網管"); code(err) != medsec.ECONFLICT {
			t.Errorf("old version: %v, want ECONFLICT", err)
		}
		if inc, err = f.svc.CompleteTask(f.soc, inc.ID, inc.Version, task.ID, "隔離完成"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.AssignTask(f.soc, inc.ID, inc.Version, task.ID, "王網管"); fieldKey(err, "task_id") != "incident.err.task_done" {
			t.Errorf("done task: %v, want incident.err.task_done", err)
		}
	})
}

func taskByID(inc *medsec.Incident, id int64) *medsec.IncidentTask {
	for _, x := range inc.Tasks {
		if x.ID == id {
			return x
		}
	}
	return &medsec.IncidentTask{}
}

// msgTexts are the text arguments of a message, in order.
func msgTexts(m *medsec.Message) []string {
	var out []string
	for _, a := range m.Args {
		if a.Text != "" {
			out = append(out, a.Text)
		}
	}
	return out
}
