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

const tokenUsage = `usage:
  medsec token create --data DIR --user NAME [--name LABEL] [--expires 90d]
  medsec token list   --data DIR --user NAME
  medsec token revoke --data DIR --id ID`

// runToken implements "medsec token create|list|revoke": API tokens for the operator on
// the server. Every change is audited as the system user.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(tokenUsage)
	}
	cmd := args[0]
	if cmd != "create" && cmd != "list" && cmd != "revoke" {
		return fmt.Errorf("token: unknown command %q\n%s", cmd, tokenUsage)
	}
	fs := flag.NewFlagSet("token "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	username := fs.String("user", "", "user the tokens belong to (create, list)")
	name := fs.String("name", "cli", "a label for the token (create)")
	expires := fs.String("expires", "", "lifetime: days (90d) or a Go duration (720h); default 90 days, at most 366 (create)")
	id := fs.Int64("id", 0, "the token to revoke, as token list shows it (revoke)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var lifetime time.Duration
	if *expires != "" {
		var err error
		if lifetime, err = parseLifetime(*expires); err != nil {
			return fmt.Errorf("token %s: --expires: %w", cmd, err)
		}
	}
	if cmd == "revoke" && *id <= 0 {
		return errors.New("token revoke: --id is required")
	}
	if cmd != "revoke" && *username == "" {
		return fmt.Errorf("token %s: --user is required", cmd)
	}
	store, err := openStore(ctx, *data, *db, cmd == "list")
	if err != nil {
		return fmt.Errorf("token %s: %w", cmd, err)
	}
	defer store.Close()
	users := sqlstore.NewUserService(store)
	ctx = asSystem(ctx)
	if cmd == "revoke" {
		if err := users.DeleteAPIToken(ctx, *id); err != nil {
			return fmt.Errorf("token revoke: %s", medsec.ErrorMessage(err))
		}
		fmt.Fprintf(stdout, "token %d revoked\n", *id)
		return nil
	}
	u, err := findUserByName(ctx, users, *username)
	if err != nil {
		return fmt.Errorf("token %s: %w", cmd, err)
	}
	if cmd == "create" {
		token, _, err := users.IssueAPIToken(ctx, u.ID, *name, lifetime)
		if err != nil {
			if e, ok := err.(*medsec.Error); ok && e.Key == "err.totp_enrol_required" {
				return fmt.Errorf("token create: %s has not set up two-factor authentication, which is mandatory here (require_totp): no token made", u.Username)
			}
			return fmt.Errorf("token create: %s", medsec.ErrorMessage(err))
		}
		fmt.Fprintln(stdout, token)
		return nil
	}
	tokens, err := users.FindAPITokens(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("token list: %w", err)
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tCREATED\tEXPIRES\tLAST USED")
	for _, t := range tokens {
		used := "never"
		if !t.LastUsedAt.IsZero() {
			used = t.LastUsedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.RFC3339), t.ExpiresAt.Format(time.RFC3339), used)
	}
	return tw.Flush()
}

// parseLifetime reads a token lifetime: whole days ("90d", "90") or a Go duration ("720h").
func parseLifetime(s string) (time.Duration, error) {
	if days, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil {
		if days <= 0 {
			return 0, fmt.Errorf("%q: must be at least one day", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q: not a number of days (90d) or a duration (720h)", s)
	}
	return d, nil
}

// findUserByName returns the user with this user name.
func findUserByName(ctx context.Context, users *sqlstore.UserService, username string) (*medsec.User, error) {
	all, err := users.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range all {
		if u.Username == username {
			return u, nil
		}
	}
	return nil, fmt.Errorf("no user %q", username)
}
