// Package scanreport reads vulnerability scanners' reports — Greenbone/OpenVAS XML (GMP
// get_reports, GMP 9 to 22), Nessus v2 (.nessus, plain or gzip), Trivy JSON (SchemaVersion
// 2) and Grype JSON — into one shape: the hosts or artifacts scanned and, for each, the
// results with their CVEs, severity, CVSS, port or package. A file that is not one of them,
// or is malformed, is refused as a whole with a *medsec.ValidationError naming the file and
// the line (XML, JSON syntax) or the JSON path.
package scanreport

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"medsec"
)

// Format names a scanner report format.
type Format string

// The formats Parse reads.
const (
	OpenVAS Format = "openvas-xml"
	Nessus  Format = "nessus"
	Trivy   Format = "trivy-json"
	Grype   Format = "grype-json"
)

// MaxSize is the largest report, in bytes (after gunzip), Parse reads.
const MaxSize = 256 << 20

// Report is one scanner report.
type Report struct {
	Format Format `json:"format"`
	// Scanner names the scanner and, where the report says it, its version.
	Scanner string `json:"scanner"`
	// ScannedAt is when the scan ran, zero when the report does not say.
	ScannedAt time.Time `json:"scanned_at,omitzero"`
	// ScannedAtField is where in the file ScannedAt was read ("CreatedAt",
	// "report/scan_start"), for an error about it.
	ScannedAtField string `json:"-"`
	Hosts          []Host `json:"hosts"`
}

// Host is one scanned host (network scanners) or artifact (image and SBOM scanners).
type Host struct {
	// Address is the IP address as the report writes it (possibly invalid: reports are
	// anonymised by hand), Hostname its DNS or NetBIOS name.
	Address  string `json:"address,omitempty"`
	Hostname string `json:"hostname,omitempty"`
	// Target is the artifact an image or SBOM scanner read (an image name, an SBOM file).
	Target string `json:"target,omitempty"`
	// OS is the operating system the scanner found (a CPE when it gives one).
	OS      string   `json:"os,omitempty"`
	Results []Result `json:"results"`
}

// Severity levels, from the scanner's own rating: CVSS v3.1 §5's qualitative names, and
// info for a result that is not a vulnerability (a log line, a detected service).
const (
	SevCritical = "critical"
	SevHigh     = "high"
	SevMedium   = "medium"
	SevLow      = "low"
	SevInfo     = "info"
	SevUnknown  = "unknown"
)

// Result is one finding of the scanner on a host.
type Result struct {
	// ID is the scanner's identifier of the test or vulnerability (a Nessus plugin ID, an
	// OpenVAS NVT OID, a Trivy or Grype vulnerability ID).
	ID       string `json:"id"`
	Title    string `json:"title"`
	Severity string `json:"severity"`
	// Score is the CVSS score the scanner gives (0 when none); Vector its CVSS vector.
	Score  float64 `json:"score,omitempty"`
	Vector string  `json:"vector,omitempty"`
	// Port is "443/tcp" for a network finding.
	Port string   `json:"port,omitempty"`
	CVEs []string `json:"cves"`
	// Package, Version, FixedVersion and PURL name the vulnerable package of an image or
	// SBOM scan.
	Package      string `json:"package,omitempty"`
	Version      string `json:"version,omitempty"`
	FixedVersion string `json:"fixed_version,omitempty"`
	PURL         string `json:"purl,omitempty"`
}

