// Command gencap builds a large benchmark capture by repeating the packets
// of real captures with shifted addresses and timestamps: each round moves
// every IPv4 address's second octet (IPv6: fourth byte) by the round number
// modulo 256, so rounds create new flows up to 256 copies and then revisit
// them, and timestamps advance by the span of the inputs per round.
//
// Usage: go run ./bench/capture/gencap -size 1073741824 -o /tmp/bench.pcap IN.pcap...
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"medsec/capture/pcapfile"
)

type packet struct {
	rel  int64 // nanoseconds since the first packet of its file
	data []byte
	orig int
}

func main() {
	size := flag.Int64("size", 1<<30, "stop once the output reaches this many bytes")
	out := flag.String("o", "/tmp/medsec-bench.pcap", "output pcap file")
	flag.Parse()
	if err := run(flag.Args(), *out, *size); err != nil {
		fmt.Fprintln(os.Stderr, "gencap:", err)
		os.Exit(1)
	}
}

func load(path string) ([]packet, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	r, err := pcapfile.NewReader(f)
	if err != nil {
		return nil, 0, fmt.Errorf("read %s: %w", path, err)
	}
	var pkts []packet
	var first, last int64
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read %s: %w", path, err)
		}
		if p.LinkType != pcapfile.LinkEthernet {
			continue
		}
		if len(pkts) == 0 {
			first = p.TimeNanos
		}
		last = p.TimeNanos
		pkts = append(pkts, packet{rel: p.TimeNanos - first, data: append([]byte(nil), p.Data...), orig: p.OrigLen})
	}
	return pkts, last - first, nil
}

func run(inputs []string, out string, size int64) error {
	if len(inputs) == 0 {
		return errors.New("no input captures")
	}
	var all [][]packet
	var span int64
	for _, in := range inputs {
		pkts, s, err := load(in)
		if err != nil {
			return err
		}
		all = append(all, pkts)
		span = max(span, s)
	}
	span += 1e9
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	defer f.Close()
	w, err := pcapfile.NewWriter(f, pcapfile.LinkEthernet)
	if err != nil {
		return err
	}
	const base = int64(1767225600) * 1e9 // 2026-01-01
	written := int64(24)
	buf := make([]byte, 0, 1<<16)
	var n int64
	for round := 0; written < size; round++ {
		shift := byte(round % 256)
		for _, pkts := range all {
			for _, p := range pkts {
				buf = append(buf[:0], p.data...)
				rewrite(buf, shift)
				if err := w.WritePacket(base+int64(round)*span+p.rel, buf, p.orig); err != nil {
					return err
				}
				written += int64(16 + len(buf))
				n++
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Printf("wrote %s: %d packets, %d bytes\n", out, n, written)
	return nil
}

// rewrite shifts the addresses of an Ethernet frame's IP header in place.
func rewrite(b []byte, shift byte) {
	if len(b) < 14 {
		return
	}
	et := binary.BigEndian.Uint16(b[12:])
	ip := b[14:]
	for et == 0x8100 && len(ip) >= 4 {
		et = binary.BigEndian.Uint16(ip[2:])
		ip = ip[4:]
	}
	switch {
	case et == 0x0800 && len(ip) >= 20:
		ip[13] += shift
		ip[17] += shift
	case et == 0x86dd && len(ip) >= 40:
		ip[11] += shift
		ip[27] += shift
	}
}
