package medsec

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"
)

// IncidentLevel is the level of a network-security incident in the hospital's response
// plan [003 §3.3.1, §4.2]: 1 特別重大 (especially serious), 2 重大 (serious), 3 較大
// (relatively serious), 4 一般 (general). A lower number is more serious.
type IncidentLevel int

// Incident levels [003 §3.3.1].
const (
	IncidentLevel1 IncidentLevel = 1 // 特別重大: core systems down > 4 h, or a large-scale patient-data leak
	IncidentLevel2 IncidentLevel = 2 // 重大: a key department down > 2 h, or important medical data leaked
	IncidentLevel3 IncidentLevel = 3 // 較大: one system abnormal > 1 h, or an ordinary data leak
	IncidentLevel4 IncidentLevel = 4 // 一般: a brief local outage, or a suspected attack
)

// IncidentLevels lists the levels from the most serious.
var IncidentLevels = []IncidentLevel{IncidentLevel1, IncidentLevel2, IncidentLevel3, IncidentLevel4}

// Valid reports whether l is one of the four levels.
func (l IncidentLevel) Valid() bool { return l >= IncidentLevel1 && l <= IncidentLevel4 }

// Jurisdiction is where a site is, which decides the reporting duties of its incidents:
// TW (000, Taiwan), CN (002, mainland China), JP (004, Japan).
type Jurisdiction string

// Jurisdictions.
const (
	JurisdictionTW Jurisdiction = "TW"
	JurisdictionCN Jurisdiction = "CN"
	JurisdictionJP Jurisdiction = "JP"
)

// Jurisdictions lists the jurisdictions medsec knows the duties of.
var Jurisdictions = []Jurisdiction{JurisdictionTW, JurisdictionCN, JurisdictionJP}

// Valid reports whether j is a known jurisdiction.
func (j Jurisdiction) Valid() bool {
	return j == JurisdictionTW || j == JurisdictionCN || j == JurisdictionJP
}

// Scenario is the kind of incident, which selects the containment and recovery task
// template.
type Scenario string

// Scenarios with a task template.
const (
	ScenarioRansomware   Scenario = "ransomware"
	ScenarioDataLeak     Scenario = "patient-data-leak"
	ScenarioDevice       Scenario = "medical-device-compromise"
	ScenarioVendorAccess Scenario = "vendor-remote-access"
	ScenarioDDoS         Scenario = "ddos"
	ScenarioOther        Scenario = "other"
)

// Scenarios lists the scenarios in display order.
var Scenarios = []Scenario{ScenarioRansomware, ScenarioDataLeak, ScenarioDevice, ScenarioVendorAccess, ScenarioDDoS, ScenarioOther}

// DataExposure is how much patient or medical data an incident exposed, in the plan's
// terms [003 §3.3.1].
type DataExposure string

// Data exposures, from none to the most serious.
const (
	ExposureNone       DataExposure = "none"
	ExposureOrdinary   DataExposure = "ordinary"    // 一般數據泄露
	ExposureImportant  DataExposure = "important"   // 重要醫療數據泄露
	ExposureLargeScale DataExposure = "large-scale" // 患者數據大規模泄露
)

// DataExposures lists the exposures from none to the most serious.
var DataExposures = []DataExposure{ExposureNone, ExposureOrdinary, ExposureImportant, ExposureLargeScale}

// OutageScope is how far an outage reaches, in the plan's terms [003 §3.3.1].
type OutageScope string

// Outage scopes, from none to the widest.
const (
	OutageNone       OutageScope = "none"
	OutageLocal      OutageScope = "local"          // 局部功能
	OutageSystem     OutageScope = "single-system"  // 單系統
	OutageDepartment OutageScope = "key-department" // 關鍵科室業務
	OutageCore       OutageScope = "core-systems"   // 全院核心業務系統
)

// OutageScopes lists the scopes from none to the widest.
var OutageScopes = []OutageScope{OutageNone, OutageLocal, OutageSystem, OutageDepartment, OutageCore}

// IncidentStatus is where an incident is in its life.
type IncidentStatus string

// Incident statuses.
const (
	IncidentOpen   IncidentStatus = "open"
	IncidentClosed IncidentStatus = "closed"
)

// ClockState is the state of a clock at a moment.
type ClockState string

// Clock states. A clock met after its due time is late for good (Met says it was met).
const (
	ClockRunning ClockState = "running"
	ClockMet     ClockState = "met"
	ClockLate    ClockState = "late"
	// ClockStopped: the clock was superseded by a level change (or ended with the
	// response) before it was met or late.
	ClockStopped ClockState = "stopped"
	// ClockWaiting: the moment the clock counts from has not come yet — a patch task's
	// deadline waits for the systems to be restored (系統恢復後, 003 §4.3.4); it has no due
	// time until then and is never late.
	ClockWaiting ClockState = "waiting"
	// ClockUnmet: a one-time duty with a due time the response ended (the incident or
	// drill closed, StopClosed) before it was met and before it was due — a drill's duty
	// the team did not do — or a patch task of 003 §4.3.4 still waiting for the
	// restoration. It is a duty of the record that was not done: the ledger counts it
	// (LedgerRow.ClocksUnmet), as an auditor and a drill's report need to see what the
	// team failed to do. A duty with no time set (及時) that the close ends stays
	// ClockStopped: nothing says it was owed by then (the monitoring's alert of an
	// incident no alert raised).
	ClockUnmet ClockState = "unmet"
)

// Clock is one deadline an incident runs on: a duty of the response plan or of the
// jurisdiction (Source names the seed section), a task's own deadline, or one the hospital
// added (Custom). Due is zero for a duty the seed sets no time for (it says 及時,
// "promptly"): it is
// shown and must be met, but it is never late.
type Clock struct {
	ID         int64 `json:"id"`
	IncidentID int64 `json:"incident_id"`
	// Key names the duty ("first-report"); its label is the message "incident.clock."+Key,
	// or Label for a custom clock.
	Key    string `json:"key"`
	Label  string `json:"label,omitempty"`
	Source string `json:"source"`
	// Level is the level whose plan added the clock (0 for clocks of every level).
	Level IncidentLevel `json:"level,omitempty"`
	// Every, in minutes, repeats the clock: meeting it starts the next one.
	Every int `json:"every_minutes,omitempty"`
	// Start is when the clock started counting, Basis what that moment is (one of the
	// Basis constants): the duty's seed names what it counts from — the occurrence
	// (事件發生後), the detection (發現事件後), the level decision, an exposure found — and
	// the clock starts at that moment as the user gave it, not when it was recorded in
	// medsec, so a duty already past due when recorded is late at once.
	Start   time.Time `json:"start"`
	Basis   string    `json:"basis"`
	Due     time.Time `json:"due,omitzero"`
	MetAt   time.Time `json:"met_at,omitzero"`
	MetBy   string    `json:"met_by,omitempty"`
	MetNote string    `json:"met_note,omitempty"`
	// MetEarly says the clock was met before it started: a duty done before the moment it
	// counts from was known (a patch task done before the systems restored were recorded,
	// 003 §4.3.4). Such a clock is met, never late; Start and Due stay those of its basis.
	MetEarly bool `json:"met_early,omitempty"`
	// MetMsg says how medsec met the clock (a notification recorded), nil when a person did.
	MetMsg *Message `json:"met_msg,omitempty"`
	// Evidence is the SHA-256 of the evidence file that shows the duty was met.
	Evidence  string    `json:"evidence,omitempty"`
	StoppedAt time.Time `json:"stopped_at,omitzero"`
	// StopReason says why the clock stopped: StopLevel, StopClosed, StopEnded, or "" (not
	// stopped, or stopped before medsec kept the reason).
	StopReason string `json:"stop_reason,omitempty"`
	Custom     bool   `json:"custom,omitempty"`
	// TaskID is the task whose deadline this is (0 for none).
	TaskID int64 `json:"task_id,omitempty"`
	// State is the state at the time the clock was read.
	State ClockState `json:"state"`
}

