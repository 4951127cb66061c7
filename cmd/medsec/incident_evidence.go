package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"medsec"
	"medsec/evidence"
	"medsec/sqlstore"
)

const incidentEvidenceUsage = `usage:
  medsec incident evidence add --data DIR [--db URL] --incident N --user NAME [--note TEXT] FILE`

// runIncidentEvidence implements "medsec incident evidence add": FILE is stored in the
// data directory's evidence store by its SHA-256, linked to incident N with its chain of
// custody started and the upload audited, as the web page's upload does
// (IncidentService.UploadEvidence). It runs as the medsec user --user names: that user's
// role (incident write) and sites are checked, and the timeline, the custody and the
// audit trail name them.
func runIncidentEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New(incidentEvidenceUsage)
	}
	fs := flag.NewFlagSet("incident evidence add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "./medsec-data", "data directory (its evidence store is DIR/evidence)")
	db := fs.String("db", "", "PostgreSQL URL instead of the data directory's database")
	id := fs.Int64("incident", 0, "the incident's number")
	username := fs.String("user", "", "the medsec user who adds the file (needs incident write on the incident's site)")
	note := fs.String("note", "", "a note for the chain of custody (where the file came from)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *id <= 0 || *username == "" || fs.NArg() != 1 {
		return errors.New("incident evidence add: --incident, --user and one FILE are required\n" + incidentEvidenceUsage)
	}
	path := fs.Arg(0)
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("incident evidence add: %w", fileError(path, err))
	}
	defer file.Close()
	if st, err := file.Stat(); err != nil {
		return fmt.Errorf("incident evidence add: %w", fileError(path, err))
	} else if st.IsDir() {
		return fmt.Errorf("incident evidence add: %w", &medsec.Error{Code: medsec.EINVALID, Message: path + " is a directory, not a file",
			Key: "incident.err.file_is_dir", Args: []any{path}})
	}
	store, err := openStore(ctx, *data, *db, true)
	if err != nil {
		return fmt.Errorf("incident evidence add: %w", err)
	}
	defer store.Close()
	files, err := evidence.Open(filepath.Join(*data, "evidence"))
	if err != nil {
		return fmt.Errorf("incident evidence add: %w", err)
	}
	u, err := findUserByName(asSystem(ctx), sqlstore.NewUserService(store), *username)
	if err != nil {
		return fmt.Errorf("incident evidence add: %w", err)
	}
	ctx = medsec.NewContextWithUser(ctx, u)
	svc := sqlstore.NewIncidentService(store).WithEvidence(files)
	inc, err := svc.FindIncidentByID(ctx, *id)
	if err != nil {
		return fmt.Errorf("incident evidence add: incident %d: %w", *id, err)
	}
	held := map[string]bool{}
	for _, e := range inc.Evidence {
		held[e.SHA256] = true
	}
	inc, ev, err := svc.UploadEvidence(ctx, inc.ID, inc.Version, filepath.Base(path), file, *note)
	if err != nil {
		return fmt.Errorf("incident evidence add: %s: %w", path, err)
	}
	if held[ev.SHA256] {
		// The incident holds this file already: stored once, the chain of custody records
		// it handed in again (bt14e #10: the CLI said "added").
		fmt.Fprintf(stdout, "incident %d: %s received again from %s — already evidence of the incident (sha256 %s); its chain of custody records it\n", inc.ID, ev.Name, u.Username, ev.SHA256)
		return nil
	}
	fmt.Fprintf(stdout, "incident %d: %s added as evidence by %s (%d bytes, sha256 %s)\n", inc.ID, ev.Name, u.Username, ev.Size, ev.SHA256)
	return nil
}

// fileError says why FILE cannot be opened with a translation key naming it, so that the
// CLI prints it in MEDSEC_LANG's language rather than the OS's English (bt14 #7): missing,
// not permitted, or otherwise unreadable.
func fileError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &medsec.Error{Code: medsec.EINVALID, Message: path + ": no such file", Key: "incident.err.file_missing", Args: []any{path}}
	case errors.Is(err, fs.ErrPermission):
		return &medsec.Error{Code: medsec.EINVALID, Message: path + ": permission denied", Key: "incident.err.file_denied", Args: []any{path}}
	}
	return &medsec.Error{Code: medsec.EINVALID, Message: path + " cannot be read", Key: "incident.err.file_unreadable", Args: []any{path}}
}
