package capture

import (
	"bytes"
	"math/rand"
	"testing"
)

type recorder struct {
	got  [2]bytes.Buffer
	gaps [2]int
}

func (r *recorder) feed(dir int, b []byte) bool { r.got[dir].Write(b); return true }
func (r *recorder) gap(dir int)                 { r.gaps[dir]++ }

func TestReassembly(t *testing.T) {
	msg := make([]byte, 20000)
	rng := rand.New(rand.NewSource(1))
	rng.Read(msg)
	type seg struct{ off, n int }
	split := func(sizes ...int) []seg {
		var out []seg
		off := 0
		for i := 0; off < len(msg); i++ {
			n := min(sizes[i%len(sizes)], len(msg)-off)
			out = append(out, seg{off, n})
			off += n
		}
		return out
	}
	tests := []struct {
		name   string
		segs   func() []seg
		maxOOO int
		want   []byte
		gaps   int
	}{
		{"in order", func() []seg { return split(1460) }, 0, msg, 0},
		{"one byte then odd sizes", func() []seg { return split(1, 7, 1000, 3) }, 0, msg, 0},
		{"reversed", func() []seg {
			s := split(999)
			for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
				s[i], s[j] = s[j], s[i]
			}
			return s
		}, 0, msg, 0},
		{"shuffled with retransmissions and overlaps", func() []seg {
			s := split(500, 1300, 77)
			// overlapping re-segmentation of the same bytes
			s = append(s, seg{100, 2000}, seg{5000, 3333}, seg{0, 10})
			rng.Shuffle(len(s), func(i, j int) { s[i], s[j] = s[j], s[i] })
			return s
		}, 0, msg, 0},
		{"lost segment, buffer bound", func() []seg {
			s := split(1000)
			return append(s[:3:3], s[4:]...) // bytes 3000..4000 never arrive
		}, 4000, append(append([]byte(nil), msg[:3000]...), msg[4000:]...), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAnalyzer(Options{MaxOutOfOrder: tc.maxOOO})
			c := newConv(a, "10.0.0.1:40000", "10.0.0.2:104")
			c.handshake()
			f := a.order[0]
			rec := &recorder{}
			f.app, f.sess, f.want = "test", rec, [2]bool{true, true}
			base := c.seq[0]
			for _, s := range tc.segs() {
				c.send(0, base+uint32(s.off), tcpACK, msg[s.off:s.off+s.n])
			}
			// A final retransmission of everything must change nothing.
			c.send(0, base, tcpACK, msg[:1000])
			a.flushStreams()
			if !bytes.Equal(rec.got[0].Bytes(), tc.want) {
				t.Errorf("reassembled %d bytes, want %d (equal prefix %d)", rec.got[0].Len(), len(tc.want), commonPrefix(rec.got[0].Bytes(), tc.want))
			}
			if rec.gaps[0] != tc.gaps {
				t.Errorf("gaps %d, want %d", rec.gaps[0], tc.gaps)
			}
			if f.dirBy != "syn" || a.flowResult(f).Client.Port != 40000 {
				t.Errorf("client %v by %s, want port 40000 by syn", a.flowResult(f).Client, f.dirBy)
			}
		})
	}
}

func commonPrefix(a, b []byte) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func TestMaxFlows(t *testing.T) {
	a := NewAnalyzer(Options{MaxFlows: 2})
	for i := 0; i < 5; i++ {
		c := newConv(a, "10.0.0.1:4000"+string(rune('0'+i)), "10.0.0.2:80")
		c.handshake()
	}
	r := a.Result()
	if len(r.Flows) != 2 || r.Summary.UntrackedPackets != 9 {
		t.Errorf("got %d flows, %d untracked packets; want 2 and 9", len(r.Flows), r.Summary.UntrackedPackets)
	}
}

// TestPortReuse checks that a new connection on the same ports is inspected
// again after the first one stopped being inspected.
func TestPortReuse(t *testing.T) {
	a := NewAnalyzer(Options{})
	c := newConv(a, "10.0.0.1:40000", "10.0.0.2:8080")
	c.handshake()
	// Lines of text: one line could be a log line before HL7's first start
	// block, two lines of text are no known protocol.
	c.write(0, []byte("not a known protocol at all,\r\njust some text that goes on"), 1000)
	c.write(1, []byte("and the reply is just as unknown,\r\nmore text here..."), 1000)
	if a.order[0].inspect {
		t.Fatal("unidentified flow still inspected")
	}
	c.seq = [2]uint32{90000, 70000}
	c.handshake()
	c.write(0, []byte("GET / HTTP/1.1\r\nHost: reuse.fict\r\nUser-Agent: Fict/1\r\n\r\n"), 7)
	r := a.Result()
	if len(r.Flows) != 1 || r.Flows[0].App != "http" {
		t.Fatalf("flows %+v", r.Flows)
	}
	if !facts(r)["10.0.0.2 http-host=reuse.fict"] {
		t.Errorf("facts %v", keys(facts(r)))
	}
}
