package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"medsec"
	"medsec/sqlstore"
)

const maintenanceUsage = `usage:
  medsec maintenance list    --data DIR [--asset ID] [--status requested|approved|refused]
  medsec maintenance request --data DIR --user NAME --vendor ID --asset ID[,ID...] --engineer NAME --purpose TEXT
                             --from 2026-12-03T14:00+08:00 --to 2026-12-03T17:00+08:00
  medsec maintenance add     (as request; --user is an approver and the plan is approved at once)
  medsec maintenance decide  --data DIR --user NAME --plan ID (--approve | --refuse) [--note TEXT]`

// runMaintenance implements "medsec maintenance list|request|add|decide": maintenance
// vendors' work plans [004 §10 ④, §10.1 事前申請・承認]. A plan is requested by one user
// and approved or refused by another holding maintenance:approve (never its requester);
// an approver may enter one approved at once. A login with a vendor account of the
// inventory on a system outside every approved plan's window is an alert of detection's
// built-in rule. Changes are made as the medsec user --user names (its role and sites are
// checked).
func runMaintenance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "add" && args[0] != "request" && args[0] != "decide") {
		return errors.New(maintenanceUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("maintenance "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	assets := fs.String("asset", "", "the systems (asset IDs, comma-separated)")
	username := fs.String("user", "", "the medsec user approving the plan (add)")
	vendor := fs.Int64("vendor", 0, "the maintenance vendor's ID (add)")
	engineer := fs.String("engineer", "", "the vendor's engineer (add)")
	purpose := fs.String("purpose", "", "what the work is (add)")
	from := fs.String("from", "", "start of the window, RFC 3339 with its offset (add)")
	to := fs.String("to", "", "end of the window, RFC 3339 with its offset (add)")
	status := fs.String("status", "", "only plans of this status: requested, approved or refused (list)")
	planID := fs.Int64("plan", 0, "the requested plan's ID (decide)")
	approve := fs.Bool("approve", false, "approve the plan (decide)")
	refuse := fs.Bool("refuse", false, "refuse the plan (decide)")
	note := fs.String("note", "", "why: required to refuse (decide)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var ids []int64
	for _, v := range strings.Split(*assets, ",") {
		if v = strings.TrimSpace(v); v == "" {
			continue
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("maintenance %s: --asset: %q is not an asset ID", cmd, v)
		}
		ids = append(ids, id)
	}
	store, err := openStore(ctx, *data, *db, cmd == "list")
	if err != nil {
		return fmt.Errorf("maintenance %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewMaintenancePlanService(store)
	ctx = asSystem(ctx)
	if cmd == "list" {
		f := medsec.MaintenancePlanFilter{Status: *status}
		if len(ids) > 0 {
			f.AssetID = ids[0]
		}
		ps, err := svc.FindMaintenancePlans(ctx, f)
		if err != nil {
			return fmt.Errorf("maintenance list: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tFROM\tTO\tVENDOR\tENGINEER\tSYSTEMS\tPURPOSE\tSTATUS\tREQUESTED BY\tDECIDED BY")
		for _, p := range ps {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Start.Format(time.RFC3339), p.End.Format(time.RFC3339), p.VendorName, p.Engineer,
				strings.Join(p.AssetNames, ", "), p.Purpose, p.Status, p.RequestedBy, p.DecidedBy)
		}
		return tw.Flush()
	}
	if *username == "" {
		return fmt.Errorf("maintenance %s: --user is required", cmd)
	}
	if cmd == "decide" {
		if *approve == *refuse {
			return errors.New("maintenance decide: give one of --approve and --refuse")
		}
		u, err := findUserByName(ctx, sqlstore.NewUserService(store), *username)
		if err != nil {
			return fmt.Errorf("maintenance decide: %w", err)
		}
		p, err := svc.DecideMaintenancePlan(medsec.NewContextWithUser(ctx, u), *planID, medsec.MaintenanceDecision{Approve: *approve, Note: *note})
		if err != nil {
			return fmt.Errorf("maintenance decide: %s", fieldProblems(err))
		}
		fmt.Fprintf(stdout, "maintenance plan %d %s by %s\n", p.ID, p.Status, p.DecidedBy)
		return nil
	}
	p := &medsec.MaintenancePlan{VendorID: *vendor, AssetIDs: ids, Engineer: *engineer, Purpose: *purpose}
	for _, t := range []struct {
		flag, value string
		into        *time.Time
	}{{"--from", *from, &p.Start}, {"--to", *to, &p.End}} {
		v, err := time.Parse("2006-01-02T15:04Z07:00", t.value)
		if err != nil {
			if v, err = time.Parse(time.RFC3339, t.value); err != nil {
				return fmt.Errorf("maintenance %s: %s: %q is not a time such as 2026-12-03T14:00+08:00", cmd, t.flag, t.value)
			}
		}
		*t.into = v
	}
	u, err := findUserByName(ctx, sqlstore.NewUserService(store), *username)
	if err != nil {
		return fmt.Errorf("maintenance %s: %w", cmd, err)
	}
	save := svc.CreateMaintenancePlan
	if cmd == "request" {
		save = svc.RequestMaintenancePlan
	}
	if err := save(medsec.NewContextWithUser(ctx, u), p); err != nil {
		return fmt.Errorf("maintenance %s: %s", cmd, fieldProblems(err))
	}
	fmt.Fprintf(stdout, "maintenance plan %d %s: %s on %s, %s to %s\n", p.ID, p.Status, p.VendorName, strings.Join(p.AssetNames, ", "), p.Start.Format(time.RFC3339), p.End.Format(time.RFC3339))
	return nil
}
