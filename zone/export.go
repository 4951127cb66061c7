package zone

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"medsec/tabular"
)

// NFTOptions name what the nftables export creates.
type NFTOptions struct {
	// Table is the inet table's name; "" means "medsec".
	Table string
	// Chain is the forward chain's name; "" means "forward".
	Chain string
}

var nftName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)

// family is one address family of an exported rule.
type family struct {
	nft  string // "ip", "ip6", or "" for a rule without addresses
	name string // "ipv4", "ipv6", "any"
	src  []Range
	dst  []Range
}

// expand splits a conduit into one rule per address family. An empty whitelist stands for
// the addresses placed in the zone itself (Locator.Intervals); the catch-all Internet zone
// has none, so that side goes unrestricted.
func expand(loc *Locator, c Conduit) []family {
	side := func(list []Range, zone int64) []Range {
		if len(list) > 0 {
			return mergeRanges(list)
		}
		return loc.Intervals(zone)
	}
	src, dst := side(c.Sources, c.From), side(c.Destinations, c.To)
	if len(src) == 0 && len(dst) == 0 {
		return []family{{name: "any"}}
	}
	var out []family
	for _, f := range []struct {
		nft, name string
		is4       bool
	}{{"ip", "ipv4", true}, {"ip6", "ipv6", false}} {
		fs, okS := pick(src, f.is4)
		fd, okD := pick(dst, f.is4)
		if okS && okD {
			out = append(out, family{nft: f.nft, name: f.name, src: fs, dst: fd})
		}
	}
	return out
}

// pick returns the ranges of one family; ok is false when the list restricts addresses but
// has none of that family, so no rule of that family can match.
func pick(rs []Range, is4 bool) ([]Range, bool) {
	if len(rs) == 0 {
		return nil, true
	}
	var out []Range
	for _, r := range rs {
		if r.Is4() == is4 {
			out = append(out, r)
		}
	}
	return out, len(out) > 0
}

// mergeRanges sorts ranges and merges overlapping or adjacent ones; nftables rejects
// overlapping intervals in one set.
func mergeRanges(rs []Range) []Range {
	s := compileRanges(rs)
	var out []Range
	for _, iv := range s.v4 {
		out = append(out, Range{First: u128{lo: uint64(iv[0])}.addr(true), Last: u128{lo: uint64(iv[1])}.addr(true)})
	}
	for _, iv := range s.v6 {
		out = append(out, Range{First: iv[0].addr(false), Last: iv[1].addr(false)})
	}
	return out
}

