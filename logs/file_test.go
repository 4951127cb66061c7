package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOrderRotated checks that rotated files are read oldest first.
func TestOrderRotated(t *testing.T) {
	got := OrderRotated([]string{"auth.log", "syslog", "syslog.1", "syslog.3.gz", "syslog.2.gz", "auth.log.1", "messages-20261130", "messages-20261129.gz"})
	want := []string{"auth.log.1", "auth.log", "syslog.3.gz", "syslog.2.gz", "syslog.1", "syslog", "messages-20261129.gz", "messages-20261130"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// TestImportFiles imports a rotated pair (one gzip) into a sink: records in order, the
// bad line kept with its raw bytes and reported by file and line, the year of RFC 3164
// times taken from the file's modification time.
func TestImportFiles(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("<13>Dec 31 23:59:59 h a: old 1\n<13>Jan  1 00:00:01 h a: old 2\n"))
	zw.Close()
	old := filepath.Join(dir, "syslog.1.gz")
	live := filepath.Join(dir, "syslog")
	os.WriteFile(old, gz.Bytes(), 0o600)
	os.WriteFile(live, []byte("<13>Jan  2 10:00:00 h a: new\r\n\n{\"broken\"\n"), 0o600)
	written := time.Date(2027, 1, 2, 12, 0, 0, 0, time.UTC)
	os.Chtimes(old, written, written)
	os.Chtimes(live, written, written)
	sink := &memSink{}
	now := time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)
	st, err := ImportFiles(context.Background(), sink, &Parser{}, []string{live, old}, now, 2)
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 2 || st.Records != 4 || len(st.Errors) != 1 || st.Errors[0].Line != 3 || st.Errors[0].Name != live {
		t.Fatalf("stats %+v", st)
	}
	var msgs []string
	for _, r := range sink.recs {
		msgs = append(msgs, r.Fields["message"].(string))
		if !r.Received.Equal(now) || r.Fields["log.file.path"] == nil {
			t.Errorf("record %q: received %v, path %v", r.Raw, r.Received, r.Fields["log.file.path"])
		}
	}
	if strings.Join(msgs, "|") != `old 1|old 2|new|{"broken"` {
		t.Errorf("messages %q", msgs)
	}
	if ts := sink.recs[0].Fields["@timestamp"].(time.Time); ts.Year() != 2026 {
		t.Errorf("Dec 31 in a file written 2 Jan 2027: year %d", ts.Year())
	}
	sink.setFail(true)
	if _, err := ImportFiles(context.Background(), sink, &Parser{}, []string{live}, now, 0); err == nil || !strings.Contains(err.Error(), live) {
		t.Errorf("failing sink: %v", err)
	}
}
