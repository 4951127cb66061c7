package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"medsec/sqlstore"
)

const vulnAliasesUsage = `usage:
  medsec vuln aliases list   [--data DIR | --db URL] [--json]
  medsec vuln aliases add    [--data DIR | --db URL] ALIAS CANONICAL
  medsec vuln aliases remove [--data DIR | --db URL] ALIAS

The vendor alias table: the names advisories, CPEs and the inventory write for one
manufacturer ("Phillips", "General Electric (GE)") and the canonical name matching
compares them as. list prints medsec's built-in lines and the hospital's; add records a
line (a name already in the table takes the new canonical name); remove takes the
hospital's line away (built-in lines stay). add and remove match every advisory again
in the same transaction and are audited.
`

// runVulnAliases implements "medsec vuln aliases list|add|remove" (issue 11: the vendor
// alias table the hospital edits).
func runVulnAliases(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, vulnAliasesUsage)
		if len(args) == 0 {
			return flag.ErrHelp
		}
		return nil
	}
	cmd := args[0]
	fs := flag.NewFlagSet("vuln aliases "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	asJSON := fs.Bool("json", false, "list: print JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	want := map[string]int{"list": 0, "add": 2, "remove": 1}
	n, ok := want[cmd]
	if !ok {
		fmt.Fprint(stderr, vulnAliasesUsage)
		return fmt.Errorf("vuln aliases: unknown subcommand %q", cmd)
	}
	if fs.NArg() != n {
		return fmt.Errorf("vuln aliases %s: want %d argument(s), got %d (see medsec vuln aliases help)", cmd, n, fs.NArg())
	}
	store, err := openStore(ctx, *data, *db, cmd == "list")
	if err != nil {
		return fmt.Errorf("vuln aliases: %w", err)
	}
	defer store.Close()
	ctx = asSystem(ctx)
	svc := sqlstore.NewVulnService(store)
	switch cmd {
	case "add":
		if err := svc.SetVendorAlias(ctx, fs.Arg(0), fs.Arg(1)); err != nil {
			return fmt.Errorf("vuln aliases add: %s", describe(err))
		}
		fmt.Fprintf(stdout, "%q is now %q; every advisory was matched again\n", fs.Arg(0), fs.Arg(1))
		return nil
	case "remove":
		if err := svc.DeleteVendorAlias(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("vuln aliases remove: %s", describe(err))
		}
		fmt.Fprintf(stdout, "%q removed; every advisory was matched again\n", fs.Arg(0))
		return nil
	}
	as, err := svc.FindVendorAliases(ctx)
	if err != nil {
		return fmt.Errorf("vuln aliases list: %s", describe(err))
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(as)
	}
	for _, a := range as {
		src := "built in"
		if !a.Builtin {
			src = "the hospital's"
		}
		fmt.Fprintf(stdout, "%-40s %-24s %s\n", a.Alias, a.Canonical, src)
	}
	return nil
}
