// Command inventory benchmarks medsec's inventory at hospital-group scale: importing a
// 50,000-asset CSV and serving the asset list page, each beside its peer on the same input
// in the same run: the database engine itself (a bare bulk INSERT of the same rows, and
// the bare SELECT behind a list page). The ratio is what medsec's checks, audit trail,
// joins and HTML cost on top of the engine.
//
//	go run ./bench/inventory                       # SQLite
//	go run ./bench/inventory -db postgres://postgres@127.0.0.1:5432/test?sslmode=disable
//
// With -report it measures the yearly self-inspection report of the whole group as a
// PDF (time and peak memory) against writing the same asset list as CSV.
//
//	go run ./bench/inventory -report
//
// With -search it measures inventory search under load instead of the list pages: 64
// concurrent API clients send a fixed number of searches, against the same searches as
// plain SQL in the old way (a LIKE scan of search_text, as medsec did before migration
// 0014), on the same database in the same run.
//
//	go run ./bench/inventory -search [-clients 64 -search-requests 3000]
package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/assetio"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

func main() {
	n := flag.Int("n", 50000, "assets")
	dsn := flag.String("db", "", "PostgreSQL URL; default a temporary SQLite file")
	requests := flag.Int("requests", 40, "requests per list-page measurement")
	search := flag.Bool("search", false, "measure search under concurrent load instead of the list pages")
	clients := flag.Int("clients", 64, "concurrent clients of the search measurement")
	searchRequests := flag.Int("search-requests", 3000, "searches per search measurement, over all clients")
	dashboard := flag.Bool("dashboard", false, "measure the home dashboard page under concurrent load instead of the list pages")
	dashClients := flag.Int("dashboard-clients", 16, "concurrent users of the dashboard measurement")
	dashRequests := flag.Int("dashboard-requests", 800, "dashboard pages per measurement, over all users")
	selfInspection := flag.Bool("report", false, "measure the self-inspection report (PDF) instead of the list pages")
	gapProfile := flag.String("gap-cpuprofile", "", "with -dashboard: write the CPU profile of the gap report's first computation to this file")
	dashProfile := flag.String("dashboard-cpuprofile", "", "with -dashboard: write the CPU profile of the dashboard's first computation to this file")
	flag.Parse()
	load := searchLoad{enabled: *search, clients: *clients, requests: *searchRequests}
	if *dashboard {
		load = searchLoad{dashboard: true, clients: *dashClients, requests: *dashRequests}
	}
	load.report = *selfInspection
	load.profile, load.dashProfile = *gapProfile, *dashProfile
	if err := run(*n, *dsn, *requests, load); err != nil {
		log.Fatal(err)
	}
}

func run(n int, dsn string, requests int, load searchLoad) error {
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	dir, err := os.MkdirTemp("", "medsec-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if dsn == "" {
		dsn = filepath.Join(dir, "medsec.db")
	} else if err := resetSchema(dsn); err != nil {
		return err
	}
	db, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	fmt.Printf("engine %s, %d assets\n\n", db.Engine(), n)
	org := sqlstore.NewOrgService(db)
	for _, s := range []*medsec.Site{{Code: "MC", Name: "示範醫學中心"}, {Code: "BR", Name: "示範分院"}} {
		if err := org.CreateSite(ctx, s); err != nil {
			return err
		}
		for _, d := range []string{"放射科", "加護病房", "血液透析室", "檢驗科", "資訊室"} {
			if err := org.CreateDepartment(ctx, &medsec.Department{SiteID: s.ID, Name: d}); err != nil {
				return err
			}
		}
	}
	for _, v := range []string{"Aurora Medical Systems", "東昇醫療器材", "Kestrel Imaging", "Harbor Infusion"} {
		if err := org.CreateVendor(ctx, &medsec.Vendor{Name: v}); err != nil {
			return err
		}
	}
	csvData := generateCSV(n, load.dashboard || load.report)
	if load.report {
		if err := insertRows(db, dsn, csvData); err != nil {
			return err
		}
		return reportPages(ctx, db, dir)
	}
	if load.dashboard {
		// What the dashboard reads does not depend on how the rows came in: they go in
		// with plain INSERTs (no per-row audit), which a loaded machine does in seconds
		// where the audited import took over 50 minutes.
		if err := insertRows(db, dsn, csvData); err != nil {
			return err
		}
		return dashboardPages(ctx, db, load)
	}

	// Import: parse + one all-or-nothing transaction, against a bare bulk INSERT.
	start := time.Now()
	rows, err := assetio.ReadCSV(bytes.NewReader(csvData), "assets.csv")
	if err != nil {
		return err
	}
	parse := time.Since(start)
	assets := sqlstore.NewAssetService(db)
	res, err := assets.ImportAssets(ctx, medsec.AssetImport{Source: "assets.csv", Rows: rows})
	if err != nil {
		return err
	}
	total := time.Since(start)
	if res.Created != n {
		return fmt.Errorf("imported %d, want %d", res.Created, n)
	}
	peer, err := bareInsert(db, dsn, rows)
	if err != nil {
		return err
	}
	fmt.Printf("import %d rows (CSV %.1f MB)\n", n, float64(len(csvData))/1e6)
	fmt.Printf("  medsec parse+validate+import+audit  %8.2f s  %8.0f rows/s  (parse %.2f s)\n", total.Seconds(), float64(n)/total.Seconds(), parse.Seconds())
	fmt.Printf("  peer: bare INSERT, same rows, 1 tx  %8.2f s  %8.0f rows/s\n", peer.Seconds(), float64(n)/peer.Seconds())
	fmt.Printf("  ratio medsec/peer                   %8.1f x\n\n", total.Seconds()/peer.Seconds())

	if load.enabled {
		return searchPages(ctx, db, dsn, load)
	}
	if load.dashboard {
		return dashboardPages(ctx, db, load)
	}
	rows, _ = assetio.ReadCSV(bytes.NewReader(csvData), "assets.csv")
	start = time.Now()
	if res, err = assets.ImportAssets(ctx, medsec.AssetImport{Source: "assets.csv", Rows: rows}); err != nil {
		return err
	}
	fmt.Printf("re-import of the same file (%d updates)  %.2f s  %.0f rows/s\n\n", res.Updated, time.Since(start).Seconds(), float64(n)/time.Since(start).Seconds())

	return listPages(ctx, db, dsn, requests)
}

