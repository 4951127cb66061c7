package zone

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Class is a medical device's class in the grouping model: two groups, five classes
// [000 §4, 附圖一], with the boundary hosts of group- and system-type devices.
type Class string

// Classes. The terminal-device group (終端儀器群) holds standalone, group-type and
// system-type devices; the control-system group (控制系統群) holds device control systems and
// device application systems. A boundary host (邊界主機) is the host of a group- or
// system-type device that manages its local LAN and isolates it from the intranet; the
// devices behind it are "group" or "system".
const (
	ClassStandalone  Class = "standalone"         // 終端單機 [000 §4(三)1]
	ClassGroup       Class = "group"              // 群組型儀器 [000 §4(三)2]
	ClassSystem      Class = "system"             // 系統型儀器 [000 §4(三)3]
	ClassBoundary    Class = "boundary-host"      // 邊界主機 [000 §3(六)]
	ClassControl     Class = "control-system"     // 醫儀控制系統 [000 §4(四)1]
	ClassApplication Class = "application-system" // 醫儀應用系統 [000 §4(四)2]
)

// Classes lists every class in the order of the model: terminal devices, then control
// systems.
var Classes = []Class{ClassStandalone, ClassGroup, ClassSystem, ClassBoundary, ClassControl, ClassApplication}

// Valid reports whether c is one of Classes.
func (c Class) Valid() bool { return slices.Contains(Classes, c) }

// ControlGroup reports whether c belongs to the control-system group.
func (c Class) ControlGroup() bool { return c == ClassControl || c == ClassApplication }

// BaselineTarget reports whether Appendix Table 1's controls apply to the class itself: the
// boundary hosts of terminal devices, standalone devices (which are their own boundary
// towards the intranet) and the control systems [000 §5(二)]. Devices behind a boundary
// host are protected through it.
func (c Class) BaselineTarget() bool {
	return c == ClassBoundary || c == ClassStandalone || c.ControlGroup()
}

// Asset is what the zone logic needs to know of a device or system: its identity, class,
// zone and, for control systems, its C/I/A/L ratings.
type Asset struct {
	ID    int64        `json:"id"`
	Name  string       `json:"name"`
	Class Class        `json:"class,omitempty"`
	Zone  int64        `json:"zone,omitempty"`
	Addrs []netip.Addr `json:"addrs,omitempty"`
	VLAN  int          `json:"vlan,omitempty"`
	SSID  string       `json:"ssid,omitempty"`
	// Ratings are set once the asset has been assessed [000 §6(三)].
	Ratings *Ratings `json:"ratings,omitempty"`
}

// Reason is one ground for a class proposal: a stable code the UI translates, its
// parameters, and the seed paragraph it rests on.
type Reason struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
	Cite   string            `json:"cite"`
}

// Reason codes of the class proposer.
const (
	ReasonITSystem            = "class.it-system"               // kind is a hospital IT system (HIS, PACS, RIS, EMR); params: kind
	ReasonBridgesLocalLAN     = "class.bridges-local-lan"       // two NICs or a bridge between a local LAN and the intranet; params: evidence
	ReasonGathersLocalLAN     = "class.gathers-local-lan"       // devices behind it on a local LAN; params: devices
	ReasonLANIdentical        = "class.local-lan-identical"     // the local LAN's devices are one model; params: model, devices
	ReasonLANModules          = "class.local-lan-modules"       // the local LAN's devices are different modules; params: models
	ReasonLANMakeupUnknown    = "class.local-lan-unknown"       // what sits on the local LAN is not known
	ReasonConsoleOfModality   = "class.modality-console"        // a modality console gathering its own modules; params: kind
	ReasonManagesTerminals    = "class.manages-terminals"       // manages two or more terminal devices; params: devices
	ReasonManagesTooFew       = "class.manages-fewer-than-two"  // a server managing fewer than two devices; params: devices
	ReasonStoresPatientData   = "class.stores-patient-data"     // stores identifiable patient data from HIS
	ReasonManagesStaffAccount = "class.manages-staff-accounts"  // manages clinical staff accounts and rights
	ReasonClinicalQueries     = "class.clinical-queries"        // serves clinical staff queries and reports
	ReasonNoIdentifiableData  = "class.no-identifiable-data"    // manages device IDs and results only, no patient data or staff accounts
	ReasonForwardsHL7         = "class.forwards-hl7"            // sends HL7 onwards; params: destinations
	ReasonOnLocalLAN          = "class.on-local-lan"            // sits on a device local LAN behind a boundary host
	ReasonSendsDICOM          = "class.sends-dicom"             // sends DICOM (C-STORE) to the IT zone; params: destinations
	ReasonSendsHL7            = "class.sends-hl7"               // sends HL7 to the IT zone; params: destinations
	ReasonDirectIntranet      = "class.direct-intranet"         // a terminal device connected directly to the intranet; params: kind
	ReasonHoldsPatientData    = "class.note-holds-patient-data" // a boundary host that also holds patient data: review
	ReasonInsufficientFacts   = "class.insufficient-facts"      // nothing known decides a class
)

