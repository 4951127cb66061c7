package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"medsec"
	mhttp "medsec/http"
	"medsec/sqlstore"
)

// searchLoad is the shape of the search measurement: clients searching at once, and the
// requests they send in all.
type searchLoad struct {
	enabled bool
	// dashboard measures the home dashboard instead (dashboard.go).
	dashboard bool
	// report measures the self-inspection report instead (report.go).
	report   bool
	clients  int
	requests int
	// profile, when set, is the file the CPU profile of the gap report's first computation
	// goes to; dashProfile that of the dashboard's.
	profile, dashProfile string
}

// searchSets are the searches sent, as a person looking for a device types them: a room,
// a serial number, an address, a vendor, alone or with a floor or kind. Every word of the
// first set has three characters or more (the index answers it); the second set has only
// shorter words, which no trigram index can answer.
var searchSets = []struct {
	name    string
	queries []string
}{
	{"words of 3+ characters", []string{
		"心電圖室", "エコー室 12f", "超音波室 dialysis", "カテーテル室 kestrel", "sn00031", "ultrasound-0042",
		"10.12.4.", "東昇醫療 透析室", "aurora m-105", "infusion-pump 加護病房",
	}},
	{"words of 1-2 characters", []string{"心電", "エコ", "5f", "透析 3f"}},
}

// searchPages sends each set of searches from load.clients concurrent API clients, then
// the same searches as the plain SQL of medsec's old search (a LIKE scan of search_text
// with the same joins, count and first page), and prints p50, p99, requests/s and ratios.
func searchPages(ctx context.Context, db *sqlstore.DB, dsn string, load searchLoad) error {
	users := sqlstore.NewUserService(db)
	u := &medsec.User{Username: "perf", Role: medsec.RoleSecurityOfficer}
	if err := users.CreateUser(ctx, u, "a long benchmark password"); err != nil {
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
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: load.clients}}
	raw, err := openRaw(dsn)
	if err != nil {
		return err
	}
	defer raw.Close()
	printBigramSize(raw, dsn)
	// The same pool size as medsec's readers, so the peer gets the same parallelism.
	raw.SetMaxOpenConns(4)
	if strings.HasPrefix(dsn, "postgres") {
		raw.SetMaxOpenConns(16)
	}
	api := func(q string) error {
		req, _ := http.NewRequest("GET", ts.URL+"/api/v1/assets?limit=50&q="+url.QueryEscape(q), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || len(body) < 200 {
			return fmt.Errorf("GET search %q: %d %.200s", q, resp.StatusCode, body)
		}
		return nil
	}
	placeholder := func(i int) string {
		if strings.HasPrefix(dsn, "postgres") {
			return fmt.Sprintf("$%d", i)
		}
		return "?"
	}
	oldLike := func(q string) error {
		var conds []string
		var args []any
		for i, w := range strings.Fields(strings.ToLower(q)) {
			conds = append(conds, "a.search_text LIKE "+placeholder(i+1)+` ESCAPE '\'`)
			args = append(args, "%"+w+"%")
		}
		where := " WHERE " + strings.Join(conds, " AND ")
		var total int
		if err := raw.QueryRow(`SELECT COUNT(*) FROM assets a`+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := raw.Query(`SELECT a.*, s.name, COALESCE(d.name, ''), COALESCE(v.name, ''), COALESCE(p.name, '') FROM assets a
			JOIN sites s ON s.id = a.site_id LEFT JOIN departments d ON d.id = a.department_id
			LEFT JOIN vendors v ON v.id = a.vendor_id LEFT JOIN people p ON p.id = a.responsible_id`+where+` ORDER BY a.name, a.id LIMIT 50`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		for i := range vals {
			vals[i] = new(any)
		}
		n := 0
		for rows.Next() {
			if err := rows.Scan(vals...); err != nil {
				return err
			}
			n++
		}
		if n == 0 {
			return fmt.Errorf("old search %q found nothing", q)
		}
		return rows.Err()
	}
	fmt.Printf("search under load: %d concurrent clients, %d requests per measurement, 50 rows a page with the total count\n", load.clients, load.requests)
	for _, set := range searchSets {
		got, err := hammer(load, set.queries, api)
		if err != nil {
			return err
		}
		peer, err := hammer(load, set.queries, oldLike)
		if err != nil {
			return err
		}
		fmt.Printf("  %s (%d queries)\n", set.name, len(set.queries))
		fmt.Printf("    medsec API, trigram index       p50 %7.1f ms  p99 %7.1f ms  %7.1f requests/s\n", ms(got.p50), ms(got.p99), got.rate)
		fmt.Printf("    peer: old LIKE scan, plain SQL  p50 %7.1f ms  p99 %7.1f ms  %7.1f requests/s\n", ms(peer.p50), ms(peer.p99), peer.rate)
		fmt.Printf("    ratio peer/medsec               p99 %5.1f x  requests/s %5.2f x\n", peer.p99.Seconds()/got.p99.Seconds(), got.rate/peer.rate)
	}
	return nil
}

// loadResult is what one measurement gives: latency percentiles and throughput.
type loadResult struct {
	p50, p99 time.Duration
	rate     float64 // requests per second over the whole measurement
}

// hammer sends load.requests calls of f, cycling through queries, from load.clients
// goroutines at once, and stops at the first error.
func hammer(load searchLoad, queries []string, f func(q string) error) (loadResult, error) {
	jobs := make(chan string)
	times := make([]time.Duration, 0, load.requests)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for range load.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for q := range jobs {
				t0 := time.Now()
				err := f(q)
				d := time.Since(t0)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				times = append(times, d)
				mu.Unlock()
			}
		}()
	}
	for i := range load.requests {
		jobs <- queries[i%len(queries)]
	}
	close(jobs)
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr != nil {
		return loadResult{}, firstErr
	}
	slices.Sort(times)
	pct := func(p float64) time.Duration { return times[min(len(times)-1, int(p*float64(len(times))))] }
	return loadResult{p50: pct(0.50), p99: pct(0.99), rate: float64(len(times)) / elapsed.Seconds()}, nil
}

// printBigramSize prints the rows and bytes of the index of two-character words
// (asset_bigrams, migration 0109) beside those of the assets table and its indexes.
func printBigramSize(raw *sql.DB, dsn string) {
	var rows, assets int64
	raw.QueryRow(`SELECT COUNT(*) FROM asset_bigrams`).Scan(&rows)
	raw.QueryRow(`SELECT COUNT(*) FROM assets`).Scan(&assets)
	var gramBytes, assetBytes, nonASCII int64
	raw.QueryRow(`SELECT COUNT(*) FROM asset_bigrams WHERE gram > '~'`).Scan(&nonASCII)
	var err error
	if strings.HasPrefix(dsn, "postgres") {
		err = raw.QueryRow(`SELECT pg_total_relation_size('asset_bigrams'), pg_total_relation_size('assets')`).Scan(&gramBytes, &assetBytes)
	} else {
		err = raw.QueryRow(`SELECT (SELECT SUM(pgsize) FROM dbstat WHERE name = 'asset_bigrams'),
			(SELECT SUM(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_schema WHERE tbl_name = 'assets') OR name LIKE 'asset_search%')`).Scan(&gramBytes, &assetBytes)
	}
	fmt.Printf("asset_bigrams: %d rows for %d assets (%d beginning with a non-ASCII character), %.1f MB; assets with their indexes: %.1f MB (err %v)\n",
		rows, assets, nonASCII, float64(gramBytes)/1e6, float64(assetBytes)/1e6, err)
}
