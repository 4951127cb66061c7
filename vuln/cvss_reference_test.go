package vuln

import (
	"bufio"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// referenceDir holds the reference vectors of Red Hat's python "cvss" library (LGPL-3.0,
// see its LICENSE there): each line "VECTOR - (BASE, TEMPORAL, ENVIRONMENTAL)" for v3 and
// "VECTOR - SCORE" or "VECTOR - (SCORE,)" for v4.0, SCORE being the whole vector's score.
const referenceDir = "../../shared/data/cvss"

// referenceFiles are the files the test must find, with the version their vectors have.
var referenceFiles = map[string]Version{
	"vectors_calculator3":   V30,
	"vectors_cvsslib3":      V30,
	"vectors_simple3":       V30,
	"vectors_simple31":      V31,
	"vectors_simple4":       V40,
	"vectors_security4":     V40,
	"vectors_supplemental4": V40,
	"vectors_threat4":       V40,
}

// TestCVSSReferenceVectors scores every vector of ../shared/data/cvss and compares each
// score with the reference, in tenths. Every vector must agree: there is no list of
// accepted differences. The v4.0 files include five vectors whose exact score is a tie,
// 5.65, that float64 arithmetic lands one ULP under; the reference rounds them half up to
// 5.7, and so must medsec (see third_party/go-cvss/README.md).
func TestCVSSReferenceVectors(t *testing.T) {
	entries, err := os.ReadDir(referenceDir)
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("%s is absent (the shared reference data sits beside the repository)", referenceDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "vectors_") {
			continue
		}
		name := e.Name()
		found[name] = true
		want, known := referenceFiles[name]
		if !known {
			t.Errorf("%s: a reference file this test does not know; add it to referenceFiles", name)
			continue
		}
		t.Run(name, func(t *testing.T) {
			checked, equal := checkReferenceFile(t, filepath.Join(referenceDir, name), want)
			t.Logf("%s: %d vectors checked, %d equal to the reference", name, checked, equal)
			if checked == 0 {
				t.Errorf("%s: no vector read", name)
			}
		})
	}
	for name := range referenceFiles {
		if !found[name] {
			t.Errorf("%s: missing from %s", name, referenceDir)
		}
	}
}

// checkReferenceFile checks every line of one file and returns how many vectors it read
// and how many of those got every score equal to the reference.
func checkReferenceFile(t *testing.T, path string, version Version) (n, equal int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lineNo := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lineNo++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		vector, scores, ok := strings.Cut(line, " - ")
		if !ok {
			t.Errorf("%s:%d: no \" - \" between vector and scores: %q", path, lineNo, line)
			continue
		}
		want, err := parseScores(scores)
		if err != nil {
			t.Errorf("%s:%d: scores: %v", path, lineNo, err)
			continue
		}
		n++
		c, err := ParseCVSS(vector)
		if err != nil {
			t.Errorf("%s:%d: %v", path, lineNo, err)
			continue
		}
		if c.Version != version {
			t.Errorf("%s:%d: version %s, want %s", path, lineNo, c.Version, version)
		}
		var got []float64
		switch {
		case version != V40 && len(want) == 3:
			got = []float64{c.Base, c.Temporal, c.Environmental}
		case version == V40 && len(want) == 1:
			got = []float64{c.Score()}
		default:
			t.Errorf("%s:%d: %d reference scores for CVSS v%s", path, lineNo, len(want), version)
			continue
		}
		same := true
		for i := range want {
			if tenths(got[i]) != tenths(want[i]) {
				t.Errorf("%s:%d: %s: got %v, want %v", path, lineNo, vector, got, want)
				same = false
				break
			}
		}
		if same {
			equal++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return n, equal
}

// parseScores reads "(9.3, 8.9, 9.5)", "(9.2,)" or "7.3".
func parseScores(s string) ([]float64, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "("), ")")
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || math.IsNaN(v) {
			return nil, errors.New("not a number: " + f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("no score")
	}
	return out, nil
}
