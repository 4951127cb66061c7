package incident

import (
	"slices"
	"time"

	"medsec"
)

// Reason codes say why a level was suggested; the UI shows "incident.reason."+code.
const (
	ReasonCoreDown4h     = "core_down_4h"     // 全院核心業務系統癱瘓超過4小時 → 1
	ReasonLargeLeak      = "large_leak"       // 患者數據大規模泄露 → 1
	ReasonKeyDown2h      = "key_down_2h"      // 關鍵科室業務中斷超過2小時 → 2
	ReasonImportantLeak  = "important_leak"   // 重要醫療數據泄露 → 2
	ReasonSensitiveAsset = "sensitive_asset"  // a leak from an asset holding sensitive personal medical data is important
	ReasonSystemDown1h   = "system_down_1h"   // 單系統功能異常超過1小時 → 3
	ReasonOrdinaryLeak   = "ordinary_leak"    // 一般數據泄露 → 3
	ReasonBrief          = "brief_or_suspect" // 局部功能短暫中斷, 或疑似攻擊行為 → 4
	// ReasonLocalDown1h: a local outage of more than 1 hour is no longer brief (短暫); the
	// plan's next trigger, one system's function abnormal for more than 1 hour, takes it → 3.
	ReasonLocalDown1h    = "local_down_1h"
	ReasonScopeFromAsset = "scope_from_assets"
	// ReasonOutageOngoing: no restoration is recorded, so the outage is judged on the time
	// it has run so far (OutageLength), and the suggestion rises as it lengthens.
	ReasonOutageOngoing = "outage_ongoing"
)

// OutageLength returns how long an outage of scope has lasted as judged at now, in
// minutes: the minutes recorded or, when longer, the time from when it began (the
// occurrence, else the detection) to the restoration — to now while no restoration is
// recorded, since an outage not yet restored has lasted at least that long (003 §3.3.1
// counts the hours the systems are down) — and whether that span, not the minutes
// recorded, gave the length. No outage (scope none) is 0 minutes whatever was recorded.
func OutageLength(scope medsec.OutageScope, recorded int, began, restored, now time.Time) (int, bool) {
	if scope == "" || scope == medsec.OutageNone {
		return recorded, false
	}
	end := restored
	if end.IsZero() {
		end = now
	}
	if began.IsZero() || !end.After(began) {
		return recorded, false
	}
	if span := int(end.Sub(began) / time.Minute); span > recorded {
		return span, true
	}
	return recorded, false
}

// coreKinds are the core medical information systems the plan names (HIS, EMR, PACS) and
// their peers (LIS, RIS) [003 §1.4(5), §5.1.1].
var coreKinds = []medsec.AssetKind{medsec.KindHIS, medsec.KindEMR, medsec.KindPACS, medsec.KindLIS, medsec.KindRIS}

// scopeRank orders the outage scopes.
func scopeRank(s medsec.OutageScope) int { return slices.Index(medsec.OutageScopes, s) }

// AssetScope returns the widest outage scope the affected assets imply: core systems for a
// core medical information system [003 §1.4(5)], a key department for a high-level asset or
// a group-, system- or control-system-class device (000 §4: the devices that serve a whole
// department), one system for any other asset, none without assets.
func AssetScope(assets []*medsec.Asset) medsec.OutageScope {
	scope := medsec.OutageNone
	for _, a := range assets {
		s := medsec.OutageSystem
		switch {
		case slices.Contains(coreKinds, a.Kind):
			s = medsec.OutageCore
		case a.Level == medsec.LevelHigh || a.Class == medsec.ClassGroup || a.Class == medsec.ClassSystem || a.Class == medsec.ClassControl:
			s = medsec.OutageDepartment
		}
		if scopeRank(s) > scopeRank(scope) {
			scope = s
		}
	}
	return scope
}

// Suggest returns the level the facts suggest, by the triggers of 003 §3.3.1, and the
// reason codes. The outage scope is the wider of the one given and, when there is an
// outage (OutageMinutes > 0), the one the affected assets imply; an ordinary leak from an
// asset holding sensitive personal medical data [001 ch.1] counts as important medical
// data. Outage durations are strictly more than the plan's hours ("超過"). A local outage
// is brief (level 4) for an hour at most; longer, it is level 3 as one system abnormal
// for more than 1 hour.
func Suggest(f medsec.IncidentFacts) (medsec.IncidentLevel, []string) {
	var reasons []string
	if f.OutageOngoing {
		reasons = append(reasons, ReasonOutageOngoing)
	}
	scope := f.Outage
	if scope == "" {
		scope = medsec.OutageNone
	}
	if f.OutageMinutes > 0 {
		if s := AssetScope(f.Assets); scopeRank(s) > scopeRank(scope) {
			scope = s
			reasons = append(reasons, ReasonScopeFromAsset)
		}
	}
	exposure := f.Exposure
	if exposure == medsec.ExposureOrdinary && slices.ContainsFunc(f.Assets, func(a *medsec.Asset) bool { return a.DataClass == medsec.DataSensitivePersonal }) {
		exposure = medsec.ExposureImportant
		reasons = append(reasons, ReasonSensitiveAsset)
	}
	rank := scopeRank(scope)
	switch {
	case scope == medsec.OutageCore && f.OutageMinutes > 240:
		return medsec.IncidentLevel1, append(reasons, ReasonCoreDown4h)
	case exposure == medsec.ExposureLargeScale:
		return medsec.IncidentLevel1, append(reasons, ReasonLargeLeak)
	case rank >= scopeRank(medsec.OutageDepartment) && f.OutageMinutes > 120:
		return medsec.IncidentLevel2, append(reasons, ReasonKeyDown2h)
	case exposure == medsec.ExposureImportant:
		return medsec.IncidentLevel2, append(reasons, ReasonImportantLeak)
	case rank >= scopeRank(medsec.OutageSystem) && f.OutageMinutes > 60:
		return medsec.IncidentLevel3, append(reasons, ReasonSystemDown1h)
	case scope == medsec.OutageLocal && f.OutageMinutes > 60:
		// Level 4 is a *brief* local outage (局部功能短暫中斷): one of more than an hour is a
		// function abnormal for more than 1 hour, level 3 (bt14f M7: 5 hours stayed "brief").
		return medsec.IncidentLevel3, append(reasons, ReasonLocalDown1h)
	case exposure == medsec.ExposureOrdinary:
		return medsec.IncidentLevel3, append(reasons, ReasonOrdinaryLeak)
	}
	return medsec.IncidentLevel4, append(reasons, ReasonBrief)
}
