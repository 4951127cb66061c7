package catalog

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Level is a protection-need level of the TW baseline (資安防護需求等級). The levels are
// cumulative: 高 includes 中 includes 普 [000 附表一, every "等級「中」之所有控制措施"].
type Level int

// The three levels, in increasing order.
const (
	LevelLow      Level = 1 // 普
	LevelModerate Level = 2 // 中
	LevelHigh     Level = 3 // 高
)

// String returns the English name: low, moderate or high.
func (l Level) String() string {
	switch l {
	case LevelLow:
		return "low"
	case LevelModerate:
		return "moderate"
	case LevelHigh:
		return "high"
	}
	return "level(" + strconv.Itoa(int(l)) + ")"
}

// Chinese returns the level as printed in the source: 普, 中 or 高.
func (l Level) Chinese() string {
	switch l {
	case LevelLow:
		return "普"
	case LevelModerate:
		return "中"
	case LevelHigh:
		return "高"
	}
	return ""
}

// ParseLevel reads a level from its English name (low, moderate, high), its Chinese
// character (普, 中, 高) or its number (1–3).
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "low", "普", "1":
		return LevelLow, nil
	case "moderate", "中", "2":
		return LevelModerate, nil
	case "high", "高", "3":
		return LevelHigh, nil
	}
	return 0, fmt.Errorf("parse level %q: want low, moderate, high, 普, 中 or 高", s)
}

// Target is what a control applies to. The TW baseline has two protection targets
// [000 五(二), 附表一 columns]; the organisational catalogs use TargetOrganisation.
type Target string

// Targets.
const (
	// TargetBoundaryHost is 終端儀器群之邊界主機: the boundary host of the terminal-device
	// group (first target column of 附表一).
	TargetBoundaryHost Target = "boundary-host"
	// TargetControlSystem is 控制系統群: the control-system group (second column).
	TargetControlSystem Target = "control-system"
	// TargetOrganisation is the hospital as an organisation (CN, JP and 003 catalogs).
	TargetOrganisation Target = "organisation"
)

// Device classes of the grouping model [000 四, 附圖一], as accepted by Carriage.
const (
	ClassStandalone        = "standalone"         // 終端單機
	ClassGroup             = "group"              // 群組型儀器 (a member device, or the group with its host)
	ClassSystem            = "system"             // 系統型儀器 (a module, or the system with its console)
	ClassBoundaryHost      = "boundary-host"      // 邊界主機 of a group- or system-type device
	ClassControlSystem     = "control-system"     // 醫儀控制系統
	ClassApplicationSystem = "application-system" // 醫儀應用系統
)

// Carriage bases: why an asset carries the TW targets it carries, or why it carries none.
const (
	CarriedAsBoundaryHost  = "boundary-host"        // a boundary host [000 三(六)]
	CarriedAsStandalone    = "standalone"           // a 終端單機 [000 四(三)1], medsec's reading
	CarriedAsControlGroup  = "control-group"        // a class of the 控制系統群 [000 四(四)]
	CarriedAsSystemConsole = "system-console"       // a system-type device whose console is its boundary host [000 四(三)3]
	CarriedAsGroupHost     = "group-host"           // a group-type device recorded with its boundary host [000 四(三)2]
	CarriedByBoundaryHost  = "behind-boundary-host" // a device on a Local LAN: its boundary host carries the controls
	CarriedUnclassified    = "unclassified"         // no class in the grouping model
)

// Carrying says which 附表一 targets an asset carries itself and whether its boundary host,
// another asset, carries them for it.
type Carrying struct {
	// Targets are the targets the asset carries itself: nil when it carries none.
	Targets []Target
	// Basis is one of the Carried* codes.
	Basis string
	// ByBoundaryHost is set when the boundary-host column is carried by the device's
	// boundary host (another asset) instead of the device.
	ByBoundaryHost bool
}

