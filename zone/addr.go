package zone

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strconv"
	"strings"
)

// Range is an inclusive range of IP addresses of one family, First ≤ Last. A CIDR prefix
// and a single address are ranges too.
type Range struct {
	First netip.Addr `json:"first"`
	Last  netip.Addr `json:"last"`
}

// ParseRange parses an address range written as a CIDR prefix ("10.1.0.0/16",
// "2001:db8::/48"), a first-last pair ("10.1.0.10-10.1.0.50", "fe80::1 - fe80::ff") or a
// single address. IPv4-mapped IPv6 addresses are taken as IPv4. A prefix with host bits set
// ("10.1.2.3/16") is rejected, since it usually hides a typing mistake.
func ParseRange(s string) (Range, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Range{}, fmt.Errorf("parse address range: empty")
	}
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return Range{}, fmt.Errorf("parse address range %q: %w", s, err)
		}
		if p.Addr().Zone() != "" {
			return Range{}, fmt.Errorf("parse address range %q: zoned address", s)
		}
		if p.Masked() != p {
			return Range{}, fmt.Errorf("parse address range %q: host bits set (did you mean %s?)", s, p.Masked())
		}
		return PrefixRange(p), nil
	}
	if first, last, ok := strings.Cut(s, "-"); ok {
		a, err := parseAddr(first)
		if err != nil {
			return Range{}, fmt.Errorf("parse address range %q: first: %w", s, err)
		}
		b, err := parseAddr(last)
		if err != nil {
			return Range{}, fmt.Errorf("parse address range %q: last: %w", s, err)
		}
		if a.Is4() != b.Is4() {
			return Range{}, fmt.Errorf("parse address range %q: mixes IPv4 and IPv6", s)
		}
		if b.Less(a) {
			return Range{}, fmt.Errorf("parse address range %q: last is before first", s)
		}
		return Range{First: a, Last: b}, nil
	}
	a, err := parseAddr(s)
	if err != nil {
		return Range{}, fmt.Errorf("parse address range %q: %w", s, err)
	}
	return Range{First: a, Last: a}, nil
}

// MustParseRange is ParseRange for constants in code and tests; it panics on error.
func MustParseRange(s string) Range {
	r, err := ParseRange(s)
	if err != nil {
		panic(err)
	}
	return r
}

func parseAddr(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, err
	}
	if a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("zoned address %q", s)
	}
	return a.Unmap(), nil
}

// PrefixRange returns the range of addresses a prefix covers.
func PrefixRange(p netip.Prefix) Range {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	p = p.Masked()
	first := p.Addr()
	n := fromAddr(first)
	hostBits := first.BitLen() - p.Bits()
	last := n.or(u128{}.onesLow(hostBits))
	return Range{First: first, Last: last.addr(first.Is4())}
}

// AddrRange returns the range holding the single address a.
func AddrRange(a netip.Addr) Range {
	a = a.Unmap()
	return Range{First: a, Last: a}
}

// Valid reports whether r is a well-formed range: both ends set, same family, First ≤ Last.
func (r Range) Valid() bool {
	return r.First.IsValid() && r.Last.IsValid() && r.First.Is4() == r.Last.Is4() &&
		r.First.Zone() == "" && r.Last.Zone() == "" && !r.Last.Less(r.First)
}

// Is4 reports whether r is an IPv4 range.
func (r Range) Is4() bool { return r.First.Is4() }

// Contains reports whether a lies in r. IPv4-mapped IPv6 addresses count as IPv4.
func (r Range) Contains(a netip.Addr) bool {
	a = a.Unmap()
	if a.Is4() != r.First.Is4() {
		return false
	}
	return r.First.Compare(a) <= 0 && a.Compare(r.Last) <= 0
}

// ContainsRange reports whether o lies wholly inside r.
func (r Range) ContainsRange(o Range) bool {
	return r.Contains(o.First) && r.Contains(o.Last)
}

// Overlaps reports whether r and o share an address.
func (r Range) Overlaps(o Range) bool {
	if r.Is4() != o.Is4() {
		return false
	}
	return r.First.Compare(o.Last) <= 0 && o.First.Compare(r.Last) <= 0
}

// size returns the number of addresses in r minus one; comparing sizes tells which range is
// more specific.
func (r Range) size() u128 { return fromAddr(r.Last).sub(fromAddr(r.First)) }

// Prefix returns the prefix r is exactly equal to, if any.
func (r Range) Prefix() (netip.Prefix, bool) {
	ps := r.Prefixes()
	if len(ps) != 1 {
		return netip.Prefix{}, false
	}
	return ps[0], true
}

// Prefixes returns the fewest CIDR prefixes that together cover exactly r.
func (r Range) Prefixes() []netip.Prefix {
	if !r.Valid() {
		return nil
	}
	is4 := r.Is4()
	bitLen := r.First.BitLen()
	lo, hi := fromAddr(r.First), fromAddr(r.Last)
	var out []netip.Prefix
	for {
		// Largest block aligned at lo that does not pass hi.
		host := lo.trailingZeros()
		if host > bitLen {
			host = bitLen
		}
		for host > 0 {
			end := lo.or(u128{}.onesLow(host))
			if !hi.less(end) {
				break
			}
			host--
		}
		out = append(out, netip.PrefixFrom(lo.addr(is4), bitLen-host))
		end := lo.or(u128{}.onesLow(host))
		if !end.less(hi) {
			return out
		}
		lo = end.add1()
	}
}

