package capture

import (
	"net"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"unicode"
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
	// Manufacturer (the asset's vendor), Model, Serial and Software (its
	// software version) are compared with what the traffic shows.
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Serial       string `json:"serial,omitempty"`
	Software     string `json:"software_version,omitempty"`
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
	// Disagreements lists the identity the traffic shows that differs from,
	// or is missing in, the inventory item, with its evidence.
	Disagreements []Disagreement `json:"disagreements,omitempty"`
}

// Identity fields a Disagreement names; they are the asset's field names.
const (
	FieldVendor   = "vendor"           // the manufacturer (DICOM (0008,0070))
	FieldModel    = "model"            // DICOM (0008,1090)
	FieldSerial   = "serial"           // DICOM (0018,1000)
	FieldSoftware = "software_version" // DICOM (0018,1020)
	FieldAETitles = "ae_titles"        // DICOM AE titles of the associations
)

// Disagreement is one identity attribute of a matched inventory item whose
// value in the traffic differs from the inventory's (or the inventory has
// none).
type Disagreement struct {
	// Field is one of the Field* constants.
	Field string `json:"field"`
	// Inventory is the inventory's value ("" when it has none; for AE
	// titles, the recorded ones joined by ", ").
	Inventory string `json:"inventory,omitempty"`
	// Observed is the value the traffic shows.
	Observed string `json:"observed"`
	// Host is the address that showed it; Evidence and Count are the
	// fact's (packets and times, how often).
	Host     netip.Addr `json:"host"`
	Evidence []Evidence `json:"evidence"`
	Count    int64      `json:"count"`
}

// factField maps the identity facts compared with the inventory to fields.
var factField = map[string]string{
	FactManufacturer: FieldVendor, FactModel: FieldModel, FactSerialNumber: FieldSerial,
	FactSoftwareVersion: FieldSoftware, FactAETitle: FieldAETitles,
}

// Disagreements compares the identity facts of the given hosts of r with an
// inventory item. A manufacturer or model agrees when one names the other
// (letters and digits compared, case ignored: "Aurora" and "Aurora Medical
// Systems" agree); a serial number or software version must be equal so
// compared; an AE title must be among the item's.
func Disagreements(r *Result, hosts []netip.Addr, item InventoryItem) []Disagreement {
	var out []Disagreement
	for _, h := range r.Hosts {
		if !slices.Contains(hosts, h.Address) {
			continue
		}
		for _, f := range h.Identity {
			field, ok := factField[f.Kind]
			if !ok {
				continue
			}
			var inv string
			agree := false
			switch field {
			case FieldVendor:
				inv, agree = item.Manufacturer, SameName(item.Manufacturer, f.Value)
			case FieldModel:
				inv, agree = item.Model, SameName(item.Model, f.Value)
			case FieldSerial:
				inv, agree = item.Serial, normName(item.Serial) == normName(f.Value)
			case FieldSoftware:
				inv, agree = item.Software, normName(item.Software) == normName(f.Value)
			case FieldAETitles:
				inv = strings.Join(item.AETitles, ", ")
				agree = slices.ContainsFunc(item.AETitles, func(ae string) bool { return strings.EqualFold(strings.TrimSpace(ae), f.Value) })
			}
			if !agree {
				out = append(out, Disagreement{Field: field, Inventory: inv, Observed: f.Value, Host: h.Address,
					Evidence: append([]Evidence(nil), f.Evidence...), Count: f.Count})
			}
		}
	}
	return out
}

// SameName reports whether two names of a manufacturer or model name the
// same thing: equal, or one containing the other, comparing letters and
// digits only and ignoring case. An empty name agrees with nothing.
func SameName(a, b string) bool {
	na, nb := normName(a), normName(b)
	if na == "" || nb == "" {
		return false
	}
	return na == nb || strings.Contains(" "+na+" ", " "+nb+" ") || strings.Contains(" "+nb+" ", " "+na+" ")
}

// normName lowercases s and keeps its letters and digits, runs of anything
// else becoming one space.
func normName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(r)
			space = false
		} else {
			space = true
		}
	}
	return b.String()
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
		out.Matched = append(out.Matched, StocktakeMatch{Item: inventory[i], Hosts: st.hosts, By: st.by, Conflicts: st.conflicts,
			Disagreements: Disagreements(r, st.hosts, inventory[i])})
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