// Carriage returns what an asset of a device class carries of 附表一 [000 四, 五(二)].
// onLocalLAN tells whether the asset sits on a device Local LAN (a trusted zone) behind a
// boundary host rather than connecting to the Intranet itself. The protection targets are
// the boundary hosts of the terminal-device group and the control-system group [000 五(二)]:
//
//   - "boundary-host" → boundary host [000 三(六), 四(三)2–3].
//   - "control-system", "application-system" → control system: the two classes of the
//     控制系統群 [000 四(四)1–2], the second target column.
//   - "standalone" → boundary host. A 終端單機 connects to the Intranet directly, with no
//     boundary host in front of it [000 四(三)1]; medsec holds it to the boundary-host
//     column (medsec's reading: 000 五(二) names only boundary hosts and control systems).
//   - "system" on the Intranet → boundary host. 000 四(三)3 defines the system-type device
//     by the 「邊界主機」 through which its modules reach the Intranet, its console (「MRI、
//     CT、PET連結 PACS系統的介面控制台 console」): an asset recorded with its console is that
//     boundary host.
//   - "group" on the Intranet → boundary host, likewise: a group-type device reaches the
//     Intranet through its 「內網邊界主機」 [000 四(三)2], which the asset then includes.
//   - "group" or "system" on a Local LAN → none: a member device or module behind the
//     boundary host, which carries the boundary-host column for it [000 三(七), 五(二)];
//     the device itself falls under 醫療器材管理法 [000 五(二)].
//   - any other class (or none) → none, unclassified.
//
// The control-system column is carried by the control systems that manage terminal
// devices [000 四(四)], each assessed as its own asset.
func Carriage(class string, onLocalLAN bool) Carrying {
	bh := []Target{TargetBoundaryHost}
	switch class {
	case ClassBoundaryHost:
		return Carrying{Targets: bh, Basis: CarriedAsBoundaryHost}
	case ClassStandalone:
		return Carrying{Targets: bh, Basis: CarriedAsStandalone}
	case ClassControlSystem, ClassApplicationSystem:
		return Carrying{Targets: []Target{TargetControlSystem}, Basis: CarriedAsControlGroup}
	case ClassGroup, ClassSystem:
		if onLocalLAN {
			return Carrying{Basis: CarriedByBoundaryHost, ByBoundaryHost: true}
		}
		if class == ClassSystem {
			return Carrying{Targets: bh, Basis: CarriedAsSystemConsole}
		}
		return Carrying{Targets: bh, Basis: CarriedAsGroupHost}
	}
	return Carrying{Basis: CarriedUnclassified}
}

// Pattern is a reference pattern of the JP guideline [004 はじめに]: I on-premises with a
// dedicated operator, II cloud with one, III on-premises without, IV cloud without.
type Pattern string

// The four reference patterns.
const (
	PatternI   Pattern = "I"
	PatternII  Pattern = "II"
	PatternIII Pattern = "III"
	PatternIV  Pattern = "IV"
)

// ParsePattern reads a pattern from I, II, III, IV (or 1–4).
func ParsePattern(s string) (Pattern, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "I", "1", "Ⅰ":
		return PatternI, nil
	case "II", "2", "Ⅱ":
		return PatternII, nil
	case "III", "3", "Ⅲ":
		return PatternIII, nil
	case "IV", "4", "Ⅳ":
		return PatternIV, nil
	}
	return "", fmt.Errorf("parse reference pattern %q: want I, II, III or IV", s)
}

// Applicability is one control that applies, and why.
type Applicability struct {
	Control *Control
	// Target is the target that matched (TargetOrganisation for organisational
	// obligations).
	Target Target
	// Level is the row's lowest level, which the asked level reaches (TW only).
	Level Level
	// Reason explains the match in English, naming the rule used.
	Reason string
	// Voluntary is set for an encouraged or recommended item: not an obligation.
	Voluntary bool
	// Handling is HandlingConfirmWithProvider for a JP item outside the hospital's
	// reference pattern II or IV; "" otherwise.
	Handling string
	// IncludedBy is the TW row that takes this row in with 「等級「X」之所有控制措施」 when
	// the row applies only through it; "" when the row names the target itself.
	IncludedBy string
}