// String writes r as a prefix when it is one, as a single address when it holds one, and
// as "first-last" otherwise; ParseRange reads all three back.
func (r Range) String() string {
	if !r.Valid() {
		return "invalid"
	}
	if r.First == r.Last {
		return r.First.String()
	}
	if p, ok := r.Prefix(); ok {
		return p.String()
	}
	return r.First.String() + "-" + r.Last.String()
}

// MarshalText implements encoding.TextMarshaler with the String form.
func (r Range) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler with ParseRange.
func (r *Range) UnmarshalText(b []byte) error {
	v, err := ParseRange(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// PortRange is an inclusive range of TCP or UDP ports.
type PortRange struct {
	From uint16 `json:"from"`
	To   uint16 `json:"to"`
}

// ParsePortRange parses "443" or "2000-2010". Port 0 is not a port.
func ParsePortRange(s string) (PortRange, error) {
	s = strings.TrimSpace(s)
	from, to, isRange := strings.Cut(s, "-")
	a, err := parsePort(from)
	if err != nil {
		return PortRange{}, fmt.Errorf("parse port range %q: %w", s, err)
	}
	b := a
	if isRange {
		if b, err = parsePort(to); err != nil {
			return PortRange{}, fmt.Errorf("parse port range %q: %w", s, err)
		}
		if b < a {
			return PortRange{}, fmt.Errorf("parse port range %q: end before start", s)
		}
	}
	return PortRange{From: a, To: b}, nil
}

// ParsePortList parses a list of port ranges separated by commas or spaces
// ("104, 11112, 2000-2010"). An empty list means any port and returns nil.
func ParsePortList(s string) ([]PortRange, error) {
	var out []PortRange
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		p, err := ParsePortRange(f)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePort(s string) (uint16, error) {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port %q: not a number from 1 to 65535", s)
	}
	if n == 0 {
		return 0, fmt.Errorf("port %q: not a number from 1 to 65535", s)
	}
	return uint16(n), nil
}

// Contains reports whether port p lies in the range.
func (p PortRange) Contains(port uint16) bool { return p.From <= port && port <= p.To }

// String writes "443" or "2000-2010".
func (p PortRange) String() string {
	if p.From == p.To {
		return strconv.Itoa(int(p.From))
	}
	return strconv.Itoa(int(p.From)) + "-" + strconv.Itoa(int(p.To))
}

// u128 is an address as an unsigned 128-bit number; IPv4 addresses use the low 32 bits.
type u128 struct{ hi, lo uint64 }

func fromAddr(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u128{lo: uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3])}
	}
	b := a.As16()
	var v u128
	for i := 0; i < 8; i++ {
		v.hi = v.hi<<8 | uint64(b[i])
		v.lo = v.lo<<8 | uint64(b[i+8])
	}
	return v
}

func (v u128) addr(is4 bool) netip.Addr {
	if is4 {
		return netip.AddrFrom4([4]byte{byte(v.lo >> 24), byte(v.lo >> 16), byte(v.lo >> 8), byte(v.lo)})
	}
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(v.hi >> (56 - 8*i))
		b[i+8] = byte(v.lo >> (56 - 8*i))
	}
	return netip.AddrFrom16(b)
}

func (v u128) less(o u128) bool { return v.hi < o.hi || (v.hi == o.hi && v.lo < o.lo) }

func (v u128) cmp(o u128) int {
	switch {
	case v.less(o):
		return -1
	case o.less(v):
		return 1
	}
	return 0
}

func (v u128) or(o u128) u128 { return u128{v.hi | o.hi, v.lo | o.lo} }

func (v u128) add1() u128 {
	lo, carry := bits.Add64(v.lo, 1, 0)
	return u128{v.hi + carry, lo}
}

func (v u128) sub1() u128 {
	lo, borrow := bits.Sub64(v.lo, 1, 0)
	return u128{v.hi - borrow, lo}
}

func (v u128) sub(o u128) u128 {
	lo, borrow := bits.Sub64(v.lo, o.lo, 0)
	return u128{v.hi - o.hi - borrow, lo}
}

// onesLow returns a value with the n low bits set.
func (u128) onesLow(n int) u128 {
	switch {
	case n <= 0:
		return u128{}
	case n < 64:
		return u128{lo: 1<<uint(n) - 1}
	case n == 64:
		return u128{lo: ^uint64(0)}
	case n < 128:
		return u128{hi: 1<<uint(n-64) - 1, lo: ^uint64(0)}
	}
	return u128{^uint64(0), ^uint64(0)}
}

func (v u128) trailingZeros() int {
	if v.lo != 0 {
		return bits.TrailingZeros64(v.lo)
	}
	if v.hi != 0 {
		return 64 + bits.TrailingZeros64(v.hi)
	}
	return 128
}
