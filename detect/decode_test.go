package detect

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

// decoderCases are lines the fast path reads and lines it must hand to encoding/json.
var decoderCases = []string{
	`{"Image":"C:\\Windows\\System32\\cmd.exe","EventID":4688,"n":-0.5e+3,"ok":true,"no":false,"x":null,"l":[1,"a",{"b":[]}],"m":{"k":"v"}}`,
	`{"@timestamp":"2026-11-30T08:00:00.001Z","host.name":"ws-01","message":"Failed password for nurse1"}`,
	`  {"a":"tab\tinside"}  `,                                                 // a raw tab in a string: refused by both
	`{"a":"\u00e9\ud800"}`,                                                    // escapes, one a lone surrogate (U+FFFD)
	`{"a":"\x"}`,                                                              // unknown escape: refused
	`{"a":01}`, `{"a":NaN}`, `{"a":-Inf}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, // numbers JSON forbids
	`{"a":"日本語","b":"\\\\server\\share"}`,                        // UTF-8 and escaped backslashes
	"{\"a\":\"\xff\"}",                                           // invalid UTF-8: replaced by encoding/json
	`{"a":1}}`, `{"a":1} {"b":2}`, `[1]`, `null`, `"x"`, ``, `{`, // not one object
	`{"dup":1,"dup":{"x":2}}`, // the last of a duplicate key wins
	`{"Event":{"System":{"EventID":{"#text":4624},"Channel":"Security","TimeCreated":{"#attributes":{"SystemTime":"2026-11-30T01:02:03Z"}}},"EventData":{"TargetUserName":"alice"}}}`,
}

// TestDecoderAgreesWithEncodingJSON: the fast decoder gives exactly what encoding/json
// (UseNumber) gives, and refuses what it refuses.
func TestDecoderAgreesWithEncodingJSON(t *testing.T) {
	var d Decoder
	fast := 0
	for _, c := range decoderCases {
		if _, err := d.fast([]byte(c)); err == nil {
			fast++
		}
		checkDecoder(t, &d, []byte(c))
	}
	if fast < 4 {
		t.Errorf("only %d cases took the fast path", fast)
	}
	f, tm, err := d.Decode([]byte(decoderCases[len(decoderCases)-1]))
	if err != nil || f["EventID"] != json.Number("4624") || f["TargetUserName"] != "alice" || !tm.Equal(time.Date(2026, 11, 30, 1, 2, 3, 0, time.UTC)) {
		t.Errorf("evtx event: %v %v %v", f, tm, err)
	}
}

func checkDecoder(t *testing.T, d *Decoder, line []byte) {
	t.Helper()
	want, werr := decodeStd(line)
	got, _, gerr := d.Decode(line)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: encoding/json error %v, Decoder error %v", line, werr, gerr)
	}
	if werr != nil {
		return
	}
	want, wantTime := NormalizeEvent(want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\nDecoder       %#v\nencoding/json %#v", line, got, want)
	}
	// DecodeEvent: the same fields (flat or not), the same time, the same lookups.
	ev, err := d.DecodeEvent(line)
	if err != nil {
		t.Fatalf("%q: DecodeEvent: %v", line, err)
	}
	if !ev.Time.Equal(wantTime) {
		t.Fatalf("%q: DecodeEvent time %v, want %v", line, ev.Time, wantTime)
	}
	for k, v := range want {
		if got, ok := ev.Lookup(k); !ok || !reflect.DeepEqual(got, v) {
			t.Fatalf("%q: DecodeEvent Lookup(%q) = %#v, %v; want %#v", line, k, got, ok, v)
		}
	}
	ev.Materialize()
	if !reflect.DeepEqual(ev.Fields, want) {
		t.Fatalf("%q:\nDecodeEvent   %#v\nencoding/json %#v", line, ev.Fields, want)
	}
}

// TestDecodeEventFlat: flat objects are kept flat; objects with a member that is an
// object, or a name twice, are decoded to a map.
func TestDecodeEventFlat(t *testing.T) {
	var d Decoder
	for _, c := range []struct {
		line string
		flat bool
	}{
		{`{"Image":"C:\\x.exe","EventID":1,"l":["a",2,{"k":"v"}],"n":null,"b":true}`, true},
		{`{}`, true},
		{`{"a":{"b":1}}`, false},
		{`{"dup":1,"dup":2}`, false},
		{`{"a":1,"b":2}`, true},   // after a duplicate, names are counted afresh
		{`{"a":"\u00e9"}`, false}, // a \u escape: encoding/json decodes the line
	} {
		ev, err := d.DecodeEvent([]byte(c.line))
		if err != nil {
			t.Fatalf("%s: %v", c.line, err)
		}
		if (ev.flat != nil) != c.flat || (ev.flat != nil && ev.Fields != nil) {
			t.Errorf("%s: flat %v, want %v", c.line, ev.flat != nil, c.flat)
		}
		checkDecoder(t, &d, []byte(c.line))
	}
}

// FuzzDecoder: on any input the fast decoder and encoding/json agree.
func FuzzDecoder(f *testing.F) {
	for _, c := range decoderCases {
		f.Add([]byte(c))
	}
	var d Decoder
	f.Fuzz(func(t *testing.T, line []byte) {
		checkDecoder(t, &d, line)
	})
}

// TestPlainWord: the eight-byte test says "plain" exactly when no byte is a control
// character, a backslash or beyond ASCII.
func TestPlainWord(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 13))
	special := []byte{0, 0x1f, 0x20, '\\', '[', ']', 0x7f, 0x80, 0xff, 'a', '"'}
	for n := 0; n < 200000; n++ {
		var b [8]byte
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = special[rng.IntN(len(special))]
			} else {
				b[i] = byte(rng.IntN(256))
			}
		}
		want := true
		for _, c := range b {
			if c < 0x20 || c >= 0x80 || c == '\\' {
				want = false
			}
		}
		if got := plainWord(binary.LittleEndian.Uint64(b[:])); got != want {
			t.Fatalf("%q: plain %v, want %v", b, got, want)
		}
	}
}

// Events files with a UTF-8 byte order mark are read; UTF-16 ones are refused with a
// clear message [issue 13 finding 6].
func TestReadEventsBOMAndUTF16(t *testing.T) {
	evs, err := ReadEvents("bom.jsonl", strings.NewReader("\ufeff{\"m\":\"whoami\"}\n"), time.Time{})
	if err != nil || len(evs) != 1 {
		t.Fatalf("BOM: %v, %v", evs, err)
	}
	_, err = ReadEvents("u16.jsonl", strings.NewReader("\xff\xfe{\x00\"\x00"), time.Time{})
	if err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Fatalf("UTF-16: %v", err)
	}
}
