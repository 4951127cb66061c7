package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"medsec"
	"medsec/account"
	"medsec/sqlstore"
)

const accountsUsage = `usage:
  medsec accounts import   --data DIR (--asset ID | --system ID) FILE.csv|FILE.xlsx|FILE.ldif
  medsec accounts import   --data DIR (--asset ID | --system ID) --from-directory [--base DN] [--filter F]
  medsec accounts list     --data DIR [--asset ID | --system ID]
  medsec accounts findings --data DIR [--asset ID | --system ID] [--unused-days N]
  medsec roster import     --data DIR FILE.csv|FILE.xlsx`

// runAccounts implements "medsec accounts import|list|findings": the account list of one
// system (an asset, or a clinical system of several assets such as an HIS) from a CSV or XLSX export, an LDIF export (slapcat, ldapsearch -LLL) or
// the directory set for login; the accounts; and their findings with the seed clause of
// each [M6]. Imports are all or nothing, audited as the system user.
func runAccounts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "list" && args[0] != "findings") {
		return errors.New(accountsUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("accounts "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	asset := fs.Int64("asset", 0, "the system (asset ID) whose accounts these are")
	system := fs.Int64("system", 0, "the clinical system (ID, see medsec system list) whose accounts these are, instead of --asset")
	fromDirectory := fs.Bool("from-directory", false, "read the accounts from the directory set for login (import)")
	base := fs.String("base", "", "where to search the directory (default: its base DN)")
	filter := fs.String("filter", "", "LDAP filter of the accounts (default: the login user filter for every name)")
	unused := fs.Int("unused-days", medsec.DefaultUnusedDays, "days without login after which an account is unused (findings)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, *data, *db, cmd == "list" || cmd == "findings")
	if err != nil {
		return fmt.Errorf("accounts %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewAccountService(store)
	ctx = asSystem(ctx)
	switch cmd {
	case "list":
		as, err := svc.FindAccounts(ctx, medsec.AccountFilter{AssetID: *asset, SystemID: *system})
		if err != nil {
			return fmt.Errorf("accounts list: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SYSTEM\tUSERNAME\tTYPE\tPERSON\tENABLED\tLAST LOGIN\tMFA")
		for _, a := range as {
			last := ""
			if !a.LastLogin.IsZero() {
				last = a.LastLogin.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%s\t%s\n", holderName(a.AssetName, a.SystemName), a.Username, a.Type, a.PersonName, a.Enabled, last, a.MFA)
		}
		return tw.Flush()
	case "findings":
		fsx, err := svc.AccountFindings(ctx, medsec.AccountFilter{AssetID: *asset, SystemID: *system}, *unused)
		if err != nil {
			return fmt.Errorf("accounts findings: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SYSTEM\tUSERNAME\tFINDING\tCLAUSE\tDETAIL")
		for _, f := range fsx {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", holderName(f.AssetName, f.SystemName), f.Username, f.Kind, f.Clause, f.Detail)
		}
		return tw.Flush()
	}
	if (*asset <= 0) == (*system <= 0) {
		return errors.New("accounts import: give either --asset or --system")
	}
	var imp medsec.AccountImport
	switch {
	case *fromDirectory:
		if fs.NArg() != 0 {
			return errors.New("accounts import: give a file or --from-directory, not both")
		}
		if imp, err = svc.ReadDirectoryAccounts(ctx, *base, *filter); err != nil {
			return fmt.Errorf("accounts import: %s", medsec.ErrorMessage(err))
		}
	case fs.NArg() == 1:
		path := fs.Arg(0)
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("accounts import: %w", err)
		}
		if strings.EqualFold(filepath.Ext(path), ".ldif") {
			imp = account.ReadLDIF(b, filepath.Base(path))
		} else {
			imp = account.ReadAccounts(b, filepath.Base(path))
		}
	default:
		return errors.New(accountsUsage)
	}
	imp.AssetID, imp.SystemID = *asset, *system
	res, err := svc.ImportAccounts(ctx, imp)
	if err != nil {
		return fmt.Errorf("accounts import: %s", importProblems(err))
	}
	fmt.Fprintf(stdout, "%d accounts created, %d updated, %d unchanged, %d removed; %d linked to people\n", res.Created, res.Updated, res.Unchanged, res.Removed, res.Linked)
	return nil
}

// holderName names the system an account is of: its clinical system's name, else its
// asset's.
func holderName(asset, system string) string {
	if system != "" {
		return system
	}
	return asset
}

// importProblems says every problem of a rejected import, one a line.
func importProblems(err error) string {
	var ve *medsec.ValidationError
	if errors.As(err, &ve) {
		var b strings.Builder
		b.WriteString("nothing was imported:")
		for _, fe := range ve.Errors {
			b.WriteString("\n  ")
			if ve.Source != "" {
				b.WriteString(ve.Source + ": ")
			}
			b.WriteString(fe.Error())
			if fe.Value != "" && !strings.Contains(fe.Message, fe.Value) {
				fmt.Fprintf(&b, " (%q)", fe.Value)
			}
		}
		return b.String()
	}
	return medsec.ErrorMessage(err)
}

const rosterUsage = `usage:
  medsec roster import --data DIR FILE.csv|FILE.xlsx
  medsec roster list   --data DIR`

// runRoster implements "medsec roster import|list": people's employment status (active,
// transferred, left, with dates) from an HR roster, so that the accounts of departed or
// transferred staff are found [000 帳號管理(中) 一]. All rows or none, audited.
func runRoster(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "list") {
		return errors.New(rosterUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("roster "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, *data, *db, cmd == "list")
	if err != nil {
		return fmt.Errorf("roster %s: %w", cmd, err)
	}
	defer store.Close()
	svc := sqlstore.NewAccountService(store)
	ctx = asSystem(ctx)
	if cmd == "list" {
		staff, err := svc.FindStaff(ctx)
		if err != nil {
			return fmt.Errorf("roster list: %s", medsec.ErrorMessage(err))
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "EMPLOYEE NO\tNAME\tUSERNAME\tSTATUS\tJOINED\tEFFECTIVE")
		for _, m := range staff {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.EmployeeNo, m.Name, m.Username, m.Status, m.Joined, m.Effective)
		}
		return tw.Flush()
	}
	if fs.NArg() != 1 {
		return errors.New(rosterUsage)
	}
	b, err := os.ReadFile(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("roster import: %w", err)
	}
	res, err := svc.ImportRoster(ctx, account.ReadRoster(b, filepath.Base(fs.Arg(0))))
	if err != nil {
		return fmt.Errorf("roster import: %s", importProblems(err))
	}
	fmt.Fprintf(stdout, "%d people created, %d updated, %d unchanged\n", res.Created, res.Updated, res.Unchanged)
	return nil
}