// generateCSV writes n plausible assets as a hospital spreadsheet would hold them. With
// classes, each asset also has a device class (so that the TW baseline applies to it)
// and one in seven reached its end of support in 2020–2025.
func generateCSV(n int, classes bool) []byte {
	kinds := []string{"infusion-pump", "patient-monitor", "dialysis", "modality", "lab-analyzer", "workstation", "ultrasound"}
	depts := []string{"放射科", "加護病房", "血液透析室", "檢驗科", "資訊室"}
	vendors := []string{"Aurora Medical Systems", "東昇醫療器材", "Kestrel Imaging", "Harbor Infusion"}
	rooms := []string{"病房", "心電圖室", "超音波室", "エコー室", "透析室", "カテーテル室", "病房"}
	var b bytes.Buffer
	b.WriteString("name,kind,site,department,vendor,model,serial,software_version,ips,macs,vlan,location,connectivity,data_class,patient_records,end_of_support,patching_permitted,default_credentials")
	if classes {
		b.WriteString(",class")
	}
	b.WriteString("\n")
	for i := range n {
		site := "示範醫學中心"
		if i%4 == 3 {
			site = "示範分院"
		}
		eos := 2026 + i%8
		if classes && i%7 == 0 {
			eos = 2020 + i%6
		}
		fmt.Fprintf(&b, "%s-%05d,%s,%s,%s,%s,M-%d,SN%07d,%d.%d.%d,10.%d.%d.%d,02:00:%02x:%02x:%02x:%02x,%d,%dF %s %d,intranet;wifi,device-only,%d,%d-12-31,yes,changed",
			kinds[i%len(kinds)], i, kinds[i%len(kinds)], site, depts[i%len(depts)], vendors[i%len(vendors)], 100+i%17, i,
			i%5, i%10, i%30, 10+i%4, (i/250)%250, 1+i%250, i>>24&255, i>>16&255, i>>8&255, i&255, 10+i%40, 1+i%12, rooms[i/7%len(rooms)], i%30, i%5000, eos)
		if classes {
			fmt.Fprintf(&b, ",%s", classNames[i%len(classNames)])
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// bareInsert inserts the same rows into a table of the same columns with no checks, no
// joins and no audit, in one transaction: what the engine itself costs.
func bareInsert(db *sqlstore.DB, dsn string, rows []medsec.AssetRow) (time.Duration, error) {
	raw, err := openRaw(dsn)
	if err != nil {
		return 0, err
	}
	defer raw.Close()
	ph := func(i int) string {
		if strings.HasPrefix(dsn, "postgres") {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	if _, err := raw.Exec(`DROP TABLE IF EXISTS bare_assets`); err != nil {
		return 0, err
	}
	if _, err := raw.Exec(`CREATE TABLE bare_assets (id INTEGER PRIMARY KEY, name TEXT, kind TEXT, site TEXT, department TEXT, vendor TEXT,
		model TEXT, serial TEXT, software TEXT, ips TEXT, macs TEXT, vlan INTEGER, location TEXT, connectivity TEXT, data_class TEXT,
		patient_records INTEGER, end_of_support TEXT)`); err != nil {
		return 0, err
	}
	var q strings.Builder
	q.WriteString("INSERT INTO bare_assets VALUES (")
	for i := 1; i <= 17; i++ {
		if i > 1 {
			q.WriteString(",")
		}
		q.WriteString(ph(i))
	}
	q.WriteString(")")
	start := time.Now()
	tx, err := raw.Begin()
	if err != nil {
		return 0, err
	}
	stmt, err := tx.Prepare(q.String())
	if err != nil {
		return 0, err
	}
	for i, r := range rows {
		a := r.Asset
		if _, err := stmt.Exec(i+1, a.Name, string(a.Kind), r.Site, r.Department, r.Vendor, a.Model, a.Serial, a.Software,
			strings.Join(a.IPs, ","), strings.Join(a.MACs, ","), a.VLAN, a.Location, fmt.Sprint(a.Connectivity), string(a.DataClass),
			a.PatientRecords, a.EndOfSupport.String()); err != nil {
			tx.Rollback()
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

func openRaw(dsn string) (*sql.DB, error) {
	if strings.HasPrefix(dsn, "postgres") {
		return sql.Open("pgx", dsn)
	}
	return sql.Open("sqlite", "file:"+dsn+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)")
}

func resetSchema(dsn string) error {
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	_, err = raw.Exec(`DROP SCHEMA public CASCADE; CREATE SCHEMA public`)
	return err
}

// listPages times the asset list page (HTML, as a browser gets it) and the API list,
// against the bare SELECT of one page of the same table.
func listPages(ctx context.Context, db *sqlstore.DB, dsn string, requests int) error {
	users := sqlstore.NewUserService(db)
	u := &medsec.User{Username: "perf", Role: medsec.RoleSecurityOfficer}
	if err := users.CreateUser(ctx, u, "a long benchmark password"); err != nil {
		return err
	}
	session, err := users.CreateSession(ctx, u.ID)
	if err != nil {
		return err
	}
	token, err := users.CreateAPIToken(ctx, u.ID, "bench")
	if err != nil {
		return err
	}
	srv, err := mhttp.NewServer(mhttp.Config{Services: mhttp.Services{Assets: sqlstore.NewAssetService(db), Org: sqlstore.NewOrgService(db),
		Users: users, Audit: sqlstore.NewAuditService(db)}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return err
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	raw, err := openRaw(dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	get := func(path string, cookie bool) func() error {
		return func() error {
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			if cookie {
				req.AddCookie(&http.Cookie{Name: "medsec_session", Value: session})
			} else {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || len(body) < 1000 {
				return fmt.Errorf("GET %s: %d", path, resp.StatusCode)
			}
			return nil
		}
	}
	bare := func(query string) func() error {
		return func() error {
			rows, err := raw.Query(query)
			if err != nil {
				return err
			}
			defer rows.Close()
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			for i := range vals {
				vals[i] = new(any)
			}
			for rows.Next() {
				if err := rows.Scan(vals...); err != nil {
					return err
				}
			}
			return rows.Err()
		}
	}
	fmt.Printf("list page, median of %d requests (50 rows a page)\n", requests)
	cases := []struct {
		name, path, peer string
	}{
		{"first page, by name", "/assets", "SELECT * FROM bare_assets ORDER BY name LIMIT 50"},
		{"page 800 (offset 40000)", "/assets?offset=40000", "SELECT * FROM bare_assets ORDER BY name LIMIT 50 OFFSET 40000"},
		{"search 'harbor 4F'", "/assets?q=harbor+4F", "SELECT * FROM bare_assets WHERE lower(vendor || ' ' || location) LIKE '%harbor%' AND lower(location) LIKE '%4f%' ORDER BY name LIMIT 50"},
		{"sort by vendor, descending", "/assets?sort=-vendor", "SELECT * FROM bare_assets ORDER BY vendor DESC, id LIMIT 50"},
	}
	for _, c := range cases {
		html, err := median(requests, get(c.path, true))
		if err != nil {
			return err
		}
		api, err := median(requests, get("/api/v1"+c.path, false))
		if err != nil {
			return err
		}
		peer, err := median(requests, bare(c.peer))
		if err != nil {
			return err
		}
		fmt.Printf("  %-28s HTML %7.1f ms  API %7.1f ms  peer SELECT %7.1f ms  ratio HTML/peer %5.1f x\n",
			c.name, ms(html), ms(api), ms(peer), html.Seconds()/peer.Seconds())
	}
	return nil
}

func median(n int, f func() error) (time.Duration, error) {
	times := make([]time.Duration, 0, n)
	for range n {
		start := time.Now()
		if err := f(); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	return times[len(times)/2], nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
