package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// jpChapters lists, from reading 004, the number of 遵守事項 items of each chapter 1–18,
// the reference patterns in the chapter heading, and a phrase of the last item (to catch
// items cut off or run together).
var jpChapters = []struct {
	chapter  int
	items    int
	patterns string
	last     string
}{
	{1, 1, "I,II,III,IV", "必要な手順、資料の作成を行うこと"},
	{2, 5, "I,II,III,IV", "企画管理者の承認を得ること"},
	{3, 5, "I,II,III,IV", "第三者提供を行う際の責任分界"},
	{4, 2, "I,II,III,IV", "サービス仕様適合開示書"},
	{5, 4, "I,III", "見読化手段"},
	{6, 1, "I,II,III,IV", "外部からの攻撃に対する安全管理措置"},
	{7, 15, "I,II,III,IV", "紛失や盗難に対応した措置を事前に講じること"},
	{8, 9, "I,II,III,IV", "BYOD であっても"},
	{9, 4, "I,III", "速やかに検索表示又は書面に表示できる"},
	{10, 6, "I,III", "外部保存を委託した医療機関等に許可を求めなければならない"},
	{11, 2, "I,II,III,IV", "パフォーマンス管理、死活監視"},
	{12, 6, "I,III", "長時間離席する際"},
	{13, 13, "I,III", "WPA2-AES"},
	{14, 8, "I,II,III,IV", "代行入力"},
	{15, 1, "I,II,III,IV", "法令で定められた記名・押印のための電子署名"},
	{16, 2, "I,II,III,IV", "紙媒体等の検索性"},
	{17, 4, "I,III", "監査実施計画の作成"},
	{18, 1, "I,II,III,IV", "バックアップからの重要なファイルの復元"},
}

// TestJapanItems fails on a chapter with missing or extra items, items out of order,
// or wrong reference patterns.
func TestJapanItems(t *testing.T) {
	c := mustLoad(t, IDJapanOperation)
	byChapter := map[string][]*Control{}
	for _, ctl := range c.AllControls() {
		byChapter[ctl.Prop("chapter")] = append(byChapter[ctl.Prop("chapter")], ctl)
	}
	var total int
	for _, ch := range jpChapters {
		key := fmt.Sprint(ch.chapter)
		ctls := byChapter[key]
		delete(byChapter, key)
		total += ch.items
		if len(ctls) != ch.items {
			t.Errorf("chapter %d: %d items, want %d", ch.chapter, len(ctls), ch.items)
			continue
		}
		for i, ctl := range ctls {
			if want := fmt.Sprintf("jp-%d.%d", ch.chapter, i+1); ctl.ID != want {
				t.Errorf("chapter %d item %d: id %s, want %s", ch.chapter, i+1, ctl.ID, want)
			}
			if want := string("①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮"[3*i : 3*i+3]); ctl.Prop("item") != want {
				t.Errorf("%s: item %q, want %q", ctl.ID, ctl.Prop("item"), want)
			}
			want := strings.Split(ch.patterns, ",")
			if ch.chapter == 12 && (i == 4 || i == 5) {
				want = []string{"I", "II", "III", "IV"} // 12: 遵守事項⑤・⑥ also II, IV
			}
			var got []string
			for _, p := range ctl.Patterns() {
				got = append(got, string(p))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: patterns %v, want %v", ctl.ID, got, want)
			}
			if ctl.OriginalLang() != "ja" || ctl.English() == "" || ctl.OriginalText() == "" {
				t.Errorf("%s: missing text", ctl.ID)
			}
		}
		if last := ctls[len(ctls)-1]; !strings.Contains(last.OriginalText(), ch.last) {
			t.Errorf("chapter %d: last item %s lacks %q", ch.chapter, last.ID, ch.last)
		}
	}
	for ch := range byChapter {
		t.Errorf("extra chapter %q", ch)
	}
	if got := len(c.AllControls()); got != total || total != 89 {
		t.Errorf("%d items, table has %d, want 89", got, total)
	}
}

// TestApplicableToPattern checks the scope per reference pattern: I and III refer to
// every item; II and IV list chapters 1–4, 6–8, 11, 14–16, 18 and 12 ⑤⑥ (54 items), and
// for the other 35 the seed says to confirm them with the service provider and simplify
// them where the contract covers them [004 はじめに l.131–145], so they apply too, with
// that handling.
func TestApplicableToPattern(t *testing.T) {
	c := mustLoad(t, IDJapanOperation)
	tests := []struct {
		p                Pattern
		listed, provider int
	}{
		{PatternI, 89, 0},
		{PatternIII, 89, 0},
		// 1+5+5+2+1+15+9+2+8+1+2+1 = 52, plus 12 ⑤⑥ = 54; 89 − 54 = 35
		{PatternII, 54, 35},
		{PatternIV, 54, 35},
	}
	for _, tt := range tests {
		got := c.ApplicableToPattern(tt.p)
		listed, provider := 0, 0
		for _, a := range got {
			if a.Reason == "" || a.Target != TargetOrganisation {
				t.Errorf("pattern %s: %s has reason %q target %q", tt.p, a.Control.ID, a.Reason, a.Target)
			}
			switch a.Handling {
			case "":
				listed++
			case HandlingConfirmWithProvider:
				provider++
				if !strings.Contains(a.Reason, "service provider") {
					t.Errorf("pattern %s: %s reason %q", tt.p, a.Control.ID, a.Reason)
				}
			default:
				t.Errorf("pattern %s: %s handling %q", tt.p, a.Control.ID, a.Handling)
			}
		}
		if len(got) != 89 || listed != tt.listed || provider != tt.provider {
			t.Errorf("pattern %s: %d items (%d listed, %d confirm with provider), want 89 (%d, %d)", tt.p, len(got), listed, provider, tt.listed, tt.provider)
		}
	}
	// The review's examples: 13⑥ (TLS 1.3 / client certificates) and 17① (access-log
	// review) stay in scope for a cloud hospital.
	for _, a := range c.ApplicableToPattern(PatternII) {
		if (a.Control.ID == "jp-13.6" || a.Control.ID == "jp-17.1") && a.Handling != HandlingConfirmWithProvider {
			t.Errorf("pattern II: %s handling %q, want confirm-with-provider", a.Control.ID, a.Handling)
		}
		if a.Control.ID == "jp-8.5" && a.Handling != "" {
			t.Errorf("pattern II: jp-8.5 (chapter 8, listed) handling %q", a.Handling)
		}
	}
}
