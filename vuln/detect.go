package vuln

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"regexp"

	"medsec"
)

// Format names a kind of input file medsec's vulnerability import reads.
type Format string

// The formats DetectFormat recognises.
const (
	FormatUnknown Format = ""
	// FormatCSAF is a CSAF 2.0 document (advisory or VEX).
	FormatCSAF Format = "csaf"
	// FormatNVD is NVD CVE API 2.0 JSON (a page, a yearly file or a record).
	FormatNVD Format = "nvd"
	// FormatKEV is CISA's KEV catalog JSON.
	FormatKEV Format = "kev"
	// FormatEPSS is FIRST's EPSS CSV, plain or gzip.
	FormatEPSS Format = "epss"
	// FormatCSAFProvider is a CSAF provider-metadata.json (CSAF 2.0 §7.1.7); FormatROLIE a
	// ROLIE feed of CSAF documents (§7.1.20). Both list advisories to fetch, not advisories.
	FormatCSAFProvider Format = "csaf-provider-metadata"
	FormatROLIE        Format = "rolie"
)

var (
	csafMark     = regexp.MustCompile(`"csaf_version"\s*:`)
	providerMark = regexp.MustCompile(`"canonical_url"\s*:`)
	rolieMark    = regexp.MustCompile(`^\s*\{\s*"feed"\s*:`)
	kevMark      = regexp.MustCompile(`"(?:cveID|catalogVersion)"\s*:\s*"`)
	nvdMark      = regexp.MustCompile(`"format"\s*:\s*"NVD_CVE"|"sourceIdentifier"\s*:|"cve"\s*:\s*\{`)
)

// DetectFormat tells a file's format from its content (the name is not trusted): gzip is
// looked into; CSV with the EPSS comment or header is EPSS; a JSON object is told by its
// keys. It returns FormatUnknown for anything else (an SBOM or a scanner report is
// recognised by their own readers).
func DetectFormat(data []byte) Format {
	head := data
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return FormatUnknown
		}
		head, _ = io.ReadAll(io.LimitReader(zr, 4096))
	}
	t := bytes.TrimLeft(head, "\ufeff \t\r\n")
	if bytes.HasPrefix(t, []byte("#model_version")) || bytes.HasPrefix(t, []byte("cve,epss")) {
		return FormatEPSS
	}
	if len(t) == 0 || t[0] != '{' {
		return FormatUnknown
	}
	// The marks are looked for in the whole document: writers may put keys in any order.
	doc := data
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		doc = head
	}
	switch {
	case csafMark.Match(doc):
		return FormatCSAF
	case providerMark.Match(doc) && bytes.Contains(doc, []byte(`"metadata_version"`)):
		return FormatCSAFProvider
	case rolieMark.Match(doc):
		return FormatROLIE
	case kevMark.Match(doc):
		return FormatKEV
	case nvdMark.Match(doc):
		return FormatNVD
	}
	return FormatUnknown
}

// maxFeedSize bounds a decompressed feed file: NVD's largest yearly file is about 1 GB of
// JSON uncompressed.
const maxFeedSize = 4 << 30

// gunzip returns data decompressed when it is gzip, else data; more than maxFeedSize
// decompressed bytes is refused (not cut short).
func gunzip(file string, data []byte) ([]byte, error) {
	if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
		return data, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, inputErr(file, "", "gzip: %v", err)
	}
	out, err := io.ReadAll(&limitedReader{r: zr, n: maxFeedSize})
	if errors.Is(err, errTooLarge) {
		return nil, inputErr(file, "", "gzip: more than %d GiB once decompressed", maxFeedSize>>30)
	}
	if err != nil {
		return nil, inputErr(file, "", "gzip: %v", err)
	}
	return out, nil
}

// Feed is what one input file holds.
type Feed struct {
	Format     Format
	Advisories []*Advisory
	KEV        *KEVCatalog
	EPSS       *EPSSFile
}

// ReadFeed detects a file's format and parses it, gzip or not (NVD's yearly files and
// FIRST's EPSS file are served gzip-compressed). It returns an *InputError naming the
// file for an unknown format or a bad file.
//
// An EPSS file is parsed as a stream straight from the gzip reader, bounded by MaxEPSSSize
// and MaxEPSSRows, never decompressed whole first.
func ReadFeed(file string, data []byte) (Feed, error) {
	if DetectFormat(data) == FormatEPSS {
		e, err := ParseEPSS(file, data)
		return Feed{Format: FormatEPSS, EPSS: e}, err
	}
	data, err := gunzip(file, data)
	if err != nil {
		return Feed{}, err
	}
	f := Feed{Format: DetectFormat(data)}
	switch f.Format {
	case FormatCSAF:
		var a *Advisory
		if a, err = ParseCSAF(file, data); err == nil {
			f.Advisories = []*Advisory{a}
		}
	case FormatNVD:
		f.Advisories, err = ParseNVD(file, data)
	case FormatKEV:
		f.KEV, err = ParseKEV(file, data)
	case FormatEPSS:
		f.EPSS, err = ParseEPSS(file, data)
	case FormatCSAFProvider, FormatROLIE:
		err = inputErr(file, "", "a %s lists advisories to fetch: use the mirror fetch (medsec vuln fetch --mirror URL)", f.Format)
	default:
		err = inputErr(file, "", "not a CSAF 2.0, NVD CVE API 2.0, CISA KEV or FIRST EPSS file")
	}
	return f, err
}

// Batch is one import of feeds: advisories (CSAF, NVD), CISA's KEV catalog and a FIRST
// EPSS file, any of them empty. Files names the inputs for the audit trail.
type Batch struct {
	Files      []string
	Advisories []*Advisory
	KEV        *KEVCatalog
	EPSS       *EPSSFile
	// Scans are scanner reports, stored as the scan service stores them (hosts attached
	// by address, host name or SBOM; their CVEs findings), in the same transaction.
	Scans []medsec.ScanImport
}

// Add puts what one file holds into the batch (a later KEV or EPSS file replaces an
// earlier one).
func (b *Batch) Add(file string, f Feed) {
	b.Files = append(b.Files, file)
	b.Advisories = append(b.Advisories, f.Advisories...)
	if f.KEV != nil {
		b.KEV = f.KEV
	}
	if f.EPSS != nil {
		b.EPSS = f.EPSS
	}
}