// LabelKey is the message key naming the clock's duty when it has no Label: a scenario
// task's deadline is "incident.task."+the task key (Key "task.isolate-infected" reads
// incident.task.isolate-infected), any other "incident.clock."+Key.
func (c *Clock) LabelKey() string {
	if c.TaskID != 0 {
		return "incident.task." + strings.TrimPrefix(c.Key, "task.")
	}
	return "incident.clock." + c.Key
}

// What a clock counts from (Clock.Basis).
const (
	// BasisOccurred: when the incident occurred (事件發生後, 003 ch.2).
	BasisOccurred = "occurred"
	// BasisDetectedNoOccurrence: a duty counted from the occurrence whose occurrence is
	// not known, counted from the detection instead (the earliest time known).
	BasisDetectedNoOccurrence = "detected-no-occurrence"
	// BasisDetectedAfterOccurrence: a duty counted from the occurrence (事件發生後, 003
	// ch.2: 技術工作組「組長在事件發生後30分鐘內組織團隊」, 聯絡協調組「組長在事件發生後1小時內啟動聯絡機制」)
	// whose occurrence is before the detection, counted from the detection instead: both
	// are acts of teams the plan sets moving once the event is found (§4.1.2 發現事件後…
	// 電話通知信息科值班人員), so neither falls due before the hospital knew (bt14h #2: an
	// event found three days on was late and escalated the moment it was recorded).
	BasisDetectedAfterOccurrence = "detected-after-occurrence"
	// BasisDetected: when the incident was found (發現事件後, 003 §4.1.2, §4.3.1).
	BasisDetected = "detected"
	// BasisOpened: when the incident was recorded in medsec, which is when the report
	// reached the technical team (技術工作組接到報告後, 003 §4.1.3).
	BasisOpened = "opened"
	// BasisLevel: when the current level was decided (the level's response started).
	BasisLevel = "level"
	// BasisExposure: when patient or personal data was found exposed (003 §5.3.3).
	BasisExposure = "exposure"
	// BasisClosed: when the response ended (應急終止, 003 §4.4.4).
	BasisClosed = "closed"
	// BasisMet: a repeating duty's round counts from when the previous round was met.
	BasisMet = "met"
	// BasisAdded: a clock a person added counts from when it was added.
	BasisAdded = "added"
	// BasisRestored: when the affected systems were restored (Incident.RestoredAt): the
	// patch tasks' 24 and 48 hours (技術工作組在系統恢復後…高危漏洞需在24小時內完成補丁更新,
	// 中危漏洞48小時內修復, 003 §4.3.4).
	BasisRestored = "restored"
	// BasisAwaitingRestored: a clock that counts from the restoration, which is not yet
	// recorded: it waits (ClockWaiting), with no due time; its Start is a placeholder
	// (the detection).
	BasisAwaitingRestored = "awaiting-restored"
)

// MetBeforeStart reports whether the clock was met before its start (Clock.MetEarly).
// A clock still waiting for its start has no start yet, so none is early.
func (c *Clock) MetBeforeStart() bool {
	return !c.MetAt.IsZero() && c.Basis != BasisAwaitingRestored && c.MetAt.Before(c.Start)
}

// StateAt returns the clock's state at now.
func (c *Clock) StateAt(now time.Time) ClockState {
	switch {
	case !c.StoppedAt.IsZero() && c.MetAt.IsZero():
		if c.StopReason == StopCorrected {
			// A correction voided the duty and started it again as a new clock: the
			// voided one was never owed, so it is neither late nor counted.
			return ClockStopped
		}
		if c.Every == 0 && !c.Due.IsZero() && c.StoppedAt.After(c.Due) {
			return ClockLate // it was late when it stopped (a repeating clock's round just ends)
		}
		if c.Every == 0 && c.StopReason == StopClosed && (!c.Due.IsZero() || c.Basis == BasisAwaitingRestored) {
			return ClockUnmet // the response ended with the duty not done
		}
		return ClockStopped
	case !c.MetAt.IsZero():
		if !c.Due.IsZero() && c.MetAt.After(c.Due) {
			return ClockLate
		}
		return ClockMet
	case c.Basis == BasisAwaitingRestored:
		return ClockWaiting
	case !c.Due.IsZero() && now.After(c.Due):
		return ClockLate
	}
	return ClockRunning
}

// ChecklistItem is one termination condition of the plan [003 §4.4.1–4.4.3]. An incident
// closes only when each item is met, or waived with a reason by a security officer.
type ChecklistItem struct {
	Key    string    `json:"key"`
	Source string    `json:"source"`
	MetAt  time.Time `json:"met_at,omitzero"`
	MetBy  string    `json:"met_by,omitempty"`
	Note   string    `json:"note,omitempty"`
	Waived bool      `json:"waived,omitempty"`
}

// Done reports whether the item is met or waived.
func (i *ChecklistItem) Done() bool { return !i.MetAt.IsZero() }

// TimelineEntry is one line of an incident's timeline: every action, decision and message,
// timestamped and attributed. The timeline is append-only.
type TimelineEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Username string    `json:"username"`
	// Kind is what happened ("opened", "level", "clock.met", "note", ...). Msg says it
	// (nil on entries written before messages were kept); Text is what the person typed
	// with it (a note, a reason), or the whole text of an older entry.
	Kind string   `json:"kind"`
	Msg  *Message `json:"msg,omitempty"`
	Text string   `json:"text,omitempty"`
}

// IncidentRole is a person's part in an incident's response [003 ch.2].
type IncidentRole string

// Incident roles.
const (
	IncidentRoleLead           IncidentRole = "lead"           // 領導小組 / incident lead
	IncidentRoleTechnical      IncidentRole = "technical"      // 技術工作組
	IncidentRoleCommunications IncidentRole = "communications" // 聯絡協調組
)

// IncidentRoles lists the roles.
var IncidentRoles = []IncidentRole{IncidentRoleLead, IncidentRoleTechnical, IncidentRoleCommunications}

// IncidentPerson is someone with a role in an incident.
type IncidentPerson struct {
	Name string       `json:"name"`
	Role IncidentRole `json:"role"`
}

