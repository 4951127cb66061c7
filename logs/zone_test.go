package logs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"medsec"
	"medsec/internal/pgtest"
	"medsec/logs"
	"medsec/logstore"
	"medsec/sqlstore"
)

var system = medsec.NewContextWithUser(context.Background(), medsec.SystemUser)

// openDB opens an empty store on the engine (PostgreSQL in a fresh schema of
// MEDSEC_TEST_POSTGRES_DSN).
func openDB(t *testing.T, engine string) *sqlstore.DB {
	t.Helper()
	dsn := filepath.Join(t.TempDir(), "medsec.db")
	if engine == "postgres" {
		dsn = pgtest.DSN(t)
	}
	db, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestZonelessTimesReadInTheSendersSiteZone sends RFC 3164 lines, whose times carry
// neither year nor zone, from a registered log source of a Taipei site, an asset of a
// Tokyo site, a sensor of the Tokyo site and a sender of no known site, around New Year:
// each is read in its site's zone (the last in the server's), and the year is the one
// that puts it just before its receive time in that zone [issue 13 t13 finding 15: every
// such time was read as UTC, eight or nine hours off]. Both engines.
func TestZonelessTimesReadInTheSendersSiteZone(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openDB(t, engine)
			org := sqlstore.NewOrgService(db)
			taipei := &medsec.Site{Code: "TPE", Name: "台北院區", Jurisdiction: medsec.JurisdictionTW, TimeZone: "Asia/Taipei"}
			tokyo := &medsec.Site{Code: "TYO", Name: "東京病院", Jurisdiction: medsec.JurisdictionJP, TimeZone: "Asia/Tokyo"}
			for _, s := range []*medsec.Site{taipei, tokyo} {
				if err := org.CreateSite(system, s); err != nil {
					t.Fatal(err)
				}
			}
			sources := sqlstore.NewLogSourceService(db)
			if _, err := sources.CreateLogSource(system, &medsec.LogSource{SiteID: taipei.ID, Name: "ws01", Address: "10.1.1.5", Transport: "udp"}, false); err != nil {
				t.Fatal(err)
			}
			assets := sqlstore.NewAssetService(db)
			if err := assets.CreateAsset(system, &medsec.Asset{SiteID: tokyo.ID, Name: "PACS-01", Kind: medsec.KindPACS, IPs: []string{"2001:db8:7::5"}}); err != nil {
				t.Fatal(err)
			}
			zones := &logs.SenderZones{Sources: sources, Assets: assets, Org: org}
			if err := zones.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			p := &logs.Parser{Location: time.UTC, Zone: zones.Zone}
			at := func(s string) time.Time {
				t.Helper()
				v, err := time.Parse(time.RFC3339, s)
				if err != nil {
					t.Fatal(err)
				}
				return v
			}
			for _, c := range []struct {
				name, line, peer string
				site             int64
				received, want   string
			}{
				// 23:59:30 on 31 December in Taipei, received 40 s later, on New Year's Day.
				{"taipei source", "<38>Dec 31 23:59:30 ws01 sshd[41]: Failed password for root from 10.9.9.9 port 2222 ssh2",
					"10.1.1.5:514", 0, "2026-12-31T16:00:10Z", "2026-12-31T15:59:30Z"},
				// New Year's first seconds in Tokyo: still 2026 in UTC.
				{"tokyo asset", "<38>Jan  1 00:00:05 pacs sshd[7]: Failed password for admin from 10.9.9.9 port 2222 ssh2",
					"[2001:db8:7::5]:514", 0, "2026-12-31T15:00:20Z", "2026-12-31T15:00:05Z"},
				// A December record received on 1 January belongs to the previous year.
				{"tokyo december on new year", "<38>Dec  1 08:00:00 pacs sshd[7]: Accepted password for admin from 10.9.9.9 port 2222 ssh2",
					"[2001:db8:7::5]:514", 0, "2027-01-01T03:00:00Z", "2026-11-30T23:00:00Z"},
				// A sensor's record: the site is the sensor's, whatever the address.
				{"tokyo sensor", "<38>Dec  1 08:00:00 mri sshd[7]: Accepted password for admin from 10.9.9.9 port 2222 ssh2",
					"192.168.5.5:514", tokyo.ID, "2026-12-02T00:00:00Z", "2026-11-30T23:00:00Z"},
				// No site known: the server's zone.
				{"unknown sender", "<38>Dec  1 08:00:00 x sshd[7]: Accepted password for admin from 10.9.9.9 port 2222 ssh2",
					"10.3.3.3:514", 0, "2027-01-01T03:00:00Z", "2026-12-01T08:00:00Z"},
			} {
				rec := p.RecordAtSite([]byte(c.line), at(c.received), c.peer, c.site)
				got, _ := rec.Fields["@timestamp"].(time.Time)
				if !got.Equal(at(c.want)) {
					t.Errorf("%s: @timestamp %s, want %s", c.name, got.UTC().Format(time.RFC3339), c.want)
				}
			}
			// A source registered later is read in its site's zone from the next refresh.
			line := []byte("<38>Dec  1 08:00:00 later sshd[7]: Accepted password for admin from 10.9.9.9 port 2222 ssh2")
			if _, err := sources.CreateLogSource(system, &medsec.LogSource{SiteID: tokyo.ID, Name: "later", Address: "10.4.4.4", Transport: "tcp"}, false); err != nil {
				t.Fatal(err)
			}
			if err := zones.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			rec := p.Record(line, at("2026-12-02T00:00:00Z"), "10.4.4.4:40000")
			if got, _ := rec.Fields["@timestamp"].(time.Time); !got.Equal(at("2026-11-30T23:00:00Z")) {
				t.Errorf("source registered later: @timestamp %s, want 2026-11-30T23:00:00Z", got.UTC().Format(time.RFC3339))
			}
		})
	}
}

