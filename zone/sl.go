package zone

import (
	"fmt"
	"slices"
	"strconv"
)

// SL is a security level (防護需求等級), SL0 to SL4 [000 §6(三)].
type SL int

// Valid reports whether s is between SL0 and SL4.
func (s SL) Valid() bool { return s >= 0 && s <= 4 }

// String writes "SL0" … "SL4".
func (s SL) String() string { return "SL" + strconv.Itoa(int(s)) }

// Ptr returns a pointer to a copy of s, for Zone.SL.
func (s SL) Ptr() *SL { return &s }

// Level is the protection-need level an SL maps to: trusted connection, 普 (low),
// 中 (moderate) or 高 (high). The low/moderate/high strings match the baseline levels of
// Appendix Table 1 elsewhere in medsec.
type Level string

// Levels [000 §6(三)1–4].
const (
	LevelTrusted  Level = "trusted"
	LevelLow      Level = "low"
	LevelModerate Level = "moderate"
	LevelHigh     Level = "high"
)

// Level maps an SL to its protection-need level: SL0 is a trusted connection, SL1 and SL2
// are 普, SL3 is 中, SL4 is 高 [000 §6(三)1–4]. An invalid SL maps to "".
func (s SL) Level() Level {
	switch s {
	case 0:
		return LevelTrusted
	case 1, 2:
		return LevelLow
	case 3:
		return LevelModerate
	case 4:
		return LevelHigh
	}
	return ""
}

// Rating is one dimension's rating, 0 to 4.
type Rating int

// Ratings are the confidentiality (C), integrity (I), availability (A) and legal-compliance
// (L, 法遵性) ratings of a control system, each 0–4 [000 §6(三)].
type Ratings struct {
	C Rating `json:"c"`
	I Rating `json:"i"`
	A Rating `json:"a"`
	L Rating `json:"l"`
}

// Validate reports a rating outside 0–4.
func (r Ratings) Validate() error {
	for _, d := range []struct {
		name string
		v    Rating
	}{{"C", r.C}, {"I", r.I}, {"A", r.A}, {"L", r.L}} {
		if d.v < 0 || d.v > 4 {
			return fmt.Errorf("rating %s=%d outside 0-4", d.name, d.v)
		}
	}
	return nil
}

// SL returns the security level the ratings demand: the highest of C, I, A and L
// [000 §6(三)].
func (r Ratings) SL() SL { return SL(max(r.C, r.I, r.A, r.L)) }

// LevelSource says where a zone's SL came from.
type LevelSource string

// Level sources.
const (
	// SourceSet: the zone's assessment set it (Zone.SL).
	SourceSet LevelSource = "set"
	// SourceMembers: the highest demand of the rated assets in the zone.
	SourceMembers LevelSource = "members"
	// SourceTrusted: a trusted-connection zone with no rated members is SL0.
	SourceTrusted LevelSource = "trusted"
	// SourceNone: not assessed; no SL is known.
	SourceNone LevelSource = "none"
)

// ZoneLevel is a zone's effective security level and the demand its members place on it.
type ZoneLevel struct {
	Zone   int64       `json:"zone"`
	SL     SL          `json:"sl"`
	Source LevelSource `json:"source"`
	// Demand is the highest SL any rated member demands, and DemandBy that member's ID;
	// DemandBy is 0 when no member is rated.
	Demand   SL    `json:"demand"`
	DemandBy int64 `json:"demand_by,omitempty"`
}

// Known reports whether the zone has an SL.
func (z ZoneLevel) Known() bool { return z.Source != SourceNone }

// Levels computes every zone's SL. All devices in a zone share its SL [000 §6(五)]: a zone
// with an SL set keeps it; otherwise it takes the highest demand of its rated members
// (Asset.Ratings, which the baseline asks for control systems); a trusted-connection zone
// with neither is SL0; any other zone has no SL yet. Assets are counted in their Zone
// (see Locator.AssignZones for placing the others).
func Levels(zones []Zone, assets []Asset) map[int64]ZoneLevel {
	out := make(map[int64]ZoneLevel, len(zones))
	for _, z := range zones {
		out[z.ID] = ZoneLevel{Zone: z.ID, Source: SourceNone}
	}
	for _, a := range assets {
		zl, ok := out[a.Zone]
		if !ok || a.Ratings == nil {
			continue
		}
		if d := a.Ratings.SL(); zl.DemandBy == 0 || d > zl.Demand {
			zl.Demand, zl.DemandBy = d, a.ID
		}
		out[a.Zone] = zl
	}
	for _, z := range zones {
		zl := out[z.ID]
		switch {
		case z.SL != nil:
			zl.SL, zl.Source = *z.SL, SourceSet
		case zl.DemandBy != 0:
			zl.SL, zl.Source = zl.Demand, SourceMembers
		case z.Kind.Trusted():
			zl.SL, zl.Source = 0, SourceTrusted
		}
		out[z.ID] = zl
	}
	return out
}