// Applicable returns every control of the TW baseline that applies to an asset with the
// given targets at the given protection level, in document order. A row applies to a
// target when
//
//   - the row names the target and its lowest level is at or below level, since 高
//     includes 中 includes 普; or
//   - a row that applies to the target takes it in with 「等級「X」之所有控制措施」
//     [000 附表一]: the clause brings the lower row's measures into the including row, for
//     the including row's targets, whatever target the lower row is marked for (for
//     example tw-si-1.h, marked for both targets, takes in tw-si-1.m, marked for the
//     boundary host only, so a control system at 高 gets tw-si-1.m). IncludedBy names the
//     including row.
//
// For the organisational catalogs it returns every control when targets include
// TargetOrganisation (see ApplicableToOrganisation for conditions).
func (c *Catalog) Applicable(targets []Target, level Level) []Applicability {
	var out []Applicability
	if c.ID() != IDTaiwanBaseline {
		if slices.Contains(targets, TargetOrganisation) {
			for _, ctl := range c.order {
				out = append(out, Applicability{Control: ctl, Target: TargetOrganisation,
					Reason: "organisational obligation of " + c.ID()})
			}
		}
		return out
	}
	// how records, per row, the target it applies to and the row that took it in (nil
	// when the row names the target itself).
	type match struct {
		target Target
		by     *Control
	}
	how := map[*Control]match{}
	// Rows that name an asked target apply first, so that their own reason wins.
	for _, t := range targets {
		for _, ctl := range c.order {
			if _, seen := how[ctl]; seen {
				continue
			}
			if min := ctl.MinLevel(); min != 0 && min <= level && slices.Contains(ctl.Targets(), t) {
				how[ctl] = match{t, nil}
			}
		}
	}
	// Then every row they take in, and the rows those take in.
	var take func(ctl *Control, t Target)
	take = func(ctl *Control, t Target) {
		for _, inc := range ctl.includes {
			if _, seen := how[inc]; !seen {
				how[inc] = match{t, ctl}
				take(inc, t)
			}
		}
	}
	for _, ctl := range c.order {
		if m, ok := how[ctl]; ok && m.by == nil {
			take(ctl, m.target)
		}
	}
	for _, ctl := range c.order {
		m, ok := how[ctl]
		if !ok {
			continue
		}
		min := ctl.MinLevel()
		var why strings.Builder
		fmt.Fprintf(&why, "target %s", m.target)
		switch {
		case m.by != nil:
			fmt.Fprintf(&why, " through %s, which takes in all measures of level %s (「等級「%s」之所有控制措施」) for its targets", m.by.ID, min.Chinese(), min.Chinese())
		case ctl.TargetBasis() == "row-mark":
			why.WriteString(" marked • in the row")
		case ctl.TargetBasis() == "row-text":
			why.WriteString(" named in the row's own text")
		case ctl.TargetBasis() == "damaged-mark":
			why.WriteString(" marked in the row (mark damaged in the source)")
		default:
			why.WriteString(" by default (no mark in the source row)")
		}
		if min == level {
			fmt.Fprintf(&why, "; row level %s (%s) equals the asked level", min.Chinese(), min)
		} else {
			fmt.Fprintf(&why, "; row level %s (%s) is included in %s (%s): 高 includes 中 includes 普",
				min.Chinese(), min, level.Chinese(), level)
		}
		if ctl.LevelInferred() {
			why.WriteString("; level inferred, source cell missing")
		}
		a := Applicability{Control: ctl, Target: m.target, Level: min, Reason: why.String()}
		if m.by != nil {
			a.IncludedBy = m.by.ID
		}
		out = append(out, a)
	}
	return out
}

