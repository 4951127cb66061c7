package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"medsec"
	"medsec/sqlstore"
	"medsec/systemio"
)

// systemUsage is the usage of "medsec system": the clinical systems, each a system of
// assets (an HIS, a PACS) with its owner and continuity targets.
const systemUsage = `usage:
  medsec system list    --data DIR [--site ID] [--asset ID]
  medsec system add     --data DIR --site ID --name NAME [--owner PERSON_ID] [--description TEXT]
                        [--rto HOURS] [--rpo HOURS] [--fallback TEXT] [--members ID,ID,...]
  medsec system members --data DIR --system ID [--add ID,ID,...] [--remove ID,ID,...]
  medsec system delete  --data DIR --system ID
  medsec system import  --data DIR FILE.csv|FILE.xlsx   (also "medsec systems import")`

// idList parses a comma-separated list of IDs.
func idList(flagName, v string) ([]int64, error) {
	var out []int64
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("--%s: %q is not an asset ID", flagName, s)
		}
		out = append(out, id)
	}
	return out, nil
}

// runSystem implements "medsec system ...": clinical systems and their member assets
// [issue 15 M6, M10]. Changes are audited as the system user.
func runSystem(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmds := []string{"list", "add", "members", "delete", "import"}
	if len(args) == 0 || !slices.Contains(cmds, args[0]) {
		return errors.New(systemUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("system "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	var c medsec.ClinicalSystem
	fs.Int64Var(&c.SiteID, "site", 0, "the site (add; list filter)")
	fs.StringVar(&c.Name, "name", "", "the system's name (add)")
	fs.Int64Var(&c.OwnerID, "owner", 0, "the system owner, a person's ID (add)")
	fs.StringVar(&c.Description, "description", "", "what the system is (add)")
	fs.IntVar(&c.RTOHours, "rto", 0, "tolerable outage in hours (add)")
	fs.IntVar(&c.RPOHours, "rpo", 0, "tolerable data loss in hours (add)")
	fs.StringVar(&c.Fallback, "fallback", "", "manual fallback while the system is down (add)")
	members := fs.String("members", "", "member assets, IDs separated by commas (add)")
	asset := fs.Int64("asset", 0, "systems this asset is a member of (list)")
	system := fs.Int64("system", 0, "the system (members, delete)")
	add := fs.String("add", "", "assets to add, IDs separated by commas (members)")
	remove := fs.String("remove", "", "assets to remove, IDs separated by commas (members)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if (cmd == "import") != (fs.NArg() == 1) || fs.NArg() > 1 {
		return errors.New(systemUsage)
	}
	store, err := openStore(ctx, *data, *db, cmd == "list")
	if err != nil {
		return fmt.Errorf("system %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewClinicalSystemService(store)
	ctx = asSystem(ctx)
	// A refusal stays an error value, so that the command line says it in MEDSEC_LANG's
	// language (errorText), as the import does.
	fail := func(err error) error { return fmt.Errorf("system %s: %w", cmd, err) }
	switch cmd {
	case "import":
		// The file's problems are returned as they are, so that the command line says
		// them in MEDSEC_LANG's language (errorText) with their file, line and column.
		file := fs.Arg(0)
		raw, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("system import: %w", err)
		}
		res, err := svc.ImportClinicalSystems(ctx, systemio.ReadSystems(raw, filepath.Base(file)))
		if err != nil {
			return fmt.Errorf("system import: nothing was imported: %w", err)
		}
		fmt.Fprintf(stdout, "clinical systems imported from %s: %d created, %d updated, %d unchanged\n", filepath.Base(file), res.Created, res.Updated, res.Unchanged)
		return nil
	case "list":
		cs, err := svc.FindClinicalSystems(ctx, medsec.ClinicalSystemFilter{SiteID: c.SiteID, AssetID: *asset})
		if err != nil {
			return fail(err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSITE\tSYSTEM\tOWNER\tRTO\tRPO\tMEMBERS\tFALLBACK")
		for _, c := range cs {
			names := make([]string, len(c.Members))
			for i, m := range c.Members {
				names[i] = m.Name
			}
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%dh\t%dh\t%s\t%s\n", c.ID, c.SiteID, c.Name, c.OwnerName, c.RTOHours, c.RPOHours, strings.Join(names, ", "), c.Fallback)
		}
		return tw.Flush()
	case "add":
		ids, err := idList("members", *members)
		if err != nil {
			return fmt.Errorf("system add: %w", err)
		}
		for _, id := range ids {
			c.Members = append(c.Members, medsec.SystemMember{AssetID: id})
		}
		if err := svc.CreateClinicalSystem(ctx, &c); err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "clinical system %d recorded: %s, %d member assets\n", c.ID, c.Name, len(c.Members))
		return nil
	case "members":
		a, err := idList("add", *add)
		if err != nil {
			return fmt.Errorf("system members: %w", err)
		}
		r, err := idList("remove", *remove)
		if err != nil {
			return fmt.Errorf("system members: %w", err)
		}
		got, err := svc.SetSystemMembers(ctx, *system, a, r)
		if err != nil {
			return fail(err)
		}
		fmt.Fprintf(stdout, "clinical system %d (%s) has %d member assets\n", got.ID, got.Name, len(got.Members))
		return nil
	}
	if err := svc.DeleteClinicalSystem(ctx, *system); err != nil {
		return fail(err)
	}
	fmt.Fprintf(stdout, "clinical system %d deleted; its assets stay\n", *system)
	return nil
}