// IncidentAsset is an affected asset, with what the inventory says of it.
type IncidentAsset struct {
	AssetID   int64       `json:"asset_id"`
	Name      string      `json:"name"`
	Kind      AssetKind   `json:"kind"`
	Class     DeviceClass `json:"class,omitempty"`
	Level     Level       `json:"level,omitempty"`
	DataClass DataClass   `json:"data_class"`
	// Zones are the names of the zones the asset is placed in: the zone its placement
	// resolves to, by hand or computed from its addresses, as the asset page shows it
	// (none when no zone or several hold it equally).
	Zones []string `json:"zones"`
	// ZoneID is the zone of Zones, 0 when none.
	ZoneID int64 `json:"zone_id,omitempty"`
	// EffectiveLevel is the asset's baseline level as its zone's SL gives it, else the
	// level set on the asset (ZoneService.EffectiveLevel); "" when neither is known.
	EffectiveLevel Level `json:"effective_level,omitempty"`
	// Conduits are the conduits into or out of the asset's zone, ordered by id.
	Conduits []IncidentConduit `json:"conduits"`
	// OpenVulns counts the asset's open vulnerability findings (new, confirmed,
	// mitigated), the fix ledger's work.
	OpenVulns int `json:"open_vulns"`
}

// IncidentConduit is a conduit of an affected asset's zone as the incident shows it.
type IncidentConduit struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	FromZone string `json:"from_zone"`
	ToZone   string `json:"to_zone"`
	// Protocol and Ports are the conduit's (Conduit.Protocol, Conduit.Ports).
	Protocol string `json:"protocol"`
	Ports    string `json:"ports,omitempty"`
}

// CustodyEntry is one step in an evidence file's chain of custody.
type CustodyEntry struct {
	At       time.Time `json:"at"`
	Username string    `json:"username"`
	Action   string    `json:"action"`
	// Msg is what medsec wrote of the step (the clock it was cited for); Note is the
	// person's.
	Msg  *Message `json:"msg,omitempty"`
	Note string   `json:"note,omitempty"`
}

// checkOnlyKey marks a context whose incident changes are only checked (CheckOnly).
type checkOnlyKey struct{}

// CheckOnly returns ctx marked so that an IncidentService change (CreateIncident and the
// actions on an incident; not UploadEvidence, which stores its file first) runs every check it can — of the input and, when the input
// itself passes, of the stored incident — and then writes nothing: it returns a nil
// incident and the problems found (a *ValidationError), or no error when there are none.
// The version is not compared. A form whose own fields (numbers, times) are already
// refused uses it to show every problem at once.
func CheckOnly(ctx context.Context) context.Context {
	return context.WithValue(ctx, checkOnlyKey{}, true)
}

// IsCheckOnly reports whether ctx was marked by CheckOnly.
func IsCheckOnly(ctx context.Context) bool {
	v, _ := ctx.Value(checkOnlyKey{}).(bool)
	return v
}

// IncidentEvidence is an evidence file (in the evidence store, by SHA-256) linked to an
// incident, with its chain of custody.
type IncidentEvidence struct {
	SHA256  string         `json:"sha256"`
	Name    string         `json:"name"`
	Custody []CustodyEntry `json:"custody"`
	// UploadedBy is the user who uploaded the file to this incident (the first upload step
	// of its chain of custody here); for a file only linked here, the user who first
	// brought it into medsec ("" when unknown).
	UploadedBy string `json:"uploaded_by,omitempty"`
}

// IncidentLogRecord is a sealed log record attached to an incident as evidence, with its
// seal reference: the record's place in its site's log (SiteID, Index), what was received,
// its leaf hash, and the signed checkpoint (tree size, root) its inclusion proof is
// against. The proof itself (a one-record verification bundle, docs/LOG-SEAL.md, named by
// SHA256) is downloaded from the incident and checked offline; Custody is its chain of
// custody, which starts when it is attached.
type IncidentLogRecord struct {
	SiteID         int64          `json:"site_id"`
	Index          int64          `json:"index"`
	Received       time.Time      `json:"received"`
	Source         string         `json:"source"`
	Format         string         `json:"format"`
	Raw            string         `json:"raw"`
	LeafHash       string         `json:"leaf_hash"`
	CheckpointSize int64          `json:"checkpoint_size"`
	RootHash       string         `json:"root_hash"`
	Checkpoint     string         `json:"checkpoint"`
	SHA256         string         `json:"sha256"`
	AttachedAt     time.Time      `json:"attached_at"`
	AttachedBy     string         `json:"attached_by"`
	Custody        []CustodyEntry `json:"custody"`
}

// Recipient is whom a notification about an incident was sent to.
type Recipient string

// Recipients [003 §4.1.2, §5.3.3; 002 第二十五、二十七条].
const (
	RecipientAuthority  Recipient = "authority"  // 上級衛生健康主管部門
	RecipientCyberspace Recipient = "cyberspace" // 網信辦
	RecipientPolice     Recipient = "police"     // 公安機關
	RecipientPatients   Recipient = "patients"   // affected patients
	RecipientVendor     Recipient = "vendor"
	RecipientLeadership Recipient = "leadership" // 網絡安全領導小組
	// RecipientPresident is the hospital president (院長), to whom a serious incident is
	// reported at the same time as to the leading group [003 §4.1.2: 重大事件需同步上報院長]:
	// a report to the leading group does not inform the president.
	RecipientPresident Recipient = "president"
)

// Recipients lists the recipients.
var Recipients = []Recipient{RecipientAuthority, RecipientCyberspace, RecipientPolice, RecipientPatients, RecipientVendor, RecipientLeadership, RecipientPresident}

// Channels are how a notification may be sent [002 第二十五条: 電話、短信、郵件或信函].
var Channels = []string{"phone", "sms", "email", "letter", "in-person", "portal"}

// IncidentNotification records a notification sent about an incident: to whom, when, how
// and what. ClockID, when set, is the clock it met.
type IncidentNotification struct {
	ID        int64     `json:"id"`
	Recipient Recipient `json:"recipient"`
	Name      string    `json:"name"`
	Channel   string    `json:"channel"`
	SentAt    time.Time `json:"sent_at"`
	Language  string    `json:"language"`
	Content   string    `json:"content"`
	SentBy    string    `json:"sent_by"`
	ClockID   int64     `json:"clock_id,omitempty"`
}

// IncidentTask is a containment, recovery or follow-up task, from a scenario template or
// added by hand (lessons learned become tasks). Its deadline, if any, is a clock.
type IncidentTask struct {
	ID     int64  `json:"id"`
	Key    string `json:"key,omitempty"`
	Title  string `json:"title,omitempty"`
	Source string `json:"source,omitempty"`
	// Assignee is who does the task: free text, a person of the hospital who need not be
	// a medsec user (王網管); a name that is a medsec username is that user, who must be
	// able to see the incident (its site, a role reading incidents), else the task is
	// refused (docs/INCIDENTS.md).
	Assignee string `json:"assignee,omitempty"`
	// Lesson marks a task that came from the post-incident review.
	Lesson bool      `json:"lesson,omitempty"`
	DoneAt time.Time `json:"done_at,omitzero"`
	DoneBy string    `json:"done_by,omitempty"`
	Note   string    `json:"note,omitempty"`
}

