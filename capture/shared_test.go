package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedData returns data/sub of the shared folder beside the repository
// (../shared, present in CI), or the directory the environment variable env
// names.
func sharedData(env, sub string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		return filepath.Join("..", "..", "shared", "data", sub)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", sub)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Join("..", "..", "shared", "data", sub)
		}
		dir = parent
	}
}

// sharedDir holds the shared sample captures (nDPI test data with their
// expected .pcap.out results); MEDSEC_SHARED_PCAP overrides it.
func sharedDir() string { return sharedData("MEDSEC_SHARED_PCAP", "pcap") }

// casesDir holds the real-world failure cases with their correct results
// (../shared/data/cases/README.md); MEDSEC_SHARED_CASES overrides it.
func casesDir() string { return sharedData("MEDSEC_SHARED_CASES", "cases") }

// sharedPcap returns the path of a shared sample capture, skipping the test
// with the reason if it is not present.
func sharedPcap(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(sharedDir(), name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared sample capture %s not present (set MEDSEC_SHARED_PCAP): %v", p, err)
	}
	return p
}

// casePath returns the path of a real-world failure case, skipping the test
// with the reason if the shared folder is not present.
func casePath(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(casesDir(), name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared case %s not present (set MEDSEC_SHARED_CASES): %v", p, err)
	}
	return p
}

// resolve maps "shared:NAME" to the shared sample capture and "case:NAME"
// to the shared failure case.
func resolve(t *testing.T, file string) string {
	if name, ok := strings.CutPrefix(file, "shared:"); ok {
		return sharedPcap(t, name)
	}
	if name, ok := strings.CutPrefix(file, "case:"); ok {
		return casePath(t, name)
	}
	return file
}
