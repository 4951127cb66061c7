package zone

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Protocol is a transport protocol a conduit allows or a flow used.
type Protocol string

// Protocols a conduit names. A flow may also carry another IP protocol name ("gre",
// "esp") or number; only ProtoAny conduits allow those.
const (
	ProtoTCP  Protocol = "tcp"
	ProtoUDP  Protocol = "udp"
	ProtoICMP Protocol = "icmp"
	ProtoAny  Protocol = "any"
)

// protoClass maps a protocol to its slot in the checker's index: 0 tcp, 1 udp, 2 icmp,
// 3 anything else.
func protoClass(p Protocol) int {
	switch p {
	case ProtoTCP, "6":
		return 0
	case ProtoUDP, "17":
		return 1
	case ProtoICMP, "icmpv6", "ipv6-icmp", "1", "58":
		return 2
	}
	return 3
}

// NormalizeProtocol lower-cases a protocol name and turns the numbers of TCP, UDP and ICMP
// into their names.
func NormalizeProtocol(s string) Protocol {
	p := Protocol(strings.ToLower(strings.TrimSpace(s)))
	switch protoClass(p) {
	case 0:
		return ProtoTCP
	case 1:
		return ProtoUDP
	case 2:
		return ProtoICMP
	}
	return p
}

// Control is a control mechanism applied on a conduit: isolation, cleansing/filtering or
// blocking of the data flow [000 §6(六)].
type Control string

// Control mechanisms.
const (
	ControlIsolation Control = "isolation" // 隔離
	ControlFiltering Control = "filtering" // 清洗 / 過濾
	ControlBlocking  Control = "blocking"  // 阻擋
)

// Controls lists the control mechanisms.
var Controls = []Control{ControlIsolation, ControlFiltering, ControlBlocking}

// Conduit is an allowed cross-zone data flow: from a source zone to a destination zone,
// over a protocol and ports, optionally for one application protocol and between
// whitelisted addresses, with the control mechanisms applied on it [000 §6(六)]. A conduit
// allows connections opened from From towards To; replies travel back on the same
// connection.
type Conduit struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	From int64  `json:"from"`
	To   int64  `json:"to"`
	// Protocol is tcp, udp, icmp or any.
	Protocol Protocol `json:"protocol"`
	// Ports are the destination ports allowed for tcp and udp; empty allows every port.
	Ports []PortRange `json:"ports,omitempty"`
	// App, when set, is the application protocol the flow must carry ("dicom", "hl7", ...);
	// a flow whose application protocol is unknown does not match it.
	App string `json:"app,omitempty"`
	// Sources and Destinations are address whitelists; empty allows any address the zone
	// holds.
	Sources      []Range   `json:"sources,omitempty"`
	Destinations []Range   `json:"destinations,omitempty"`
	Controls     []Control `json:"controls,omitempty"`
}

func (c Conduit) validateRule() error {
	switch c.Protocol {
	case ProtoTCP, ProtoUDP:
	case ProtoICMP, ProtoAny:
		if len(c.Ports) > 0 {
			return fmt.Errorf("ports need protocol tcp or udp, not %q", c.Protocol)
		}
	default:
		return fmt.Errorf("unknown protocol %q", c.Protocol)
	}
	for _, p := range c.Ports {
		if p.From == 0 || p.To < p.From {
			return fmt.Errorf("invalid port range %d-%d", p.From, p.To)
		}
	}
	for _, r := range c.Sources {
		if !r.Valid() {
			return fmt.Errorf("invalid source range %v-%v", r.First, r.Last)
		}
	}
	for _, r := range c.Destinations {
		if !r.Valid() {
			return fmt.Errorf("invalid destination range %v-%v", r.First, r.Last)
		}
	}
	for _, ctl := range c.Controls {
		if !slices.Contains(Controls, ctl) {
			return fmt.Errorf("unknown control %q", ctl)
		}
	}
	return nil
}

// Flow is one observed connection or aggregate of connections between two hosts, from a
// capture or a flow log. Src opened it towards Dst on Port.
type Flow struct {
	Src   netip.Addr `json:"src"`
	Dst   netip.Addr `json:"dst"`
	Proto Protocol   `json:"proto"`
	// Port is the destination port for tcp and udp, 0 otherwise.
	Port uint16 `json:"port,omitempty"`
	// App is the application protocol when known ("dicom", "hl7", ...).
	App       string    `json:"app,omitempty"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Packets   uint64    `json:"packets,omitempty"`
	Bytes     uint64    `json:"bytes,omitempty"`
}

// appGuess returns App, or the application protocol of a well-known port.
func (f Flow) appGuess() string {
	if f.App != "" {
		return f.App
	}
	if protoClass(f.Proto) == 0 {
		switch f.Port {
		case 104, 11112:
			return "dicom"
		case 2575:
			return "hl7"
		}
	}
	return ""
}

// matches reports whether the conduit's rule (not its zones) allows the flow.
func (c *Conduit) matches(f *Flow) bool {
	pc := protoClass(f.Proto)
	switch c.Protocol {
	case ProtoAny:
	case ProtoTCP:
		if pc != 0 {
			return false
		}
	case ProtoUDP:
		if pc != 1 {
			return false
		}
	case ProtoICMP:
		if pc != 2 {
			return false
		}
	default:
		return false
	}
	if len(c.Ports) > 0 {
		ok := false
		for _, p := range c.Ports {
			if p.Contains(f.Port) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	if c.App != "" && !strings.EqualFold(c.App, f.App) {
		return false
	}
	return inList(c.Sources, f.Src) && inList(c.Destinations, f.Dst)
}

func inList(rs []Range, a netip.Addr) bool {
	if len(rs) == 0 {
		return true
	}
	for _, r := range rs {
		if r.Contains(a) {
			return true
		}
	}
	return false
}