// AssetApplicability is what 附表一 asks of one asset: what it carries and why, the level
// used, and the rows that apply.
type AssetApplicability struct {
	Carrying
	// Level is the level used; LevelAssumed is set when the asset's level is unknown
	// and 普, the level every asset reaches at least, is used.
	Level        Level
	LevelAssumed bool
	Controls     []Applicability
}

// ForAsset returns the TW baseline rows an asset of the given class carries at its level
// (0 when unknown: 普 is assumed), with onLocalLAN as for Carriage. An asset that carries no
// target gets no rows; its Carrying says why.
func (c *Catalog) ForAsset(class string, level Level, onLocalLAN bool) AssetApplicability {
	out := AssetApplicability{Carrying: Carriage(class, onLocalLAN), Level: level}
	if level < LevelLow || level > LevelHigh {
		out.Level, out.LevelAssumed = LevelLow, true
	}
	if len(out.Targets) > 0 {
		out.Controls = c.Applicable(out.Targets, out.Level)
	}
	return out
}

// OrgProfile describes a hospital for the organisational catalogs.
type OrgProfile struct {
	// Networks are the hospital's graded networks (等保) [002 第六条]; the level-bound
	// duties apply per network.
	Networks []Network
	// CIIOperator is true for an operator of critical information infrastructure.
	CIIOperator bool
	// Pattern is the JP reference pattern the hospital chose [004 はじめに].
	Pattern Pattern
}

// Network is one graded network of the hospital [002 第六条].
type Network struct {
	// Name names the network for the reasons ("" for an unnamed one).
	Name string
	// Level is its 等保 (graded protection) level, 1–5; 0 when not graded.
	Level int
	// People is how many people's personal information it involves.
	People int64
}

// PersonalInfoThreshold is the count from which a level-2 network is assessed every three
// years: 「涉及10万人以上个人信息」, where 以上 includes the number [002 第六条(四)].
const PersonalInfoThreshold = 100000

// Obligation strengths (prop obligation-strength) that are not obligations: the text
// encourages (鼓励) or recommends (建议) [002 第七条, 第二十一条, 第二十九条, 第三十一条].
const (
	StrengthEncouraged  = "encouraged"
	StrengthRecommended = "recommended"
)

// Voluntary reports whether the control is encouraged or recommended rather than an
// obligation: it may be assessed, but it is not a gap and not a calendar duty.
func (ctl *Control) Voluntary() bool {
	s := ctl.Prop("obligation-strength")
	return s == StrengthEncouraged || s == StrengthRecommended
}

// JP handling of an item for reference patterns II and IV (Applicability.Handling).
const (
	// HandlingConfirmWithProvider: the item is not in the pattern's list; the hospital
	// confirms it with the service provider and may simplify it where the contract covers
	// it [004 はじめに 「※ 他の項目は…事業者に確認し…簡略化が可能」].
	HandlingConfirmWithProvider = "confirm-with-provider"
)

// ApplicableToOrganisation returns the controls of an organisational catalog (CN, JP,
// 003) that apply to the hospital described by p, with the reason. A CN obligation with a
// condition on the 等保 level or the record count applies when one of p.Networks meets
// every such condition (the duty is per network), and a CII condition when p.CIIOperator;
// encouraged and recommended items apply with Voluntary set. JP items of p.Pattern apply;
// for patterns II and IV the other items apply too, with Handling
// HandlingConfirmWithProvider. Every 003 requirement applies. The TW baseline has no
// organisational obligations and returns nil.
func (c *Catalog) ApplicableToOrganisation(p OrgProfile) []Applicability {
	var out []Applicability
	for _, ctl := range c.order {
		a, ok := c.orgApplies(ctl, p)
		if ok {
			a.Control, a.Target, a.Voluntary = ctl, TargetOrganisation, ctl.Voluntary()
			out = append(out, a)
		}
	}
	return out
}

// ApplicableToPattern returns the JP items that apply to a hospital of reference
// pattern p [004 はじめに and chapter headings].
func (c *Catalog) ApplicableToPattern(p Pattern) []Applicability {
	return c.ApplicableToOrganisation(OrgProfile{Pattern: p})
}

