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

// Device classes of the grouping model [000 四, 附圖一], as accepted by TargetsForClass.
const (
	ClassStandalone        = "standalone"         // 終端單機
	ClassGroup             = "group"              // 群組型儀器 (a member device)
	ClassSystem            = "system"             // 系統型儀器 (a module of the system)
	ClassBoundaryHost      = "boundary-host"      // 邊界主機 of a group- or system-type device
	ClassControlSystem     = "control-system"     // 醫儀控制系統
	ClassApplicationSystem = "application-system" // 醫儀應用系統
)

// TargetsForClass returns the TW baseline targets that apply to an asset of the given
// device class, or nil for a class it does not know. The mapping, from 000:
//
//   - "boundary-host" → boundary host. 附表一's first target column is 終端儀器群之邊界主機,
//     the gateway or host that runs a group's Local LAN and isolates it from the Intranet
//     [000 三(六), 四(三)2–3].
//   - "control-system" and "application-system" → control system. 醫儀控制系統 and
//     醫儀應用系統 are the two classes of the 控制系統群 [000 四(四)1–2], the second
//     column.
//   - "standalone" → boundary host. A 終端單機 connects to the Intranet directly, with no
//     boundary host in front of it [000 四(三)1]; it is itself the terminal-group node at
//     the zone boundary, so medsec holds it to the boundary-host column. This is medsec's
//     reading: 000 五(二) names only boundary hosts and control systems as targets.
//   - "group" and "system" → none. Member devices of a group-type device and modules of a
//     system-type device sit in the device Local LAN behind their boundary host, which is
//     the protection target [000 三(四), 五(二)]; the devices themselves fall under
//     醫療器材管理法 [000 五(二)]. Classify the boundary host separately.
func TargetsForClass(class string) []Target {
	switch class {
	case ClassBoundaryHost, ClassStandalone:
		return []Target{TargetBoundaryHost}
	case ClassControlSystem, ClassApplicationSystem:
		return []Target{TargetControlSystem}
	case ClassGroup, ClassSystem:
		return []Target{}
	}
	return nil
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
}

// Applicable returns every control of the TW baseline that applies to an asset with the
// given targets at the given protection level, in document order. A row applies when
// one of its targets is among targets and its lowest level is at or below level, since
// 高 includes 中 includes 普. For the organisational catalogs it returns every control
// when targets include TargetOrganisation (see ApplicableToOrganisation for conditions).
func (c *Catalog) Applicable(targets []Target, level Level) []Applicability {
	var out []Applicability
	for _, ctl := range c.order {
		if c.ID() != IDTaiwanBaseline {
			if slices.Contains(targets, TargetOrganisation) {
				out = append(out, Applicability{Control: ctl, Target: TargetOrganisation,
					Reason: "organisational obligation of " + c.ID()})
			}
			continue
		}
		min := ctl.MinLevel()
		if min == 0 || level < min {
			continue
		}
		var matched Target
		for _, t := range ctl.Targets() {
			if slices.Contains(targets, t) {
				matched = t
				break
			}
		}
		if matched == "" {
			continue
		}
		var why strings.Builder
		fmt.Fprintf(&why, "target %s", matched)
		switch ctl.TargetBasis() {
		case "row-mark":
			why.WriteString(" marked • in the row")
		case "damaged-mark":
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
		out = append(out, Applicability{Control: ctl, Target: matched, Level: min, Reason: why.String()})
	}
	return out
}

// OrgProfile describes a hospital for the organisational catalogs.
type OrgProfile struct {
	// MLPSLevel is the highest 等保 (graded protection) level of the hospital's networks,
	// 0 when unknown or not graded [002 第六条].
	MLPSLevel int
	// PersonalInfoOver100k is true when a level-2 network holds personal information of
	// more than 100,000 people [002 第六条(四)].
	PersonalInfoOver100k bool
	// CIIOperator is true for an operator of critical information infrastructure.
	CIIOperator bool
	// Pattern is the JP reference pattern the hospital chose [004 はじめに].
	Pattern Pattern
}

// ApplicableToOrganisation returns the controls of an organisational catalog (CN, JP,
// 003) that apply to the hospital described by p, with the reason. CN obligations with
// a condition (等保 level, record count, CII operator) apply only when p meets it; JP
// items apply when p.Pattern is among their reference patterns; every 003 requirement
// applies. The TW baseline has no organisational obligations and returns nil.
func (c *Catalog) ApplicableToOrganisation(p OrgProfile) []Applicability {
	var out []Applicability
	for _, ctl := range c.order {
		ok, why := c.orgApplies(ctl, p)
		if ok {
			out = append(out, Applicability{Control: ctl, Target: TargetOrganisation, Reason: why})
		}
	}
	return out
}

// ApplicableToPattern returns the JP items that apply to a hospital of reference
// pattern p [004 はじめに and chapter headings].
func (c *Catalog) ApplicableToPattern(p Pattern) []Applicability {
	return c.ApplicableToOrganisation(OrgProfile{Pattern: p})
}

func (c *Catalog) orgApplies(ctl *Control, p OrgProfile) (bool, string) {
	switch c.ID() {
	case IDTaiwanBaseline:
		return false, ""
	case IDJapanOperation:
		if slices.Contains(ctl.Patterns(), p.Pattern) {
			return true, fmt.Sprintf("reference pattern %s is among %v for this item", p.Pattern, ctl.Patterns())
		}
		return false, ""
	}
	var reasons []string
	if v := ctl.Prop("condition-mlps-min"); v != "" {
		n, _ := strconv.Atoi(v)
		if p.MLPSLevel < n {
			return false, ""
		}
		reasons = append(reasons, fmt.Sprintf("等保 level %d ≥ %d", p.MLPSLevel, n))
	}
	if v := ctl.Prop("condition-mlps-max"); v != "" {
		n, _ := strconv.Atoi(v)
		if p.MLPSLevel > n {
			return false, ""
		}
		reasons = append(reasons, fmt.Sprintf("等保 level %d ≤ %d", p.MLPSLevel, n))
	}
	switch ctl.Prop("condition-personal-info") {
	case "over-100000":
		if !p.PersonalInfoOver100k {
			return false, ""
		}
		reasons = append(reasons, "personal information of more than 100,000 people")
	case "not-over-100000":
		if p.PersonalInfoOver100k {
			return false, ""
		}
		reasons = append(reasons, "personal information of 100,000 people or fewer")
	}
	if ctl.Prop("condition-cii") == "true" {
		if !p.CIIOperator {
			return false, ""
		}
		reasons = append(reasons, "critical information infrastructure operator")
	}
	if len(reasons) == 0 {
		return true, "obligation on every institution"
	}
	return true, "condition met: " + strings.Join(reasons, ", ")
}
