package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"medsec"
	"medsec/sqlstore"
)

const incidentTaskUsage = `usage:
  medsec incident task assign --data DIR [--db URL] --incident N --task T --user NAME --assignee NAME`

// runIncidentTask implements "medsec incident task assign": task T of incident N (its
// number, as the incident page and "medsec incident list --json" show it) is assigned, or
// reassigned, to --assignee, as the incident page's assign form does
// (IncidentService.AssignTask). It runs as the medsec user --user names: that user's role
// (incident write) and sites are checked, and the timeline and the audit trail name them.
// An assignee that is a medsec username must be a user who can see the incident and works incidents.
func runIncidentTask(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "assign" {
		return errors.New(incidentTaskUsage)
	}
	fs := flag.NewFlagSet("incident task assign", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	id := fs.Int64("incident", 0, "the incident's number")
	taskID := fs.Int64("task", 0, "the task's number (medsec incident list --json: tasks[].id)")
	username := fs.String("user", "", "the medsec user who assigns the task (needs incident write on the incident's site)")
	assignee := fs.String("assignee", "", "who is to do the task: a medsec username of someone who can see and work the incident, or a person's name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *id <= 0 || *taskID <= 0 || *username == "" || strings.TrimSpace(*assignee) == "" || fs.NArg() != 0 {
		return errors.New("incident task assign: --incident, --task, --user and --assignee are required\n" + incidentTaskUsage)
	}
	store, err := openStore(ctx, *data, *db, true)
	if err != nil {
		return fmt.Errorf("incident task assign: %w", err)
	}
	defer store.Close()
	u, err := findUserByName(asSystem(ctx), sqlstore.NewUserService(store), *username)
	if err != nil {
		return fmt.Errorf("incident task assign: %w", err)
	}
	ctx = medsec.NewContextWithUser(ctx, u)
	svc := sqlstore.NewIncidentService(store)
	inc, err := svc.FindIncidentByID(ctx, *id)
	if err != nil {
		return fmt.Errorf("incident task assign: incident %d: %w", *id, err)
	}
	var before string
	for _, t := range inc.Tasks {
		if t.ID == *taskID {
			before = t.Assignee
		}
	}
	inc, err = svc.AssignTask(ctx, inc.ID, inc.Version, *taskID, *assignee)
	if err != nil {
		return fmt.Errorf("incident task assign: incident %d task %d: %w", *id, *taskID, err)
	}
	if before == "" {
		fmt.Fprintf(stdout, "incident %d: task %d assigned to %s by %s\n", inc.ID, *taskID, strings.TrimSpace(*assignee), u.Username)
	} else {
		fmt.Fprintf(stdout, "incident %d: task %d reassigned from %s to %s by %s\n", inc.ID, *taskID, before, strings.TrimSpace(*assignee), u.Username)
	}
	return nil
}