// CVEs returns every CVE of the report's results, sorted, without repeats.
func (r *Report) CVEs() []string {
	var out []string
	for _, h := range r.Hosts {
		for _, res := range h.Results {
			out = append(out, res.CVEs...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Results counts the report's results.
func (r *Report) Results() int {
	n := 0
	for _, h := range r.Hosts {
		n += len(h.Results)
	}
	return n
}

var cvePattern = regexp.MustCompile(`^CVE-\d{4}-\d{4,}$`)

// cves keeps the well-formed CVE IDs among ids, upper-cased, sorted, without repeats.
func cves(ids ...string) []string {
	out := []string{}
	for _, id := range ids {
		id = strings.ToUpper(strings.TrimSpace(id))
		if cvePattern.MatchString(id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// severityOfScore is CVSS v3.1's qualitative rating of a score (§5).
func severityOfScore(s float64) string {
	switch {
	case s >= 9:
		return SevCritical
	case s >= 7:
		return SevHigh
	case s >= 4:
		return SevMedium
	case s > 0:
		return SevLow
	}
	return SevInfo
}

// severityName reads a scanner's severity word.
func severityName(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return SevCritical
	case "high":
		return SevHigh
	case "medium", "moderate":
		return SevMedium
	case "low", "negligible":
		return SevLow
	case "log", "info", "none", "debug":
		return SevInfo
	}
	return SevUnknown
}

var (
	openvasMark = regexp.MustCompile(`<report[\s>]`)
	nessusMark  = regexp.MustCompile(`<NessusClientData_v2[\s>]`)
	trivyMark   = regexp.MustCompile(`"SchemaVersion"\s*:\s*2\b`)
	trivyMark2  = regexp.MustCompile(`"ArtifactName"\s*:`)
	grypeMark   = regexp.MustCompile(`"matches"\s*:`)
	grypeMark2  = regexp.MustCompile(`"descriptor"\s*:\s*\{\s*"name"\s*:\s*"grype"|"name"\s*:\s*"grype"`)
)

// gunzip returns data uncompressed when it is gzip, else data itself.
func gunzip(data []byte) ([]byte, error) {
	if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(zr, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(out) > MaxSize {
		return nil, fmt.Errorf("larger than %d MB uncompressed", MaxSize>>20)
	}
	return out, nil
}

// Detect says which scanner format data is in (gzip allowed), or "" for none of them. A
// gzip file is decompressed whole only when its first bytes are XML or JSON (a gzip EPSS
// CSV is told apart from its first 512 bytes, not expanded).
func Detect(data []byte) Format {
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return ""
		}
		peek, _ := io.ReadAll(io.LimitReader(zr, 512))
		peek = bytes.TrimLeft(bytes.TrimPrefix(peek, []byte("\xef\xbb\xbf")), " \t\r\n")
		if len(peek) > 0 && peek[0] != '<' && peek[0] != '{' {
			return ""
		}
	}
	data, err := gunzip(data)
	if err != nil {
		return ""
	}
	head := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) == 0 {
		return ""
	}
	if head[0] == '<' {
		h := head[:min(len(head), 8<<10)]
		switch {
		case nessusMark.Match(h):
			return Nessus
		case openvasMark.Match(h) && (bytes.Contains(head, []byte("<results")) || bytes.Contains(h, []byte("<gmp>")) || bytes.Contains(h, []byte("format_id="))):
			return OpenVAS
		}
		return ""
	}
	if head[0] == '{' {
		switch {
		case trivyMark.Match(head) && trivyMark2.Match(head):
			return Trivy
		case grypeMark.Match(head) && grypeMark2.Match(head):
			return Grype
		}
	}
	return ""
}

// Parse reads a report of any format Detect knows; name is the file's name for errors.
func Parse(name string, data []byte) (*Report, error) {
	fail := func(fe medsec.FieldError) error {
		return &medsec.ValidationError{Source: name, Errors: []medsec.FieldError{fe}}
	}
	if len(data) > MaxSize {
		return nil, fail(medsec.FieldError{Field: "file", Key: "scan.err.too_large", Message: fmt.Sprintf("larger than %d MB", MaxSize>>20)})
	}
	raw, err := gunzip(data)
	if err != nil {
		return nil, fail(medsec.FieldError{Field: "file", Key: "scan.err.syntax", Message: "gzip: " + err.Error()})
	}
	var rep *Report
	var fe *medsec.FieldError
	switch Detect(raw) {
	case OpenVAS:
		rep, fe = parseOpenVAS(raw)
	case Nessus:
		rep, fe = parseNessus(raw)
	case Trivy:
		rep, fe = parseTrivy(raw)
	case Grype:
		rep, fe = parseGrype(raw)
	default:
		fe = &medsec.FieldError{Field: "file", Key: "scan.err.format",
			Message: "not a Greenbone/OpenVAS XML, Nessus (.nessus), Trivy JSON or Grype JSON report"}
	}
	if fe != nil {
		return nil, fail(*fe)
	}
	for i := range rep.Hosts {
		if rep.Hosts[i].Results == nil {
			rep.Hosts[i].Results = []Result{}
		}
	}
	if rep.Hosts == nil {
		rep.Hosts = []Host{}
	}
	return rep, nil
}

// Import returns the report as an import for the store: attached to assetID when it is
// not 0, else by each host's address, name or artifact.
func (r *Report) Import(assetID int64, fileName, sha256 string) medsec.ScanImport {
	imp := medsec.ScanImport{AssetID: assetID, Format: string(r.Format), Scanner: r.Scanner, FileName: fileName, SHA256: sha256, ScannedAt: r.ScannedAt, ScannedAtField: r.ScannedAtField}
	for _, h := range r.Hosts {
		sh := medsec.ScanHost{Address: h.Address, Hostname: h.Hostname, Target: h.Target, OS: h.OS, Results: []medsec.ScanResult{}}
		for _, res := range h.Results {
			sh.Results = append(sh.Results, medsec.ScanResult{ScannerID: res.ID, Title: res.Title, Severity: res.Severity, Score: res.Score,
				Vector: res.Vector, Port: res.Port, CVEs: res.CVEs, Package: res.Package, Version: res.Version, FixedVersion: res.FixedVersion, PURL: res.PURL})
		}
		imp.Hosts = append(imp.Hosts, sh)
	}
	return imp
}
