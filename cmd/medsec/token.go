package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"medsec/sqlstore"
)

// runToken implements "medsec token create": it prints a new API token for a user.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: medsec token create --data DIR --user NAME [--name LABEL]")
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	username := fs.String("user", "", "user the token acts as")
	name := fs.String("name", "cli", "a label for the token")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *username == "" {
		return errors.New("token create: --user is required")
	}
	store, err := sqlstore.Open(ctx, dsnFor(*data, *db))
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	defer store.Close()
	users := sqlstore.NewUserService(store)
	ctx = asSystem(ctx)
	all, err := users.FindUsers(ctx)
	if err != nil {
		return fmt.Errorf("token create: %w", err)
	}
	for _, u := range all {
		if u.Username == *username {
			token, err := users.CreateAPIToken(ctx, u.ID, *name)
			if err != nil {
				return fmt.Errorf("token create: %w", err)
			}
			fmt.Fprintln(stdout, token)
			return nil
		}
	}
	return fmt.Errorf("token create: no user %q", *username)
}