// Incident is one network-security incident, or a drill, with its whole record.
type Incident struct {
	ID           int64        `json:"id"`
	SiteID       int64        `json:"site_id"`
	SiteName     string       `json:"site_name,omitempty"`
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	Title        string       `json:"title"`
	// TitleKey, when set, is the message key of a title medsec chose (the title of the
	// alert's rule, RuleTitleKey); Title is then that title as the rule has it.
	TitleKey    string `json:"title_key,omitempty"`
	Description string `json:"description,omitempty"`
	// DescriptionMsg is the description medsec wrote (an alert's), nil for a typed one.
	DescriptionMsg *Message       `json:"description_msg,omitempty"`
	Scenario       Scenario       `json:"scenario"`
	Drill          bool           `json:"drill"`
	Status         IncidentStatus `json:"status"`
	Level          IncidentLevel  `json:"level"`
	// SuggestedLevel is what medsec suggested from the facts, LevelReasons the codes of
	// its reasons (message "incident.reason."+code); LevelReason is why the person who
	// confirmed or changed Level chose it ("" when the suggestion was taken as it was).
	SuggestedLevel IncidentLevel `json:"suggested_level"`
	LevelReasons   []string      `json:"level_reasons,omitempty"`
	LevelReason    string        `json:"level_reason"`
	// LevelConfirmedBy is who last confirmed or changed the level by hand (ChangeLevel),
	// LevelConfirmedAt when, and LevelConfirmedAgainst the suggestion they weighed then;
	// empty, zero and 0 while nobody has. The page asks for a confirmation only while the
	// suggestion differs from the level and is not the one weighed (LevelToConfirm).
	LevelConfirmedBy      string        `json:"level_confirmed_by,omitempty"`
	LevelConfirmedAt      time.Time     `json:"level_confirmed_at,omitzero"`
	LevelConfirmedAgainst IncidentLevel `json:"level_confirmed_against,omitempty"`
	Exposure              DataExposure  `json:"exposure"`
	Outage                OutageScope   `json:"outage"`
	OutageMinutes         int           `json:"outage_minutes"`
	// OccurredAt is when the incident began, as far as it is known (zero: not known);
	// DetectedAt is when it was found, which the clocks "after discovery" start from.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
	DetectedAt time.Time `json:"detected_at"`
	OpenedAt   time.Time `json:"opened_at"`
	// ExposureFoundAt is when patient or personal data was found exposed (the detection
	// time for an exposure known when the incident was opened; zero while none is known):
	// the leak reports of 003 §5.3.3 count from it.
	ExposureFoundAt time.Time `json:"exposure_found_at,omitzero"`
	// RestoredAt is when the affected systems were restored (系統恢復, 003 §4.3.3), zero
	// while not recorded: the patch tasks of 003 §4.3.4 (技術工作組在系統恢復後…) count
	// from it.
	RestoredAt time.Time `json:"restored_at,omitzero"`
	// CalendarUncovered are the years a running working-day clock (the summary in 3
	// working days, 003 §4.4.4) counts across that the jurisdiction's holiday calendar
	// gives no day of: there medsec counts Monday to Friday only, so the due time may
	// fall on a holiday; the page warns until the hospital imports that year's calendar.
	CalendarUncovered []int     `json:"calendar_uncovered_years,omitempty"`
	ClosedAt          time.Time `json:"closed_at,omitzero"`
	// EndDeclaredBy is who of the leading group declared the end of the response and
	// EndDeclaredAt when (當滿足終止條件時，由領導小組宣布應急響應結束, 003 §4.4.4); empty and
	// zero while open, and for incidents closed before medsec recorded the declaration.
	EndDeclaredBy string    `json:"end_declared_by,omitempty"`
	EndDeclaredAt time.Time `json:"end_declared_at,omitzero"`
	Cause         string    `json:"cause,omitempty"`
	Actions       string    `json:"actions,omitempty"`
	Result        string    `json:"result,omitempty"`
	// AlertIDs are the alerts linked to the incident.
	AlertIDs []int64 `json:"alert_ids,omitempty"`
	// Version increases with every change; a change naming an older version is ECONFLICT.
	Version int64 `json:"version"`
	// TimeZone is the IANA name of the site's time zone (its own, else its
	// jurisdiction's, Site.Zone): the pages, the ledger exports and the notifications show
	// the incident's times in it, naming it. The JSON times are UTC (RFC 3339).
	TimeZone string `json:"time_zone"`

	Clocks    []*Clock            `json:"clocks"`
	Checklist []*ChecklistItem    `json:"checklist"`
	Timeline  []*TimelineEntry    `json:"timeline,omitempty"`
	People    []*IncidentPerson   `json:"people,omitempty"`
	Assets    []*IncidentAsset    `json:"assets,omitempty"`
	Evidence  []*IncidentEvidence `json:"evidence,omitempty"`
	// LogRecords are the sealed log records attached as evidence, in the order attached.
	LogRecords    []*IncidentLogRecord    `json:"log_records,omitempty"`
	Notifications []*IncidentNotification `json:"notifications,omitempty"`
	Tasks         []*IncidentTask         `json:"tasks,omitempty"`
}

// LevelToConfirm reports whether the incident's level waits for a person to confirm it
// against medsec's suggestion: the suggestion differs from the level, and nobody has
// confirmed or set the level against this suggestion (a confirmation weighed another one,
// or none was made).
func (inc *Incident) LevelToConfirm() bool {
	if inc.SuggestedLevel == 0 || inc.SuggestedLevel == inc.Level {
		return false
	}
	return inc.LevelConfirmedBy == "" || inc.LevelConfirmedAgainst != inc.SuggestedLevel
}

// Why a clock stopped (Clock.StopReason).
const (
	// StopLevel: a level change ended the duty.
	StopLevel = "level"
	// StopClosed: the incident closed, ending the response.
	StopClosed = "closed"
	// StopEnded: a termination condition met ended a repeating clock.
	StopEnded = "ended"
	// StopCorrected: the security officer corrected the exposure finding the duty was
	// started by (no exposure after all, or found at another time: the duty restarts
	// from the corrected time as a new clock).
	StopCorrected = "corrected"
)

// Owed reports whether a late, unmet clock is still owed: not stopped, or stopped by a
// level change after it was due — a level change (a downgrade) does not discharge a duty
// already late, so it stays notified and escalated until met (t14 finding 20). A clock
// stopped late when the response ended (closed, condition met) stays late in the record
// but is no longer owed.
func (c *Clock) Owed() bool {
	if c.State != ClockLate || !c.MetAt.IsZero() {
		return false
	}
	return c.StoppedAt.IsZero() || c.StopReason == StopLevel && c.Every == 0 && !c.Due.IsZero() && c.StoppedAt.After(c.Due)
}

