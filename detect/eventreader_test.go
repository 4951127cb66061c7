package detect

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Event IDs are the file and the line the event's JSON starts on (with the column when
// it does not start its line), whatever the layout [issue 13 break-test finding 8: they
// were event numbers that looked like lines].
func TestEventReaderIDsAreLines(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"lines.jsonl", "{\"a\":1}\n\n{\"a\":2}\r\n{\"a\":3}\n", []string{"lines.jsonl:1", "lines.jsonl:3", "lines.jsonl:4"}},
		{"pretty.json", "{\n  \"a\": 1\n}\n{\n  \"a\": 2,\n  \"b\": \"x\"\n}\n", []string{"pretty.json:1", "pretty.json:4"}},
		{"array.json", "[\n  {\"a\": 1},\n  {\n    \"a\": 2\n  }\n]\n", []string{"array.json:2:3", "array.json:3:3"}},
		{"one-line.json", "[{\"a\":1},{\"a\":2}, {\"a\":3}]", []string{"one-line.json:1:2", "one-line.json:1:10", "one-line.json:1:19"}},
		{"bom.jsonl", "\ufeff{\"a\":1}\n{\"a\":2}\n", []string{"bom.jsonl:1:4", "bom.jsonl:2"}},
		{"later.jsonl", "\n\n\n{\"a\":1} {\"a\":2}\n", []string{"later.jsonl:4", "later.jsonl:4:9"}},
	}
	for _, c := range cases {
		evs, err := ReadEvents(c.name, strings.NewReader(c.text), time.Unix(0, 0))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		var got []string
		for _, e := range evs {
			got = append(got, e.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s: IDs %v, want %v", c.name, got, c.want)
		}
	}
}

// Bad input is named with the file and the line of the problem.
func TestEventReaderErrorsNameTheLine(t *testing.T) {
	cases := []struct{ name, text, want string }{
		{"bad.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\": tru}\n", "bad.jsonl:3: "},
		{"notobj.jsonl", "{\"a\":1}\n\n[1,2]\n", "notobj.jsonl:3: an event must be a JSON object"},
		{"arr.json", "[\n {\"a\":1},\n 42\n]\n", "arr.json:3:2: an event must be a JSON object"},
		{"cut.json", "[\n {\"a\":1},\n {\"a\":\n", "cut.json:3: the file ends inside the event that starts here"},
		{"cut.jsonl", "{\"a\":1}\n\n  {\"a\":\n\n", "cut.jsonl:3: the file ends inside the event that starts here"},
		{"after.json", "[{\"a\":1}]\n{\"b\":2}\n", "after.json:2: text after the array"},
		{"u16.jsonl", "\xff\xfe{\x00\"\x00", "u16.jsonl: the file is UTF-16"},
	}
	for _, c := range cases {
		_, err := ReadEvents(c.name, strings.NewReader(c.text), time.Time{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// events is an endless-looking reader of n JSON lines made as they are read, so that the
// test's input takes no memory of its own.
type events struct {
	n, i int
	buf  []byte
}

func (r *events) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) && r.i < r.n {
		r.buf = fmt.Appendf(r.buf, `{"@timestamp":"2026-11-30T10:00:00Z","Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c echo %d %s","host.name":"ws-%d"}`+"\n", r.i, strings.Repeat("x", 200), r.i%50)
		r.i++
	}
	if len(r.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// The reader streams: 300,000 events (about 100 MB of JSON lines) are read with the heap
// staying under 16 MB, and the last event's ID is its line. One event larger than 16 MiB
// is refused naming its line, after reading little more than the bound.
func TestEventReaderStreams(t *testing.T) {
	r := NewEventReader("big.jsonl", &events{n: 300000}, time.Time{})
	var peak uint64
	var ms runtime.MemStats
	var last *Event
	for {
		e, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		last = e
		if r.Count()%20000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if r.Count() != 300000 || last.ID != "big.jsonl:300000" {
		t.Fatalf("read %d events, last %q", r.Count(), last.ID)
	}
	if peak > 16<<20 {
		t.Errorf("heap reached %d MB reading the stream", peak>>20)
	}
	t.Logf("peak heap %.1f MB over %d events", float64(peak)/1e6, r.Count())

	huge := io.MultiReader(strings.NewReader("{\"a\":1}\n{\"a\":2}\n{\"a\":\""), &endless{})
	counted := &countingReader{r: huge}
	_, err := ReadEvents("huge.jsonl", counted, time.Time{})
	if err == nil || !strings.Contains(err.Error(), "huge.jsonl:3: an event is larger than 16 MiB") {
		t.Fatalf("huge event: %v", err)
	}
	if counted.n > 20<<20 {
		t.Errorf("read %d MB of a huge event before refusing it", counted.n>>20)
	}
}

// endless reads "x" for ever.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