// Peer is a device seen next to another on a local LAN.
type Peer struct {
	Vendor string `json:"vendor,omitempty"`
	Model  string `json:"model,omitempty"`
	Kind   string `json:"kind,omitempty"`
}

func (p Peer) key() string {
	return strings.ToLower(strings.TrimSpace(p.Vendor)) + "\x00" + strings.ToLower(strings.TrimSpace(p.Model))
}

func (p Peer) label() string {
	return strings.TrimSpace(strings.TrimSpace(p.Vendor) + " " + strings.TrimSpace(p.Model))
}

// Traffic summarises an asset's observed flows; ObserveTraffic computes it.
type Traffic struct {
	// DICOMTo counts distinct hosts outside any local LAN the asset sends DICOM to.
	DICOMTo int `json:"dicom_to"`
	// HL7To and HL7From count distinct hosts it sends HL7 to and receives HL7 from.
	HL7To   int `json:"hl7_to"`
	HL7From int `json:"hl7_from"`
	// LocalLANPeers counts distinct hosts in trusted local-LAN zones it exchanges with
	// (a central station gathering its monitors).
	LocalLANPeers int `json:"local_lan_peers"`
	// IntranetPeers counts distinct hosts in intranet or OT zones it exchanges with.
	IntranetPeers int `json:"intranet_peers"`
	// TerminalSources counts distinct terminal devices that open connections to it.
	TerminalSources int `json:"terminal_sources"`
}

// Facts are what is known about an asset when proposing its class. Kind uses medsec's asset
// kind values ("modality", "central-station", "device-server", ...). Zero values mean "not
// known" or "no".
type Facts struct {
	Kind   string `json:"kind"`
	Vendor string `json:"vendor,omitempty"`
	Model  string `json:"model,omitempty"`
	// Server: the asset is a server (device server, AP server) rather than a device.
	Server bool `json:"server"`
	// ManagedDevices: how many terminal devices (or boundary hosts) it manages by
	// specification.
	ManagedDevices int `json:"managed_devices"`
	// StoresPatientData: it stores identifiable patient data exchanged with HIS.
	StoresPatientData bool `json:"stores_patient_data"`
	// ManagesStaffAccounts: it manages clinical staff accounts and access rights.
	ManagesStaffAccounts bool `json:"manages_staff_accounts"`
	// ClinicalQueries: clinical staff query reports on it.
	ClinicalQueries bool `json:"clinical_queries"`
	// DualNIC: it has two network interfaces, one on a local LAN.
	DualNIC bool `json:"dual_nic"`
	// BridgesLocalLAN: it connects a local LAN to the intranet (edge gateway, device server).
	BridgesLocalLAN bool `json:"bridges_local_lan"`
	// Behind lists the devices on the local LAN it manages.
	Behind []Peer `json:"behind,omitempty"`
	// OnLocalLAN: the asset itself sits on a local LAN behind a boundary host; LANMates are
	// the other devices there.
	OnLocalLAN bool   `json:"on_local_lan"`
	LANMates   []Peer `json:"lan_mates,omitempty"`
	// Traffic is what its observed flows show.
	Traffic Traffic `json:"traffic"`
}

// ClassProposal is a proposed class with its reasons.
type ClassProposal struct {
	// Class is "" when the facts decide no class (an IT system, or too little known).
	Class Class `json:"class"`
	// BoundaryOf says, for a boundary host, whether it fronts a group-type or a system-type
	// device; "" when not known.
	BoundaryOf Class    `json:"boundary_of,omitempty"`
	Reasons    []Reason `json:"reasons"`
}