// ClockCounts counts an incident's duties as the ledger (網絡安全事件臺賬, 003 §3.3.3) shows
// them: met on time, late (met late, stopped late, or running past due — whether or not
// still owed), unmet (ClockUnmet: the response ended before the duty was done or due),
// and the total of the duties counted (running and waiting ones too).
type ClockCounts struct {
	Met, Late, Unmet, Total int
}

// CountClockStates counts clocks by state (ClockCounts). A clock that stopped without
// being due (ClockStopped: a level change before its due time, a correction that replaced
// it, a repeating clock's round) is no duty of the record and is not counted.
func CountClockStates(clocks []*Clock) ClockCounts {
	var n ClockCounts
	for _, c := range clocks {
		switch c.State {
		case ClockMet:
			n.Met++
		case ClockLate:
			n.Late++
		case ClockUnmet:
			n.Unmet++
		case ClockStopped:
			continue
		}
		n.Total++
	}
	return n
}

// CountClocks counts as CountClockStates does: met on time, late, and the total of the
// duties counted (unmet ones among them).
func CountClocks(clocks []*Clock) (met, late, total int) {
	n := CountClockStates(clocks)
	return n.Met, n.Late, n.Total
}

// LateClocks returns the incident's clocks that are late and still owed (Clock.Owed).
func (inc *Incident) LateClocks() []*Clock {
	var out []*Clock
	for _, c := range inc.Clocks {
		if c.Owed() {
			out = append(out, c)
		}
	}
	return out
}

// IncidentFacts is what is known of an incident when it is opened or re-assessed; the
// level is suggested from it [003 §3.3.1].
type IncidentFacts struct {
	Exposure      DataExposure `json:"exposure"`
	Outage        OutageScope  `json:"outage"`
	OutageMinutes int          `json:"outage_minutes"`
	// OutageOngoing says OutageMinutes is the time the outage has run so far, no
	// restoration being recorded (incident.OutageLength): the suggestion names it
	// (reason outage_ongoing) and rises as the outage lengthens.
	OutageOngoing bool `json:"-"`
	// Assets are the affected assets as the inventory holds them.
	Assets []*Asset `json:"-"`
}

// IncidentCreate opens an incident. Level is the confirmed level (0: take the suggested
// one); LevelReason is required when Level differs from the suggestion.
type IncidentCreate struct {
	SiteID        int64         `json:"site_id"`
	Title         string        `json:"title"`
	Description   string        `json:"description"`
	Scenario      Scenario      `json:"scenario"`
	Drill         bool          `json:"drill"`
	Level         IncidentLevel `json:"level"`
	LevelReason   string        `json:"level_reason"`
	Exposure      DataExposure  `json:"exposure"`
	Outage        OutageScope   `json:"outage"`
	OutageMinutes int           `json:"outage_minutes"`
	AssetIDs      []int64       `json:"asset_ids"`
	// DetectedAt is when the incident was found; zero means now. The clocks that start at
	// detection (first report, patient-data reports) start from it. It may be neither in
	// the future, nor before OccurredAt, nor before MinIncidentTime (EINVALID naming
	// detected_at).
	DetectedAt time.Time `json:"detected_at,omitzero"`
	// OccurredAt is when the incident began, when known (zero: not known); not in the
	// future.
	OccurredAt time.Time `json:"occurred_at,omitzero"`
	// AlertID, when set, links the alert that opened the incident.
	AlertID int64 `json:"alert_id,omitempty"`
}

