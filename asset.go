package medsec

import (
	"context"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"time"
)

// AssetKind says what an asset is, in the vocabulary of a hospital's clinical engineering
// and IT departments.
type AssetKind string

// Asset kinds. The list covers what the source documents name: imaging modalities,
// clinical information systems (PACS, HIS, LIS, EMR, RIS), monitors and their central
// stations, dialysis machines and their edge gateways, infusion pumps, lab analyzers,
// device servers and device application servers, and network gear [000 §4].
const (
	KindModality          AssetKind = "modality"
	KindPACS              AssetKind = "pacs"
	KindHIS               AssetKind = "his"
	KindLIS               AssetKind = "lis"
	KindEMR               AssetKind = "emr"
	KindRIS               AssetKind = "ris"
	KindPatientMonitor    AssetKind = "patient-monitor"
	KindCentralStation    AssetKind = "central-station"
	KindDialysis          AssetKind = "dialysis"
	KindEdgeGateway       AssetKind = "edge-gateway"
	KindInfusionPump      AssetKind = "infusion-pump"
	KindLabAnalyzer       AssetKind = "lab-analyzer"
	KindUltrasound        AssetKind = "ultrasound"
	KindDeviceServer      AssetKind = "device-server"
	KindApplicationServer AssetKind = "application-server"
	KindWorkstation       AssetKind = "workstation"
	KindNetwork           AssetKind = "network"
	KindOther             AssetKind = "other"
)

// AssetKinds lists every kind, in display order.
var AssetKinds = []AssetKind{
	KindModality, KindUltrasound, KindPACS, KindRIS, KindHIS, KindLIS, KindEMR,
	KindPatientMonitor, KindCentralStation, KindDialysis, KindEdgeGateway, KindInfusionPump,
	KindLabAnalyzer, KindDeviceServer, KindApplicationServer, KindWorkstation, KindNetwork, KindOther,
}

// Connectivity is one way an asset is connected [000 §6 trusted connections].
type Connectivity string

// Connectivity values.
const (
	ConnInternet  Connectivity = "internet"
	ConnIntranet  Connectivity = "intranet"
	ConnLocalLAN  Connectivity = "local-lan"
	ConnWiFi      Connectivity = "wifi"
	ConnRS232     Connectivity = "rs232"
	ConnBluetooth Connectivity = "bluetooth"
	ConnRF        Connectivity = "rf"
	ConnIR        Connectivity = "ir"
)

// Connectivities lists every connectivity value, in display order.
var Connectivities = []Connectivity{ConnInternet, ConnIntranet, ConnLocalLAN, ConnWiFi, ConnRS232, ConnBluetooth, ConnRF, ConnIR}

// DataClass is what data an asset holds [001 ch.1].
type DataClass string

// Data classes.
const (
	DataSensitivePersonal DataClass = "sensitive-personal" // sensitive medical data with personal information
	DataNonSensitive      DataClass = "non-sensitive"      // non-sensitive medical data
	DataDeviceOnly        DataClass = "device-only"        // device data only
	// DataUnknown is not yet classified; checks treat it as the most sensitive class.
	DataUnknown DataClass = "unknown"
)

// DataClasses lists every data class.
var DataClasses = []DataClass{DataSensitivePersonal, DataNonSensitive, DataDeviceOnly, DataUnknown}

// Tristate is a yes/no answer that may still be unknown.
type Tristate string

// Tristate values.
const (
	Unknown Tristate = "unknown"
	Yes     Tristate = "yes"
	No      Tristate = "no"
)

// Tristates lists the tristate values.
var Tristates = []Tristate{Unknown, Yes, No}

// CredentialStatus says whether an asset still uses its manufacturer's default credentials.
type CredentialStatus string

// Credential statuses.
const (
	CredUnknown   CredentialStatus = "unknown"
	CredChanged   CredentialStatus = "changed"
	CredUnchanged CredentialStatus = "unchanged"
	CredNone      CredentialStatus = "none" // the device has no login
)

// CredentialStatuses lists the credential statuses.
var CredentialStatuses = []CredentialStatus{CredUnknown, CredChanged, CredUnchanged, CredNone}

// Level is a baseline level of 000 附表一: 普 (low), 中 (moderate), 高 (high).
type Level string

// Levels.
const (
	LevelNone     Level = ""
	LevelLow      Level = "low"
	LevelModerate Level = "moderate"
	LevelHigh     Level = "high"
)

// Levels lists the levels in increasing order.
var Levels = []Level{LevelLow, LevelModerate, LevelHigh}

