package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"

	"medsec"
	"medsec/sqlstore"
)

const vulnAliasesUsage = `usage:
  medsec vuln aliases list   [--data DIR | --db URL] [--json]
  medsec vuln aliases add    [--data DIR | --db URL] ALIAS CANONICAL
  medsec vuln aliases remove [--data DIR | --db URL] ALIAS
  medsec vuln aliases products       [--data DIR | --db URL] [--json]
  medsec vuln aliases product-add    [--data DIR | --db URL] VENDOR NAME MODEL
  medsec vuln aliases product-remove [--data DIR | --db URL] ID

The vendor alias table: the names advisories, CPEs and the inventory write for one
manufacturer ("Phillips", "General Electric (GE)") and the canonical name matching
compares them as. list prints medsec's built-in lines and the hospital's; add records a
line (a name already in the table takes the new canonical name); remove takes the
hospital's line away (built-in lines stay). add and remove are audited and match again
the devices the name can change.

The product alias table: a manufacturer's advisories name a product otherwise than the
inventory (GE's "CARESCAPE Central Station (CSCS)" for the inventory's "CSCS").
product-add VENDOR NAME MODEL records that VENDOR's advisories write NAME for the
inventory's MODEL; matching then compares such devices also as NAME and the finding's why
names the line. products lists the lines with their IDs; product-remove ID removes one.
Both are audited and match the model's devices again.
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
	want := map[string]int{"list": 0, "add": 2, "remove": 1, "products": 0, "product-add": 3, "product-remove": 1}
	n, ok := want[cmd]
	if !ok {
		fmt.Fprint(stderr, vulnAliasesUsage)
		return fmt.Errorf("vuln aliases: unknown subcommand %q", cmd)
	}
	if fs.NArg() != n {
		return fmt.Errorf("vuln aliases %s: want %d argument(s), got %d (see medsec vuln aliases help)", cmd, n, fs.NArg())
	}
	store, err := openStore(ctx, *data, *db, cmd == "list" || cmd == "products")
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
		fmt.Fprintf(stdout, "%q is now %q; the devices it can change were matched again\n", fs.Arg(0), fs.Arg(1))
		return nil
	case "remove":
		if err := svc.DeleteVendorAlias(ctx, fs.Arg(0)); err != nil {
			return fmt.Errorf("vuln aliases remove: %s", describe(err))
		}
		fmt.Fprintf(stdout, "%q removed; the devices it can change were matched again\n", fs.Arg(0))
		return nil
	case "product-add":
		p := &medsec.ProductAlias{Vendor: fs.Arg(0), Name: fs.Arg(1), Model: fs.Arg(2)}
		if err := svc.AddProductAlias(ctx, p); err != nil {
			return fmt.Errorf("vuln aliases product-add: %s", describe(err))
		}
		fmt.Fprintf(stdout, "product alias %d: %s advisories' %q is the inventory's %q; the devices of the model were matched again\n", p.ID, p.Vendor, p.Name, p.Model)
		return nil
	case "product-remove":
		id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || id <= 0 {
			return fmt.Errorf("vuln aliases product-remove: ID %q is not a line number (see medsec vuln aliases products)", fs.Arg(0))
		}
		if err := svc.DeleteProductAlias(ctx, id); err != nil {
			return fmt.Errorf("vuln aliases product-remove: %s", describe(err))
		}
		fmt.Fprintf(stdout, "product alias %d removed; the devices of its model were matched again\n", id)
		return nil
	case "products":
		ps, err := svc.FindProductAliases(ctx)
		if err != nil {
			return fmt.Errorf("vuln aliases products: %s", describe(err))
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(ps)
		}
		for _, p := range ps {
			fmt.Fprintf(stdout, "%-6d %-24s %-40s %s\n", p.ID, p.Vendor, p.Name, p.Model)
		}
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