// Validate checks the fields of an incident to open.
func (c *IncidentCreate) Validate() error {
	var tc textChecks
	tc.lineMax("title", MaxNameLength, c.Title)
	tc.text("description", c.Description)
	tc.text("level_reason", c.LevelReason)
	tc.count("asset_ids", len(c.AssetIDs), MaxListItems)
	errs := tc.errs
	if strings.TrimSpace(c.Title) == "" {
		errs = append(errs, FieldError{Field: "title", Key: "err.required", Message: "is required"})
	}
	if c.SiteID <= 0 {
		errs = append(errs, FieldError{Field: "site_id", Key: "err.required", Message: "is required"})
	}
	if c.Level != 0 && !c.Level.Valid() {
		errs = append(errs, FieldError{Field: "level", Key: "err.invalid", Message: "must be 1 to 4"})
	}
	if c.Scenario == "" {
		c.Scenario = ScenarioOther
	}
	if !contains(Scenarios, c.Scenario) {
		errs = append(errs, FieldError{Field: "scenario", Key: "err.invalid", Message: "is not a known scenario", Value: string(c.Scenario)})
	}
	if c.Exposure == "" {
		c.Exposure = ExposureNone
	}
	if !contains(DataExposures, c.Exposure) {
		errs = append(errs, FieldError{Field: "exposure", Key: "err.invalid", Message: "is not a known exposure", Value: string(c.Exposure)})
	}
	if c.Outage == "" {
		c.Outage = OutageNone
	}
	if !contains(OutageScopes, c.Outage) {
		errs = append(errs, FieldError{Field: "outage", Key: "err.invalid", Message: "is not a known outage scope", Value: string(c.Outage)})
	}
	if c.OutageMinutes < 0 || c.OutageMinutes > 525600 {
		errs = append(errs, FieldError{Field: "outage_minutes", Key: "err.invalid", Message: "must be 0 to 525600 minutes"})
	} else if c.OutageMinutes > 0 && c.Outage == OutageNone && len(c.AssetIDs) == 0 {
		// Minutes of an outage of nothing: no scope given and no affected asset to take
		// it from (incident.Suggest), so the minutes would count for nothing (bt14h #6).
		errs = append(errs, FieldError{Field: "outage_minutes", Key: "incident.err.minutes_without_outage",
			Message: "is an outage's length, but no outage scope is given and no affected asset to take it from: choose what is down, add the affected assets, or leave the minutes at 0",
			Value:   strconv.Itoa(c.OutageMinutes)})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// IncidentClockSkew is how far ahead of the server's clock a detection or occurrence
// time may be (a browser's clock a little ahead); anything later is in the future.
const IncidentClockSkew = 2 * time.Minute

// TimeProblems checks the detection and occurrence times against now: neither in the
// future (beyond IncidentClockSkew), the detection (zero: now) not before the occurrence.
// Nil when both are right. A refused time is echoed in zone, the site's time zone the
// user typed it in ("2026-11-30 14:05 (Asia/Taipei)"), not in UTC.
func (c *IncidentCreate) TimeProblems(now time.Time, zone string) []FieldError {
	detected := c.DetectedAt.UTC().Truncate(time.Microsecond)
	occurred := c.OccurredAt.UTC().Truncate(time.Microsecond)
	var errs []FieldError
	if detected.After(now.Add(IncidentClockSkew)) {
		errs = append(errs, FieldError{Field: "detected_at", Key: "incident.err.time_future", Message: "is in the future", Value: ZonedTime(detected, zone)})
	}
	if occurred.After(now.Add(IncidentClockSkew)) {
		errs = append(errs, FieldError{Field: "occurred_at", Key: "incident.err.time_future", Message: "is in the future", Value: ZonedTime(occurred, zone)})
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"detected_at", detected}, {"occurred_at", occurred}} {
		if !f.t.IsZero() && f.t.Before(MinIncidentTime) {
			errs = append(errs, FieldError{Field: f.name, Key: "incident.err.time_too_old",
				Message: "is before 2000-01-01: an incident's times are from 2000 on (a year such as 1970 is a missing or mistyped date)",
				Value:   ZonedTime(f.t, zone)})
		}
	}
	if detected.IsZero() || detected.After(now) {
		detected = now
	}
	if !occurred.IsZero() && detected.Before(occurred) && len(errs) == 0 {
		// The message names both times as what they are, the detection typed first (no
		// Value, which would be quoted after the occurrence: bt14h #6 read it as the
		// occurrence time).
		det, occ := ZonedTime(detected, zone), ZonedTime(occurred, zone)
		errs = append(errs, FieldError{Field: "detected_at", Key: "incident.err.detected_before_occurred",
			Message: det + " is before the time the incident occurred (" + occ + "): it cannot have been found before it happened", Args: []string{det, occ}})
	}
	return errs
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// MinIncidentTime is the earliest detection or occurrence time an incident takes: a
// time before it (1970-01-01, the zero of Unix time, or 0001-01-01) is a missing or
// mistyped date, refused naming the field.
var MinIncidentTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// IncidentFromAlert opens an incident from an alert of the detection pipeline, or joins
// the alert to an open one. The alert gives the site, the asset, the title, the detection
// time and the scenario; the other fields are what a person adds (all optional): the
// facts for the suggestion and a confirmed level with its reason, as in IncidentCreate.
type IncidentFromAlert struct {
	AlertID       int64         `json:"alert_id"`
	Title         string        `json:"title"`
	Scenario      Scenario      `json:"scenario"`
	Level         IncidentLevel `json:"level"`
	LevelReason   string        `json:"level_reason"`
	Exposure      DataExposure  `json:"exposure"`
	Outage        OutageScope   `json:"outage"`
	OutageMinutes int           `json:"outage_minutes"`
	// New opens a new incident even when an open one would take the alert.
	New bool `json:"new"`
	// IncidentID, when set, is the open incident of the alert's site a person chose for
	// the alert to join (instead of the one medsec would match, or a new one).
	IncidentID int64 `json:"incident_id,omitempty"`
	// SiteID is the site whose incident an alert of the organisation (site 0, such as a
	// brute force on medsec's own login) opens: required for such an alert; for a site's
	// alert it may only name that site.
	SiteID int64 `json:"site_id,omitempty"`
}

// ExposureFinding is patient or personal data found exposed during an incident
// (IncidentService.RecordExposure).
type ExposureFinding struct {
	// Exposure is how much was exposed; ExposureNone only in a correction.
	Exposure DataExposure `json:"exposure"`
	// FoundAt is when it was found; zero means now.
	FoundAt time.Time `json:"found_at,omitzero"`
	// Note says what was found (for a correction: why, required).
	Note string `json:"note"`
	// Correction corrects an earlier finding (security officer only).
	Correction bool `json:"correction,omitempty"`
}

// IncidentFilter selects incidents for a list. Zero fields do not filter.
type IncidentFilter struct {
	SiteID int64
	Status IncidentStatus
	// Drill: "" every incident, "yes" drills only, "no" real incidents only.
	Drill string
	// Offset skips that many incidents of the list; Limit, when above 0, returns at most
	// that many (at most MaxIncidentPage). Zero Limit lists every one.
	Offset, Limit int
}

// MaxIncidentPage is the largest page of incidents a list returns at once.
const MaxIncidentPage = 1000

// Validate returns EINVALID naming status or drill when either is not one of its values
// (a mistyped filter answers an error, not an empty list).
func (f IncidentFilter) Validate() error {
	var errs []FieldError
	if f.Status != "" && f.Status != IncidentOpen && f.Status != IncidentClosed {
		errs = append(errs, FieldError{Field: "status", Key: "err.invalid", Message: "must be open or closed", Value: string(f.Status)})
	}
	if f.Drill != "" && f.Drill != "yes" && f.Drill != "no" {
		errs = append(errs, FieldError{Field: "drill", Key: "err.invalid", Message: "must be yes or no", Value: f.Drill})
	}
	if f.Offset < 0 {
		errs = append(errs, FieldError{Field: "offset", Key: "err.invalid", Message: "must be 0 or more", Value: strconv.Itoa(f.Offset)})
	}
	if f.Limit < 0 || f.Limit > MaxIncidentPage {
		errs = append(errs, FieldError{Field: "limit", Key: "err.invalid", Message: "must be 1 to 1000", Value: strconv.Itoa(f.Limit)})
	}
	if errs != nil {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// LedgerRow is one line of the 網絡安全事件臺賬 [003 §3.3.3]: an incident or a drill with
// its level, times, clocks met or late, cause, actions and result.
type LedgerRow struct {
	IncidentID int64          `json:"incident_id"`
	SiteID     int64          `json:"site_id"`
	Site       string         `json:"site"`
	Title      string         `json:"title"`
	TitleKey   string         `json:"title_key,omitempty"`
	Drill      bool           `json:"drill"`
	Level      IncidentLevel  `json:"level"`
	Scenario   Scenario       `json:"scenario"`
	Status     IncidentStatus `json:"status"`
	// OccurredAt is when the incident began, when known (事件發生, 003 ch.2);
	// ExposureFoundAt when patient or personal data was found exposed (003 §5.3.3), zero
	// for none: the moments the duties count from, beside the detection.
	OccurredAt      time.Time `json:"occurred_at,omitzero"`
	DetectedAt      time.Time `json:"detected_at"`
	ExposureFoundAt time.Time `json:"exposure_found_at,omitzero"`
	// RestoredAt is when the affected systems were restored (003 §4.3.3), zero while not
	// recorded.
	RestoredAt time.Time `json:"restored_at,omitzero"`
	ClosedAt   time.Time `json:"closed_at,omitzero"`
	// EndDeclaredBy is who of the leading group declared the end of the response and
	// EndDeclaredAt when (003 §4.4.4); empty for incidents open or closed before medsec
	// recorded the declaration.
	EndDeclaredBy string    `json:"end_declared_by"`
	EndDeclaredAt time.Time `json:"end_declared_at,omitzero"`
	// InitialLevel is the level the incident was opened at and LevelChanges each change
	// since, in order (the level decided and changed, 003 §3.3.2; Level is the last).
	InitialLevel IncidentLevel `json:"initial_level"`
	LevelChanges []LevelChange `json:"level_changes,omitempty"`
	ClocksMet    int           `json:"clocks_met"`
	ClocksLate   int           `json:"clocks_late"`
	// ClocksUnmet counts the duties the response ended before they were done or due
	// (ClockUnmet): a drill closed early shows here what the team did not do.
	ClocksUnmet int `json:"clocks_unmet"`
	ClocksTotal int `json:"clocks_total"`
	// Tasks are the incident's tasks that have no clock (a scenario template's step with
	// no time set, such as 阻斷攻擊來源 or checking the backups are clean; one added by hand
	// without a deadline), each with whether it was done: the clocks' counts do not hold
	// them, so without them a drill's ledger would not say which of those steps the team
	// did or left undone (bt M5). In the order they were added; never nil in JSON.
	Tasks   []LedgerTask `json:"tasks_untimed"`
	Cause   string       `json:"cause"`
	Actions string       `json:"actions"`
	Result  string       `json:"result"`

	// TimeZone is the IANA name of the site's time zone the exports show the times in.
	TimeZone string `json:"time_zone"`
}

// LedgerTask is a task without a clock as the ledger shows it (LedgerRow.Tasks): its
// template key (its title is message "incident.task."+Key) or, for one added by hand, its
// title; done or not, and when and by whom.
type LedgerTask struct {
	ID     int64     `json:"id"`
	Key    string    `json:"key,omitempty"`
	Title  string    `json:"title,omitempty"`
	Lesson bool      `json:"lesson,omitempty"`
	Done   bool      `json:"done"`
	DoneAt time.Time `json:"done_at,omitzero"`
	DoneBy string    `json:"done_by,omitempty"`
}

// LevelChange is one change of an incident's level: when, from which level to which.
type LevelChange struct {
	At   time.Time     `json:"at"`
	From IncidentLevel `json:"from"`
	To   IncidentLevel `json:"to"`
}

// LateClock is a late, unmet clock with its incident, as the scheduler reads them to
// notify.
type LateClock struct {
	Incident *Incident
	Clock    *Clock
}

// Holiday is a day of a jurisdiction's calendar that differs from the Monday-to-Friday
// week: a public holiday, or (Workday) a weekend day worked instead (調休).
type Holiday struct {
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	Date         Date         `json:"date"`
	Name         string       `json:"name"`
	Workday      bool         `json:"workday"`
}

// IncidentService keeps incidents on the plan's clock. Every method needs
// PermIncidentRead (reads) or PermIncidentWrite (changes) and keeps to the caller's sites;
// an incident outside them is ENOTFOUND. Every change names the incident's Version it was
// based on: an older one is ECONFLICT (someone else changed it first); every change
// appends a timeline entry and an audit row in the same transaction.
type IncidentService interface {
	// FindIncidents lists incidents, newest first, with their clocks' states at now.
	FindIncidents(ctx context.Context, f IncidentFilter) ([]*Incident, error)
	// CountIncidents counts the incidents FindIncidents lists for f without its Offset
	// and Limit (the total of a page).
	CountIncidents(ctx context.Context, f IncidentFilter) (int, error)
	// FindIncidentByID returns the whole record; ENOTFOUND if missing or out of scope.
	FindIncidentByID(ctx context.Context, id int64) (*Incident, error)
	// SuggestLevel returns the suggested level and the reasons for the facts of c
	// [003 §3.3.1]; EINVALID for bad fields, ENOTFOUND for an asset out of scope.
	SuggestLevel(ctx context.Context, c *IncidentCreate) (IncidentLevel, []string, error)
	// CreateIncident opens an incident with its clocks, checklist and scenario tasks.
	// EINVALID for bad fields or a level differing from the suggestion without a reason.
	CreateIncident(ctx context.Context, c *IncidentCreate) (*Incident, error)
	// OpenFromAlert opens an incident from an alert, with the level its facts suggest
	// [003 §3.3.1, §3.3.2], or joins the alert to the newest open incident (not a drill) at
	// its site that already holds an alert of the same rule or the alert's asset; joined
	// reports which. With a.IncidentID it joins that incident (ENOTFOUND when the caller
	// cannot see it; EINVALID naming incident_id when it is closed or of another site, or
	// naming new when New is set too), even when the alert is linked elsewhere already.
	// An alert already linked answers its incident (joined). ENOTFOUND for an alert missing
	// or outside the caller's sites.
	OpenFromAlert(ctx context.Context, a *IncidentFromAlert) (inc *Incident, joined bool, err error)
	// ChangeLevel sets a new level with a reason; the old level's unmet clocks stop and
	// the new level's start [003 §4.2].
	ChangeLevel(ctx context.Context, id, version int64, level IncidentLevel, reason string) (*Incident, error)
	// UpdateRecord sets the cause, actions and result the ledger shows.
	UpdateRecord(ctx context.Context, id, version int64, cause, actions, result string) (*Incident, error)
	// MeetClock marks a clock met by the caller at metAt, when the duty was really done
	// (zero: now), with a note and optional evidence (SHA-256 of a stored evidence file);
	// lateness is judged on metAt, and a repeating clock starts its next round from it.
	// EINVALID if already met or stopped, or naming met_at when metAt is in the future or
	// before the incident was detected.
	MeetClock(ctx context.Context, id, version, clockID int64, note, evidence string, metAt time.Time) (*Incident, error)
	// AddClock adds the hospital's own clock: label, due after minutes from now.
	AddClock(ctx context.Context, id, version int64, label string, minutes int) (*Incident, error)
	// RecordExposure records that patient or personal data was found exposed at
	// f.FoundAt (zero: now), after the incident was opened: the exposure is set, the leak
	// duties (003 §5.3.3 and the jurisdiction's, those of clocks.json "when":
	// "patient-data") start from FoundAt, and the level is suggested again from the facts
	// (the level itself changes only by ChangeLevel). A more serious exposure found later
	// keeps the duties already running. Anything that would undo or move an earlier
	// finding (a lesser exposure, none, another time) is a correction: it needs
	// f.Correction, a reason (f.Note) and the security officer (EFORBIDDEN otherwise);
	// the duties it voids stop (StopCorrected) and restart from the corrected time. Each
	// is a timeline entry and an audit row. EINVALID naming exposure, found_at (in the
	// future, before detection) or note.
	RecordExposure(ctx context.Context, id, version int64, f ExposureFinding) (*Incident, error)
	// SetOccurrence sets or corrects when the incident occurred (事件發生時間) to at, with a
	// required note saying how it is known. The duties that count from the occurrence
	// (事件發生後, 003 ch.2: the technical team's 30 minutes, the authority report's hour;
	// and those counted from the detection while it was not known) move with it in the
	// same transaction: each keeps its length and now counts from at; a met one keeps
	// its met time and is judged late or on time against its new due time. A timeline
	// entry and an audit row say so. EINVALID naming occurred_at (missing, in the future,
	// after the detection, before MinIncidentTime) or note.
	SetOccurrence(ctx context.Context, id, version int64, at time.Time, note string) (*Incident, error)
	// SetRestored records or corrects when the affected systems were restored (系統恢復,
	// 003 §4.3.3) to at, with a required note saying how it is known. The task clocks
	// that count from the restoration (the patch tasks: 技術工作組在系統恢復後…高危漏洞需在
	// 24小時內完成補丁更新，中危漏洞48小時內修復, 003 §4.3.4), waiting until then, start from
	// at in the same transaction (a correction moves them; a met one keeps its met time
	// and is judged against its new due time). A timeline entry and an audit row say so.
	// Closed incidents: the security officer only (EFORBIDDEN), as for SetOccurrence.
	// EINVALID naming restored_at (missing, in the future, before the detection) or note.
	SetRestored(ctx context.Context, id, version int64, at time.Time, note string) (*Incident, error)
	// AddNote appends a note to the timeline.
	AddNote(ctx context.Context, id, version int64, text string) (*Incident, error)
	// AddPerson gives someone a role in the response.
	AddPerson(ctx context.Context, id, version int64, p IncidentPerson) (*Incident, error)
	// AddAsset links an affected asset of the incident's site; ENOTFOUND if out of scope.
	AddAsset(ctx context.Context, id, version, assetID int64) (*Incident, error)
	// LinkEvidence links a stored evidence file (by SHA-256) and starts its chain of
	// custody; ENOTFOUND if no such upload.
	LinkEvidence(ctx context.Context, id, version int64, sha256, name, note string) (*Incident, error)
	// UploadEvidence stores a file from r (at most evidence.MaxSize bytes; EINVALID naming
	// file when larger or empty) under a safe base name, audits the upload
	// (evidence.upload, with its digest, name and size), links it to the incident and
	// starts its chain of custody (collected, by the caller, with note), in one
	// transaction. Needs PermIncidentWrite and the incident's site in scope. It returns the
	// incident after the change and the stored file (its SHA-256, the name it was stored
	// under, its size in bytes).
	UploadEvidence(ctx context.Context, id, version int64, name string, r io.Reader, note string) (*Incident, Evidence, error)
	// AttachLogRecord attaches a sealed log record of the incident's site, with its proof
	// (from LogService.ProveLogRecord), as evidence: its chain of custody starts.
	// EINVALID for a record of another site or one already attached.
	AttachLogRecord(ctx context.Context, id, version int64, p *LogRecordProof, note string) (*Incident, error)
	// LogRecordProof returns the proof of an attached log record (a one-record
	// verification bundle, JSON) and its file name; ENOTFOUND if not attached.
	LogRecordProof(ctx context.Context, id, siteID, index int64) ([]byte, string, error)
	// AddCustody appends a step to a linked evidence file's chain of custody.
	AddCustody(ctx context.Context, id, version int64, sha256, action, note string) (*Incident, error)
	// RecordNotification records a notification sent at n.SentAt (zero: now; EINVALID
	// naming sent_at in the future or before detection); with ClockID it meets that clock
	// at that time.
	RecordNotification(ctx context.Context, id, version int64, n IncidentNotification) (*Incident, error)
	// AddTask adds a task (a lesson learned when Lesson is set).
	AddTask(ctx context.Context, id, version int64, t IncidentTask) (*Incident, error)
	// AssignTask assigns a task — a scenario template's or one added by hand — to
	// assignee, or reassigns it from whoever had it. The assignee is checked as AddTask's
	// is: a name that is a medsec username must be a user who can see the incident
	// (EINVALID naming assignee otherwise); a person who is no medsec user is free text.
	// EINVALID naming assignee when it is empty or already the task's assignee, naming
	// task_id when the task is done; ENOTFOUND when the incident has no such task. A
	// timeline entry (from whom to whom) and an audit row say so. Tasks of a closed
	// incident (lessons learned) are assigned too.
	AssignTask(ctx context.Context, id, version, taskID int64, assignee string) (*Incident, error)
	// CompleteTask marks a task done now and meets its clock (CompleteTaskAt with a zero
	// doneAt).
	CompleteTask(ctx context.Context, id, version, taskID int64, note string) (*Incident, error)
	// CompleteTaskAt marks a task done at doneAt, when it was really done (zero: now),
	// and meets its clock then: lateness is judged on doneAt, as MeetClock's on metAt.
	// EINVALID naming done_at when it is in the future, before the incident was detected,
	// or before the task's clock started.
	CompleteTaskAt(ctx context.Context, id, version, taskID int64, note string, doneAt time.Time) (*Incident, error)
	// MeetChecklistItem marks a termination condition met with a note; a span of calm
	// (stable 24 h, 72 h without anomaly) is EINVALID before that long has passed since
	// the systems were restored (detection while no restoration is recorded), naming the item and when it can be met (incident.CheckMeetItem).
	MeetChecklistItem(ctx context.Context, id, version int64, key, note string) (*Incident, error)
	// WaiveChecklistItem waives a termination condition with a reason; EFORBIDDEN unless
	// the caller is a security officer [003 §4.4.4].
	WaiveChecklistItem(ctx context.Context, id, version int64, key, reason string) (*Incident, error)
	// CloseIncident ends the response [003 §4.4.4] and starts the post-incident clocks,
	// recording who of the leading group declared the end and when (由領導小組宣布應急響應
	// 結束); EINVALID while a checklist item is neither met nor waived, and naming
	// declared_by (missing) or declared_at (in the future, before the detection).
	CloseIncident(ctx context.Context, id, version int64, d EndDeclaration) (*Incident, error)
	// Ledger returns the 網絡安全事件臺賬 rows, oldest first.
	Ledger(ctx context.Context, f IncidentFilter) ([]*LedgerRow, error)
	// LateClocks returns every late, unmet clock of open incidents and of post-incident
	// duties, for the scheduler to notify.
	LateClocks(ctx context.Context) ([]LateClock, error)
	// LevelSuggestions returns the open incidents whose outage, not yet restored, now
	// suggests a more serious level than the one confirmed — the outage judged on the
	// time it has run so far (FindIncidentByID shows the same suggestion) — for the
	// scheduler to tell the responders, unless someone confirmed the level against that very
	// suggestion (Incident.LevelToConfirm). The level changes only by ChangeLevel.
	LevelSuggestions(ctx context.Context) ([]*Incident, error)
	// SetSiteJurisdiction sets the jurisdiction of a site's incidents (PermSiteAdmin).
	SetSiteJurisdiction(ctx context.Context, siteID int64, j Jurisdiction) error
	// ImportHolidays replaces a jurisdiction's calendar (PermIncidentAdmin, a user not
	// limited to sites; EFORBIDDEN otherwise) and, in the same transaction, moves the due
	// times of the running working-day clocks of the incidents on that calendar to what
	// it gives now (met and stopped clocks keep theirs), each move on the incident's
	// timeline and audited.
	ImportHolidays(ctx context.Context, j Jurisdiction, days []Holiday) error
	// FindHolidays returns a jurisdiction's calendar, by date.
	FindHolidays(ctx context.Context, j Jurisdiction) ([]Holiday, error)
}

// EndDeclaration is the leading group's declaration that the response has ended (當滿足
// 終止條件時，由領導小組宣布應急響應結束, 003 §4.4.4), recorded when an incident is closed.
type EndDeclaration struct {
	// DeclaredBy is the member of the leading group who declared it, a person's name as
	// task assignees are (required).
	DeclaredBy string
	// DeclaredAt is when it was declared: zero is now; neither in the future nor before
	// the detection.
	DeclaredAt time.Time
}