func (c *Catalog) orgApplies(ctl *Control, p OrgProfile) (Applicability, bool) {
	switch c.ID() {
	case IDTaiwanBaseline:
		return Applicability{}, false
	case IDJapanOperation:
		pats := make([]string, len(ctl.Patterns()))
		for i, x := range ctl.Patterns() {
			pats[i] = string(x)
		}
		if slices.Contains(ctl.Patterns(), p.Pattern) {
			return Applicability{Reason: fmt.Sprintf("reference pattern %s is among %s for this item", p.Pattern, strings.Join(pats, ", "))}, true
		}
		if p.Pattern == PatternII || p.Pattern == PatternIV {
			return Applicability{Handling: HandlingConfirmWithProvider,
				Reason: fmt.Sprintf("reference pattern %s: not among %s for this item; confirm it with the service provider, and simplify it where the contract covers it (004 はじめに)", p.Pattern, strings.Join(pats, ", "))}, true
		}
		return Applicability{}, false
	}
	var reasons []string
	if netCond(ctl) {
		var met []string
		for _, n := range p.Networks {
			if why, ok := networkMeets(ctl, n); ok {
				met = append(met, why)
			}
		}
		if len(met) == 0 {
			return Applicability{}, false
		}
		reasons = append(reasons, strings.Join(met, "; "))
	}
	if ctl.Prop("condition-cii") == "true" {
		if !p.CIIOperator {
			return Applicability{}, false
		}
		reasons = append(reasons, "critical information infrastructure operator")
	}
	switch {
	case ctl.Voluntary():
		reasons = append([]string{ctl.Prop("obligation-strength") + ", not an obligation"}, reasons...)
		if v := ctl.Prop("condition"); v != "" {
			reasons = append(reasons, "addressed to "+v)
		}
		return Applicability{Reason: strings.Join(reasons, "; ")}, true
	case ctl.Prop("obligation-strength") == "where-able":
		reasons = append(reasons, "applies where the institution has the means ("+ctl.Prop("condition")+"); otherwise assess it as not applicable with the reason")
	}
	if len(reasons) == 0 {
		return Applicability{Reason: "obligation on every institution"}, true
	}
	return Applicability{Reason: "condition met: " + strings.Join(reasons, ", ")}, true
}

// netCond reports whether the control has a per-network condition.
func netCond(ctl *Control) bool {
	return ctl.Prop("condition-mlps-min") != "" || ctl.Prop("condition-mlps-max") != "" || ctl.Prop("condition-personal-info") != ""
}

// networkMeets tells whether one network meets every per-network condition of the control.
func networkMeets(ctl *Control, n Network) (string, bool) {
	name := n.Name
	if name == "" {
		name = "a network"
	}
	var why []string
	if v := ctl.Prop("condition-mlps-min"); v != "" {
		min, _ := strconv.Atoi(v)
		if n.Level < min {
			return "", false
		}
		why = append(why, fmt.Sprintf("等保 level %d ≥ %d", n.Level, min))
	}
	if v := ctl.Prop("condition-mlps-max"); v != "" {
		max, _ := strconv.Atoi(v)
		if n.Level > max || n.Level == 0 {
			return "", false
		}
		why = append(why, fmt.Sprintf("等保 level %d ≤ %d", n.Level, max))
	}
	switch ctl.Prop("condition-personal-info") {
	case "100000-or-more":
		if n.People < PersonalInfoThreshold {
			return "", false
		}
		why = append(why, fmt.Sprintf("personal information of %d people, 100,000 or more", n.People))
	case "under-100000":
		if n.People >= PersonalInfoThreshold {
			return "", false
		}
		why = append(why, fmt.Sprintf("personal information of %d people, fewer than 100,000", n.People))
	}
	return name + " (" + strings.Join(why, ", ") + ")", true
}