var itKinds = []string{"his", "pacs", "ris", "emr"}
var terminalKinds = []string{"modality", "ultrasound", "patient-monitor", "dialysis", "infusion-pump", "lab-analyzer"}
var serverKinds = []string{"device-server", "application-server"}

// ProposeClass proposes a class from an asset's facts, following the grouping model
// [000 §4]:
//
//  1. Hospital IT systems (HIS, PACS, RIS, EMR) are not controlled medical devices: no class.
//  2. A host bridging a local LAN to the intranet with devices behind it is a boundary host
//     [§3(六)]; identical devices behind it make it a group-type device's host [§4(三)2],
//     different modules a system-type device's [§4(三)3].
//  3. A server managing two or more terminal devices is a control system [§4(四)]: an
//     application system when it stores identifiable patient data, manages clinical staff
//     accounts or serves clinical queries [§4(四)2], a device control system otherwise
//     [§4(四)1].
//  4. A device on a local LAN is group-type beside identical devices, system-type beside
//     different modules [§4(三)2–3].
//  5. A terminal device sending data directly over the intranet is standalone [§4(三)1].
func ProposeClass(f Facts) ClassProposal {
	var p ClassProposal
	add := func(code, cite string, kv ...string) {
		r := Reason{Code: code, Cite: cite}
		if len(kv) > 0 {
			r.Params = map[string]string{}
			for i := 0; i+1 < len(kv); i += 2 {
				r.Params[kv[i]] = kv[i+1]
			}
		}
		p.Reasons = append(p.Reasons, r)
	}
	kind := strings.ToLower(strings.TrimSpace(f.Kind))
	t := f.Traffic

	if slices.Contains(itKinds, kind) && f.ManagedDevices < 2 {
		add(ReasonITSystem, "000 §3(二)(三)", "kind", kind)
		return p
	}

	behind := max(len(f.Behind), t.LocalLANPeers)
	var evidence []string
	if f.DualNIC {
		evidence = append(evidence, "dual-nic")
	}
	if f.BridgesLocalLAN {
		evidence = append(evidence, "bridge")
	}
	if t.LocalLANPeers > 0 && t.IntranetPeers > 0 {
		evidence = append(evidence, "flows")
	}
	if len(evidence) > 0 && behind > 0 && !f.OnLocalLAN {
		p.Class = ClassBoundary
		add(ReasonBridgesLocalLAN, "000 §3(六)", "evidence", strings.Join(evidence, ","))
		add(ReasonGathersLocalLAN, "000 §3(七)", "devices", strconv.Itoa(behind))
		switch makeup, models := lanMakeup(f.Behind); makeup {
		case makeupIdentical:
			p.BoundaryOf = ClassGroup
			add(ReasonLANIdentical, "000 §4(三)2", "model", models[0], "devices", strconv.Itoa(len(f.Behind)))
		case makeupModules:
			p.BoundaryOf = ClassSystem
			add(ReasonLANModules, "000 §4(三)3", "models", strings.Join(models, ", "))
		default:
			switch kind {
			case "modality":
				p.BoundaryOf = ClassSystem
				add(ReasonConsoleOfModality, "000 §4(三)3", "kind", kind)
			default:
				add(ReasonLANMakeupUnknown, "000 §4(三)2-3")
			}
		}
		if f.StoresPatientData || f.ManagesStaffAccounts {
			add(ReasonHoldsPatientData, "000 §4(四)2")
		}
		return p
	}

	managed := max(f.ManagedDevices, t.TerminalSources)
	if f.Server || slices.Contains(serverKinds, kind) || kind == "lis" {
		if managed >= 2 {
			add(ReasonManagesTerminals, "000 §4(四)", "devices", strconv.Itoa(managed))
			if t.HL7To > 0 {
				add(ReasonForwardsHL7, "000 §4(四)", "destinations", strconv.Itoa(t.HL7To))
			}
			app := false
			if f.StoresPatientData {
				add(ReasonStoresPatientData, "000 §4(四)2")
				app = true
			}
			if f.ManagesStaffAccounts {
				add(ReasonManagesStaffAccount, "000 §4(四)2")
				app = true
			}
			if f.ClinicalQueries {
				add(ReasonClinicalQueries, "000 §4(四)2")
				app = true
			}
			if app {
				p.Class = ClassApplication
			} else {
				p.Class = ClassControl
				add(ReasonNoIdentifiableData, "000 §4(四)1")
			}
			return p
		}
		add(ReasonManagesTooFew, "000 §4(四)", "devices", strconv.Itoa(managed))
	}

	if f.OnLocalLAN {
		add(ReasonOnLocalLAN, "000 §3(七)")
		self := Peer{Vendor: f.Vendor, Model: f.Model, Kind: f.Kind}
		mates := append([]Peer{self}, f.LANMates...)
		if self.key() == "\x00" {
			mates = f.LANMates
		}
		switch makeup, models := lanMakeup(mates); makeup {
		case makeupIdentical:
			p.Class = ClassGroup
			add(ReasonLANIdentical, "000 §4(三)2", "model", models[0], "devices", strconv.Itoa(len(mates)))
		case makeupModules:
			p.Class = ClassSystem
			add(ReasonLANModules, "000 §4(三)3", "models", strings.Join(models, ", "))
		default:
			add(ReasonLANMakeupUnknown, "000 §4(三)2-3")
		}
		return p
	}

	direct := false
	if t.DICOMTo > 0 {
		add(ReasonSendsDICOM, "000 §4(三)1", "destinations", strconv.Itoa(t.DICOMTo))
		direct = true
	}
	if t.HL7To > 0 {
		add(ReasonSendsHL7, "000 §4(三)1", "destinations", strconv.Itoa(t.HL7To))
		direct = true
	}
	if !direct && slices.Contains(terminalKinds, kind) && !f.Server {
		add(ReasonDirectIntranet, "000 §4(三)1", "kind", kind)
		direct = true
	}
	if direct && !f.Server {
		p.Class = ClassStandalone
		return p
	}
	add(ReasonInsufficientFacts, "000 §4(二)")
	return p
}

