package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"medsec"
	"medsec/sqlstore"
)

const directoryUsage = `usage:
  medsec directory show   --data DIR
  medsec directory set    --data DIR --file SETTINGS.json [--bind-password-file FILE]
  medsec directory lookup --data DIR --user NAME`

// runDirectory implements "medsec directory show|set|lookup": the directory login settings
// as the API reads and writes them (JSON, the bind password never shown), and a check of one
// login name against the directory. set replaces the settings, mappings included; the bind
// password comes from a file (or MEDSEC_DIRECTORY_BIND_PASSWORD_FILE), never from the
// command line, and is kept when none is given. Changes are audited as the system user.
func runDirectory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "show" && args[0] != "set" && args[0] != "lookup") {
		return errors.New(directoryUsage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("directory "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	file := fs.String("file", "", "settings as JSON, as GET /api/v1/directory shows them (set)")
	passwordFile := fs.String("bind-password-file", os.Getenv("MEDSEC_DIRECTORY_BIND_PASSWORD_FILE"), "file holding the service account's password (set)")
	user := fs.String("user", "", "login name to look up (lookup)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	store, err := openStore(ctx, *data, *db, cmd == "show" || cmd == "lookup")
	if err != nil {
		return fmt.Errorf("directory %s: %w", cmd, err)
	}
	defer store.Close()
	dirs := sqlstore.NewDirectoryService(store)
	ctx = asSystem(ctx)
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	switch cmd {
	case "show":
		set, err := dirs.FindDirectorySettings(ctx)
		if err != nil {
			return fmt.Errorf("directory show: %s", medsec.ErrorMessage(err))
		}
		return enc.Encode(set)
	case "lookup":
		if *user == "" {
			return errors.New("directory lookup: --user is required")
		}
		res, err := dirs.LookupDirectoryUser(ctx, *user)
		if err != nil {
			return fmt.Errorf("directory lookup: %s", medsec.ErrorMessage(err))
		}
		return enc.Encode(res)
	}
	if *file == "" {
		return errors.New("directory set: --file is required")
	}
	b, err := os.ReadFile(*file)
	if err != nil {
		return fmt.Errorf("directory set: %w", err)
	}
	var set medsec.DirectorySettings
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		return fmt.Errorf("directory set: %s: %w", *file, err)
	}
	if set.BindPassword != "" {
		return fmt.Errorf("directory set: %s: bind_password: keep the password out of the settings file; use --bind-password-file", *file)
	}
	if *passwordFile != "" {
		pw, err := os.ReadFile(*passwordFile)
		if err != nil {
			return fmt.Errorf("directory set: %w", err)
		}
		set.BindPassword = strings.TrimRight(string(pw), "\r\n")
	}
	if err := dirs.UpdateDirectorySettings(ctx, set); err != nil {
		var ve *medsec.ValidationError
		if errors.As(err, &ve) && len(ve.Errors) > 0 {
			return fmt.Errorf("directory set: %s: %s: %s", *file, ve.Errors[0].Field, ve.Errors[0].Message)
		}
		return fmt.Errorf("directory set: %s", medsec.ErrorMessage(err))
	}
	saved, err := dirs.FindDirectorySettings(ctx)
	if err != nil {
		return fmt.Errorf("directory set: %s", medsec.ErrorMessage(err))
	}
	return enc.Encode(saved)
}