// DeviceClass is an asset's class in the grouping model of 000 §4: two groups (terminal
// devices, control systems), five classes, and the boundary hosts of group- and
// system-type devices. "" means not classified (for example an IT system outside the model).
type DeviceClass string

// Device classes; the values match package zone's.
const (
	ClassNone        DeviceClass = ""
	ClassStandalone  DeviceClass = "standalone"         // 終端單機
	ClassGroup       DeviceClass = "group"              // 群組型儀器
	ClassSystem      DeviceClass = "system"             // 系統型儀器
	ClassBoundary    DeviceClass = "boundary-host"      // 邊界主機
	ClassControl     DeviceClass = "control-system"     // 醫儀控制系統
	ClassApplication DeviceClass = "application-system" // 醫儀應用系統
)

// DeviceClasses lists the classes.
var DeviceClasses = []DeviceClass{ClassStandalone, ClassGroup, ClassSystem, ClassBoundary, ClassControl, ClassApplication}

// AssetStatus is an asset's place in its life.
type AssetStatus string

// Asset statuses.
const (
	StatusActive  AssetStatus = "active"
	StatusRetired AssetStatus = "retired"
)

// Asset is one networked medical device or medical information system [M1].
type Asset struct {
	ID           int64     `json:"id"`
	SiteID       int64     `json:"site_id"`
	DepartmentID int64     `json:"department_id,omitempty"`
	Name         string    `json:"name"`
	Kind         AssetKind `json:"kind"`
	VendorID     int64     `json:"vendor_id,omitempty"`
	Model        string    `json:"model,omitempty"`
	Serial       string    `json:"serial,omitempty"`
	Software     string    `json:"software_version,omitempty"`
	Firmware     string    `json:"firmware_version,omitempty"`
	// FirmwareCPE is the CPE 2.3 name of the device's firmware or software
	// ("cpe:2.3:o:philips:intellivue_mx40_firmware:b.06.17:*:*:*:*:*:*:*"), HardwareCPE
	// that of the device itself, PURL a package URL; vulnerability matching reads them.
	FirmwareCPE string   `json:"firmware_cpe,omitempty"`
	HardwareCPE string   `json:"hardware_cpe,omitempty"`
	PURL        string   `json:"purl,omitempty"`
	IPs         []string `json:"ips"`
	MACs        []string `json:"macs"`
	// AETitles are the DICOM application entity titles the device uses; passive discovery
	// matches them.
	AETitles []string `json:"ae_titles"`
	VLAN     int      `json:"vlan,omitempty"`
	SSID     string   `json:"ssid,omitempty"`
	Location string   `json:"location,omitempty"`
	// ResponsibleID is the person answerable for the asset.
	ResponsibleID int64          `json:"responsible_id,omitempty"`
	VendorContact string         `json:"vendor_contact,omitempty"`
	Connectivity  []Connectivity `json:"connectivity"`
	DataClass     DataClass      `json:"data_class"`
	// PatientRecords is how many patients' records the asset holds.
	PatientRecords int64 `json:"patient_records"`
	// EndOfSupport is the manufacturer's end-of-support date; zero when unknown.
	EndOfSupport      Date             `json:"end_of_support,omitzero"`
	RemoteMaintenance string           `json:"remote_maintenance,omitempty"`
	PatchingPermitted Tristate         `json:"patching_permitted"`
	DefaultCreds      CredentialStatus `json:"default_credentials"`
	// Class is the confirmed class in the grouping model.
	Class DeviceClass `json:"class,omitempty"`
	// Level is the baseline level set by hand; zones set it once they exist.
	Level     Level       `json:"level,omitempty"`
	Notes     string      `json:"notes,omitempty"`
	Status    AssetStatus `json:"status"`
	RetiredAt time.Time   `json:"retired_at,omitzero"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
	// Version increases with every update; an update naming an older version is a conflict.
	Version int64 `json:"version"`

	// Names of the referenced rows, filled by reads for display.
	SiteName        string `json:"site_name,omitempty"`
	DepartmentName  string `json:"department_name,omitempty"`
	VendorName      string `json:"vendor_name,omitempty"`
	ResponsibleName string `json:"responsible_name,omitempty"`
}

// FieldError is one invalid field of an input, located by line when it came from a file.
type FieldError struct {
	// File is the file inside an upload (a zip, a directory) the problem is in; empty
	// when the upload is one file (ValidationError.Source names it).
	File  string `json:"file,omitempty"`
	Line  int    `json:"line,omitempty"`
	Field string `json:"field"`
	// Key names the problem for translation; Message says it in English.
	Key     string `json:"key"`
	Message string `json:"message"`
	// Value is the text the problem is about, as written in the input (an unknown
	// department's name, a cell that is not a date), shown beside the translated problem.
	// Empty when the problem has no such value, such as a missing column.
	Value string `json:"value,omitempty"`
	// Args are the values Key's message puts in, in order (a Sigma rule's problem:
	// the unknown modifier, the character position in a condition); a user interface
	// formats Key's translation with them.
	Args []string `json:"args,omitempty"`
	// FieldArgs are the positions in Args that hold field names ("high_hours"): a user
	// interface puts the field's label in its language there (the form's "Score ≥ 7.0
	// (hours)"), while Args keeps the name for programs.
	FieldArgs []int `json:"field_args,omitempty"`
	// Enum names the set of values the field takes ("kind", "connectivity", "data_class",
	// "tristate", "cred", "level", "status", "class") and Allowed lists them, canonical,
	// when the problem is a value outside the set; a user interface shows them translated.
	Enum    string   `json:"enum,omitempty"`
	Allowed []string `json:"allowed,omitempty"`
}

// Error implements the error interface.
// It reads "file: line N: field: message", leaving out the parts the problem lacks.
func (e FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File + ": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// ValidationError is every problem found in an input; it is an EINVALID error.
type ValidationError struct {
	Source string `json:"source,omitempty"`
	// Sheet is the worksheet of a workbook the problems were found in; empty for other
	// inputs.
	Sheet  string       `json:"sheet,omitempty"`
	Errors []FieldError `json:"errors"`
}

// Error implements the error interface.
func (e *ValidationError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source + ": ")
	}
	if e.Sheet != "" {
		b.WriteString("sheet " + e.Sheet + ": ")
	}
	for i, fe := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(fe.Error())
	}
	return b.String()
}

var macPattern = regexp.MustCompile(`^[0-9a-f]{2}(:[0-9a-f]{2}){5}$`)

// aeTitlePattern is a DICOM AE title: up to 16 characters of the default repertoire
// without backslash or control characters [PS3.5 table 6.2-1, AE].
var aeTitlePattern = regexp.MustCompile(`^[ -\[\]-~]{1,16}$`)

// Normalize puts an asset's free-form fields in canonical form: trimmed names, lower-case
// colon-separated MACs, canonical IPs, sorted connectivity, and defaults for unset enums.
func (a *Asset) Normalize() {
	a.Name = strings.TrimSpace(a.Name)
	a.Model = strings.TrimSpace(a.Model)
	a.Serial = strings.TrimSpace(a.Serial)
	for i, ip := range a.IPs {
		ip = strings.TrimSpace(ip)
		if addr, err := netip.ParseAddr(ip); err == nil {
			ip = addr.String()
		}
		a.IPs[i] = ip
	}
	a.IPs = slices.DeleteFunc(a.IPs, func(s string) bool { return s == "" })
	for i, mac := range a.MACs {
		mac = strings.ToLower(strings.TrimSpace(mac))
		mac = strings.ReplaceAll(mac, "-", ":")
		a.MACs[i] = mac
	}
	a.MACs = slices.DeleteFunc(a.MACs, func(s string) bool { return s == "" })
	for i, ae := range a.AETitles {
		a.AETitles[i] = strings.TrimSpace(ae)
	}
	a.AETitles = slices.DeleteFunc(a.AETitles, func(s string) bool { return s == "" })
	slices.Sort(a.Connectivity)
	a.Connectivity = slices.Compact(a.Connectivity)
	if a.Status == "" {
		a.Status = StatusActive
	}
	if a.PatchingPermitted == "" {
		a.PatchingPermitted = Unknown
	}
	if a.DefaultCreds == "" {
		a.DefaultCreds = CredUnknown
	}
	if a.DataClass == "" {
		a.DataClass = DataUnknown
	}
	if a.Kind == "" {
		a.Kind = KindOther
	}
}

// Validate returns every invalid field of a normalized asset as a *ValidationError, or nil.
func (a *Asset) Validate() error {
	var errs []FieldError
	add := func(field, key, msg string) { errs = append(errs, FieldError{Field: field, Key: key, Message: msg}) }
	if a.Name == "" {
		add("name", "err.required", "is required")
	}
	if a.SiteID <= 0 {
		add("site", "err.required", "is required")
	}
	if !slices.Contains(AssetKinds, a.Kind) {
		add("kind", "err.unknown_value", fmt.Sprintf("unknown kind %q", a.Kind))
	}
	if len(a.IPs) <= MaxAssetAddresses { // else checkText reports the count
		for _, ip := range a.IPs {
			if _, err := netip.ParseAddr(ip); err != nil {
				add("ips", "err.bad_ip", fmt.Sprintf("%q is not an IP address", ip))
			}
		}
	}
	if len(a.MACs) <= MaxAssetAddresses { // else checkText reports the count
		for _, mac := range a.MACs {
			if !macPattern.MatchString(mac) {
				add("macs", "err.bad_mac", fmt.Sprintf("%q is not a MAC address", mac))
			}
		}
	}
	if len(a.AETitles) <= MaxAssetAddresses { // else checkText reports the count
		for _, ae := range a.AETitles {
			if !aeTitlePattern.MatchString(ae) {
				add("ae_titles", "err.bad_ae_title", fmt.Sprintf("%q is not a DICOM AE title (1-16 characters, no backslash)", ae))
			}
		}
	}
	if a.VLAN < 0 || a.VLAN > 4094 {
		add("vlan", "err.bad_vlan", "must be between 0 and 4094")
	}
	// The identifiers vulnerability matching reads: checked as the SBOM import checks a
	// component's (a malformed one would never match, silently).
	for _, c := range []struct{ field, v string }{{"firmware_cpe", a.FirmwareCPE}, {"hardware_cpe", a.HardwareCPE}} {
		if c.v != "" && !ValidCPE(c.v) {
			add(c.field, "sbom.err.cpe", fmt.Sprintf("%q is not a CPE 2.3 formatted string or CPE 2.2 URI", c.v))
		}
	}
	if a.PURL != "" {
		if _, err := CanonicalPURL(a.PURL); err != nil {
			add("purl", "sbom.err.purl", fmt.Sprintf("%q is not a package URL: %v", a.PURL, err))
		}
	}
	for _, c := range a.Connectivity {
		if !slices.Contains(Connectivities, c) {
			add("connectivity", "err.unknown_value", fmt.Sprintf("unknown connectivity %q", c))
		}
	}
	if !slices.Contains(DataClasses, a.DataClass) {
		add("data_class", "err.unknown_value", fmt.Sprintf("unknown data class %q", a.DataClass))
	}
	if a.PatientRecords < 0 {
		add("patient_records", "err.negative", "must not be negative")
	}
	if !slices.Contains(Tristates, a.PatchingPermitted) {
		add("patching_permitted", "err.unknown_value", fmt.Sprintf("unknown value %q", a.PatchingPermitted))
	}
	if !slices.Contains(CredentialStatuses, a.DefaultCreds) {
		add("default_credentials", "err.unknown_value", fmt.Sprintf("unknown value %q", a.DefaultCreds))
	}
	if a.Class != ClassNone && !slices.Contains(DeviceClasses, a.Class) {
		add("class", "err.unknown_value", fmt.Sprintf("unknown class %q", a.Class))
	}
	if a.Level != LevelNone && !slices.Contains(Levels, a.Level) {
		add("level", "err.unknown_value", fmt.Sprintf("unknown level %q", a.Level))
	}
	if a.Status != StatusActive && a.Status != StatusRetired {
		add("status", "err.unknown_value", fmt.Sprintf("unknown status %q", a.Status))
	}
	errs = append(errs, a.checkText()...)
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// checkText checks the characters of the asset's text fields and the size of its lists.
func (a *Asset) checkText() []FieldError {
	var c textChecks
	c.lineMax("name", MaxNameLength, a.Name)
	c.line("model", a.Model)
	c.line("serial", a.Serial)
	c.line("software_version", a.Software)
	c.line("firmware_version", a.Firmware)
	c.line("firmware_cpe", a.FirmwareCPE)
	c.line("hardware_cpe", a.HardwareCPE)
	c.line("purl", a.PURL)
	c.line("ssid", a.SSID)
	c.line("location", a.Location)
	c.line("vendor_contact", a.VendorContact)
	c.line("remote_maintenance", a.RemoteMaintenance)
	c.text("notes", a.Notes)
	c.count("ips", len(a.IPs), MaxAssetAddresses)
	c.count("macs", len(a.MACs), MaxAssetAddresses)
	c.count("ae_titles", len(a.AETitles), MaxAssetAddresses)
	c.count("connectivity", len(a.Connectivity), MaxListItems)
	return c.errs
}

// AssetFilter selects assets for a list. Zero fields do not filter.
type AssetFilter struct {
	SiteID       int64
	DepartmentID int64
	VendorID     int64
	Kind         AssetKind
	Status       AssetStatus
	// Query matches any text field, case-insensitively.
	Query string
	// SupportEnded keeps the assets whose manufacturer's end of support is before today
	// (by the store's clock); assets with no date are not among them.
	SupportEnded bool
	// InUseFrom and InUseTo, when InUseTo is set, select the assets in use at some time in
	// [InUseFrom, InUseTo), whatever their status now: created before InUseTo and not
	// retired before InUseFrom (the assets of a closed period's report). An asset retired
	// and put back in use has no retirement time left and counts as in use throughout.
	// Each is then as recorded at InUseTo, rewound from the audit trail's "before" values
	// (its site, department, name, class, level, addresses then), selected by the site
	// and department it then had, in name order whatever Sort says.
	InUseFrom, InUseTo time.Time
	// Sort is a field name, optionally prefixed with "-" for descending order.
	Sort   string
	Offset int
	Limit  int
}

// AssetSortFields lists the fields an asset list can be sorted by.
var AssetSortFields = []string{"name", "kind", "site", "department", "vendor", "model", "end_of_support", "updated_at"}

// AssetService manages the inventory. Every method checks the caller's role and sites
// (taken from the context) and writes its audit row in the same transaction as its change.
type AssetService interface {
	// FindAssetByID returns an asset the caller may see, or ENOTFOUND.
	FindAssetByID(ctx context.Context, id int64) (*Asset, error)
	// FindAssets returns the page of assets the filter selects and the total count.
	FindAssets(ctx context.Context, filter AssetFilter) ([]*Asset, int, error)
	// EachAsset calls fn with every asset the caller may see and the filter selects, in
	// the filter's order, ignoring Offset and Limit; it reads them as it goes, so memory
	// does not grow with the inventory. It stops at fn's first error and returns it.
	EachAsset(ctx context.Context, filter AssetFilter, fn func(*Asset) error) error
	// CreateAsset validates and stores a new asset, setting its ID. EINVALID, EFORBIDDEN.
	CreateAsset(ctx context.Context, a *Asset) error
	// UpdateAsset replaces an asset's fields; a stale Version is ECONFLICT.
	UpdateAsset(ctx context.Context, a *Asset) error
	// RetireAsset marks an asset retired; it stays in the inventory and its history.
	RetireAsset(ctx context.Context, id int64) error
	// ChangeAssets applies one change to many assets in one transaction, checking the
	// caller's role and scope for each asset and writing each asset's audit row: every
	// asset changes or none does. An asset the caller may not see or change, a department
	// or zone of another site than an asset's, is EINVALID/EFORBIDDEN naming the asset.
	ChangeAssets(ctx context.Context, c AssetBulkChange) (AssetBulkResult, error)
	// ImportAssets stores all rows of a file or none: any problem — one the file's reader
	// found (imp.Problems) or one only the store can see (an unknown site, department,
	// vendor or person, a duplicate row) — rejects the whole import with one
	// *ValidationError listing every problem, columns named by their headers as written.
	// Rows matching an existing asset update it; a row equal to it changes nothing. With
	// imp.CreateMissing, unknown departments and vendors are created in the same
	// transaction, each with its audit row.
	ImportAssets(ctx context.Context, imp AssetImport) (ImportResult, error)
}

// AssetImport is one file's rows for ImportAssets, with what its reader found.
type AssetImport struct {
	// Source names the file in problems and in the audit trail.
	Source string
	// Sheet is the worksheet read from a workbook; empty otherwise.
	Sheet string
	Rows  []AssetRow
	// Headers maps a canonical column name ("site", "department", "vendor", ...) to its
	// header as written in the file, so that problems name the column as the user wrote
	// it; a column missing from the map is named by its canonical name.
	Headers map[string]string
	// Problems are those the reader found; the rows of a file with problems are still
	// given, so that one import reports every problem at once.
	Problems []FieldError
	// CreateMissing creates the departments and vendors the rows name that do not exist
	// yet, instead of reporting them as unknown. People are never created this way.
	CreateMissing bool
}

// AssetRow is one row of an asset import: the asset with its references by name, as
// hospitals' spreadsheets hold them, and the row's line in the file.
type AssetRow struct {
	Line        int
	Asset       Asset
	Site        string
	Department  string
	Vendor      string
	Responsible string
}

// ImportResult counts what an import did.
type ImportResult struct {
	// Sheet names the worksheet read from a workbook; empty for a CSV.
	Sheet   string `json:"sheet,omitempty"`
	Created int    `json:"created"`
	Updated int    `json:"updated"`
	// Unchanged counts the rows equal to the asset they match, which were left alone.
	Unchanged int `json:"unchanged"`
	// NewDepartments and NewVendors name what an import with CreateMissing created;
	// departments as "site / department".
	NewDepartments []string `json:"new_departments,omitempty"`
	NewVendors     []string `json:"new_vendors,omitempty"`
}
