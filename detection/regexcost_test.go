package detection_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/detection"
	"medsec/i18n"
)

// A rule whose backtracking regular expression (regexp2: a backreference over nested
// repetition) takes ~200 ms an event is refused at import, naming the file, line and
// field, in every language; a backtracking expression that is fast (a lookahead), and
// every SigmaHQ rule of the shared data, are accepted [issue 13 t13 finding 4].
func TestSlowBacktrackingRegexRefusedAtImport(t *testing.T) {
	f := newFixture(t, "sqlite", time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
	slow := `title: Suspicious repeated token
id: 55555555-5555-4555-8555-555555555555
logsource: {product: linux, service: sshd}
detection:
  sel:
    message|re: '^(\w+\s?)+\1$'
  condition: sel
level: low
`
	_, err := f.svc.ImportRules(system, "slow.yml", []byte(slow))
	ve, ok := err.(*medsec.ValidationError)
	if !ok || len(ve.Errors) != 1 {
		t.Fatalf("import: %v, want one refusal", err)
	}
	fe := ve.Errors[0]
	if fe.Key != "sigma.err.regex_backtracks" || fe.Line != 6 || !strings.Contains(fe.Field, "message") || len(fe.Args) != 4 || fe.Args[0] != `^(\w+\s?)+\1$` {
		t.Fatalf("refusal: %+v", fe)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-TW", "zh-CN", "ja"} {
		args := make([]any, len(fe.Args))
		for i, a := range fe.Args {
			args[i] = a
		}
		if m := bundle.T(lang, fe.Key, args...); !strings.Contains(m, `^(\w+\s?)+\1$`) || !strings.Contains(m, "25ms") || strings.Contains(m, "%!") {
			t.Errorf("%s: %q", lang, m)
		}
	}
	if rules, _ := f.store.FindRules(system, medsec.RuleFilter{Query: "repeated token"}); len(rules) != 0 {
		t.Fatalf("the refused rule was stored: %+v", rules)
	}
	fast := strings.NewReplacer("55555555-5555-4555-8555-555555555555", "66666666-6666-4666-8666-666666666666", `^(\w+\s?)+\1$`, `^(?!root)\w+ login$`).Replace(slow)
	if _, err := f.svc.ImportRules(system, "fast.yml", []byte(fast)); err != nil {
		t.Fatalf("a fast lookahead was refused: %v", err)
	}
	// The shared SigmaHQ rules (320) all pass the probe.
	root := filepath.Join("..", "..", "shared", "data", "sigma", "rules")
	if _, err := os.Stat(root); err != nil {
		t.Fatalf("shared SigmaHQ rules: %v", err)
	}
	rules, err := detection.ReadDir("sigma", os.DirFS(root))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := f.svc.CheckRules("sigma", rules); err != nil {
		t.Fatalf("SigmaHQ rules refused: %v", err)
	}
	t.Logf("%d SigmaHQ rules checked in %s", len(rules), time.Since(start))
}
