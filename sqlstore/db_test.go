package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"medsec"
	"medsec/internal/pgtest"
	"medsec/sqlstore"
)

// testNow is the clock of every test database.
var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

// forEachEngine runs fn on a fresh SQLite database and, when MEDSEC_TEST_POSTGRES_DSN is set,
// on a fresh schema of that PostgreSQL server.
func forEachEngine(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, MustOpenDB(t, "sqlite")) })
	t.Run("postgres", func(t *testing.T) { fn(t, MustOpenDB(t, "postgres")) })
}

// MustOpenDB opens an empty store on the engine, removed when the test ends.
func MustOpenDB(tb testing.TB, engine string) *sqlstore.DB {
	tb.Helper()
	ctx := context.Background()
	dsn := filepath.Join(tb.TempDir(), "medsec.db")
	if engine == "postgres" {
		dsn = pgtest.DSN(tb)
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	db.Now = func() time.Time { return testNow }
	tb.Cleanup(func() { db.Close() })
	return db
}

// as returns a context acting as u.
func as(u *medsec.User) context.Context {
	return medsec.NewContextWithUser(context.Background(), u)
}

var system = as(medsec.SystemUser)

// seedOrg creates two sites with a department each, a vendor and a person.
func seedOrg(t *testing.T, db *sqlstore.DB) (main, branch *medsec.Site) {
	t.Helper()
	org := sqlstore.NewOrgService(db)
	main = &medsec.Site{Code: "HQ", Name: "示範醫學中心"}
	branch = &medsec.Site{Code: "BR", Name: "示範分院"}
	for _, s := range []*medsec.Site{main, branch} {
		if err := org.CreateSite(system, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []*medsec.Department{{SiteID: main.ID, Name: "放射科"}, {SiteID: branch.ID, Name: "放射科"}} {
		if err := org.CreateDepartment(system, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := org.CreateVendor(system, &medsec.Vendor{Name: "Aurora Medical Systems"}); err != nil {
		t.Fatal(err)
	}
	if err := org.CreatePerson(system, &medsec.Person{Name: "林醫工"}); err != nil {
		t.Fatal(err)
	}
	return main, branch
}

func TestMigrateTwice(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		if db.Engine() != "sqlite" && db.Engine() != "postgres" {
			t.Fatalf("engine = %q", db.Engine())
		}
		seedOrg(t, db)
		sites, err := sqlstore.NewOrgService(db).FindSites(system)
		if err != nil || len(sites) != 2 {
			t.Fatalf("sites = %v, %v", sites, err)
		}
	})
}

func TestBackupWhileWriting(t *testing.T) {
	db := MustOpenDB(t, "sqlite")
	main, _ := seedOrg(t, db)
	assets := sqlstore.NewAssetService(db)
	done := make(chan error)
	go func() {
		for i := range 200 {
			if err := assets.CreateAsset(system, &medsec.Asset{SiteID: main.ID, Name: fmt.Sprintf("pump-%03d", i), Kind: medsec.KindInfusionPump}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	out := filepath.Join(t.TempDir(), "backup.db")
	if err := db.Backup(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	copy, err := sqlstore.Open(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	defer copy.Close()
	var ok string
	if err := copy.CheckIntegrity(context.Background(), &ok); err != nil || ok != "ok" {
		t.Fatalf("integrity of backup = %q, %v", ok, err)
	}
	if err := db.Backup(context.Background(), out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("backup over an existing file: err = %v", err)
	}
}
