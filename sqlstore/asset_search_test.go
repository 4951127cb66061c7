package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"medsec"
	"medsec/sqlstore"
)

// TestAssetSearchIndex checks inventory search from the engines' trigram indexes: Chinese,
// Japanese and Latin words, words shorter than a trigram, several words, words that look
// like FTS5 syntax, the caller's scope, and that the index follows create, update, retire
// and import.
func TestAssetSearchIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		org := sqlstore.NewOrgService(db)
		if err := org.CreateVendor(system, &medsec.Vendor{Name: "東昇醫療器材"}); err != nil {
			t.Fatal(err)
		}
		vendors, _ := org.FindVendors(system)
		vendorID := map[string]int64{}
		for _, v := range vendors {
			vendorID[v.Name] = v.ID
		}
		aurora, dongsheng := vendorID["Aurora Medical Systems"], vendorID["東昇醫療器材"]
		ecg := &medsec.Asset{SiteID: main.ID, Name: "導程心電圖機 ECG-1", Kind: medsec.KindPatientMonitor, VendorID: aurora, Location: "心臟內科 5F"}
		us := &medsec.Asset{SiteID: main.ID, Name: "超音波 US-2", Kind: medsec.KindUltrasound, VendorID: dongsheng, Location: "エコー室"}
		angio := &medsec.Asset{SiteID: branch.ID, Name: "アンギオ装置", Kind: medsec.KindModality, VendorID: aurora, Model: `Axiom "Artis" 100%`}
		for _, a := range []*medsec.Asset{ecg, us, angio} {
			if err := svc.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		vendorUser := as(&medsec.User{ID: 11, Username: "v", Role: medsec.RoleVendor, VendorID: dongsheng})
		branchUser := as(&medsec.User{ID: 12, Username: "ce", Role: medsec.RoleClinicalEngineer, SiteIDs: []int64{branch.ID}})
		search := func(t *testing.T, ctx context.Context, f medsec.AssetFilter) string {
			t.Helper()
			list, total, err := svc.FindAssets(ctx, f)
			if err != nil {
				t.Fatalf("FindAssets(%+v): %v", f, err)
			}
			var names []string
			for _, a := range list {
				names = append(names, a.Name)
			}
			if total != len(list) {
				t.Errorf("FindAssets(%+v): total %d, listed %d", f, total, len(list))
			}
			return strings.Join(names, ",")
		}

		tests := []struct {
			name  string
			ctx   context.Context
			query string
			want  string
		}{
			{"Chinese word", system, "心電圖", "導程心電圖機 ECG-1"},
			{"Chinese word from the site name", system, "醫學中心", "導程心電圖機 ECG-1,超音波 US-2"},
			{"Chinese word from the vendor name", system, "東昇醫療", "超音波 US-2"},
			{"Traditional Chinese word", system, "超音波", "超音波 US-2"},
			{"katakana", system, "アンギオ", "アンギオ装置"},
			{"katakana with the long vowel mark", system, "エコー", "超音波 US-2"},
			{"Latin, any case", system, "ecg-1", "導程心電圖機 ECG-1"},
			{"one character", system, "臟", "導程心電圖機 ECG-1"},
			{"one katakana", system, "ギ", "アンギオ装置"},
			{"two characters", system, "音波", "超音波 US-2"},
			{"two Latin characters", system, "US", "超音波 US-2"},
			{"two words", system, "aurora 5f", "導程心電圖機 ECG-1"},
			{"a long and a short word", system, "心電圖 5f", "導程心電圖機 ECG-1"},
			{"every word must match", system, "心電圖 超音波", ""},
			{"a word nowhere", system, "透析機", ""},
			{"double quotes in the word", system, `"artis"`, "アンギオ装置"},
			{"a lone double quote", system, `axiom"`, ""},
			{"FTS5 operators are words", system, "NEAR(axiom) OR *", ""},
			{"NUL separates words", system, "axiom\x00artis", "アンギオ装置"},
			{"NUL alone", system, "\x00", "アンギオ装置,導程心電圖機 ECG-1,超音波 US-2"},
			{"LIKE wildcards are literal", system, "100%", "アンギオ装置"},
			{"LIKE wildcard in a long word", system, "10_%", ""},
			{"vendor user: own asset", vendorUser, "超音波", "超音波 US-2"},
			{"vendor user: another vendor's asset", vendorUser, "心電圖", ""},
			{"vendor user: word in every asset, short", vendorUser, "-", "超音波 US-2"},
			{"vendor user: word in every asset", vendorUser, "示範", "超音波 US-2"},
			{"branch user: other site's asset", branchUser, "心電圖", ""},
			{"branch user: own site", branchUser, "示範", "アンギオ装置"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := search(t, tt.ctx, medsec.AssetFilter{Query: tt.query}); got != tt.want {
					t.Errorf("search %q = %q, want %q", tt.query, got, tt.want)
				}
			})
		}

		// The index follows every change: update, retire, import (new and updated rows).
		got, err := svc.FindAssetByID(system, ecg.ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Name = "心電圖監視器 ECG-1"
		if err := svc.UpdateAsset(system, got); err != nil {
			t.Fatal(err)
		}
		if err := svc.RetireAsset(system, us.ID); err != nil {
			t.Fatal(err)
		}
		rows := []medsec.AssetRow{
			{Line: 2, Site: "示範分院", Asset: medsec.Asset{Name: "透析機 HD-7", Kind: medsec.KindDialysis}},
			{Line: 3, Site: "示範分院", Vendor: "Aurora Medical Systems", Asset: medsec.Asset{Name: "アンギオ装置", Kind: medsec.KindModality, Location: "カテーテル室"}},
		}
		if _, err := svc.ImportAssets(system, medsec.AssetImport{Source: "search.csv", Rows: rows}); err != nil {
			t.Fatal(err)
		}
		after := []struct {
			name   string
			filter medsec.AssetFilter
			want   string
		}{
			{"old name gone", medsec.AssetFilter{Query: "導程"}, ""},
			{"new name found", medsec.AssetFilter{Query: "監視器"}, "心電圖監視器 ECG-1"},
			{"retired asset still found", medsec.AssetFilter{Query: "超音波"}, "超音波 US-2"},
			{"retired asset with the status filter", medsec.AssetFilter{Query: "超音波", Status: medsec.StatusActive}, ""},
			{"imported asset", medsec.AssetFilter{Query: "透析機"}, "透析機 HD-7"},
			{"updated by import", medsec.AssetFilter{Query: "カテーテル"}, "アンギオ装置"},
			{"model cleared by import", medsec.AssetFilter{Query: "axiom"}, ""},
		}
		for _, tt := range after {
			t.Run(tt.name, func(t *testing.T) {
				if got := search(t, system, tt.filter); got != tt.want {
					t.Errorf("search %+v = %q, want %q", tt.filter, got, tt.want)
				}
			})
		}
		checkSearchIndex(t, db)
	})
}

