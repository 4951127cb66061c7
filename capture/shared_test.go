package capture

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sharedDir holds the shared sample captures (nDPI test data with their
// expected .pcap.out results); MEDSEC_SHARED_PCAP overrides it.
func sharedDir() string {
	if d := os.Getenv("MEDSEC_SHARED_PCAP"); d != "" {
		return d
	}
	return "/work/shared/data/pcap"
}

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

// resolve maps "shared:NAME" to the shared sample capture.
func resolve(t *testing.T, file string) string {
	if name, ok := strings.CutPrefix(file, "shared:"); ok {
		return sharedPcap(t, name)
	}
	return file
}
