package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"medsec"
	"medsec/assetio"
	"medsec/catalog"
	"medsec/evidence"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// classNames are the device classes the dashboard measurement gives its assets in turn.
var classNames = []string{"standalone", "group", "boundary-host", "control-system", "application-system", "standalone", "group"}

// dashboardPages measures the home dashboard (GET /, HTML, as a logged-in security officer
// who sees every site) at load.clients concurrent users, and, in the same run on the same
// server, the peer: a static file of the same size as the page, served by the same HTTP
// server (a handler beside medsec's on the same listener, answering from memory with
// http.ServeContent). It also times the dashboard's figures computed from nothing (the
// first request, and after a change through the server drops them), which a user meets
// at most once a minute per scope.
func dashboardPages(ctx context.Context, db *sqlstore.DB, load searchLoad) error {
	users := sqlstore.NewUserService(db)
	u := &medsec.User{Username: "perf", Role: medsec.RoleSecurityOfficer, Language: "zh-TW"}
	if err := users.CreateUser(ctx, u, "a long benchmark password"); err != nil {
		return err
	}
	session, err := users.CreateSession(ctx, u.ID)
	if err != nil {
		return err
	}
	cs, err := catalog.Load()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "medsec-bench-evidence")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	files, err := evidence.Open(dir)
	if err != nil {
		return err
	}
	checks, err := medsec.NewCheckRegistry(medsec.InventoryChecks()...)
	if err != nil {
		return err
	}
	services := mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db), Users: users,
		Audit: sqlstore.NewAuditService(db), Zones: sqlstore.NewZoneService(db), Discovery: sqlstore.NewDiscoveryService(db),
		Assessments: sqlstore.NewAssessmentService(db, cs, files, checks)}
	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	var static []byte
	mux := http.NewServeMux()
	mux.Handle("/", srv)
	mux.HandleFunc("GET /bench/static.html", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "static.html", time.Time{}, bytes.NewReader(static))
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: load.clients}}
	get := func(path string) ([]byte, error) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		req.AddCookie(&http.Cookie{Name: "medsec_session", Value: session})
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %.300s", path, resp.StatusCode, body)
		}
		return body, nil
	}
	// A change: one asset's notes edited through the store, which drops the kept gap
	// reports (any committed write to report data does), and a request that is not a GET
	// or HEAD, which drops the dashboard's kept figures (OPTIONS changes nothing itself).
	changed, _, err := services.Assets.FindAssets(ctx, medsec.AssetFilter{Limit: 1})
	if err != nil || len(changed) == 0 {
		return fmt.Errorf("an asset to change: %v", err)
	}
	changes := 0
	drop := func() error {
		changes++
		changed[0].Notes = fmt.Sprintf("benchmark change %d", changes)
		if err := services.Assets.UpdateAsset(ctx, changed[0]); err != nil {
			return err
		}
		req, _ := http.NewRequest("OPTIONS", ts.URL+"/", nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
	var page []byte
	var cold []time.Duration
	for i := range 2 {
		if err := drop(); err != nil {
			return err
		}
		stop, err := startProfile(load.dashProfile, i == 0)
		if err != nil {
			return err
		}
		t0 := time.Now()
		page, err = get("/")
		cold = append(cold, time.Since(t0))
		stop()
		if err != nil {
			return err
		}
	}
	if !bytes.Contains(page, []byte(`id="chart-departments"`)) || !bytes.Contains(page, []byte(`data-tile="support-ended"`)) {
		return fmt.Errorf("the dashboard page lacks its charts or tiles:\n%.500s", page)
	}
	static = bytes.Repeat([]byte("x"), len(page))
	fmt.Printf("dashboard: page %d bytes; figures computed from nothing (after a change) in %.0f / %.0f ms (2 runs)\n", len(page),
		ms(cold[0]), ms(cold[1]))
	fmt.Printf("  %s\n", strings.TrimSpace(tileSummary(page)))
	fmt.Printf("dashboard under load: %d concurrent users, %d pages per measurement\n", load.clients, load.requests)
	got, err := hammer(load, []string{"/"}, func(p string) error { _, err := get(p); return err })
	if err != nil {
		return err
	}
	peer, err := hammer(load, []string{"/bench/static.html"}, func(p string) error { _, err := get(p); return err })
	if err != nil {
		return err
	}
	fmt.Printf("  medsec dashboard (HTML)                 p50 %7.1f ms  p99 %7.1f ms  %7.1f requests/s\n", ms(got.p50), ms(got.p99), got.rate)
	fmt.Printf("  peer: static file of the same size      p50 %7.1f ms  p99 %7.1f ms  %7.1f requests/s\n", ms(peer.p50), ms(peer.p99), peer.rate)
	fmt.Printf("  ratio medsec/peer                       p50 %5.1f x  p99 %5.1f x\n", got.p50.Seconds()/peer.p50.Seconds(), got.p99.Seconds()/peer.p99.Seconds())
	return gapReportPage(load, get, drop, func(n int) { static = bytes.Repeat([]byte("x"), n) })
}

// startProfile starts a CPU profile into file when it is set and on is true; stop ends it.
func startProfile(file string, on bool) (stop func(), err error) {
	if file == "" || !on {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// gapReportPage times the gap report's first page (/compliance, the TW baseline over every
// asset, first 50 items): computed from nothing after a change (twice), then kept (the
// report computed for the first page serves the next request, and any page, until the
// data changes), then under load from the same users, against the static file resized to
// the page's size (setStatic), as the dashboard is.
func gapReportPage(load searchLoad, get func(string) ([]byte, error), change func() error, setStatic func(int)) error {
	var page []byte
	var cold []time.Duration
	for i := range 2 {
		if err := change(); err != nil {
			return err
		}
		stop, err := startProfile(load.profile, i == 0)
		if err != nil {
			return err
		}
		t0 := time.Now()
		page, err = get("/compliance")
		cold = append(cold, time.Since(t0))
		stop()
		if err != nil {
			return err
		}
	}
	var kept []time.Duration
	for _, path := range []string{"/compliance", "/compliance?page=2", "/compliance?page=400"} {
		t0 := time.Now()
		if _, err := get(path); err != nil {
			return err
		}
		kept = append(kept, time.Since(t0))
	}
	setStatic(len(page))
	fmt.Printf("gap report: page %d bytes; first page computed from nothing (after a change) in %.0f / %.0f ms (2 runs); kept: first page %.1f ms, page 2 %.1f ms, page 400 %.1f ms\n",
		len(page), ms(cold[0]), ms(cold[1]), ms(kept[0]), ms(kept[1]), ms(kept[2]))
	gapLoad := load
	got, err := hammer(gapLoad, []string{"/compliance"}, func(p string) error { _, err := get(p); return err })
	if err != nil {
		return err
	}
	peer, err := hammer(gapLoad, []string{"/bench/static.html"}, func(p string) error { _, err := get(p); return err })
	if err != nil {
		return err
	}
	fmt.Printf("gap report under load: %d concurrent users, %d pages per measurement\n", gapLoad.clients, gapLoad.requests)
	fmt.Printf("  medsec gap report (HTML)                p50 %7.1f ms  p99 %7.1f ms  %7.1f requests/s\n", ms(got.p50), ms(got.p99), got.rate)
	fmt.Printf("  peer: static file of the same size      p50 %7.1f ms  p99 %7.1f ms  %7.1f requests/s\n", ms(peer.p50), ms(peer.p99), peer.rate)
	fmt.Printf("  ratio medsec/peer                       p50 %5.1f x  p99 %5.1f x\n", got.p50.Seconds()/peer.p50.Seconds(), got.p99.Seconds()/peer.p99.Seconds())
	return nil
}

// tileSummary returns the dashboard's tile numbers as text, to show what was measured.
func tileSummary(page []byte) string {
	var out []string
	s := string(page)
	for {
		i := strings.Index(s, `data-tile="`)
		if i < 0 {
			break
		}
		s = s[i+len(`data-tile="`):]
		name := s[:strings.Index(s, `"`)]
		j := strings.Index(s, `<span class="num">`)
		s = s[j+len(`<span class="num">`):]
		out = append(out, name+" "+s[:strings.Index(s, "<")])
	}
	return strings.Join(out, ", ")
}

// insertRows stores the generated inventory's rows in the assets table with plain INSERTs
// in one transaction (sites, departments and vendors by name as created by run), with the
// search text the store would derive left empty. It is the dashboard measurement's input
// only; the import is measured on its own.
func insertRows(db *sqlstore.DB, dsn string, csvData []byte) error {
	rows, err := assetio.ReadCSV(bytes.NewReader(csvData), "assets.csv")
	if err != nil {
		return err
	}
	raw, err := openRaw(dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	ids := func(q string) (map[string]int64, error) {
		out := map[string]int64{}
		r, err := raw.Query(q)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		for r.Next() {
			var id int64
			var name string
			if err := r.Scan(&id, &name); err != nil {
				return nil, err
			}
			out[name] = id
		}
		return out, r.Err()
	}
	sites, err := ids(`SELECT id, name FROM sites`)
	if err != nil {
		return err
	}
	depts, err := ids(`SELECT d.id, s.name || '/' || d.name FROM departments d JOIN sites s ON s.id = d.site_id`)
	if err != nil {
		return err
	}
	vendors, err := ids(`SELECT id, name FROM vendors`)
	if err != nil {
		return err
	}
	ph := func(i int) string {
		if strings.HasPrefix(dsn, "postgres") {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	var marks []string
	for i := 1; i <= 15; i++ {
		marks = append(marks, ph(i))
	}
	tx, err := raw.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	stmt, err := tx.Prepare(`INSERT INTO assets (site_id, department_id, vendor_id, name, kind, ips, macs, connectivity, data_class, end_of_support,
		patching_permitted, default_creds, class, status, created_at, updated_at) VALUES (` + strings.Join(marks[:13], ", ") + `, 'active', ` + marks[13] + `, ` + marks[14] + `)`)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	start := time.Now()
	for _, r := range rows {
		a := r.Asset
		site := sites[r.Site]
		var conn []string
		for _, c := range a.Connectivity {
			conn = append(conn, string(c))
		}
		if _, err := stmt.Exec(site, depts[r.Site+"/"+r.Department], vendors[r.Vendor], a.Name, string(a.Kind), strings.Join(a.IPs, ","), strings.Join(a.MACs, ","),
			strings.Join(conn, ","), string(a.DataClass), a.EndOfSupport.String(), string(a.PatchingPermitted), string(a.DefaultCreds), string(a.Class), now, now); err != nil {
			return fmt.Errorf("insert %s: %w", a.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	fmt.Printf("inserted %d assets with plain INSERTs in %.1f s\n\n", len(rows), time.Since(start).Seconds())
	return nil
}
