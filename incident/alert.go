package incident

import (
	"slices"
	"strings"

	"medsec"
)

// AlertFacts is what an alert of the detection pipeline says about an incident: its
// title, Sigma level and tags (ATT&CK techniques) and the asset it is about.
type AlertFacts struct {
	Title string
	// Level is the Sigma level: informational, low, medium, high, critical.
	Level string
	Tags  string
	Asset *medsec.Asset
}

// ReasonSIEMLevel1 says that the alert is one the plan makes a level-1 warning: the SIEM
// detected a core database's abnormal export or a ransomware outbreak [003 §3.3.2].
const ReasonSIEMLevel1 = "siem_level1"

// ScenarioFromAlert chooses the task template an alert's incident starts with, from the
// words of its title and tags: ransomware; a data leak (exfiltration, abnormal export,
// ATT&CK T1041/T1048/T1567); denial of service (DDoS, flood, T1498/T1499); a compromised
// device for lateral movement or a cross-zone flow (T1021, TA0008) on a medical device of
// the grouping model (000 §4); vendor remote access only for an alert about remote
// maintenance (vendor, remote maintenance or support, VPN, external remote services
// T1133); a compromised device for any other alert about a medical device; else other.
// Lateral movement is not vendor access: T1021 (remote services) is how an intruder moves
// between hosts, whoever it is.
func ScenarioFromAlert(a AlertFacts) medsec.Scenario {
	text := strings.ToLower(a.Title + " " + a.Tags)
	has := func(words ...string) bool {
		return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(text, w) })
	}
	switch {
	case has("ransom", "t1486"):
		return medsec.ScenarioRansomware
	case has("exfil", "export", "leak", "t1041", "t1048", "t1567", "外洩", "泄露", "匯出", "导出"):
		return medsec.ScenarioDataLeak
	case has("ddos", "denial of service", "flood", "t1498", "t1499"):
		return medsec.ScenarioDDoS
	}
	device := a.Asset != nil && a.Asset.Class != medsec.ClassNone
	switch {
	case device && has("lateral", "cross-zone", "t1021", "ta0008", "橫向", "横向", "跨區", "跨区"):
		return medsec.ScenarioDevice
	case has("vendor", "remote maintenance", "remote support", "remote access", "vpn", "t1133", "teamviewer", "anydesk",
		"廠商", "厂商", "遠端維護", "远程维护", "リモートメンテナンス"):
		return medsec.ScenarioVendorAccess
	case device:
		return medsec.ScenarioDevice
	}
	return medsec.ScenarioOther
}

// SuggestForAlert returns the level an alert's incident suggests: the level the facts
// suggest (Suggest), or level 1 when the alert is a ransomware outbreak or an abnormal
// export on a core system, the SIEM's automatic level-1 warning of 003 §3.3.2. Anything
// else an alert says is a suspected attack (level 4) until a person adds what is known.
func SuggestForAlert(f medsec.IncidentFacts, a AlertFacts) (medsec.IncidentLevel, []string) {
	level, reasons := Suggest(f)
	s := ScenarioFromAlert(a)
	if (s == medsec.ScenarioRansomware || s == medsec.ScenarioDataLeak) && a.Asset != nil && slices.Contains(coreKinds, a.Asset.Kind) {
		return medsec.IncidentLevel1, append(reasons, ReasonSIEMLevel1)
	}
	return level, reasons
}
