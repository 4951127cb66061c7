package medsec

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// ZoneKind is the kind of a network security zone [000 §6(五)]; the values match package
// zone's.
type ZoneKind string

// Zone kinds: the Internet, the hospital intranet (院內系統網路), the OT zone (工控區) and the
// trusted connections (信任連線): a device local LAN, RS232, Bluetooth, RF and IR links.
const (
	ZoneInternet         ZoneKind = "internet"
	ZoneIntranet         ZoneKind = "intranet"
	ZoneOT               ZoneKind = "ot"
	ZoneTrustedLocalLAN  ZoneKind = "trusted-local-lan"
	ZoneTrustedRS232     ZoneKind = "trusted-rs232"
	ZoneTrustedBluetooth ZoneKind = "trusted-bluetooth"
	ZoneTrustedRF        ZoneKind = "trusted-rf"
	ZoneTrustedIR        ZoneKind = "trusted-ir"
)

// ZoneKinds lists the zone kinds from the Internet inwards.
var ZoneKinds = []ZoneKind{ZoneInternet, ZoneIntranet, ZoneOT, ZoneTrustedLocalLAN, ZoneTrustedRS232,
	ZoneTrustedBluetooth, ZoneTrustedRF, ZoneTrustedIR}

// Trusted reports whether the kind is a trusted connection (SL0).
func (k ZoneKind) Trusted() bool { return strings.HasPrefix(string(k), "trusted-") }

// ZoneRatings are the confidentiality, integrity, availability and legal-compliance ratings
// (0–4) of the control systems in a zone [000 §6(三)]; the zone's SL is the highest.
type ZoneRatings struct {
	C int `json:"c"`
	I int `json:"i"`
	A int `json:"a"`
	L int `json:"l"`
}

// SL returns the security level the ratings demand: the highest rating.
func (r ZoneRatings) SL() int { return max(r.C, r.I, r.A, r.L) }