// nftElems writes an anonymous set of addresses. IPv4 ranges that are not prefixes are
// written first-last, as the nftables documentation shows; IPv6 ones are split into
// prefixes, which no nftables version misreads.
func nftElems(rs []Range) string {
	var parts []string
	for _, r := range rs {
		if r.Is4() {
			parts = append(parts, r.String())
			continue
		}
		for _, p := range r.Prefixes() {
			if p.IsSingleIP() {
				parts = append(parts, p.Addr().String())
			} else {
				parts = append(parts, p.String())
			}
		}
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// portElems writes an anonymous set of ports, overlapping ranges merged: nftables rejects
// overlapping intervals in one set.
func portElems(ps []PortRange) string {
	ps = mergePorts(ps)
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	return "{ " + strings.Join(parts, ", ") + " }"
}

// nftComment makes a string safe inside an nftables comment: no quotes, backslashes or
// control characters, at most 128 bytes.
func nftComment(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '"':
			return '\''
		case r == '\\' || unicode.IsControl(r):
			return ' '
		}
		return r
	}, s)
	for len(s) > 128 {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// WriteNFT writes the conduits as an nftables ruleset for `nft -f`: an inet table holding a
// forward chain with policy drop that accepts established connections and, for each conduit
// and address family, the connections its whitelists, protocol and ports allow, with a
// comment naming the conduit. The table is deleted and recreated, so loading the file twice
// leaves one copy. nftables cannot see application protocols: a conduit's App is named in
// the comment, and enforcing it needs an application-layer filter.
func WriteNFT(w io.Writer, loc *Locator, conduits []Conduit, opt NFTOptions) error {
	table, chain := opt.Table, opt.Chain
	if table == "" {
		table = "medsec"
	}
	if chain == "" {
		chain = "forward"
	}
	if !nftName.MatchString(table) || !nftName.MatchString(chain) {
		return fmt.Errorf("write nftables: table %q or chain %q is not a valid name", table, chain)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#!/usr/sbin/nft -f\n# Conduits exported by medsec: cross-zone flows allowed, everything else dropped.\n")
	fmt.Fprintf(&b, "table inet %s\ndelete table inet %s\n\ntable inet %s {\n", table, table, table)
	fmt.Fprintf(&b, "\tchain %s {\n\t\ttype filter hook forward priority 0; policy drop;\n", chain)
	b.WriteString("\t\tct state established,related accept\n\t\tct state invalid drop\n")
	for _, c := range conduits {
		if err := c.validateRule(); err != nil {
			return fmt.Errorf("write nftables: conduit %d: %w", c.ID, err)
		}
		comment := fmt.Sprintf("conduit %d: %s", c.ID, c.Name)
		if c.App != "" {
			comment += " [app " + c.App + "]"
		}
		for _, f := range expand(loc, c) {
			var parts []string
			if len(f.src) > 0 {
				parts = append(parts, f.nft+" saddr "+nftElems(f.src))
			}
			if len(f.dst) > 0 {
				parts = append(parts, f.nft+" daddr "+nftElems(f.dst))
			}
			switch c.Protocol {
			case ProtoTCP, ProtoUDP:
				if len(c.Ports) > 0 {
					parts = append(parts, string(c.Protocol)+" dport "+portElems(c.Ports))
				} else {
					parts = append(parts, "meta l4proto "+string(c.Protocol))
				}
			case ProtoICMP:
				switch f.nft {
				case "ip":
					parts = append(parts, "meta l4proto icmp")
				case "ip6":
					parts = append(parts, "meta l4proto ipv6-icmp")
				default:
					parts = append(parts, "meta l4proto { icmp, ipv6-icmp }")
				}
			}
			parts = append(parts, "counter accept", strconv.Quote(nftComment(comment)))
			parts[len(parts)-1] = "comment " + parts[len(parts)-1]
			b.WriteString("\t\t" + strings.Join(parts, " ") + "\n")
		}
	}
	b.WriteString("\t}\n}\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("write nftables: %w", err)
	}
	return nil
}

// CSVHeader is the header row of WriteCSV.
var CSVHeader = []string{"conduit_id", "conduit_name", "from_zone", "to_zone", "family", "protocol", "ports", "app", "sources", "destinations", "controls", "action"}

// WriteCSV writes the conduits as CSV for firewalls without an nftables front end: one row
// per conduit and address family, addresses and ports separated by spaces, "any" where a
// side is unrestricted. Cells a spreadsheet could run as formulas (zone and conduit names
// come from users) are neutralised by package tabular. Empty whitelists are expanded to the zone's own addresses as in
// WriteNFT.
func WriteCSV(w io.Writer, loc *Locator, conduits []Conduit) error {
	cw := tabular.NewCSV(w)
	if err := cw.Write(CSVHeader...); err != nil {
		return fmt.Errorf("write conduits csv: %w", err)
	}
	name := func(id int64) string { return nameOf(loc.zones, id) }
	join := func(rs []Range) string {
		if len(rs) == 0 {
			return "any"
		}
		s := make([]string, len(rs))
		for i, r := range rs {
			s[i] = r.String()
		}
		return strings.Join(s, " ")
	}
	for _, c := range conduits {
		if err := c.validateRule(); err != nil {
			return fmt.Errorf("write conduits csv: conduit %d: %w", c.ID, err)
		}
		ports := "any"
		if len(c.Ports) > 0 {
			ps := make([]string, len(c.Ports))
			for i, p := range c.Ports {
				ps[i] = p.String()
			}
			ports = strings.Join(ps, " ")
		} else if c.Protocol == ProtoICMP {
			ports = ""
		}
		ctl := make([]string, len(c.Controls))
		for i, x := range c.Controls {
			ctl[i] = string(x)
		}
		for _, f := range expand(loc, c) {
			rec := []string{strconv.FormatInt(c.ID, 10), c.Name, name(c.From), name(c.To), f.name, string(c.Protocol),
				ports, c.App, join(f.src), join(f.dst), strings.Join(ctl, " "), "accept"}
			if err := cw.Write(rec...); err != nil {
				return fmt.Errorf("write conduits csv: %w", err)
			}
		}
	}
	if err := cw.Flush(); err != nil {
		return fmt.Errorf("write conduits csv: %w", err)
	}
	return nil
}

// mergePorts sorts port ranges and merges overlapping or adjacent ones.
func mergePorts(ps []PortRange) []PortRange {
	s := slices.Clone(ps)
	slices.SortFunc(s, func(a, b PortRange) int { return int(a.From) - int(b.From) })
	var out []PortRange
	for _, p := range s {
		if n := len(out); n > 0 && int(p.From) <= int(out[n-1].To)+1 {
			out[n-1].To = max(out[n-1].To, p.To)
			continue
		}
		out = append(out, p)
	}
	return out
}
