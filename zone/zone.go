package zone

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is the kind of a network security zone [000 §6(五)].
type Kind string

// Zone kinds: the Internet, the hospital intranet (院內系統網路, the IT zone), the OT zone
// (工控區) and the trusted connections (信任連線): a device local LAN (儀器獨立網域內網),
// RS232, Bluetooth, RF and IR links.
const (
	KindInternet         Kind = "internet"
	KindIntranet         Kind = "intranet"
	KindOT               Kind = "ot"
	KindTrustedLocalLAN  Kind = "trusted-local-lan"
	KindTrustedRS232     Kind = "trusted-rs232"
	KindTrustedBluetooth Kind = "trusted-bluetooth"
	KindTrustedRF        Kind = "trusted-rf"
	KindTrustedIR        Kind = "trusted-ir"
)

// Kinds lists every zone kind in the order of the network template [000 附圖二]: from the
// Internet inwards.
var Kinds = []Kind{KindInternet, KindIntranet, KindOT, KindTrustedLocalLAN, KindTrustedRS232,
	KindTrustedBluetooth, KindTrustedRF, KindTrustedIR}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Trusted reports whether k is a trusted connection, whose security level is SL0
// [000 §6(三)1, §6(四)].
func (k Kind) Trusted() bool { return strings.HasPrefix(string(k), "trusted-") }

// Zone is a network security zone: a part of the network whose controlled devices share one
// security level [000 §6(五)]. Zones nest through Parent. Addresses, VLANs and Wi-Fi SSIDs
// belong to zones; a device is placed in the most specific zone that holds it.
type Zone struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
	// Parent is the enclosing zone's ID, 0 for a top-level zone.
	Parent int64    `json:"parent,omitempty"`
	Ranges []Range  `json:"ranges,omitempty"`
	VLANs  []int    `json:"vlans,omitempty"`
	SSIDs  []string `json:"ssids,omitempty"`
	// SL is the security level set for the zone by its assessment; nil means the level is
	// computed from the ratings of the zone's members.
	SL *SL `json:"sl,omitempty"`
}

// Model is the zone data a hospital keeps: zones, the conduits between them and the assets
// placed in them. Functions that check or draw take a Model.
type Model struct {
	Zones    []Zone    `json:"zones"`
	Conduits []Conduit `json:"conduits"`
	Assets   []Asset   `json:"assets"`
}

// Zone returns the zone with the given ID.
func (m *Model) Zone(id int64) (Zone, bool) {
	for _, z := range m.Zones {
		if z.ID == id {
			return z, true
		}
	}
	return Zone{}, false
}

// ValidationError lists every structural problem of a Model; each entry names the object.
type ValidationError struct {
	Problems []string
}

// Error implements the error interface.
func (e *ValidationError) Error() string {
	return "invalid zone model: " + strings.Join(e.Problems, "; ")
}

// Validate checks the model's structure: unique positive IDs, known kinds, parents that
// exist without cycles, well-formed ranges, VLANs 1–4094, SLs 0–4, conduits between known
// zones with valid rules, assets in known zones with valid ratings. It returns a
// *ValidationError listing every problem, or nil. Policy questions (an SL above the parent's,
// a flow outside every conduit) are findings, not validation errors.
func (m *Model) Validate() error {
	var probs []string
	add := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	byID := make(map[int64]*Zone, len(m.Zones))
	for i := range m.Zones {
		z := &m.Zones[i]
		if z.ID <= 0 {
			add("zone %q: id must be positive", z.Name)
			continue
		}
		if byID[z.ID] != nil {
			add("zone %d: duplicate id", z.ID)
		}
		byID[z.ID] = z
	}
	for i := range m.Zones {
		z := &m.Zones[i]
		if !z.Kind.Valid() {
			add("zone %d: unknown kind %q", z.ID, z.Kind)
		}
		if z.Parent != 0 && byID[z.Parent] == nil {
			add("zone %d: unknown parent %d", z.ID, z.Parent)
		}
		for _, r := range z.Ranges {
			if !r.Valid() {
				add("zone %d: invalid address range %v-%v", z.ID, r.First, r.Last)
			}
		}
		for _, v := range z.VLANs {
			if v < 1 || v > 4094 {
				add("zone %d: VLAN %d outside 1-4094", z.ID, v)
			}
		}
		for _, s := range z.SSIDs {
			if s == "" || len(s) > 32 {
				add("zone %d: SSID %q must be 1-32 bytes", z.ID, s)
			}
		}
		if z.SL != nil && !z.SL.Valid() {
			add("zone %d: SL %d outside 0-4", z.ID, *z.SL)
		}
	}
	// Cycles: walk up from each zone at most len(zones) steps.
	for _, z := range m.Zones {
		seen := 0
		for p := z.Parent; p != 0; {
			pz := byID[p]
			if pz == nil {
				break
			}
			if seen++; seen > len(m.Zones) || pz.ID == z.ID {
				add("zone %d: parent chain forms a cycle", z.ID)
				break
			}
			p = pz.Parent
		}
	}
	cids := make(map[int64]bool, len(m.Conduits))
	for _, c := range m.Conduits {
		if c.ID <= 0 {
			add("conduit %q: id must be positive", c.Name)
		} else if cids[c.ID] {
			add("conduit %d: duplicate id", c.ID)
		}
		cids[c.ID] = true
		if byID[c.From] == nil {
			add("conduit %d: unknown source zone %d", c.ID, c.From)
		}
		if byID[c.To] == nil {
			add("conduit %d: unknown destination zone %d", c.ID, c.To)
		}
		if c.From == c.To && c.From != 0 {
			add("conduit %d: source and destination are the same zone", c.ID)
		}
		if err := c.validateRule(); err != nil {
			add("conduit %d: %v", c.ID, err)
		}
	}
	aids := make(map[int64]bool, len(m.Assets))
	for _, a := range m.Assets {
		if a.ID <= 0 {
			add("asset %q: id must be positive", a.Name)
		} else if aids[a.ID] {
			add("asset %d: duplicate id", a.ID)
		}
		aids[a.ID] = true
		if a.Zone != 0 && byID[a.Zone] == nil {
			add("asset %d: unknown zone %d", a.ID, a.Zone)
		}
		if a.Class != "" && !a.Class.Valid() {
			add("asset %d: unknown class %q", a.ID, a.Class)
		}
		if a.Ratings != nil {
			if err := a.Ratings.Validate(); err != nil {
				add("asset %d: %v", a.ID, err)
			}
		}
	}
	if len(probs) > 0 {
		return &ValidationError{Problems: probs}
	}
	return nil
}

// depths returns each zone's nesting depth (0 for a top-level zone) by ID. It assumes a
// validated model.
func depths(zones []Zone) map[int64]int {
	parent := make(map[int64]int64, len(zones))
	for _, z := range zones {
		parent[z.ID] = z.Parent
	}
	d := make(map[int64]int, len(zones))
	for _, z := range zones {
		n := 0
		for p := z.Parent; p != 0 && n <= len(zones); p = parent[p] {
			n++
		}
		d[z.ID] = n
	}
	return d
}
