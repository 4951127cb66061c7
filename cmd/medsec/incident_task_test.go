package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/sqlstore"
)

// TestIncidentTaskAssignCLI: "medsec incident task assign" assigns a scenario template's
// task of an open incident and reassigns it, as the user named, audited and on the
// timeline; the same assignee is refused in the user's language, and "medsec help" lists
// the command (bt14e #5).
func TestIncidentTaskAssignCLI(t *testing.T) {
	ctx := asSystem(context.Background())
	dir, db, _ := incidentDemoData(t, time.Now().UTC())
	db.Close()
	var err error
	// The task's number comes from `incident list --json`, as --task's help says (bt14f
	// M6: the list had no tasks).
	var listed bytes.Buffer
	if err := run(context.Background(), []string{"incident", "list", "--data", dir, "--status", "open", "--drill", "no", "--json"}, &listed, io.Discard); err != nil {
		t.Fatal(err)
	}
	var list []*medsec.Incident
	if err := json.Unmarshal(listed.Bytes(), &list); err != nil || len(list) == 0 {
		t.Fatalf("open incidents: %v %v", list, err)
	}
	inc := list[0]
	var task *medsec.IncidentTask
	for _, x := range inc.Tasks {
		if x.Key != "" && x.DoneAt.IsZero() && x.ID > 0 {
			task = x
		}
	}
	if task == nil {
		t.Fatalf("incident list --json: no open template task with its id on incident %d: %s", inc.ID, listed.String())
	}
	assign := func(who string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"incident", "task", "assign", "--data", dir, "--incident", strconv.FormatInt(inc.ID, 10),
			"--task", strconv.FormatInt(task.ID, 10), "--user", "soc.wang", "--assignee", who}, &out, &errOut)
		return out.String(), err
	}
	first := "林工程師"
	if task.Assignee == first {
		first = "陳工程師"
	}
	if out, err := assign(first); err != nil || !strings.Contains(out, first) {
		t.Fatalf("assign: %q %v", out, err)
	}
	if out, err := assign("張工程師"); err != nil || !strings.Contains(out, "reassigned from "+first+" to 張工程師") {
		t.Fatalf("reassign: %q %v", out, err)
	}
	_, err = assign("張工程師")
	bundle, lerr := i18n.Load()
	if lerr != nil {
		t.Fatal(lerr)
	}
	if want := bundle.T("ja", "incident.err.task_same_assignee", "張工程師"); err == nil || !strings.Contains(errorText(bundle, "ja", err), want) {
		t.Errorf("same assignee: %v, want %q", err, want)
	}
	db, err = sqlstore.Open(ctx, filepath.Join(dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := sqlstore.NewIncidentService(db).FindIncidentByID(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range got.Tasks {
		if x.ID == task.ID && x.Assignee != "張工程師" {
			t.Errorf("assignee %q, want 張工程師", x.Assignee)
		}
	}
	if entries, _, err := sqlstore.NewAuditService(db).FindAuditEntries(ctx, medsec.AuditFilter{Action: "incident.task.assigned", Username: "soc.wang"}); err != nil || len(entries) != 2 {
		t.Errorf("assignments audited: %d %v, want 2", len(entries), err)
	}
	var help bytes.Buffer
	run(context.Background(), []string{"help"}, &help, &help)
	for _, want := range []string{"incident task assign", "incident evidence add"} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("medsec help does not list %q", want)
		}
	}
}
