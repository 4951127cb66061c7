package detect

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// TestAhoCorasick checks the automaton against strings.Contains on random texts and
// patterns over a small alphabet (many overlaps, patterns inside patterns).
func TestAhoCorasick(t *testing.T) {
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