// TestRecordSiteFollowsSourcesRegisteredLater files records in the sealed log store
// through the one resolver the server uses (SenderZones.RecordSite) while sources and
// assets change, without a restart and without calling Refresh [issue 13 t13: the store's
// resolver read asset addresses once at start and ignored log sources, so a source
// registered later kept its records in the first site while their times were read in its
// own site's zone]: a sender of no known site goes to the first site; once a log source of
// the Tokyo site is registered with its address (through WatchSources), the very next
// record goes to Tokyo and is read on Tokyo's clock, a sensor of the Taipei site
// forwarding it too (the log source comes before the receiver's site); a sender medsec
// auto-registered at the first site without an asset is filed by the asset added later
// with its address (through WatchAssets, read in the background). Both engines.
func TestRecordSiteFollowsSourcesRegisteredLater(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			db := openDB(t, engine)
			org := sqlstore.NewOrgService(db)
			taipei := &medsec.Site{Code: "TPE", Name: "台北院區", Jurisdiction: medsec.JurisdictionTW, TimeZone: "Asia/Taipei"}
			tokyo := &medsec.Site{Code: "TYO", Name: "東京病院", Jurisdiction: medsec.JurisdictionJP, TimeZone: "Asia/Tokyo"}
			for _, s := range []*medsec.Site{taipei, tokyo} {
				if err := org.CreateSite(system, s); err != nil {
					t.Fatal(err)
				}
			}
			z := &logs.SenderZones{Sources: sqlstore.NewLogSourceService(db), Assets: sqlstore.NewAssetService(db), Org: org}
			if err := z.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			sources, assets := z.WatchSources(z.Sources), z.WatchAssets(z.Assets)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go z.Run(ctx, time.Hour, func(err error) { t.Error(err) })

			st, err := logstore.Open(logstore.Config{Dir: t.TempDir(), Site: z.RecordSite})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			p := &logs.Parser{Location: time.UTC, Zone: z.Zone}
			received, _ := time.Parse(time.RFC3339, "2026-12-02T00:00:00Z")
			store := func(peer string, site int64) (int64, time.Time) {
				t.Helper()
				rec := p.RecordAtSite([]byte("<38>Dec  1 08:00:00 mri sshd[7]: Accepted password for admin from 10.9.9.9 port 2222 ssh2"), received, peer, site)
				rec.SiteID = site
				recs := []logs.Record{rec}
				if err := st.Append(context.Background(), recs); err != nil {
					t.Fatal(err)
				}
				ts, _ := recs[0].Fields["@timestamp"].(time.Time)
				return recs[0].SiteID, ts.UTC()
			}
			tokyoTime, _ := time.Parse(time.RFC3339, "2026-11-30T23:00:00Z")
			utcTime, _ := time.Parse(time.RFC3339, "2026-12-01T08:00:00Z")
			if site, ts := store("10.2.2.2:514", 0); site != taipei.ID || !ts.Equal(utcTime) {
				t.Errorf("unknown sender: site %d at %s, want the first site %d at %s", site, ts, taipei.ID, utcTime)
			}
			if _, err := sources.CreateLogSource(system, &medsec.LogSource{SiteID: tokyo.ID, Name: "mri", Address: "10.2.2.2", Transport: "udp"}, false); err != nil {
				t.Fatal(err)
			}
			if site, ts := store("10.2.2.2:514", 0); site != tokyo.ID || !ts.Equal(tokyoTime) {
				t.Errorf("after the source was registered: site %d at %s, want Tokyo %d at %s", site, ts, tokyo.ID, tokyoTime)
			}
			if site, ts := store("10.2.2.2:514", taipei.ID); site != tokyo.ID || !ts.Equal(tokyoTime) {
				t.Errorf("through a Taipei sensor: site %d at %s, want the source's Tokyo %d at %s", site, ts, tokyo.ID, tokyoTime)
			}
			// Auto-registered at the first site, no asset: it does not pin the sender there.
			if err := z.Sources.RecordLogSourceActivity(system, 0, []medsec.LogSourceActivity{{Address: "10.4.4.4", Transport: "udp", Format: "rfc3164",
				First: received, Last: received, Window: time.Minute, Records: 1}}); err != nil {
				t.Fatal(err)
			}
			if err := assets.CreateAsset(system, &medsec.Asset{SiteID: tokyo.ID, Name: "CT-02", Kind: medsec.KindOther, IPs: []string{"10.4.4.4"}}); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(10 * time.Second)
			for z.Site(0, "10.4.4.4:514") != tokyo.ID && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if site, ts := store("10.4.4.4:514", 0); site != tokyo.ID || !ts.Equal(tokyoTime) {
				t.Errorf("asset added later: site %d at %s, want Tokyo %d at %s", site, ts, tokyo.ID, tokyoTime)
			}
		})
	}
}
