package vuln

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// epssBomb returns gzip bytes of the EPSS comment and header followed by rows(i) for
// i = 0..n-1, written without holding the decompressed text.
func epssBomb(t *testing.T, n int, row func(i int) string) []byte {
	t.Helper()
	var b bytes.Buffer
	w, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	fmt.Fprint(w, "#model_version:v2025.03.14,score_date:2026-11-30T12:00:00Z\ncve,epss,percentile\n")
	for i := 0; i < n; i++ {
		fmt.Fprint(w, row(i))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestEPSSBombRefused: the tester's gzip bomb shape (one CVE repeated, here 100 MB of
// CSV in under 1 MB of gzip) is refused as a duplicate at line 4 naming line 3, after
// reading only the start of the stream, through ReadFeed (the reader the API and the CLI
// use); a file of unique rows past MaxEPSSRows is refused at its row; a file larger than
// MaxEPSSSize once decompressed is refused naming the bound. The real FIRST head file
// (202 rows) still reads.
func TestEPSSBombRefused(t *testing.T) {
	dup := epssBomb(t, 100<<20/22, func(int) string { return "CVE-2099-0001,0.1,0.2\n" })
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ReadFeed("bomb.csv.gz", dup)
	runtime.ReadMemStats(&after)
	var ie *InputError
	if !errors.As(err, &ie) || ie.File != "bomb.csv.gz" || ie.Where != "line 4" || !strings.Contains(ie.Reason, "CVE-2099-0001 is also on line 3") {
		t.Fatalf("duplicate bomb: err = %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("duplicate bomb allocated %d MB before being refused", alloc>>20)
	}

	rows := epssBomb(t, MaxEPSSRows+1, func(i int) string { return fmt.Sprintf("CVE-2099-%07d,0.1,0.2\n", i) })
	_, err = ReadFeed("rows.csv.gz", rows)
	if !errors.As(err, &ie) || ie.Where != fmt.Sprintf("line %d", MaxEPSSRows+3) || !strings.Contains(ie.Reason, "more than 1000000 score rows") {
		t.Fatalf("row bound: err = %v", err)
	}

	long := "0." + strings.Repeat("1", 60)
	big := epssBomb(t, MaxEPSSSize/70+1000, func(i int) string { return fmt.Sprintf("CVE-2099-%07d,%s,0.2\n", i, long) })
	_, err = ReadFeed("big.csv.gz", big)
	if !errors.As(err, &ie) || ie.File != "big.csv.gz" || !strings.Contains(ie.Reason, "more than 64 MiB once decompressed") {
		t.Fatalf("size bound: err = %v", err)
	}

	f, err := ReadFeed("head.csv.gz", gzipBytes(t, sharedFile(t, "epss/epss_scores-2026-09-29-head.csv")))
	if err != nil || f.Format != FormatEPSS || len(f.EPSS.Scores) != 202 {
		t.Fatalf("real head file: %v", err)
	}
	// A bad value is named by line and column, counting the comment line.
	_, err = ParseEPSS("v.csv", []byte("#model_version:v1,score_date:2026-11-30T00:00:00Z\ncve,epss,percentile\nCVE-2020-0001,0.1,0.2\nCVE-2020-0002,1.5,0.2\n"))
	if !errors.As(err, &ie) || ie.Where != "line 4" || !strings.HasPrefix(ie.Reason, "epss:") {
		t.Errorf("bad value: err = %v", err)
	}
}
