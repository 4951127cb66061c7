package capture

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAnalyzeFileAndReaderAgree(t *testing.T) {
	for _, name := range []string{"testdata/hl7-mllp.pcap", "testdata/dicom-store-explicit-nonstd.pcapng"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		want := hex.EncodeToString(sum[:])
		a := NewAnalyzer(Options{})
		fi, err := a.AnalyzeFile(name)
		if err != nil {
			t.Fatal(err)
		}
		b := NewAnalyzer(Options{})
		fr, err := b.AnalyzeReader("stdin", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if fi.SHA256 != want || fr.SHA256 != want || fi.Size != int64(len(data)) || fr.Size != int64(len(data)) {
			t.Errorf("%s: file %s/%d, reader %s/%d, want %s/%d", name, fi.SHA256, fi.Size, fr.SHA256, fr.Size, want, len(data))
		}
		ra, rb := a.Result(), b.Result()
		if len(ra.Flows) != len(rb.Flows) || ra.Summary.Packets != rb.Summary.Packets || len(facts(ra)) != len(facts(rb)) {
			t.Errorf("%s: results differ: %+v vs %+v", name, ra.Summary, rb.Summary)
		}
	}
}

func TestTruncatedFile(t *testing.T) {
	data, err := os.ReadFile("testdata/dicom-store-implicit.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(cut, data[:5000], 0o600); err != nil {
		t.Fatal(err)
	}
	for _, stream := range []bool{false, true} {
		a := NewAnalyzer(Options{})
		var fi FileInfo
		if stream {
			fi, err = a.AnalyzeReader(cut, bytes.NewReader(data[:5000]))
		} else {
			fi, err = a.AnalyzeFile(cut)
		}
		if err != nil {
			t.Fatalf("stream=%v: %v", stream, err)
		}
		if fi.Error == "" || !strings.Contains(fi.Error, cut) || fi.StoppedAt <= 0 || fi.StoppedAt >= 5000 || fi.Packets == 0 {
			t.Errorf("stream=%v: %+v", stream, fi)
		}
		sum := sha256.Sum256(data[:5000])
		if fi.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("stream=%v: hash of the partial file is wrong", stream)
		}
	}
	if _, err := NewAnalyzer(Options{}).AnalyzeFile("testdata/make-captures.sh"); err == nil || !strings.Contains(err.Error(), "make-captures.sh") || !strings.Contains(err.Error(), "offset 0") {
		t.Errorf("not a capture: %v", err)
	}
}