// Finding codes of the zone checks. Each is stable: the UI translates it with the
// finding's Params.
const (
	// FindSLExceedsParent: a sub-zone's SL is above its parent's; the baseline requires
	// 子區塊 SL ≦ 母區塊 [000 §6(五)]. Params: zone, sl, parent, parent_sl.
	FindSLExceedsParent = "sl.exceeds-parent"
	// FindSLBelowDemand: a member's ratings demand a higher SL than the zone's set SL.
	// Params: zone, sl, asset, demand.
	FindSLBelowDemand = "sl.below-demand"
	// FindSLTrustedNotZero: a trusted-connection zone with an SL above SL0, which the
	// baseline reserves for trusted connections [000 §6(三)1, §6(四)]. Params: zone, sl.
	FindSLTrustedNotZero = "sl.trusted-not-sl0"
	// FindSLUnassessed: a zone with neither a set SL nor rated members. Params: zone.
	FindSLUnassessed = "sl.unassessed"
	// FindAssetUnplaced: an asset that no zone holds. Params: asset.
	FindAssetUnplaced = "asset.unplaced"
	// FindAssetAmbiguous: an asset that several zones hold equally. Params: asset,
	// candidates (comma-separated zone IDs).
	FindAssetAmbiguous = "asset.ambiguous-zone"
)

// Finding is one problem a check found, named by a stable Code with the IDs it concerns and
// parameters for the translated message; Cite points to the seed paragraph behind it.
type Finding struct {
	Code      string            `json:"code"`
	Cite      string            `json:"cite,omitempty"`
	Zone      int64             `json:"zone,omitempty"`
	OtherZone int64             `json:"other_zone,omitempty"`
	Asset     int64             `json:"asset,omitempty"`
	Conduit   int64             `json:"conduit,omitempty"`
	Params    map[string]string `json:"params,omitempty"`
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// CheckLevels checks the zones' security levels: a sub-zone above its parent, a zone set
// below what its members demand, a trusted-connection zone above SL0 and a zone with no SL.
// Findings come in zone order.
func CheckLevels(zones []Zone, assets []Asset) []Finding {
	lv := Levels(zones, assets)
	var out []Finding
	for _, z := range zones {
		zl := lv[z.ID]
		if !zl.Known() {
			out = append(out, Finding{Code: FindSLUnassessed, Cite: "000 §6(三)", Zone: z.ID,
				Params: map[string]string{"zone": z.Name}})
			continue
		}
		if z.Parent != 0 {
			if pl, ok := lv[z.Parent]; ok && pl.Known() && zl.SL > pl.SL {
				out = append(out, Finding{Code: FindSLExceedsParent, Cite: "000 §6(五)", Zone: z.ID, OtherZone: z.Parent,
					Params: map[string]string{"zone": z.Name, "sl": zl.SL.String(), "parent": nameOf(zones, z.Parent), "parent_sl": pl.SL.String()}})
			}
		}
		if zl.Source == SourceSet && zl.DemandBy != 0 && zl.Demand > zl.SL {
			out = append(out, Finding{Code: FindSLBelowDemand, Cite: "000 §6(三)", Zone: z.ID, Asset: zl.DemandBy,
				Params: map[string]string{"zone": z.Name, "sl": zl.SL.String(), "asset": assetName(assets, zl.DemandBy), "demand": zl.Demand.String()}})
		}
		if z.Kind.Trusted() && zl.SL > 0 {
			out = append(out, Finding{Code: FindSLTrustedNotZero, Cite: "000 §6(四)", Zone: z.ID,
				Params: map[string]string{"zone": z.Name, "sl": zl.SL.String()}})
		}
	}
	return out
}

func nameOf(zones []Zone, id int64) string {
	i := slices.IndexFunc(zones, func(z Zone) bool { return z.ID == id })
	if i < 0 {
		return itoa(id)
	}
	return zones[i].Name
}

func assetName(assets []Asset, id int64) string {
	i := slices.IndexFunc(assets, func(a Asset) bool { return a.ID == id })
	if i < 0 || assets[i].Name == "" {
		return itoa(id)
	}
	return assets[i].Name
}
