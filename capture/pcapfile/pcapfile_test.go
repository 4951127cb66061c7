package pcapfile

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

type rec struct {
	ts   int64
	data []byte
	orig int
	ifc  int
}

// buildPcap encodes a classic pcap file.
func buildPcap(order binary.ByteOrder, nano bool, link int, recs []rec) []byte {
	var b bytes.Buffer
	h := make([]byte, 24)
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	order.PutUint32(h, magic)
	order.PutUint16(h[4:], 2)
	order.PutUint16(h[6:], 4)
	order.PutUint32(h[16:], 65535)
	order.PutUint32(h[20:], uint32(link))
	b.Write(h)
	for _, r := range recs {
		rh := make([]byte, 16)
		order.PutUint32(rh, uint32(r.ts/1e9))
		frac := r.ts % 1e9
		if !nano {
			frac /= 1000
		}
		order.PutUint32(rh[4:], uint32(frac))
		order.PutUint32(rh[8:], uint32(len(r.data)))
		order.PutUint32(rh[12:], uint32(r.orig))
		b.Write(rh)
		b.Write(r.data)
	}
	return b.Bytes()
}

func ngBlock(order binary.ByteOrder, typ uint32, body []byte) []byte {
	pad := (4 - len(body)%4) % 4
	n := 12 + len(body) + pad
	b := make([]byte, n)
	order.PutUint32(b, typ)
	order.PutUint32(b[4:], uint32(n))
	copy(b[8:], body)
	order.PutUint32(b[n-4:], uint32(n))
	return b
}

// buildNG encodes a pcapng section with the given interfaces (link type,
// tsresol option byte or 0 for the default) and packets.
func buildNG(order binary.ByteOrder, ifaces [][2]int, recs []rec, spb []byte) []byte {
	var b bytes.Buffer
	shb := make([]byte, 16)
	order.PutUint32(shb, 0x1a2b3c4d)
	order.PutUint16(shb[4:], 1)
	binary.LittleEndian.PutUint64(shb[8:], ^uint64(0))
	b.Write(ngBlock(order, blockSHB, shb))
	for _, ifc := range ifaces {
		body := make([]byte, 8)
		order.PutUint16(body, uint16(ifc[0]))
		order.PutUint32(body[4:], 65535)
		if ifc[1] != 0 {
			opt := make([]byte, 8)
			order.PutUint16(opt, 9)
			order.PutUint16(opt[2:], 1)
			opt[4] = byte(ifc[1])
			body = append(body, opt...)
			body = append(body, 0, 0, 0, 0)
		}
		b.Write(ngBlock(order, blockIDB, body))
	}
	// An unknown block type (name resolution) that must be skipped.
	b.Write(ngBlock(order, 4, []byte{0, 0, 0, 0}))
	for _, r := range recs {
		body := make([]byte, 20+len(r.data))
		order.PutUint32(body, uint32(r.ifc))
		units := r.ts / 1000 // microseconds by default
		if ifaces[r.ifc][1] == 9 {
			units = r.ts
		}
		order.PutUint32(body[4:], uint32(units>>32))
		order.PutUint32(body[8:], uint32(units))
		order.PutUint32(body[12:], uint32(len(r.data)))
		order.PutUint32(body[16:], uint32(r.orig))
		copy(body[20:], r.data)
		b.Write(ngBlock(order, blockEPB, body))
	}
	if spb != nil {
		body := make([]byte, 4+len(spb))
		order.PutUint32(body, uint32(len(spb)))
		copy(body[4:], spb)
		b.Write(ngBlock(order, blockSPB, body))
	}
	return b.Bytes()
}

func readAll(t *testing.T, data []byte, stream bool) ([]rec, []int, error) {
	t.Helper()
	var r *Reader
	var err error
	if stream {
		r, err = NewReader(bytes.NewReader(data))
	} else {
		r, err = NewBytesReader(data)
	}
	if err != nil {
		return nil, nil, err
	}
	var got []rec
	var links []int
	for {
		p, err := r.Next()
		if err == io.EOF {
			return got, links, nil
		}
		if err != nil {
			return got, links, err
		}
		got = append(got, rec{ts: p.TimeNanos, data: append([]byte(nil), p.Data...), orig: p.OrigLen, ifc: p.Interface})
		links = append(links, p.LinkType)
	}
}

