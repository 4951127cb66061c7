package mds2

import (
	"strings"
	"time"

	"medsec"
)

// rule derives one capability from the answers: the device has it when any of the yes
// questions is answered Yes, lacks it when none is and any of the no questions is answered
// No; otherwise it is unknown. Evidence lists every answer consulted that the form has.
type rule struct {
	cap      medsec.Capability
	yes, no  []string
	evidence []string
}

// rules hold the capabilities to the HN 1-2019 questions that decide them.
var rules = []rule{
	// AUTH-1: the device prevents access by unauthorised users through login or another
	// mechanism; PAUT-1: unique IDs and passwords for all users and roles.
	{medsec.CapAuthentication, []string{"AUTH-1", "PAUT-1"}, []string{"AUTH-1", "PAUT-1"}, []string{"AUTH-1", "PAUT-1", "PAUT-8"}},
	// PAUT-5: can all passwords be changed (the manufacturer's defaults among them).
	{medsec.CapPasswordChange, []string{"PAUT-5"}, []string{"PAUT-5"}, []string{"PAUT-4", "PAUT-5"}},
	// AUDT-1: audit logs beyond the OS's; AUDT-2: events recorded in an audit log.
	{medsec.CapAudit, []string{"AUDT-1", "AUDT-2"}, []string{"AUDT-1", "AUDT-2"}, []string{"AUDT-1", "AUDT-2"}},
	// STCF-1: can the device encrypt data at rest.
	{medsec.CapEncryptionRest, []string{"STCF-1"}, []string{"STCF-1"}, []string{"STCF-1", "STCF-1.2"}},
	// TXCF-2: PII encrypted before transmission; CONN-7: TLS supported.
	{medsec.CapEncryptionTransit, []string{"TXCF-2", "CONN-7"}, []string{"TXCF-2", "CONN-7"}, []string{"TXCF-1", "TXCF-2", "CONN-7"}},
	// CSUP-11: the manufacturer assesses vulnerabilities and updates; CSUP-2.1/3.1:
	// instructions for the owner to install patches; PATC-1 on forms that have it.
	{medsec.CapPatching, []string{"CSUP-11", "CSUP-2.1", "CSUP-3.1", "PATC-1"}, []string{"CSUP-11", "PATC-1"}, []string{"CSUP-1", "CSUP-11", "CSUP-2.1", "CSUP-3.1", "PATC-1"}},
	// RMOT-1: the device permits remote service connections.
	{medsec.CapRemoteService, []string{"RMOT-1"}, []string{"RMOT-1"}, []string{"RMOT-1", "RMOT-1.2"}},
	// MLDP-2: anti-malware software or mechanism supported; MLDP-3: compensating controls.
	{medsec.CapMalware, []string{"MLDP-2"}, []string{"MLDP-2"}, []string{"MLDP-2", "MLDP-3", "MLDP-4"}},
	// SBOM-1: the product's SBOM is available.
	{medsec.CapSBOM, []string{"SBOM-1"}, []string{"SBOM-1"}, []string{"SBOM-1"}},
}

// Capabilities returns the profile's capabilities, in medsec.Capabilities order.
func (f *Form) Capabilities() []medsec.CapabilityStatus {
	out := make([]medsec.CapabilityStatus, 0, len(rules))
	for _, r := range rules {
		st := medsec.CapabilityStatus{Capability: r.cap, Status: medsec.Unknown, Evidence: []medsec.MDS2Answer{}}
		for _, id := range r.evidence {
			if a, ok := f.Answer(id); ok {
				st.Evidence = append(st.Evidence, a)
			}
		}
		if f.any(r.yes, medsec.MDS2Yes) {
			st.Status = medsec.Yes
		} else if f.any(r.no, medsec.MDS2No) {
			st.Status = medsec.No
		}
		out = append(out, st)
	}
	return out
}

func (f *Form) any(ids []string, v string) bool {
	for _, id := range ids {
		if a, ok := f.Answer(id); ok && a.Value == v {
			return true
		}
	}
	return false
}

// Profile returns the device model's profile from the form.
func (f *Form) Profile(modelID int64, fileName, sha256 string) *medsec.MDS2Profile {
	doc := func(id string) string {
		a, _ := f.Answer(id)
		if strings.EqualFold(a.Answer, "hidden") {
			return ""
		}
		return a.Answer
	}
	return &medsec.MDS2Profile{ModelID: modelID, Manufacturer: doc("DOC-1"), Model: doc("DOC-3"), Description: doc("DOC-2"),
		ReleaseDate: doc("DOC-7"), FileName: fileName, SHA256: sha256, Capabilities: f.Capabilities(), Answers: f.Answers}
}

const twBaseline = "tw-mohw-medical-baseline"

// gapRule holds a capability against TW baseline controls [000 附表一]: a device that
// lacks the capability by its own MDS2 answer cannot meet the control by itself, so the
// control needs the compensating measure each of these controls names.
type gapRule struct {
	check    string
	cap      medsec.Capability
	controls []medsec.ControlRef
	fail     string
	pass     string
}

