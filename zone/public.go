package zone

import (
	"net/netip"
	"slices"
)

// notInternet lists the special-purpose blocks whose addresses are never reachable from
// the Internet (IANA IPv4 and IPv6 Special-Purpose Address Registries, RFC 6890, entries
// with "Globally Reachable: False"), beside what netip's predicates already cover
// (private, loopback, link-local, multicast, unspecified).
//
// The documentation blocks (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 of RFC 5737 and
// 2001:db8::/32 of RFC 3849) are not listed: examples, tests and the demo hospital use them
// to stand for addresses on the Internet, and a private network has no reason to use them.
var notInternet = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8",      // "this network" (RFC 791)
		"100.64.0.0/10",  // shared address space, carrier-grade NAT (RFC 6598)
		"192.0.0.0/24",   // IETF protocol assignments (RFC 6890)
		"198.18.0.0/15",  // benchmarking (RFC 2544)
		"240.0.0.0/4",    // reserved, and the limited broadcast address (RFC 1112, RFC 919)
		"100::/64",       // discard-only (RFC 6666)
		"64:ff9b:1::/48", // local-use IPv4/IPv6 translation (RFC 8215)
		"2001:2::/48",    // benchmarking (RFC 5180)
		"fec0::/10",      // deprecated site-local (RFC 3879)
		"::ffff:0:0/96",  // IPv4-mapped: checked as IPv4 after Unmap
		"2001::/32",      // Teredo relays: a tunnel end, not a host on the Internet (RFC 4380)
		"2002::/16",      // 6to4: the host is the IPv4 address inside (RFC 3056)
		"fc00::/7",       // unique local (RFC 4193); netip's IsPrivate covers it too
		"169.254.0.0/16", // link-local (RFC 3927); netip's IsLinkLocalUnicast covers it too
		"fe80::/10",      // link-local (RFC 4291)
		"10.0.0.0/8",     // private (RFC 1918)
		"172.16.0.0/12",  // private (RFC 1918)
		"192.168.0.0/16", // private (RFC 1918)
		"127.0.0.0/8",    // loopback (RFC 1122)
		"255.255.255.255/32",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// IsPublic reports whether a is an address that may be on the Internet: a global unicast
// address outside every private and special-purpose block (RFC 1918 and RFC 4193 private
// addresses, link-local, loopback, carrier-grade NAT, benchmarking, reserved; see
// notInternet). Only such an address may fall into the catch-all Internet zone when no
// zone range holds it: a private device no range covers is unplaced, never
// Internet-facing by default. An IPv4-mapped IPv6 address is judged as its IPv4 address.
func IsPublic(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range notInternet {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// multicast lists the multicast blocks, which IsPublic refuses as not global unicast.
var multicast = []netip.Prefix{netip.MustParsePrefix("224.0.0.0/4"), netip.MustParsePrefix("ff00::/8")}

// allPublic reports whether every address of r is public (IsPublic): both ends are, and r
// overlaps no private, special-purpose or multicast block.
func (r Range) allPublic() bool {
	if !IsPublic(r.First) || !IsPublic(r.Last) {
		return false
	}
	for _, p := range append(slices.Clone(notInternet), multicast...) {
		if p.Addr().Is4In6() {
			continue // the IPv4-mapped block: its IPv4 addresses are judged as IPv4
		}
		pr := PrefixRange(p)
		if pr.Is4() == r.Is4() && r.First.Compare(pr.Last) <= 0 && pr.First.Compare(r.Last) <= 0 {
			return false
		}
	}
	return true
}
