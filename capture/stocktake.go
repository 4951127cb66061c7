package capture

import (
	"net"
	"net/netip"
	"sort"
	"strings"
)

// InventoryItem is the part of an inventory asset that passive discovery
// can confirm. Callers map their own asset records onto it.
type InventoryItem struct {
	// ID and Name identify the asset in the caller's inventory.
	ID   string `json:"id"`
	Name string `json:"name"`
	// IPs, MACs and AETitles are the asset's recorded addresses and DICOM
	// AE titles.
	IPs      []netip.Addr `json:"ips,omitempty"`
	MACs     []string     `json:"macs,omitempty"`
	AETitles []string     `json:"ae_titles,omitempty"`
}

// Stocktake is the outcome of matching discovered hosts against an
// inventory: each item is confirmed or not seen, and hosts that match no
// item are proposed as new assets.
type Stocktake struct {
	// Matched lists the inventory items seen on the network.
	Matched []StocktakeMatch `json:"matched"`
	// ProposedNew lists local hosts that match no inventory item.
	ProposedNew []Host `json:"proposed_new"`
	// NotSeen lists the inventory items no host matched.
	NotSeen []InventoryItem `json:"not_seen"`
}

// StocktakeMatch pairs an inventory item with the host(s) that matched it.
type StocktakeMatch struct {
	// Item is the inventory item.
	Item InventoryItem `json:"item"`
	// Hosts lists the matching hosts' addresses.
	Hosts []netip.Addr `json:"hosts"`
	// By lists what matched: "mac", "ae-title", "ip".
	By []string `json:"by"`
	// Conflicts notes disagreements, like an address seen with a MAC other
	// than the recorded ones.
	Conflicts []string `json:"conflicts,omitempty"`
}

// normMAC lowercases a MAC address and accepts '-' or no separators; it
// returns "" for an invalid one.
func normMAC(s string) string {
	s = strings.TrimSpace(s)
	if len(s) == 12 {
		var b strings.Builder
		for i := 0; i < 12; i += 2 {
			if i > 0 {
				b.WriteByte(':')
			}
			b.WriteString(s[i : i+2])
		}
		s = b.String()
	}
	m, err := net.ParseMAC(strings.ReplaceAll(s, "-", ":"))
	if err != nil || len(m) != 6 {
		return ""
	}
	return m.String()
}

// Match compares the hosts of a result with an inventory. A host matches
// the item that shares the strongest evidence with it: a MAC address beats
// a DICOM AE title, which beats an IP address (addresses change with DHCP,
// MACs and AE titles rarely do). Hosts that match nothing are proposed as
// new if they are local: private, link-local or loopback addresses, or
// addresses seen with their own MAC.
func Match(r *Result, inventory []InventoryItem) Stocktake {
	type matchState struct {
		hosts     []netip.Addr
		by        []string
		conflicts []string
	}
	byMAC := map[string][]int{}
	byAE := map[string][]int{}
	byIP := map[netip.Addr][]int{}
	for i, it := range inventory {
		for _, m := range it.MACs {
			if n := normMAC(m); n != "" {
				byMAC[n] = append(byMAC[n], i)
			}
		}
		for _, ae := range it.AETitles {
			byAE[strings.ToUpper(strings.TrimSpace(ae))] = append(byAE[strings.ToUpper(strings.TrimSpace(ae))], i)
		}
		for _, ip := range it.IPs {
			byIP[ip.Unmap()] = append(byIP[ip.Unmap()], i)
		}
	}
	states := make([]*matchState, len(inventory))
	var out Stocktake
	for _, h := range r.Hosts {
		score := map[int]int{}
		how := map[int][]string{}
		hit := func(idx []int, w int, what string) {
			for _, i := range idx {
				if !contains(how[i], what) {
					score[i] += w
					how[i] = append(how[i], what)
				}
			}
		}
		for _, m := range h.MACs {
			hit(byMAC[m], 100, "mac")
		}
		for _, f := range h.Identity {
			if f.Kind == FactAETitle {
				hit(byAE[strings.ToUpper(f.Value)], 10, "ae-title")
			}
		}
		hit(byIP[h.Address.Unmap()], 1, "ip")
		best, bestScore := -1, 0
		for i, s := range score {
			if s > bestScore || s == bestScore && i < best {
				best, bestScore = i, s
			}
		}
		if best < 0 {
			if isLocal(h) {
				out.ProposedNew = append(out.ProposedNew, h)
			}
			continue
		}
		st := states[best]
		if st == nil {
			st = &matchState{}
			states[best] = st
		}
		st.hosts = append(st.hosts, h.Address)
		for _, b := range how[best] {
			st.by = addString(st.by, b)
		}
		it := inventory[best]
		if len(h.MACs) > 0 && len(it.MACs) > 0 && !contains(how[best], "mac") {
			st.conflicts = append(st.conflicts, h.Address.String()+" seen with MAC "+strings.Join(h.MACs, ",")+", inventory has "+strings.Join(it.MACs, ","))
		}
		if len(it.IPs) > 0 && !contains(how[best], "ip") {
			st.conflicts = append(st.conflicts, "matched at "+h.Address.String()+", not at an inventory address")
		}
	}
	for i, st := range states {
		if st == nil {
			out.NotSeen = append(out.NotSeen, inventory[i])
			continue
		}
		sort.Strings(st.by)
		out.Matched = append(out.Matched, StocktakeMatch{Item: inventory[i], Hosts: st.hosts, By: st.by, Conflicts: st.conflicts})
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func isLocal(h Host) bool {
	a := h.Address
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || len(h.MACs) > 0
}
