package detect

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestAhoCorasick checks the automaton against strings.Contains on random texts and
// patterns over a small alphabet (many overlaps, patterns inside patterns), as a table
// and as the sparse automaton, scanning lower-cased text and folding as it scans.
func TestAhoCorasick(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab\\c.AB"[rng.IntN(7)]
		}
		return string(b)
	}
	dense := 0
	for round := 0; round < 600; round++ {
		var pats []string
		seen := map[string]bool{}
		for len(pats) < 1+rng.IntN(30) {
			p := strings.ToLower(word(1 + rng.IntN(6)))
			if !seen[p] {
				seen[p] = true
				pats = append(pats, p)
			}
		}
		ac := buildAC(pats)
		if round%2 == 1 {
			ac.delta = nil // the sparse automaton
		} else if ac.delta != nil {
			dense++
		}
		text := word(rng.IntN(60))
		bits := make([]uint64, (len(pats)+63)/64)
		folded := make([]uint64, len(bits))
		ac.scan(strings.ToLower(text), bits)
		if !ac.scanFold(text, folded) {
			t.Fatalf("%q: scanFold refused ASCII text", text)
		}
		for id, p := range pats {
			got := bits[id>>6]&(1<<(uint(id)&63)) != 0
			if want := strings.Contains(strings.ToLower(text), p); got != want {
				t.Fatalf("text %q pattern %q (table %v): found %v, want %v", text, p, ac.delta != nil, got, want)
			}
			if f := folded[id>>6]&(1<<(uint(id)&63)) != 0; f != got {
				t.Fatalf("text %q pattern %q: scanFold %v, scan %v", text, p, f, got)
			}
		}
	}
	// Text beyond ASCII: scanFold gives up, having set only bits that scanning the
	// lower-cased text sets as well.
	ac := buildAC([]string{"cmd.exe", "ü", "powershell"})
	for _, text := range []string{"CMD.EXE /c Über", "ÜBER cmd.exe", "Powershell ünd CMD.exe"} {
		folded, low := make([]uint64, 1), make([]uint64, 1)
		if ac.scanFold(text, folded) {
			t.Fatalf("%q: scanFold read text beyond ASCII", text)
		}
		ac.scan(strings.ToLower(text), low)
		if folded[0]&^low[0] != 0 {
			t.Errorf("%q: scanFold set %b, scan of the lower case %b", text, folded[0], low[0])
		}
	}
	if dense < 250 {
		t.Errorf("only %d automata built as a table", dense)
	}
}

// TestAhoCorasickCaseSensitive: the automaton finds patterns as they are in text as it is.
func TestAhoCorasickCaseSensitive(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab\\c."[rng.IntN(5)]
		}
		return string(b)
	}
	for round := 0; round < 300; round++ {
		var pats []string
		seen := map[string]bool{}
		for len(pats) < 1+rng.IntN(30) {
			p := word(1 + rng.IntN(6))
			if !seen[p] {
				seen[p] = true
				pats = append(pats, p)
			}
		}
		ac := buildAC(pats)
		text := word(rng.IntN(60))
		bits := make([]uint64, (len(pats)+63)/64)
		ac.scan(text, bits)
		for id, p := range pats {
			got := bits[id>>6]&(1<<(uint(id)&63)) != 0
			if want := strings.Contains(text, p); got != want {
				t.Fatalf("text %q pattern %q: found %v, want %v", text, p, got, want)
			}
		}
	}
}

// TestRegexLiterals: the literals a regular expression needs, and that a text lacking
// them never matches (checked on texts that hold them in other cases and forms).
func TestRegexLiterals(t *testing.T) {
	for _, c := range []struct {
		expr string
		want []string
	}{
		{`(?i)\.exe["']?\s+[^"]{0,64}werfaultsecure\.exe["']?\s+\d{2,10}`, []string{"ecure.exe"}}, // s splits it: ſ
		{`Invoke-(Mimikatz|Kerberoast)`, []string{"mimikatz", "kerberoast"}},
		{`(?i)(abc|d)xyz`, []string{"xyz"}},
		{`(?i)(abc|de)`, nil}, // "de" is too short to be worth indexing
		{`(foo)+bar`, []string{"foo"}},
		{`(foo)*bar`, []string{"bar"}},
		{`(?i)classic`, []string{"cla"}}, // s folds with ſ, which lower-cases to itself
		{`(?i)KELVIN`, []string{"kelvin"}},
		{`^.*$`, nil},
		{`a{0,3}b`, nil},
	} {
		got := regexLiterals(c.expr)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: %q, want %q", c.expr, got, c.want)
		}
	}
	// ſ (U+017F) matches s case-insensitively: the literal must not ask for "classic".
	rules, err := ParseRules("r.yml", []byte("title: t\nlogsource: {product: p}\ndetection:\n  s:\n    x|re|i: classic\n  condition: s\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(rules, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"CLAſſIC", "a Classic b", "\u212aelvin classic"} {
		if out := e.Process(&Event{Fields: map[string]any{"x": v}}); len(out.Matches) != 1 {
			t.Errorf("%q: %d matches, want 1", v, len(out.Matches))
		}
	}
	if out := e.Process(&Event{Fields: map[string]any{"x": "clasic"}}); len(out.Matches) != 0 {
		t.Errorf("clasic matched")
	}
}