func TestReadFormats(t *testing.T) {
	recs := []rec{
		{ts: 1700000000123456000, data: []byte("hello world"), orig: 11},
		{ts: 1700000001000001000, data: []byte{1, 2, 3}, orig: 60},
		{ts: 1700000002999999000, data: bytes.Repeat([]byte{0xab}, 3000), orig: 3000},
	}
	ngRecs := []rec{
		{ts: 1700000000123456000, data: []byte("if0 packet"), orig: 10, ifc: 0},
		{ts: 1700000000123456789, data: []byte("if1 nano packet"), orig: 15, ifc: 1},
	}
	tests := []struct {
		name      string
		data      []byte
		want      []rec
		wantLinks []int
	}{
		{"pcap-le-micro", buildPcap(binary.LittleEndian, false, 1, recs), recs, []int{1, 1, 1}},
		{"pcap-be-micro", buildPcap(binary.BigEndian, false, 113, recs), recs, []int{113, 113, 113}},
		{"pcap-le-nano", buildPcap(binary.LittleEndian, true, 101, recs), recs, []int{101, 101, 101}},
		{"pcap-be-nano", buildPcap(binary.BigEndian, true, 276, recs), recs, []int{276, 276, 276}},
		{"pcapng-le", buildNG(binary.LittleEndian, [][2]int{{1, 0}, {113, 9}}, ngRecs, nil), ngRecs, []int{1, 113}},
		{"pcapng-be", buildNG(binary.BigEndian, [][2]int{{0, 0}, {101, 9}}, ngRecs, nil), ngRecs, []int{0, 101}},
		{"pcapng-spb", buildNG(binary.LittleEndian, [][2]int{{1, 0}}, nil, []byte("simple")),
			[]rec{{ts: 0, data: []byte("simple"), orig: 6}}, []int{1}},
	}
	for _, tc := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(tc.name+"/stream="+strconv.FormatBool(stream), func(t *testing.T) {
				got, links, err := readAll(t, tc.data, stream)
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				if len(got) != len(tc.want) {
					t.Fatalf("got %d packets, want %d", len(got), len(tc.want))
				}
				for i := range got {
					if got[i].ts != tc.want[i].ts || !bytes.Equal(got[i].data, tc.want[i].data) || got[i].orig != tc.want[i].orig || got[i].ifc != tc.want[i].ifc {
						t.Errorf("packet %d: got ts=%d len=%d orig=%d if=%d, want ts=%d len=%d orig=%d if=%d", i,
							got[i].ts, len(got[i].data), got[i].orig, got[i].ifc, tc.want[i].ts, len(tc.want[i].data), tc.want[i].orig, tc.want[i].ifc)
					}
					if links[i] != tc.wantLinks[i] {
						t.Errorf("packet %d: link %d, want %d", i, links[i], tc.wantLinks[i])
					}
				}
			})
		}
	}
}

