package medsec

import (
	"context"
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
	Hosts     []ScanHost
}

// ScanService stores scanner reports and attaches them to assets.
type ScanService interface {
	// ImportScan stores the report in one transaction with its audit row, attaching each
	// host to the one asset of the caller's scope it matches (by address, else host name,
	// else SBOM); a host that matches none or several stays unattached. The CVEs of the
	// attached hosts' results become findings (source "scanner") in the same transaction. Needs
	// PermInventoryWrite; a chosen asset outside the scope is ENOTFOUND.
	ImportScan(ctx context.Context, imp ScanImport) (*ScanReport, error)
	// FindScanReports lists the reports, newest first. Needs PermInventoryRead.
	FindScanReports(ctx context.Context) ([]*ScanReport, error)
	// FindScanReport returns a report with the hosts the caller may see: those attached
	// to assets of its scope, and the unattached ones for a caller limited to no site or
	// vendor. Needs PermInventoryRead.
	FindScanReport(ctx context.Context, id int64) (*ScanReport, error)
	// FindAssetScanResults returns the scanner results attached to the asset, newest
	// report first. Needs PermInventoryRead; ENOTFOUND outside the scope.
	FindAssetScanResults(ctx context.Context, assetID int64) ([]ScanResult, error)
}