// checkSearchIndex checks that the engine's trigram index exists and agrees with the
// assets: on SQLite FTS5's own integrity check against the content table, on PostgreSQL
// that the planner can answer a CJK LIKE from the GIN index.
func checkSearchIndex(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	pool := db.WritePool()
	switch db.Engine() {
	case "sqlite":
		// rank 1: compare the index with the external content table too.
		if _, err := pool.ExecContext(ctx, `INSERT INTO asset_search(asset_search, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Errorf("FTS5 integrity check: %v", err)
		}
		var n int
		if err := pool.QueryRowContext(ctx, `SELECT COUNT(*) FROM asset_search WHERE asset_search MATCH '"監視器"'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("asset_search MATCH 監視器: %d rows, err %v; want 1", n, err)
		}
	case "postgres":
		tx, err := pool.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			t.Fatal(err)
		}
		var plan strings.Builder
		rows, err := tx.QueryContext(ctx, `EXPLAIN SELECT id FROM assets WHERE search_text LIKE '%監視器%'`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			rows.Scan(&line)
			plan.WriteString(line + "\n")
		}
		if !strings.Contains(plan.String(), "assets_search_trgm") {
			t.Errorf("plan of a CJK LIKE does not use the trigram index:\n%s", plan.String())
		}
	}
}