type makeup int

const (
	makeupUnknown makeup = iota
	makeupIdentical
	makeupModules
)

// lanMakeup tells whether local-LAN devices are one model (identical) or several (modules),
// ignoring peers of unknown model; it also returns the distinct model labels.
func lanMakeup(peers []Peer) (makeup, []string) {
	var keys, labels []string
	for _, p := range peers {
		if strings.TrimSpace(p.Model) == "" {
			continue
		}
		if k := p.key(); !slices.Contains(keys, k) {
			keys = append(keys, k)
			labels = append(labels, p.label())
		}
	}
	switch {
	case len(keys) == 1 && countKnown(peers) >= 2:
		return makeupIdentical, labels
	case len(keys) >= 2:
		return makeupModules, labels
	}
	return makeupUnknown, labels
}

func countKnown(peers []Peer) int {
	n := 0
	for _, p := range peers {
		if strings.TrimSpace(p.Model) != "" {
			n++
		}
	}
	return n
}

// ObserveTraffic summarises the flows of the asset with the given addresses. Application
// protocols come from Flow.App, or from the well-known ports (DICOM 104 and 11112, HL7 MLLP
// 2575) when App is empty. Peers are placed with loc; isTerminal, when not nil, tells which
// sources are terminal devices, otherwise any source in an OT or local-LAN zone counts.
func ObserveTraffic(self []netip.Addr, flows []Flow, loc *Locator, isTerminal func(netip.Addr) bool) Traffic {
	mine := make(map[netip.Addr]bool, len(self))
	for _, a := range self {
		mine[a.Unmap()] = true
	}
	kindOf := func(a netip.Addr) Kind {
		r, _ := loc.lookupZone(a)
		if r < 0 {
			return ""
		}
		return loc.zones[r].Kind
	}
	sets := map[string]map[netip.Addr]bool{}
	put := func(set string, a netip.Addr) {
		if sets[set] == nil {
			sets[set] = map[netip.Addr]bool{}
		}
		sets[set][a] = true
	}
	for _, f := range flows {
		src, dst := f.Src.Unmap(), f.Dst.Unmap()
		out, in := mine[src], mine[dst]
		if out == in {
			continue
		}
		peer := dst
		if in {
			peer = src
		}
		pk := kindOf(peer)
		switch pk {
		case KindTrustedLocalLAN:
			put("lan", peer)
		case KindIntranet, KindOT:
			put("intranet", peer)
		}
		app := f.appGuess()
		if out && app == "dicom" && pk != KindTrustedLocalLAN {
			put("dicom", peer)
		}
		if out && app == "hl7" {
			put("hl7to", peer)
		}
		if in && app == "hl7" {
			put("hl7from", peer)
		}
		if in {
			term := pk == KindOT || pk == KindTrustedLocalLAN
			if isTerminal != nil {
				term = isTerminal(peer)
			}
			if term {
				put("term", peer)
			}
		}
	}
	return Traffic{
		DICOMTo: len(sets["dicom"]), HL7To: len(sets["hl7to"]), HL7From: len(sets["hl7from"]),
		LocalLANPeers: len(sets["lan"]), IntranetPeers: len(sets["intranet"]), TerminalSources: len(sets["term"]),
	}
}