// Zone is a network security zone of a site: its devices share one security level. Zones
// nest through ParentID; address ranges, VLANs and Wi-Fi SSIDs belong to zones.
type Zone struct {
	ID       int64    `json:"id"`
	SiteID   int64    `json:"site_id"`
	Name     string   `json:"name"`
	Kind     ZoneKind `json:"kind"`
	ParentID int64    `json:"parent_id,omitempty"`
	// Ranges are address ranges: CIDR prefixes, first-last pairs or single addresses.
	Ranges []string `json:"ranges"`
	VLANs  []int    `json:"vlans"`
	SSIDs  []string `json:"ssids"`
	// Ratings, when set, give the zone's SL as their highest value.
	Ratings *ZoneRatings `json:"ratings,omitempty"`
	// SL, when set, is the security level set by the zone's assessment; it wins over Ratings.
	SL          *int      `json:"sl,omitempty"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// SetSL returns the SL the zone's own data sets (SL, else the ratings' highest), or nil when
// the zone takes its level from its members or its kind.
func (z *Zone) SetSL() *int {
	if z.SL != nil {
		v := *z.SL
		return &v
	}
	if z.Ratings != nil {
		v := z.Ratings.SL()
		return &v
	}
	return nil
}

// Normalize trims the zone's names and drops empty list entries.
func (z *Zone) Normalize() {
	z.Name = strings.TrimSpace(z.Name)
	z.Description = strings.TrimSpace(z.Description)
	z.Ranges = trimList(z.Ranges)
	z.SSIDs = trimList(z.SSIDs)
	slices.Sort(z.VLANs)
	z.VLANs = slices.Compact(z.VLANs)
	if z.Ranges == nil {
		z.Ranges = []string{}
	}
	if z.VLANs == nil {
		z.VLANs = []int{}
	}
	if z.SSIDs == nil {
		z.SSIDs = []string{}
	}
}

// trimList trims the entries of in and drops empty and repeated ones, keeping the order.
// It takes time linear in len(in), however long a list a request sends.
func trimList(in []string) []string {
	out := []string{}
	seen := make(map[string]bool, min(len(in), 1024))
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Validate checks a normalized zone's own fields; address ranges are checked by the store,
// which parses them. It returns a *ValidationError or nil.
func (z *Zone) Validate() error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	if z.Name == "" {
		add("name", "err.required", "is required")
	}
	if z.SiteID <= 0 {
		add("site", "err.required", "is required")
	}
	if !slices.Contains(ZoneKinds, z.Kind) {
		add("kind", "err.unknown_value", fmt.Sprintf("unknown zone kind %q", z.Kind))
	}
	for _, v := range z.VLANs {
		if v < 1 || v > 4094 {
			add("vlans", "err.bad_vlan", fmt.Sprintf("VLAN %d is outside 1-4094", v))
		}
	}
	for _, s := range z.SSIDs {
		if len(s) > 32 {
			add("ssids", "err.too_long", fmt.Sprintf("SSID %q is longer than 32 bytes", s))
		}
	}
	if z.SL != nil && (*z.SL < 0 || *z.SL > 4) {
		add("sl", "err.bad_sl", "must be between 0 and 4")
	}
	if r := z.Ratings; r != nil {
		for _, v := range []int{r.C, r.I, r.A, r.L} {
			if v < 0 || v > 4 {
				add("ratings", "err.bad_rating", "ratings must be between 0 and 4")
				break
			}
		}
	}
	if z.ParentID != 0 && z.ParentID == z.ID {
		add("parent", "err.bad_parent", "a zone cannot be its own parent")
	}
	var c textChecks
	c.lineMax("name", MaxNameLength, z.Name)
	c.text("description", z.Description)
	c.line("ranges", z.Ranges...)
	c.line("ssids", z.SSIDs...)
	c.count("ranges", len(z.Ranges), MaxZoneRanges)
	c.count("vlans", len(z.VLANs), MaxZoneVLANs)
	c.count("ssids", len(z.SSIDs), MaxZoneSSIDs)
	errs = append(errs, c.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// ConduitControl is a control mechanism on a conduit [000 §6(六)].
type ConduitControl string

// Control mechanisms: isolation (隔離), cleansing/filtering (清洗／過濾), blocking (阻擋).
const (
	ControlIsolation ConduitControl = "isolation"
	ControlFiltering ConduitControl = "filtering"
	ControlBlocking  ConduitControl = "blocking"
)

// ConduitControls lists the control mechanisms.
var ConduitControls = []ConduitControl{ControlIsolation, ControlFiltering, ControlBlocking}

// ConduitProtocols lists the transport protocols a conduit may name.
var ConduitProtocols = []string{"tcp", "udp", "icmp", "any"}

// Conduit is an allowed data flow from one zone to another: protocol, destination ports,
// application protocol, address whitelists and the control mechanisms applied on it.
type Conduit struct {
	ID         int64  `json:"id"`
	SiteID     int64  `json:"site_id"`
	Name       string `json:"name"`
	FromZoneID int64  `json:"from_zone_id"`
	ToZoneID   int64  `json:"to_zone_id"`
	// Protocol is tcp, udp, icmp or any.
	Protocol string `json:"protocol"`
	// Ports is a list of ports and port ranges ("104, 11112, 2000-2010"); empty means any.
	Ports string `json:"ports"`
	// App is the application protocol the flow must carry ("dicom", "hl7"), or "".
	App string `json:"app,omitempty"`
	// Sources and Destinations whitelist addresses (prefixes, ranges or single addresses);
	// empty allows any address of the zone.
	Sources      []string         `json:"sources"`
	Destinations []string         `json:"destinations"`
	Controls     []ConduitControl `json:"controls"`
	Description  string           `json:"description,omitempty"`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`

	// Names of the zones, filled by reads for display.
	FromZoneName string `json:"from_zone_name,omitempty"`
	ToZoneName   string `json:"to_zone_name,omitempty"`
}

