package sqlstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"medsec"
	"medsec/sqlstore"
)

// TestAssetSearchBigramIndex checks the index of two-character words (asset_bigrams,
// migration 0109) on both engines: a search answers what the LIKE scan of search_text
// answers for every two-character substring of every asset and for Chinese, kana, Latin,
// digits, mixed words, words at the text's start and end, and any case; the table holds
// exactly each asset's grams after create, update, retire, import and delete, and the
// migration's fill-in of existing assets writes the same rows; and the plan of a
// two-character search looks the word up in the table's primary key instead of scanning.
func TestAssetSearchBigramIndex(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		pool := db.WritePool()
		main, branch := seedOrg(t, db)
		svc := sqlstore.NewAssetService(db)
		assets := []*medsec.Asset{
			{SiteID: main.ID, Name: "導程心電圖機 ECG-1", Kind: medsec.KindPatientMonitor, Location: "心臟內科 5F", Notes: "第一行\n第二行\t病房"},
			{SiteID: main.ID, Name: "透析機 HD-7", Kind: medsec.KindDialysis, Location: "透析室 3F", Serial: "SN00031"},
			{SiteID: main.ID, Name: "エコー US-2", Kind: medsec.KindUltrasound, Location: "エコー室", Model: "Aloka α7"},
			{SiteID: branch.ID, Name: "ＣＴ　掃描儀", Kind: medsec.KindModality, Model: `Axiom "Artis" 100%`, IPs: []string{"10.12.4.7"}},
			{SiteID: branch.ID, Name: "病房監視器", Kind: medsec.KindPatientMonitor, Location: "加護病房 12F", Notes: "ÉCHO Straße"},
		}
		for _, a := range assets {
			if err := svc.CreateAsset(system, a); err != nil {
				t.Fatal(err)
			}
		}
		compare := func(t *testing.T, stage string) {
			t.Helper()
			texts := storedSearchTexts(t, db)
			words := []string{"心電", "透析", "エコ", "病房", "ct", "CT", "Ｃｔ", "ｃｔ", "5f", "5F", "12", "3f", "sn", "Sn", "us", "-2", "-1",
				"ho", "ÉC", "éc", "ss", "ße", "α7", "ka", "\"a", "0%", "1%", "%", "_", "__", "%%", "行\n", "第二", "行病", "房 ",
				"心電 5f", "透析 3f", "エコ 室", "病房 監視", "示範", "科", "x", "ｘ", "zz", "不在"}
			for _, text := range texts {
				runes := []rune(text)
				if len(runes) >= 2 {
					words = append(words, string(runes[:2]), string(runes[len(runes)-2:]), strings.ToUpper(string(runes[:2])))
				}
				for g := range sqlstore.AssetBigrams(text) {
					words = append(words, g)
				}
			}
			slices.Sort(words)
			words = slices.Compact(words)
			for _, w := range words {
				list, total, err := svc.FindAssets(system, medsec.AssetFilter{Query: w, Limit: 1000})
				if err != nil {
					t.Fatalf("%s: FindAssets(%q): %v", stage, w, err)
				}
				var got []int64
				for _, a := range list {
					got = append(got, a.ID)
				}
				slices.Sort(got)
				want := likeScan(t, db, w)
				if !slices.Equal(got, want) || total != len(want) {
					t.Errorf("%s: search %q = %v (total %d), LIKE scan %v", stage, w, got, total, want)
				}
			}
			checkBigramRows(t, db, texts, stage)
		}
		compare(t, "created")

		got, err := svc.FindAssetByID(system, assets[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		got.Name, got.Location, got.Notes = "心電圖監視器 ECG-9", "急診 2F", ""
		if err := svc.UpdateAsset(system, got); err != nil {
			t.Fatal(err)
		}
		if err := svc.RetireAsset(system, assets[1].ID); err != nil {
			t.Fatal(err)
		}
		rows := []medsec.AssetRow{
			{Line: 2, Site: "示範分院", Asset: medsec.Asset{Name: "新透析機 HD-8", Kind: medsec.KindDialysis, Location: "透析室"}},
			{Line: 3, Site: "示範分院", Asset: medsec.Asset{Name: "病房監視器", Kind: medsec.KindPatientMonitor, Location: "内科病棟"}},
		}
		if _, err := svc.ImportAssets(system, medsec.AssetImport{Source: "bigrams.csv", Rows: rows}); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.ExecContext(ctx, rebind(db, `DELETE FROM assets WHERE id = ?`), assets[2].ID); err != nil {
			t.Fatal(err)
		}
		compare(t, "changed")
		for _, tt := range []struct{ word, want string }{{"導程", ""}, {"急診", "心電圖監視器 ECG-9"}, {"加護", ""}, {"病棟", "病房監視器"}, {"エコ", ""}} {
			list, _, err := svc.FindAssets(system, medsec.AssetFilter{Query: tt.word})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range list {
				names = append(names, a.Name)
			}
			if got := strings.Join(names, ","); got != tt.want {
				t.Errorf("after changes: search %q = %q, want %q", tt.word, got, tt.want)
			}
		}

		// The migration's fill-in of existing assets writes what the store writes.
		migration, err := os.ReadFile(filepath.Join("migrations", db.Engine(), "0109_asset_bigrams.sql"))
		if err != nil {
			t.Fatal(err)
		}
		start := "INSERT INTO asset_bigrams"
		if db.Engine() == "sqlite" {
			start = "INSERT OR IGNORE INTO asset_bigrams"
		}
		fill := string(migration[strings.Index(string(migration), start):])
		if _, err := pool.ExecContext(ctx, `DELETE FROM asset_bigrams`); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.ExecContext(ctx, fill); err != nil {
			t.Fatalf("migration fill-in: %v", err)
		}
		checkBigramRows(t, db, storedSearchTexts(t, db), "migration fill-in")

		checkBigramPlan(t, db)
	})
}