func TestBadCaptures(t *testing.T) {
	good := buildPcap(binary.LittleEndian, false, 1, []rec{
		{ts: 1e9, data: []byte("abcdef"), orig: 6},
		{ts: 2e9, data: []byte("ghijkl"), orig: 6},
	})
	ng := buildNG(binary.LittleEndian, [][2]int{{1, 0}}, []rec{{ts: 1e9, data: []byte("x"), orig: 1}}, nil)
	tests := []struct {
		name       string
		data       []byte
		wantPkts   int
		wantOffset int64 // -1: error at open
	}{
		{"empty", nil, 0, -1},
		{"garbage", []byte("this is not a capture file at all"), 0, -1},
		{"short header", good[:10], 0, -1},
		{"truncated record header", good[:24+22+5], 1, 46},
		{"truncated record body", good[:len(good)-2], 1, 46},
		{"huge length", func() []byte {
			b := append([]byte(nil), good...)
			binary.LittleEndian.PutUint32(b[24+8:], 0x7fffffff)
			return b
		}(), 0, 24},
		{"pcapng truncated", ng[:len(ng)-3], 0, int64(len(ng) - 36)},
		{"pcapng bad block length", func() []byte {
			b := append([]byte(nil), ng...)
			binary.LittleEndian.PutUint32(b[len(b)-36+4:], 7)
			return b
		}(), 0, int64(len(ng) - 36)},
	}
	for _, tc := range tests {
		for _, stream := range []bool{false, true} {
			t.Run(tc.name+"/stream="+strconv.FormatBool(stream), func(t *testing.T) {
				got, _, err := readAll(t, tc.data, stream)
				var perr *Error
				if !errors.As(err, &perr) {
					t.Fatalf("got error %v (%T), want *Error", err, err)
				}
				if len(got) != tc.wantPkts {
					t.Errorf("got %d packets before the error, want %d", len(got), tc.wantPkts)
				}
				if tc.wantOffset >= 0 && perr.Offset != tc.wantOffset {
					t.Errorf("error offset %d, want %d (%v)", perr.Offset, tc.wantOffset, perr)
				}
				if !strings.Contains(perr.Error(), "offset") {
					t.Errorf("error %q does not name the offset", perr)
				}
			})
		}
	}
}

// TestAgainstTshark reads the shared sample captures (pcap and pcapng) and
// compares packet count, lengths and timestamps with tshark's view.
func TestAgainstTshark(t *testing.T) {
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: cannot cross-check the reader")
	}
	files, _ := filepath.Glob(filepath.Join(sharedDir(t, "MEDSEC_SHARED_PCAP", "pcap"), "*.pcap"))
	// The real-world failure cases (../shared/data/cases/README.md), among
	// them a pcapng whose interface has a power-of-two if_tsresol.
	cases := sharedDir(t, "MEDSEC_SHARED_CASES", "cases")
	files = append(files, mustGlob(filepath.Join(cases, "*.pcap"))...)
	files = append(files, mustGlob(filepath.Join(cases, "*.pcapng"))...)
	files = append(files, mustGlob("../testdata/*.pcap")...)
	files = append(files, mustGlob("../testdata/*.pcapng")...)
	if len(files) == 0 {
		t.Skip("no sample captures found")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			out, tsharkErr := exec.Command("tshark", "-r", f, "-T", "fields", "-e", "frame.cap_len", "-e", "frame.len", "-e", "frame.time_epoch").Output()
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, _, err := readAll(t, data, false)
			// A capture cut short mid-record: both readers stop there,
			// and the packets before it must agree.
			if (err != nil) != (tsharkErr != nil) {
				t.Fatalf("read error %v, tshark error %v", err, tsharkErr)
			}
			if len(got) != len(lines) {
				t.Fatalf("got %d packets, tshark %d", len(got), len(lines))
			}
			for i, l := range lines {
				f := strings.Fields(l)
				capLen, _ := strconv.Atoi(f[0])
				wire, _ := strconv.Atoi(f[1])
				sec, frac, _ := strings.Cut(f[2], ".")
				s, _ := strconv.ParseInt(sec, 10, 64)
				frac = (frac + "000000000")[:9]
				ns, _ := strconv.ParseInt(frac, 10, 64)
				if len(got[i].data) != capLen || got[i].orig != wire || got[i].ts != s*1e9+ns {
					t.Errorf("packet %d: got cap=%d wire=%d ts=%d, tshark cap=%d wire=%d ts=%d", i+1,
						len(got[i].data), got[i].orig, got[i].ts, capLen, wire, s*1e9+ns)
				}
			}
		})
	}
}

// sharedDir returns the directory of shared test data named by the
// environment variable env, else data/sub of the shared folder beside the
// repository (../shared, as in CI).
func sharedDir(t *testing.T, env, sub string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data", sub)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test's directory")
		}
		dir = parent
	}
}

func mustGlob(p string) []string {
	m, _ := filepath.Glob(p)
	return m
}

