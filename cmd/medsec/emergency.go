package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"medsec"
	"medsec/sqlstore"
)

const emergencyUsage = `usage:
  medsec emergency list    --data DIR [--open] [--asset ID]
  medsec emergency justify --data DIR --use ID --user NAME --text WHY
  medsec emergency reset   --data DIR --use ID --user NAME [--note HOW]`

// runEmergency implements "medsec emergency list|justify|reset": the uses of emergency
// (break-glass) accounts that detection found in the logs, each a password-reset task
// with a deadline [004 §11 ①]. A justification and the reset's confirmation are entered
// as the medsec user --user names (its role and sites are checked, and the audit trail
// names it).
func runEmergency(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "justify" && args[0] != "reset") {
		return errors.New(emergencyUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("emergency "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	open := fs.Bool("open", false, "only uses whose password change is not confirmed (list)")
	asset := fs.Int64("asset", 0, "only the uses on this system (list)")
	use := fs.Int64("use", 0, "the use (justify, reset)")
	username := fs.String("user", "", "the medsec user entering it (justify, reset)")
	why := fs.String("text", "", "why the emergency account was used (justify)")
	note := fs.String("note", "", "how the password was changed: the ticket, who changed it (reset)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cmd != "list" && (*use <= 0 || *username == "") {
		return fmt.Errorf("emergency %s: --use and --user are required", cmd)
	}
	store, err := openStore(ctx, *data, *db, cmd == "list")
	if err != nil {
		return fmt.Errorf("emergency %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewEmergencyUseService(store)
	ctx = asSystem(ctx)
	if cmd == "list" {
		us, err := svc.FindEmergencyUses(ctx, medsec.EmergencyUseFilter{Open: *open, AssetID: *asset})
		if err != nil {
			return fmt.Errorf("emergency list: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSED AT\tSYSTEM\tUSERNAME\tRESET DUE\tSTATUS\tJUSTIFICATION")
		for _, u := range us {
			status := "open"
			switch {
			case u.Closed():
				status = "reset " + u.ResetAt.Format("2006-01-02")
			case u.Overdue:
				status = "overdue"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.UsedAt.Format("2006-01-02 15:04Z"), u.AssetName, u.Username, u.ResetDue.Format("2006-01-02 15:04Z"), status, u.Justification)
		}
		return tw.Flush()
	}
	u, err := findUserByName(ctx, sqlstore.NewUserService(store), *username)
	if err != nil {
		return fmt.Errorf("emergency %s: %w", cmd, err)
	}
	ctx = medsec.NewContextWithUser(ctx, u)
	if cmd == "justify" {
		if _, err := svc.JustifyEmergencyUse(ctx, *use, *why); err != nil {
			return fmt.Errorf("emergency justify: %s", fieldProblems(err))
		}
		fmt.Fprintf(stdout, "emergency use %d justified\n", *use)
		return nil
	}
	if _, err := svc.ConfirmEmergencyReset(ctx, *use, *note); err != nil {
		return fmt.Errorf("emergency reset: %s", fieldProblems(err))
	}
	fmt.Fprintf(stdout, "emergency use %d closed: password change confirmed\n", *use)
	return nil
}

// fieldProblems says a refused change: each field's problem, else the error's message.
func fieldProblems(err error) string {
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		return medsec.ErrorMessage(err)
	}
	var out string
	for i, fe := range ve.Errors {
		if i > 0 {
			out += "; "
		}
		out += fe.Error()
	}
	return out
}
