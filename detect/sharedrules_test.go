package detect

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSigmaSharedRulesParse parses every SigmaHQ rule of the shared data: each must parse
// (its id a UUID among other checks), and there must be the 320 of the shared data.
func TestSigmaSharedRulesParse(t *testing.T) {
	root := filepath.Join("..", "..", "shared", "data", "sigma", "rules")
	n := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rules, err := ParseRules(path, data)
		if err != nil {
			t.Errorf("%v", err)
		}
		n += len(rules)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 320 {
		t.Errorf("%d rules parsed under %s, want the 320 of the shared data", n, root)
	}
	t.Logf("%d rules parsed", n)
}

func TestRuleIDMustBeUUID(t *testing.T) {
	for _, id := range []string{"not-a-uuid/../../x", "''", "1234", "929a690e-bef0-4204-a928-ef5e620d6fcZ", "{929a690e-bef0-4204-a928-ef5e620d6fcc}", "[a]"} {
		src := "title: x\nid: " + id + "\nlogsource: {product: a}\ndetection:\n  s: {a: 1}\n  condition: s\n"
		_, err := ParseRules("r.yml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "r.yml:2: id: ") {
			t.Errorf("id %s: error %v, want r.yml:2: id: ...", id, err)
		}
	}
	src := "title: x\nid: 929A690E-bef0-4204-a928-ef5e620d6fcc\nlogsource: {product: a}\ndetection:\n  s: {a: 1}\n  condition: s\n"
	if _, err := ParseRules("r.yml", []byte(src)); err != nil {
		t.Errorf("a UUID refused: %v", err)
	}
}
