package sqlstore_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
	"medsec/vuln"
)

// fullRematchChangesNothing re-matches every device against every advisory and fails
// when that changes a finding: what a narrower matching left is what the full one gives.
func fullRematchChangesNothing(t *testing.T, svc *sqlstore.VulnService, what string) {
	t.Helper()
	sum, err := svc.Rematch(system)
	if err != nil {
		t.Fatalf("%s: rematch: %v", what, err)
	}
	if sum.NewFindings != 0 || sum.Updated != 0 || sum.Gone != 0 {
		t.Errorf("%s: a full re-match still changed findings: %+v", what, sum)
	}
	if n, err := svc.QueuedForMatching(system); err != nil || n != 0 {
		t.Errorf("%s: %d devices still queued, %v", what, n, err)
	}
}

// TestAliasEditMatchesOnlyWhatItCan (t11 finding 25): an alias edit matches again only
// the devices the edited name can change — those carrying the name and those sharing an
// index key with an advisory writing it — not every device against every advisory, and
// gives what a full re-match gives. Every CSAF and NVD advisory of ../shared/data/vuln and
// the devices they name are stored; a Philips MX40 is entered under a vendor spelling no
// alias knows, and a revision of the MX40 advisory writes another; both engines.
func TestAliasEditMatchesOnlyWhatItCan(t *testing.T) {
	advs := sharedAdvisories(t)
	fleet := fleetOfAdvisories(advs)
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewVulnService(db)
		if _, err := svc.Import(system, sqlstore.VulnImport{Advisories: advs}); err != nil {
			t.Fatal(err)
		}
		ids := addFleet(t, db, main.ID, fleet)
		odd := addFleet(t, db, main.ID, []medsec.Asset{{Name: "MX40-odd", Model: "IntelliVue MX40", Firmware: "B.06.17", Notes: "Phillips Medical Systems"}})[0]
		// The MX40 advisory as a vendor's own bulletin would write it.
		i := slices.IndexFunc(advs, func(a *vuln.Advisory) bool { return a.ID == "ICSMA-17-255-01" })
		if i < 0 {
			t.Fatal("ICSMA-17-255-01 not in the shared data")
		}
		bulletin := *advs[i]
		bulletin.ID, bulletin.Products = "PSIRT-MX40-1", slices.Clone(bulletin.Products)
		for j := range bulletin.Products {
			bulletin.Products[j].Vendor = "Philips Electronics Nederland"
		}
		if _, err := svc.Import(system, sqlstore.VulnImport{Advisories: []*vuln.Advisory{&bulletin}}); err != nil {
			t.Fatal(err)
		}
		total := len(ids) + 1
		matched := 0
		defer sqlstore.SetMatchBatchDone(func(done int) error { matched = done; return nil })()
		edit := func(what string, do func() error) int {
			t.Helper()
			matched = 0
			if err := do(); err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			got := matched
			fullRematchChangesNothing(t, svc, what)
			if got == 0 || got >= total/4 {
				t.Errorf("%s matched %d of %d devices again, want a few", what, got, total)
			}
			return got
		}
		findings := func(asset int64, advisory string) int {
			fs, n, err := svc.FindFindings(system, medsec.FindingFilter{AssetID: asset, Advisory: advisory})
			if err != nil {
				t.Fatal(err)
			}
			open := 0
			for _, f := range fs {
				if f.GoneAt.IsZero() {
					open++
				}
			}
			_ = n
			return open
		}
		if n := findings(odd, ""); n != 0 {
			t.Fatalf("the MX40 under an unknown spelling has %d findings before the alias", n)
		}
		// The device carries the name.
		if n := edit("alias of the device's vendor", func() error {
			return svc.SetVendorAlias(system, "Phillips Medical Systems", "Philips")
		}); n != 1 {
			t.Errorf("the device's alias matched %d devices, want the one carrying it", n)
		}
		if n := findings(odd, "ICSMA-17-255-01"); n != 2 {
			t.Errorf("the MX40 has %d findings of its advisory after the alias, want 2", n)
		}
		// An advisory writes the name: the devices sharing its keys.
		edit("alias of the bulletin's vendor", func() error {
			return svc.SetVendorAlias(system, "Philips Electronics Nederland", "Philips")
		})
		if n := findings(odd, "PSIRT-MX40-1"); n != 2 {
			t.Errorf("the MX40 has %d findings of the bulletin after its vendor's alias, want 2", n)
		}
		edit("alias removed", func() error { return svc.DeleteVendorAlias(system, "Phillips Medical Systems") })
		if n := findings(odd, ""); n != 0 {
			t.Errorf("the MX40 keeps %d findings after its vendor's alias was removed", n)
		}
	})
}