var gapRules = []gapRule{
	{"mds2-authentication", medsec.CapAuthentication,
		[]medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-ia-3.hml", Item: "一"}, {CatalogID: twBaseline, ControlID: "tw-ia-1.m"}},
		"the manufacturer states the device has no user login: users cannot be told apart, so an alternative measure (duty roster, records) is needed",
		"the manufacturer states the device authenticates its users"},
	{"mds2-password-change", medsec.CapPasswordChange,
		[]medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-ac-1.l", Item: "一"}},
		"the manufacturer states not every password can be changed: a default password that stays needs a compensating measure",
		"the manufacturer states every password can be changed"},
	{"mds2-audit", medsec.CapAudit,
		[]medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-au-1.l"}, {CatalogID: twBaseline, ControlID: "tw-au-1.hm", Item: "一"}},
		"the manufacturer states the device keeps no audit log: a compensating measure is needed",
		"the manufacturer states the device keeps an audit log"},
	{"mds2-encryption-at-rest", medsec.CapEncryptionRest,
		[]medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-sc-2.l"}},
		"the manufacturer states the device cannot encrypt data at rest: its storage must be protected otherwise",
		"the manufacturer states the device can encrypt data at rest"},
	{"mds2-encryption-in-transit", medsec.CapEncryptionTransit,
		[]medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-sc-1.l"}, {CatalogID: twBaseline, ControlID: "tw-sc-1.hm"}},
		"the manufacturer states the device does not encrypt data in transit: isolation is its only protection on the network",
		"the manufacturer states the device encrypts data in transit"},
	{"mds2-patching", medsec.CapPatching,
		[]medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-si-1.l"}},
		"the manufacturer states it has no process to assess vulnerabilities and provide updates: a compensating control is needed",
		"the manufacturer states it assesses vulnerabilities and provides updates"},
	{"mds2-malware-protection", medsec.CapMalware,
		[]medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-si-2.l"}, {CatalogID: twBaseline, ControlID: "tw-si-2.hm", Item: "一"}},
		"the manufacturer states the device cannot run anti-malware: another countermeasure or a compensating control is needed",
		"the manufacturer states the device supports anti-malware"},
}

// Checks holds the profile against the TW baseline: one result per gap rule, for the
// asset, computed at now. A capability the form says the device lacks is a failing
// check, its answers the data; an unanswered one is unknown. Remote service is a gap when
// the device permits remote sessions (RMOT-1) but shows no indicator of an active one
// (RMOT-1.2), so the hospital cannot see and time-limit it [000 附表一 遠端存取 二].
func Checks(p *medsec.MDS2Profile, assetID int64, now time.Time) []medsec.CheckResult {
	caps := map[medsec.Capability]medsec.CapabilityStatus{}
	for _, c := range p.Capabilities {
		caps[c.Capability] = c
	}
	data := func(ev []medsec.MDS2Answer) []medsec.CheckDatum {
		out := []medsec.CheckDatum{}
		for _, a := range ev {
			out = append(out, medsec.CheckDatum{Field: "mds2_answer", Value: a.ID + " = " + a.Answer})
		}
		return out
	}
	var out []medsec.CheckResult
	for _, g := range gapRules {
		c := caps[g.cap]
		r := medsec.CheckResult{CheckID: g.check, AssetID: assetID, Controls: g.controls, Data: data(c.Evidence), ComputedAt: now.UTC()}
		switch c.Status {
		case medsec.No:
			r.Outcome, r.Detail = medsec.CheckFail, g.fail
		case medsec.Yes:
			r.Outcome, r.Detail = medsec.CheckPass, g.pass
		default:
			r.Outcome, r.Detail = medsec.CheckUnknown, "the MDS2 form does not answer this"
		}
		out = append(out, r)
	}
	remote := medsec.CheckResult{CheckID: "mds2-remote-session-visible", AssetID: assetID, ComputedAt: now.UTC(),
		Controls: []medsec.ControlRef{{CatalogID: twBaseline, ControlID: "tw-ac-2.hml", Item: "二"}}}
	rm1, _ := p.Answer("RMOT-1")
	rm12, _ := p.Answer("RMOT-1.2")
	remote.Data = data(caps[medsec.CapRemoteService].Evidence)
	switch {
	case rm1.Value == medsec.MDS2No:
		remote.Outcome, remote.Detail = medsec.CheckPass, "the manufacturer states the device permits no remote service"
	case rm1.Value == medsec.MDS2Yes && rm12.Value == medsec.MDS2No:
		remote.Outcome, remote.Detail = medsec.CheckFail, "the device permits remote service sessions without an indicator of an active one: they cannot be seen or time-limited at the device"
	case rm1.Value == medsec.MDS2Yes && rm12.Value == medsec.MDS2Yes:
		remote.Outcome, remote.Detail = medsec.CheckPass, "remote service sessions are shown at the device"
	default:
		remote.Outcome, remote.Detail = medsec.CheckUnknown, "the MDS2 form does not answer this"
	}
	return append(out, remote)
}
