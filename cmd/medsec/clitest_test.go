package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// cliData is a data directory the commands' tests run medsec's commands on, with the
// output of the last command.
type cliData struct {
	ctx context.Context
	dir string
	out bytes.Buffer
}

// newCLIData makes a data directory whose store seed fills (as the system user) and closes
// again, as a command would find it.
func newCLIData(t *testing.T, seed func(ctx context.Context, store *sqlstore.DB)) *cliData {
	t.Helper()
	d := &cliData{ctx: context.Background(), dir: t.TempDir()}
	store, err := sqlstore.Open(d.ctx, filepath.Join(d.dir, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	seed(asSystem(d.ctx), store)
	store.Close()
	return d
}

// run runs "medsec COMMAND SUB --data DIR ARGS..." (args[0] is SUB), keeping its output.
func (d *cliData) run(command string, args ...string) error {
	d.out.Reset()
	return run(d.ctx, append([]string{command, args[0], "--data", d.dir}, args[1:]...), &d.out, io.Discard)
}

// mustSite stores a site.
func mustSite(t *testing.T, ctx context.Context, store *sqlstore.DB, code, name string) *medsec.Site {
	t.Helper()
	s := &medsec.Site{Code: code, Name: name}
	if err := sqlstore.NewOrgService(store).CreateSite(ctx, s); err != nil {
		t.Fatal(err)
	}
	return s
}

// mustAssets stores assets.
func mustAssets(t *testing.T, ctx context.Context, store *sqlstore.DB, as ...*medsec.Asset) {
	t.Helper()
	for _, a := range as {
		if err := sqlstore.NewAssetService(store).CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
}