// TestImportMatchesInCommittedBatches (t11 finding 25): an advisory import stores the
// advisories and queues the devices they can change in one transaction, then matches them
// in batches each committed: another writer gets in between batches, a reader sees the
// advisories stored and the devices not yet matched queued, and an import stopped midway
// (as by a crash) is completed by running it again — what a full re-match gives; both
// engines.
func TestImportMatchesInCommittedBatches(t *testing.T) {
	advs := sharedAdvisories(t)
	fleet := fleetOfAdvisories(advs)
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, _ := seedOrg(t, db)
		svc := sqlstore.NewVulnService(db)
		org := sqlstore.NewOrgService(db)
		addFleet(t, db, main.ID, fleet)
		defer sqlstore.SetMatchBatch(10)()
		crash := errors.New("stopped midway")
		batches := 0
		defer sqlstore.SetMatchBatchDone(func(done int) error {
			batches++
			if batches > 1 {
				return crash
			}
			// Between batches: another writer is not blocked, and a reader sees the
			// advisories stored and the rest of the devices queued.
			if err := org.CreateVendor(system, &medsec.Vendor{Name: "Writer between batches"}); err != nil {
				t.Errorf("a writer between batches: %v", err)
			}
			if as, err := svc.FindAdvisories(system); err != nil || len(as) == 0 {
				t.Errorf("between batches a reader sees %d advisories, %v", len(as), err)
			}
			if n, err := svc.QueuedForMatching(system); err != nil || n == 0 {
				t.Errorf("between batches %d devices queued, %v", n, err)
			}
			return nil
		})()
		if _, err := svc.Import(system, sqlstore.VulnImport{Advisories: advs}); !errors.Is(err, crash) {
			t.Fatalf("the stopped import: %v, want the stop", err)
		}
		if batches != 2 {
			t.Fatalf("%d batches before the stop, want 2", batches)
		}
		queued, err := svc.QueuedForMatching(system)
		if err != nil || queued == 0 {
			t.Fatalf("after the stop %d devices queued, %v", queued, err)
		}
		_, partial, _ := svc.FindFindings(system, medsec.FindingFilter{})
		if partial == 0 {
			t.Error("the committed batches left no finding")
		}
		// After a restart the scheduler's MatchQueued completes the queue.
		sqlstore.SetMatchBatchDone(nil)
		sum, err := svc.MatchQueued(system)
		if err != nil {
			t.Fatal(err)
		}
		_, whole, _ := svc.FindFindings(system, medsec.FindingFilter{})
		if whole <= partial || sum.DevicesMatched != queued {
			t.Errorf("the re-run: %d findings (%d before), %+v, %d queued", whole, partial, sum, queued)
		}
		if n, err := svc.QueuedForMatching(system); err != nil || n != 0 {
			t.Errorf("after the re-run %d devices queued, %v", n, err)
		}
		fullRematchChangesNothing(t, svc, "after the re-run")
	})
}

// BenchmarkAliasEdit times an alias edit with every CSAF and NVD advisory of
// ../shared/data/vuln stored and the devices they name in the inventory (SQLite): one
// iteration sets an alias of a device's vendor and removes it again. "touched-devices"
// matches only the devices the name can change (t11 finding 25); the peer
// "every-device-one-tx", as before, matches every advisory against every device in one
// transaction (rolled back), twice.
func BenchmarkAliasEdit(b *testing.B) {
	advs := sharedAdvisories(b)
	db := MustOpenDB(b, "sqlite")
	site := &medsec.Site{Code: "HQ", Name: "本院"}
	if err := sqlstore.NewOrgService(db).CreateSite(system, site); err != nil {
		b.Fatal(err)
	}
	svc := sqlstore.NewVulnService(db)
	if _, err := svc.Import(system, sqlstore.VulnImport{Advisories: advs}); err != nil {
		b.Fatal(err)
	}
	addFleet(b, db, site.ID, fleetOfAdvisories(advs))
	addFleet(b, db, site.ID, []medsec.Asset{{Name: "MX40-odd", Model: "IntelliVue MX40", Firmware: "B.06.17", Notes: "Phillips Medical Systems"}})
	b.Run("touched-devices", func(b *testing.B) {
		for b.Loop() {
			if err := svc.SetVendorAlias(system, "Phillips Medical Systems", "Philips"); err != nil {
				b.Fatal(err)
			}
			if err := svc.DeleteVendorAlias(system, "Phillips Medical Systems"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("every-device-one-tx", func(b *testing.B) {
		for b.Loop() {
			for range 2 {
				if _, err := svc.RematchAllInOneTx(system); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

// BenchmarkImportWriteLock times a feed import of every CSAF and NVD advisory of
// ../shared/data/vuln against the devices they name (SQLite) and reports the longest
// write transaction it held (ms-longest-tx, the time other writers wait at worst): in
// batches of 200 devices each committed (t11 finding 25), and the peer with one batch for
// every device, as the import's single transaction matched before.
func BenchmarkImportWriteLock(b *testing.B) {
	advs := sharedAdvisories(b)
	for _, mode := range []struct {
		name  string
		batch int
	}{{"batches-of-200", 200}, {"one-tx-as-before", 1 << 30}} {
		b.Run(mode.name, func(b *testing.B) {
			db := MustOpenDB(b, "sqlite")
			site := &medsec.Site{Code: "HQ", Name: "本院"}
			if err := sqlstore.NewOrgService(db).CreateSite(system, site); err != nil {
				b.Fatal(err)
			}
			fleet := fleetOfAdvisories(advs)
			// Ten devices per named one: 1,300 devices.
			var many []medsec.Asset
			for i := range 10 {
				for _, a := range fleet {
					a.Name = fmt.Sprintf("%s-%d", a.Name, i)
					many = append(many, a)
				}
			}
			addFleet(b, db, site.ID, many)
			svc := sqlstore.NewVulnService(db)
			defer sqlstore.SetMatchBatch(mode.batch)()
			var longest time.Duration
			var last time.Time
			defer sqlstore.SetMatchBatchDone(func(int) error {
				now := time.Now()
				longest = max(longest, now.Sub(last))
				last = now
				return nil
			})()
			for b.Loop() {
				last = time.Now()
				if _, err := svc.Import(system, sqlstore.VulnImport{Advisories: advs}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(longest.Microseconds())/1000, "ms-longest-tx")
		})
	}
}