// DecisionStatus says whether a class decision is still a proposal.
type DecisionStatus string

// Decision statuses.
const (
	DecisionProposed   DecisionStatus = "proposed"
	DecisionConfirmed  DecisionStatus = "confirmed"
	DecisionOverridden DecisionStatus = "overridden"
)

// Decision keeps an asset's class: medsec's proposal with its reasons, and the person who
// confirmed or overrode it, when, and why [M2].
type Decision struct {
	Asset      int64          `json:"asset"`
	Proposed   Class          `json:"proposed"`
	BoundaryOf Class          `json:"boundary_of,omitempty"`
	Reasons    []Reason       `json:"reasons"`
	Status     DecisionStatus `json:"status"`
	// Class is the class in force: the confirmed or overriding class; "" while only
	// proposed.
	Class Class     `json:"class,omitempty"`
	By    string    `json:"by,omitempty"`
	Why   string    `json:"why,omitempty"`
	At    time.Time `json:"at"`
}

// NewDecision records a proposal for an asset at time at.
func NewDecision(asset int64, p ClassProposal, at time.Time) Decision {
	return Decision{Asset: asset, Proposed: p.Class, BoundaryOf: p.BoundaryOf, Reasons: p.Reasons,
		Status: DecisionProposed, At: at}
}

// Errors of decisions.
var (
	ErrNoProposal   = errors.New("no class was proposed")
	ErrNoPerson     = errors.New("the deciding person is required")
	ErrNoWhy        = errors.New("an override needs a reason")
	ErrUnknownClass = errors.New("unknown class")
)

// Confirm returns the decision with the proposed class confirmed by a person.
// It fails with ErrNoProposal when nothing was proposed and ErrNoPerson without a person.
func (d Decision) Confirm(by string, at time.Time) (Decision, error) {
	if d.Proposed == "" {
		return d, fmt.Errorf("confirm class of asset %d: %w", d.Asset, ErrNoProposal)
	}
	if strings.TrimSpace(by) == "" {
		return d, fmt.Errorf("confirm class of asset %d: %w", d.Asset, ErrNoPerson)
	}
	d.Status, d.Class, d.By, d.Why, d.At = DecisionConfirmed, d.Proposed, by, "", at
	return d, nil
}

// Override returns the decision with a person's own class and reason. It fails with
// ErrUnknownClass, ErrNoPerson or ErrNoWhy. Choosing the proposed class is a confirmation
// with a note, and is recorded as confirmed.
func (d Decision) Override(class Class, by, why string, at time.Time) (Decision, error) {
	if !class.Valid() {
		return d, fmt.Errorf("override class of asset %d: %q: %w", d.Asset, class, ErrUnknownClass)
	}
	if strings.TrimSpace(by) == "" {
		return d, fmt.Errorf("override class of asset %d: %w", d.Asset, ErrNoPerson)
	}
	if strings.TrimSpace(why) == "" {
		return d, fmt.Errorf("override class of asset %d: %w", d.Asset, ErrNoWhy)
	}
	d.Status, d.Class, d.By, d.Why, d.At = DecisionOverridden, class, by, why, at
	if class == d.Proposed {
		d.Status = DecisionConfirmed
	}
	return d, nil
}