// Normalize trims the conduit's fields and drops empty list entries.
func (c *Conduit) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Protocol = strings.ToLower(strings.TrimSpace(c.Protocol))
	c.Ports = strings.TrimSpace(c.Ports)
	c.App = strings.ToLower(strings.TrimSpace(c.App))
	c.Description = strings.TrimSpace(c.Description)
	c.Sources, c.Destinations = trimList(c.Sources), trimList(c.Destinations)
	slices.Sort(c.Controls)
	c.Controls = slices.Compact(c.Controls)
	if c.Controls == nil {
		c.Controls = []ConduitControl{}
	}
}

// Validate checks a normalized conduit's own fields; ports and addresses are checked by
// the store, which parses them. It returns a *ValidationError or nil.
func (c *Conduit) Validate() error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	if c.Name == "" {
		add("name", "err.required", "is required")
	}
	if c.SiteID <= 0 {
		add("site", "err.required", "is required")
	}
	if c.FromZoneID <= 0 {
		add("from_zone", "err.required", "is required")
	}
	if c.ToZoneID <= 0 {
		add("to_zone", "err.required", "is required")
	}
	if c.FromZoneID != 0 && c.FromZoneID == c.ToZoneID {
		add("to_zone", "err.same_zone", "must differ from the source zone")
	}
	if !slices.Contains(ConduitProtocols, c.Protocol) {
		add("protocol", "err.unknown_value", fmt.Sprintf("unknown protocol %q", c.Protocol))
	}
	for _, m := range c.Controls {
		if !slices.Contains(ConduitControls, m) {
			add("controls", "err.unknown_value", fmt.Sprintf("unknown control mechanism %q", m))
		}
	}
	var tc textChecks
	tc.lineMax("name", MaxNameLength, c.Name)
	tc.lineMax("ports", MaxConduitPorts, c.Ports)
	tc.line("app", c.App)
	tc.text("description", c.Description)
	tc.line("sources", c.Sources...)
	tc.line("destinations", c.Destinations...)
	tc.count("sources", len(c.Sources), MaxConduitAddresses)
	tc.count("destinations", len(c.Destinations), MaxConduitAddresses)
	errs = append(errs, tc.errs...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// Flow is one observed connection (or aggregate of connections) between two hosts of a site,
// imported from a flow log or from passive discovery.
type Flow struct {
	ID     int64      `json:"id"`
	SiteID int64      `json:"site_id"`
	Src    netip.Addr `json:"src"`
	Dst    netip.Addr `json:"dst"`
	// Proto is tcp, udp, icmp or another IP protocol's name or number.
	Proto     string    `json:"proto"`
	Port      int       `json:"port,omitempty"`
	App       string    `json:"app,omitempty"`
	FirstSeen time.Time `json:"first_seen,omitzero"`
	LastSeen  time.Time `json:"last_seen,omitzero"`
	Packets   int64     `json:"packets,omitempty"`
	Bytes     int64     `json:"bytes,omitempty"`
	// Source names the file or capture the flow came from.
	Source string `json:"source,omitempty"`
}

// ZonePlacement says which zone an asset sits in and why.
type ZonePlacement struct {
	AssetID int64 `json:"asset_id"`
	// ZoneID is 0 when no zone holds the asset (or several do equally).
	ZoneID   int64  `json:"zone_id,omitempty"`
	ZoneName string `json:"zone_name,omitempty"`
	// Manual is true when a person placed the asset by hand.
	Manual bool `json:"manual"`
	// Status is "found", "none" or "ambiguous" (see package zone); Candidates lists the
	// tied zones of an ambiguous placement.
	Status     string  `json:"status"`
	Candidates []int64 `json:"candidates,omitempty"`
}

// LevelSource says where an asset's effective level comes from.
type LevelSource string

// Level sources.
const (
	// LevelFromZone: the asset's zone has an SL and the level follows it.
	LevelFromZone LevelSource = "zone"
	// LevelFromAsset: no zone SL is known; the level set by hand on the asset is used.
	LevelFromAsset LevelSource = "asset"
	// LevelUnknown: neither is known.
	LevelUnknown LevelSource = "none"
)

// AssetLevel is an asset's baseline level as the zone model decides it: the SL of the
// zone it sits in mapped to 普/中/高 (SL1–2 low, SL3 moderate, SL4 high; SL0 is a trusted
// connection, which the baseline treats as low), else Asset.Level set by hand.
type AssetLevel struct {
	AssetID int64 `json:"asset_id"`
	Level   Level `json:"level"`
	// SL is the zone's security level when Source is LevelFromZone, else -1.
	SL       int         `json:"sl"`
	Trusted  bool        `json:"trusted,omitempty"`
	Source   LevelSource `json:"source"`
	ZoneID   int64       `json:"zone_id,omitempty"`
	ZoneName string      `json:"zone_name,omitempty"`
}

// LevelOfSL maps a security level to a baseline level of 000 附表一: SL0 (trusted) and SL1–2
// are 普 (low), SL3 is 中 (moderate), SL4 is 高 (high); anything else is LevelNone.
func LevelOfSL(sl int) Level {
	switch {
	case sl >= 0 && sl <= 2:
		return LevelLow
	case sl == 3:
		return LevelModerate
	case sl == 4:
		return LevelHigh
	}
	return LevelNone
}

// ZoneFinding is a problem a zone check found, by stable code (translated by the UI with
// its params): an SL above the parent's, an unassessed zone, a flow without conduit, ...
type ZoneFinding struct {
	Code      string            `json:"code"`
	Cite      string            `json:"cite,omitempty"`
	ZoneID    int64             `json:"zone_id,omitempty"`
	ConduitID int64             `json:"conduit_id,omitempty"`
	AssetID   int64             `json:"asset_id,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
}

// FlowViolation is an observed flow no conduit allows (or whose ends no zone holds).
type FlowViolation struct {
	Code         string `json:"code"`
	Flow         Flow   `json:"flow"`
	SrcZoneID    int64  `json:"src_zone_id,omitempty"`
	DstZoneID    int64  `json:"dst_zone_id,omitempty"`
	SrcZoneName  string `json:"src_zone_name,omitempty"`
	DstZoneName  string `json:"dst_zone_name,omitempty"`
	SrcAssetID   int64  `json:"src_asset_id,omitempty"`
	DstAssetID   int64  `json:"dst_asset_id,omitempty"`
	SrcAssetName string `json:"src_asset_name,omitempty"`
	DstAssetName string `json:"dst_asset_name,omitempty"`
}

// ZoneStatus is one zone of a site's analysis: its effective SL and level.
type ZoneStatus struct {
	Zone *Zone `json:"zone"`
	// SL is the zone's effective security level, -1 when unknown; SLSource is "set",
	// "members", "trusted" or "none".
	SL       int    `json:"sl"`
	SLSource string `json:"sl_source"`
	Level    Level  `json:"level,omitempty"`
	Depth    int    `json:"depth"`
	Assets   int    `json:"assets"`
}

// ZoneAnalysis is a site's zone model checked: zones with their levels (in tree order),
// where each asset sits, the findings of the SL and conduit checks, and the observed flows
// no conduit allows.
type ZoneAnalysis struct {
	SiteID     int64            `json:"site_id"`
	Zones      []ZoneStatus     `json:"zones"`
	Conduits   []*Conduit       `json:"conduits"`
	Placements []ZonePlacement  `json:"placements"`
	Findings   []ZoneFinding    `json:"findings"`
	Violations []FlowViolation  `json:"violations"`
	Flows      int              `json:"flows"`
	AssetNames map[int64]string `json:"-"`
}

// ProposedConduit is a least-privilege conduit rule drawn from observed flows: one zone pair,
// protocol, destination port and application protocol, whitelisting exactly the hosts seen.
type ProposedConduit struct {
	FromZoneID   int64    `json:"from_zone_id"`
	ToZoneID     int64    `json:"to_zone_id"`
	FromZoneName string   `json:"from_zone_name"`
	ToZoneName   string   `json:"to_zone_name"`
	Protocol     string   `json:"protocol"`
	Port         int      `json:"port,omitempty"`
	App          string   `json:"app,omitempty"`
	Sources      []string `json:"sources"`
	Destinations []string `json:"destinations"`
	Flows        int      `json:"flows"`
	// CoveredBy is the existing conduit that already allows every flow of the rule; Denied
	// counts the flows no conduit allowed.
	CoveredBy int64 `json:"covered_by,omitempty"`
	Denied    int   `json:"denied"`
}

// ConduitReview says whether an existing conduit is broader than the flows it allowed, and
// why (codes with parameters, translated by the UI).
type ConduitReview struct {
	ConduitID int64         `json:"conduit_id"`
	Name      string        `json:"name"`
	Flows     int           `json:"flows"`
	Broader   bool          `json:"broader"`
	Reasons   []ClassReason `json:"reasons"`
}

// LeastPrivilege is the result of proposing conduits from a site's observed flows [M3].
type LeastPrivilege struct {
	Rules    []ProposedConduit `json:"rules"`
	Conduits []ConduitReview   `json:"conduits"`
}

// ClassReason is one ground of a class proposal: a stable code the UI translates, its
// parameters and the seed paragraph it rests on.
type ClassReason struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
	Cite   string            `json:"cite,omitempty"`
}

// Class decision statuses.
const (
	DecisionProposed   = "proposed"
	DecisionConfirmed  = "confirmed"
	DecisionOverridden = "overridden"
)

// ClassDecision keeps an asset's class in the grouping model [M2]: medsec's proposal with
// its reasons, and the class a person confirmed or chose instead, by whom, when and why.
type ClassDecision struct {
	AssetID    int64         `json:"asset_id"`
	Proposed   DeviceClass   `json:"proposed"`
	BoundaryOf DeviceClass   `json:"boundary_of,omitempty"`
	Reasons    []ClassReason `json:"reasons"`
	Status     string        `json:"status"`
	// Class is the class in force once decided.
	Class DeviceClass `json:"class,omitempty"`
	By    string      `json:"by,omitempty"`
	Why   string      `json:"why,omitempty"`
	At    time.Time   `json:"at"`
}

// CRL levels: the yearly cyber risk level of a device [000 §7(二)].
const (
	CRLHigh   = "high"   // 高: unacceptable
	CRLMedium = "medium" // 中: potentially acceptable
	CRLLow    = "low"    // 低: acceptable
)

// CRLLevels lists the CRL levels from the worst.
var CRLLevels = []string{CRLHigh, CRLMedium, CRLLow}

// CRLReview is one yearly cyber-risk review of a controlled device: its risk level after the
// controls, the method used, the reasons and the improvement actions [000 §7(二)].
type CRLReview struct {
	ID       int64    `json:"id"`
	AssetID  int64    `json:"asset_id"`
	Year     int      `json:"year"`
	Level    string   `json:"level"`
	Method   string   `json:"method"`
	Reasons  []string `json:"reasons"`
	Actions  []string `json:"actions"`
	Assessor string   `json:"assessor"`
	// Date is the day of the review.
	Date      Date      `json:"date"`
	CreatedAt time.Time `json:"created_at"`
	AssetName string    `json:"asset_name,omitempty"`
}

// CheckText checks the review's text as entered: the method and assessor are single lines
// of at most MaxLineLength characters, each reason and action one line of at most
// MaxTextLength, and each list at most MaxListItems entries. It returns a *ValidationError
// or nil; the zone package checks the rest.
func (r *CRLReview) CheckText() error {
	var c textChecks
	c.line("method", r.Method)
	c.line("assessor", r.Assessor)
	c.lineMax("reasons", MaxTextLength, r.Reasons...)
	c.lineMax("actions", MaxTextLength, r.Actions...)
	c.count("reasons", len(r.Reasons), MaxListItems)
	c.count("actions", len(r.Actions), MaxListItems)
	if len(c.errs) > 0 {
		return &ValidationError{Errors: c.errs}
	}
	return nil
}

// CheckWhy checks the reason given for a class decision: free text of at most
// MaxTextLength characters. It returns a *ValidationError or nil.
func CheckWhy(why string) error {
	var c textChecks
	c.text("why", why)
	if len(c.errs) > 0 {
		return &ValidationError{Errors: c.errs}
	}
	return nil
}

// DiagramLabels are the translated words of the network diagram.
type DiagramLabels struct {
	Title        string
	Kinds        map[ZoneKind]string
	Classes      map[DeviceClass]string
	Unclassified string
	// More and Violations hold {n} for a count.
	More, Violations               string
	LegendConduit, LegendViolation string
	// Unplaced heads the box of the assets no zone holds.
	Unplaced string
	// Conduits labels one arrow standing for several conduits, with {n} for the count.
	Conduits string
}

// DiagramView says which part of a site's network diagram to draw.
type DiagramView struct {
	// Zone, when not 0, draws only that zone and the zones inside it (the drill-down of a
	// large site's diagram, which collapses to zone level).
	Zone int64
	// ZoneLink is the address of a zone's own diagram, with "{id}" for the zone's ID; the
	// zones of a collapsed diagram link to it.
	ZoneLink string
}

// FirewallFormat names a conduit export: "nft" (an nftables ruleset) or "csv".
type FirewallFormat string

// Firewall export formats.
const (
	FirewallNFT FirewallFormat = "nft"
	FirewallCSV FirewallFormat = "csv"
)

// ZoneService manages the zone model of each site [M2, M3]: zones, conduits, observed flows,
// where assets sit, class decisions and yearly CRL reviews. Reads need PermInventoryRead and
// the site; writes need PermInventoryWrite and the site (security officer, IT operations,
// clinical engineer, admin). Every change is audited in its transaction. Objects of a site
// the caller may not see are ENOTFOUND.
type ZoneService interface {
	// FindZones returns a site's zones, ordered by name.
	FindZones(ctx context.Context, siteID int64) ([]*Zone, error)
	// FindZoneByID returns one zone.
	FindZoneByID(ctx context.Context, id int64) (*Zone, error)
	// CreateZone validates and stores a zone, setting its ID. EINVALID for bad fields, a
	// parent of another site or a cycle.
	CreateZone(ctx context.Context, z *Zone) error
	// UpdateZone replaces a zone's fields.
	UpdateZone(ctx context.Context, z *Zone) error
	// DeleteZone removes a zone without sub-zones or conduits (ECONFLICT otherwise); assets
	// placed in it by hand go back to computed placement.
	DeleteZone(ctx context.Context, id int64) error

	// FindConduits returns a site's conduits with their zone names.
	FindConduits(ctx context.Context, siteID int64) ([]*Conduit, error)
	// FindConduitByID returns one conduit.
	FindConduitByID(ctx context.Context, id int64) (*Conduit, error)
	// CreateConduit validates and stores a conduit between two zones of its site.
	CreateConduit(ctx context.Context, c *Conduit) error
	// UpdateConduit replaces a conduit's fields.
	UpdateConduit(ctx context.Context, c *Conduit) error
	// DeleteConduit removes a conduit.
	DeleteConduit(ctx context.Context, id int64) error

	// ImportFlowsCSV reads flows from CSV (see zone.ParseFlowsCSV) and stores them all for the
	// site, or none: a bad file is a *ValidationError naming each bad line and column.
	ImportFlowsCSV(ctx context.Context, siteID int64, r io.Reader, source string) (int, error)
	// FindFlows returns up to limit of a site's flows, newest first, and their count.
	FindFlows(ctx context.Context, siteID int64, limit int) ([]*Flow, int, error)

	// PlaceAsset puts an asset in a zone of its site by hand; zoneID 0 returns it to the
	// placement computed from its addresses, VLAN and SSID.
	PlaceAsset(ctx context.Context, assetID, zoneID int64) error
	// FindPlacement returns the zone an asset sits in.
	FindPlacement(ctx context.Context, assetID int64) (*ZonePlacement, error)
	// EffectiveLevel returns the asset's baseline level: its zone's SL mapped to 普/中/高,
	// else the level set by hand on the asset. Compliance assessments call it to pick the
	// level-dependent baseline controls of 附表一, so that the controls follow the zone.
	EffectiveLevel(ctx context.Context, assetID int64) (*AssetLevel, error)
	// Analyze checks a site's zone model: levels, placements, findings, violations.
	Analyze(ctx context.Context, siteID int64) (*ZoneAnalysis, error)
	// AnalyzeAt is Analyze as recorded at the end at of a closed period [from, at): the
	// site's zones, conduits and hand placements then and the assets in use in the period
	// that were then of the site, each as it then was, rewound from the audit trail as the
	// self-inspection's are (GapFilter.AsOf). Observed flows keep no history: the analysis
	// has no violations and counts no flow.
	AnalyzeAt(ctx context.Context, siteID int64, from, at time.Time) (*ZoneAnalysis, error)
	// WriteDiagram draws the site's network diagram (or the part view names) as SVG with
	// the given words; a zone of view that is not the site's, or not visible, is ENOTFOUND.
	WriteDiagram(ctx context.Context, siteID int64, view DiagramView, w io.Writer, labels DiagramLabels) error
	// WriteFirewall exports the site's conduits as firewall rules.
	WriteFirewall(ctx context.Context, siteID int64, format FirewallFormat, w io.Writer) error
	// ProposeConduits proposes least-privilege conduit rules from the site's observed flows
	// and reviews the existing conduits against them.
	ProposeConduits(ctx context.Context, siteID int64) (*LeastPrivilege, error)

	// ProposeClass proposes the asset's class from what medsec knows of it and stores the
	// proposal, keeping a person's earlier decision if the proposed class has not changed.
	ProposeClass(ctx context.Context, assetID int64) (*ClassDecision, error)
	// FindClassDecision returns the asset's class decision, ENOTFOUND when none was made.
	FindClassDecision(ctx context.Context, assetID int64) (*ClassDecision, error)
	// DecideClass confirms the proposal (class "" or the proposed class) or overrides it
	// with another class and a reason; the asset's Class is set in the same transaction.
	DecideClass(ctx context.Context, assetID int64, class DeviceClass, why string) (*ClassDecision, error)

	// CreateCRLReview validates and stores a yearly review of an asset.
	CreateCRLReview(ctx context.Context, r *CRLReview) error
	// FindCRLReviews returns an asset's reviews by year, oldest first.
	FindCRLReviews(ctx context.Context, assetID int64) ([]*CRLReview, error)
	// MissingCRLReviews returns the site's active controlled devices (assets with a class)
	// that have no review for the current year.
	MissingCRLReviews(ctx context.Context, siteID int64) ([]*Asset, error)
	// MissingCRLReviewCount counts what MissingCRLReviews lists.
	MissingCRLReviewCount(ctx context.Context, siteID int64) (int, error)
	// ViolationCount counts the violations Analyze lists: the site's observed flows that
	// no conduit allows.
	ViolationCount(ctx context.Context, siteID int64) (int, error)
}