func rebind(db *sqlstore.DB, q string) string {
	if db.Engine() != "postgres" {
		return q
	}
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
	}
	return q
}

// storedSearchTexts returns every asset's search_text by id.
func storedSearchTexts(t *testing.T, db *sqlstore.DB) map[int64]string {
	t.Helper()
	rows, err := db.WritePool().Query(`SELECT id, search_text FROM assets`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var text string
		if err := rows.Scan(&id, &text); err != nil {
			t.Fatal(err)
		}
		out[id] = text
	}
	return out
}

// likeScan is the old search: every word of query a LIKE on search_text, every asset scanned.
func likeScan(t *testing.T, db *sqlstore.DB, query string) []int64 {
	t.Helper()
	var conds []string
	var args []any
	for _, w := range strings.Fields(strings.ToLower(query)) {
		conds = append(conds, `search_text LIKE ? ESCAPE '\'`)
		args = append(args, "%"+strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(w)+"%")
	}
	q := `SELECT id FROM assets`
	if len(conds) > 0 {
		q += " WHERE " + strings.Join(conds, " AND ")
	}
	rows, err := db.WritePool().Query(rebind(db, q+" ORDER BY id"), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

// checkBigramRows checks that asset_bigrams holds exactly the grams of each asset's text.
func checkBigramRows(t *testing.T, db *sqlstore.DB, texts map[int64]string, stage string) {
	t.Helper()
	rows, err := db.WritePool().Query(`SELECT asset_id, gram FROM asset_bigrams`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[int64]map[string]bool{}
	for rows.Next() {
		var id int64
		var g string
		if err := rows.Scan(&id, &g); err != nil {
			t.Fatal(err)
		}
		if stored[id] == nil {
			stored[id] = map[string]bool{}
		}
		if utf8.RuneCountInString(g) != 2 {
			t.Errorf("%s: asset %d: gram %q is not two characters", stage, id, g)
		}
		stored[id][g] = true
	}
	for id := range stored {
		if _, ok := texts[id]; !ok {
			t.Errorf("%s: grams of asset %d, which is gone", stage, id)
		}
	}
	for id, text := range texts {
		want := sqlstore.AssetBigrams(text)
		if len(want) == 0 && len(stored[id]) == 0 {
			continue
		}
		for g := range want {
			if !stored[id][g] {
				t.Errorf("%s: asset %d: gram %q of %q missing", stage, id, g, text)
			}
		}
		for g := range stored[id] {
			if !want[g] {
				t.Errorf("%s: asset %d: gram %q not in %q", stage, id, g, text)
			}
		}
	}
}

// checkBigramPlan checks that the plan of a two-character search looks the word up in
// asset_bigrams' primary key.
func checkBigramPlan(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	ctx := context.Background()
	cond, args := db.SearchCondForTest("透析")
	tx, err := db.WritePool().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	explain, want := "EXPLAIN QUERY PLAN ", "asset_bigrams USING PRIMARY KEY (gram=?"
	if db.Engine() == "postgres" {
		// The test's few rows would be read whole; the question is whether the index can answer.
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_seqscan = off`); err != nil {
			t.Fatal(err)
		}
		explain, want = "EXPLAIN ", "asset_bigrams_pkey"
	}
	rows, err := tx.QueryContext(ctx, explain+"SELECT a.id FROM assets a WHERE "+cond, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&plan, vals...)
	}
	if !strings.Contains(plan.String(), want) {
		t.Errorf("plan of a two-character search does not use the bigram index (want %q):\n%s", want, plan.String())
	}
}