func TestWriterRoundTrip(t *testing.T) {
	var b bytes.Buffer
	w, err := NewWriter(&b, LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	want := []rec{{ts: 1234567890123456789, data: []byte("abc"), orig: 64}, {ts: 1234567891000000001, data: []byte("de"), orig: 2}}
	for _, r := range want {
		if err := w.WritePacket(r.ts, r.data, r.orig); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, _, err := readAll(t, b.Bytes(), true)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i].ts != want[i].ts || !bytes.Equal(got[i].data, want[i].data) || got[i].orig != want[i].orig {
			t.Errorf("packet %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// ngOneUnit encodes a pcapng section with one Ethernet interface whose
// options are if_tsresol = tsresol (left out when 0) and if_tsoffset =
// offset seconds (left out when 0), and one packet whose timestamp is units.
func ngOneUnit(order binary.ByteOrder, tsresol byte, offset int64, units uint64) []byte {
	var b bytes.Buffer
	shb := make([]byte, 16)
	order.PutUint32(shb, 0x1a2b3c4d)
	order.PutUint16(shb[4:], 1)
	binary.LittleEndian.PutUint64(shb[8:], ^uint64(0))
	b.Write(ngBlock(order, blockSHB, shb))
	body := make([]byte, 8)
	order.PutUint16(body, LinkEthernet)
	if tsresol != 0 {
		opt := make([]byte, 8)
		order.PutUint16(opt, 9)
		order.PutUint16(opt[2:], 1)
		opt[4] = tsresol
		body = append(body, opt...)
	}
	if offset != 0 {
		opt := make([]byte, 12)
		order.PutUint16(opt, 14)
		order.PutUint16(opt[2:], 8)
		order.PutUint64(opt[4:], uint64(offset))
		body = append(body, opt...)
	}
	body = append(body, 0, 0, 0, 0)
	b.Write(ngBlock(order, blockIDB, body))
	epb := make([]byte, 24)
	order.PutUint32(epb[4:], uint32(units>>32))
	order.PutUint32(epb[8:], uint32(units))
	order.PutUint32(epb[12:], 4)
	order.PutUint32(epb[16:], 4)
	b.Write(ngBlock(order, blockEPB, epb))
	return b.Bytes()
}

// TestTimestampResolution checks every kind of pcapng if_tsresol (decimal
// and power of two, pcapng §4.2) and if_tsoffset against hand-computed times.
func TestTimestampResolution(t *testing.T) {
	// 2025-11-30 10:00:00.251 UTC, the first packet of the shared case
	// pcapng-if-tsresol-pow2-32.pcapng.
	const sec = 1764496800
	tests := []struct {
		name    string
		tsresol byte
		offset  int64
		units   uint64
		want    int64
	}{
		{"default-micro", 0, 0, sec*1e6 + 251000, sec*1e9 + 251000000},
		{"decimal-milli", 3, 0, sec*1e3 + 251, sec*1e9 + 251000000},
		{"decimal-nano", 9, 0, sec*1e9 + 251000123, sec*1e9 + 251000123},
		{"decimal-pico-offset", 12, sec, 251000123 * 1000, sec*1e9 + 251000123},
		// 2^-32 s: 0.251 s is 1078036791.296 units; 1078036792 units are
		// 251000000.16 ns, rounded down.
		{"pow2-32", 0x80 | 32, 0, sec<<32 | 1078036792, sec*1e9 + 251000000},
		{"pow2-30", 0x80 | 30, 0, sec<<30 | 1<<29, sec*1e9 + 500000000},
		{"pow2-20", 0x80 | 20, 0, sec<<20 | 1, sec*1e9 + 953},
		{"pow2-1", 0x80 | 1, 0, sec<<1 | 1, sec*1e9 + 500000000},
		{"pow2-0", 0x80, 0, sec, sec * 1e9},
		{"pow2-32-offset", 0x80 | 32, sec, 1 << 31, sec*1e9 + 500000000},
		{"micro-offset", 6, sec, 251000, sec*1e9 + 251000000},
	}
	for _, tc := range tests {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			t.Run(tc.name+"/"+order.String(), func(t *testing.T) {
				got, _, err := readAll(t, ngOneUnit(order, tc.tsresol, tc.offset, tc.units), false)
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				if len(got) != 1 || got[0].ts != tc.want {
					t.Fatalf("got %+v, want one packet at %d", got, tc.want)
				}
			})
		}
	}
}
