package medsec

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// ScanReport is one imported vulnerability scanner report (Greenbone/OpenVAS, Nessus,
// Trivy, Grype) and how many of its hosts were attached to assets.
type ScanReport struct {
	ID         int64     `json:"id"`
	Format     string    `json:"format"`
	Scanner    string    `json:"scanner"`
	FileName   string    `json:"file_name"`
	SHA256     string    `json:"sha256"`
	ScannedAt  time.Time `json:"scanned_at,omitzero"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
	Hosts      int       `json:"hosts"`
	Results    int       `json:"results"`
	// Attached counts the hosts attached to an asset.
	Attached int `json:"attached"`
	// Findings counts the findings the report's CVEs created on the attached assets (a CVE
	// already found on an asset gains the report among its advisories instead).
	Findings int `json:"findings"`
	// OutsideScope is set by ImportScan for an importer limited to sites or a vendor: how
	// many of the file's hosts matched no asset it may see (another site's hosts, or hosts
	// not inventoried), which were stored unattached and are neither counted in Hosts,
	// Results and Findings nor named (issue 11). 0 for an importer that sees every host.
	OutsideScope int `json:"outside_scope,omitempty"`
	// HostList is filled by FindScanReport: the hosts the caller may see.
	HostList []*ScanHost `json:"host_list,omitempty"`
}

// How a scanned host was attached to an asset.
const (
	AttachedChosen   = "chosen"   // the importer named the asset
	AttachedAddress  = "address"  // the host's IP address is the asset's
	AttachedHostname = "hostname" // the host's name (or its first label) is the asset's name
	AttachedSBOM     = "sbom"     // the scanned artifact is an SBOM's subject or file on the asset
)

// ScanHost is one host or artifact of a report.
type ScanHost struct {
	ID        int64  `json:"id"`
	ReportID  int64  `json:"report_id"`
	Address   string `json:"address,omitempty"`
	Hostname  string `json:"hostname,omitempty"`
	Target    string `json:"target,omitempty"`
	OS        string `json:"os,omitempty"`
	AssetID   int64  `json:"asset_id,omitempty"`
	AssetName string `json:"asset_name,omitempty"`
	// MatchedBy says how it was attached (Attached*), "" when no asset matched.
	MatchedBy string       `json:"matched_by,omitempty"`
	Results   []ScanResult `json:"results"`
}

// ScanResult is one result of a scanner on a host.
type ScanResult struct {
	ID        int64   `json:"id"`
	HostID    int64   `json:"host_id"`
	AssetID   int64   `json:"asset_id,omitempty"`
	ScannerID string  `json:"scanner_id"`
	Title     string  `json:"title"`
	Severity  string  `json:"severity"`
	Score     float64 `json:"score,omitempty"`
	Vector    string  `json:"vector,omitempty"`
	Port      string  `json:"port,omitempty"`
	// CVEs are the result's CVE IDs; they become findings of the attached asset.
	CVEs         []string `json:"cves"`
	Package      string   `json:"package,omitempty"`
	Version      string   `json:"version,omitempty"`
	FixedVersion string   `json:"fixed_version,omitempty"`
	PURL         string   `json:"purl,omitempty"`
	// Report, Scanner and ScannedAt say where the result comes from (filled by
	// FindAssetScanResults).
	ReportID  int64     `json:"report_id,omitempty"`
	Scanner   string    `json:"scanner,omitempty"`
	ScannedAt time.Time `json:"scanned_at,omitzero"`
}

// ScanImport is a parsed report to store. AssetID, when set, attaches every host to that
// asset (an image or SBOM scan of one device); otherwise each host is attached by address,
// host name or SBOM.
type ScanImport struct {
	AssetID   int64
	Format    string
	Scanner   string
	FileName  string
	SHA256    string
	ScannedAt time.Time
	// ScannedAtField is where the file writes ScannedAt ("CreatedAt", a Nessus host's
	// HOST_START tag), named by an error about it; "scanned_at" when empty.
	ScannedAtField string
	Hosts          []ScanHost
}

// ScanClockSkew is how far in the future a report's scan time may lie, for a scanner's
// clock that runs a little ahead of the server's. A report dated later is refused: it
// would satisfy a scan cadence (000 附表一 漏洞修補 高 二, 003 §3.2.2) for a scan not yet
// made.
const ScanClockSkew = 5 * time.Minute

// ValidateTime checks the report's scan time is not more than ScanClockSkew after now.
// The error names the file and the field the time was read from, in a key the user
// interface translates ("scan.err.future").
func (imp *ScanImport) ValidateTime(now time.Time) error {
	if !imp.ScannedAt.After(now.Add(ScanClockSkew)) {
		return nil
	}
	field := imp.ScannedAtField
	if field == "" {
		field = "scanned_at"
	}
	at, clock := imp.ScannedAt.UTC().Format("2006-01-02 15:04 UTC"), now.UTC().Format("2006-01-02 15:04 UTC")
	return &ValidationError{Source: imp.FileName, Errors: []FieldError{{Field: field, Key: "scan.err.future", Value: at, Args: []string{at, clock},
		Message: fmt.Sprintf("the scan time %s is in the future (the server's clock reads %s); a report dated ahead would count as a scan not yet made, so nothing was imported", at, clock)}}}
}

// ScanCounts reports whether a scan made at counts toward a
// scan cadence at now: not when it lies further in the future than ScanClockSkew (a report
// stored before medsec refused those).
func ScanCounts(at, now time.Time) bool {
	return !at.After(now.Add(ScanClockSkew))
}

// ScanService stores scanner reports and attaches them to assets.
type ScanService interface {
	// ImportScan stores the report in one transaction with its audit row, attaching each
	// host to the one asset of the caller's scope it matches (by address, else host name,
	// else SBOM); a host that matches none or several stays unattached. The CVEs of the
	// attached hosts' results become findings (source "scanner") in the same transaction. Needs
	// PermInventoryWrite; a chosen asset outside the scope is ENOTFOUND. The report
	// returned to a caller limited to sites or a vendor counts what it may see, as
	// FindScanReport would (Hosts and Attached its attached hosts, Results theirs), and says
	// only how many other hosts there were (OutsideScope), never which.
	ImportScan(ctx context.Context, imp ScanImport) (*ScanReport, error)
	// FindScanReports lists the reports with a host the caller may see, newest first. A
	// caller limited to sites or a vendor gets the counts (Hosts, Attached, Results,
	// Findings) of the hosts it sees, not of the whole report. Needs PermInventoryRead.
	FindScanReports(ctx context.Context) ([]*ScanReport, error)
	// FindScanReport returns a report with the hosts the caller may see: those attached
	// to assets of its scope, and the unattached ones for a caller limited to no site or
	// vendor. A caller limited to sites or a vendor gets the counts of those hosts only,
	// as FindScanReports. Needs PermInventoryRead.
	FindScanReport(ctx context.Context, id int64) (*ScanReport, error)
	// FindAssetScanResults returns the scanner results attached to the asset, newest
	// report first. Needs PermInventoryRead; ENOTFOUND outside the scope.
	FindAssetScanResults(ctx context.Context, assetID int64) ([]ScanResult, error)
	// ScanScheduler: when each asset subject to a scan cadence was last scanned.
	ScanScheduler
}

// ScanDueState says where an asset stands against a scan cadence.
type ScanDueState string

// Scan due states.
const (
	// ScanOK: scanned within the cadence, not yet due soon.
	ScanOK ScanDueState = "ok"
	// ScanDueSoon: the next scan is due within the requirement's warning window.
	ScanDueSoon ScanDueState = "due_soon"
	// ScanOverdue: the last scan is older than the cadence allows.
	ScanOverdue ScanDueState = "overdue"
	// ScanNever: no imported scanner report covers the asset.
	ScanNever ScanDueState = "never"
)

// ScanDueStates lists the states, from the most urgent.
var ScanDueStates = []ScanDueState{ScanNever, ScanOverdue, ScanDueSoon, ScanOK}

// Late reports whether the state fails the requirement: overdue or never scanned.
func (s ScanDueState) Late() bool { return s == ScanOverdue || s == ScanNever }

// ScanRequirement is a cadence of vulnerability scans the plans ask of some assets:
// which (device classes at a baseline level, or kinds of system), how often, from which
// clause, and the control whose automatic check it feeds. vuln.ScanRequirements lists them.
type ScanRequirement struct {
	// ID names the requirement ("yearly-boundary-control", "monthly-core-systems").
	ID string `json:"id"`
	// Months is the cadence: 12 yearly, 1 monthly.
	Months int `json:"months"`
	// WarnDays is how many days before the due date a scan is due soon.
	WarnDays int `json:"warn_days"`
	// Clause is where the requirement is written ("000 附表一 漏洞修補 高 二").
	Clause string `json:"clause"`
	// Control is the control whose automatic check the requirement's results are.
	Control ControlRef `json:"control"`
	// Classes and Level select assets of those device classes whose baseline level is
	// Level; Kinds selects assets of those kinds. An asset either selects is subject.
	Classes []DeviceClass `json:"classes,omitempty"`
	Level   Level         `json:"level,omitempty"`
	Kinds   []AssetKind   `json:"kinds,omitempty"`
}

// Applies reports whether the requirement asks scans of the asset, whose baseline level
// (from its zone or set by hand) is level.
func (r *ScanRequirement) Applies(a *Asset, level Level) bool {
	if slices.Contains(r.Kinds, a.Kind) {
		return true
	}
	return slices.Contains(r.Classes, a.Class) && (r.Level == LevelNone || level == r.Level)
}

// Due returns when the scan after one at last is due: Months calendar months on, the
// day held to the end of a shorter month (31 January → 28 February, not 3 March).
func (r *ScanRequirement) Due(last time.Time) time.Time {
	y, m, d := last.Date()
	first := time.Date(y, m+time.Month(r.Months), 1, 0, 0, 0, 0, last.Location())
	if end := first.AddDate(0, 1, -1).Day(); d > end {
		d = end
	}
	hh, mm, ss := last.Clock()
	return time.Date(first.Year(), first.Month(), d, hh, mm, ss, last.Nanosecond(), last.Location())
}

// State returns where an asset last scanned at last (zero: never) stands at now.
func (r *ScanRequirement) State(last, now time.Time) ScanDueState {
	if last.IsZero() {
		return ScanNever
	}
	due := r.Due(last)
	switch {
	case !now.Before(due):
		return ScanOverdue
	case !now.Before(due.AddDate(0, 0, -r.WarnDays)):
		return ScanDueSoon
	}
	return ScanOK
}

// AssetScanDue is one asset against one scan requirement: the last imported scanner
// report that covered it (a host attached to it), when the next is due and the state.
type AssetScanDue struct {
	AssetID     int64  `json:"asset_id"`
	AssetName   string `json:"asset_name"`
	SiteID      int64  `json:"site_id"`
	Requirement string `json:"requirement"`
	// LastScanAt is when the last covering scan ran (the report's scan time, else its
	// import time); zero when never. LastReportID and LastScanner name that report.
	LastScanAt   time.Time    `json:"last_scan_at,omitzero"`
	LastReportID int64        `json:"last_report_id,omitempty"`
	LastScanner  string       `json:"last_scanner,omitempty"`
	DueAt        time.Time    `json:"due_at,omitzero"`
	State        ScanDueState `json:"state"`
}

// SiteScanSummary counts one site's assets subject to one requirement by state, with the
// oldest last scan among those scanned.
type SiteScanSummary struct {
	SiteID      int64     `json:"site_id"`
	SiteName    string    `json:"site_name"`
	Requirement string    `json:"requirement"`
	Assets      int       `json:"assets"`
	OK          int       `json:"ok"`
	DueSoon     int       `json:"due_soon"`
	Overdue     int       `json:"overdue"`
	Never       int       `json:"never"`
	OldestScan  time.Time `json:"oldest_scan,omitzero"`
	// NextDue is the earliest due date among the scanned assets.
	NextDue time.Time `json:"next_due,omitzero"`
}

// Late counts the assets that fail the requirement (overdue or never scanned).
func (s SiteScanSummary) Late() int { return s.Overdue + s.Never }

// ScanScheduleFilter selects the assets of a schedule. Zero fields select all.
type ScanScheduleFilter struct {
	SiteID      int64
	Requirement string
	State       ScanDueState
}

// ScanSchedule is where the assets in scope stand against the scan requirements at
// ComputedAt: per site and requirement, and per asset (most urgent first).
type ScanSchedule struct {
	ComputedAt   time.Time         `json:"computed_at"`
	Requirements []ScanRequirement `json:"requirements"`
	Sites        []SiteScanSummary `json:"sites"`
	Assets       []AssetScanDue    `json:"assets"`
}

// ScanScheduler tells, from the imported scanner reports, when each asset subject to a
// scan requirement was last scanned and when it is due (000 附表一 漏洞修補 高 二: yearly
// for boundary hosts and control systems at 高; 003 §3.2.2: monthly for core systems).
type ScanScheduler interface {
	// ScanSchedule computes the schedule at the store's clock for the active assets in
	// the caller's scope the filter selects. Needs PermInventoryRead.
	ScanSchedule(ctx context.Context, f ScanScheduleFilter) (*ScanSchedule, error)
}
