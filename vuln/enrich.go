package vuln

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// KEVEntry is one entry of CISA's Known Exploited Vulnerabilities catalog
// (known_exploited_vulnerabilities_schema.json).
type KEVEntry struct {
	CVE            string    `json:"cveID"`
	VendorProject  string    `json:"vendorProject"`
	Product        string    `json:"product"`
	Name           string    `json:"vulnerabilityName"`
	DateAdded      time.Time `json:"-"`
	DueDate        time.Time `json:"-"`
	RequiredAction string    `json:"requiredAction"`
	Ransomware     string    `json:"knownRansomwareCampaignUse"`
}

// KEVCatalog is the catalog: its version, release time and entries.
type KEVCatalog struct {
	Version  string
	Released time.Time
	Entries  []KEVEntry
}

// ParseKEV reads CISA's KEV catalog JSON. An entry without a valid cveID or with a
// dateAdded or dueDate that is not a date is refused with an *InputError naming the JSON
// pointer ("/vulnerabilities/12/dueDate").
func ParseKEV(file string, data []byte) (*KEVCatalog, error) {
	var doc struct {
		Title           string `json:"title"`
		CatalogVersion  string `json:"catalogVersion"`
		DateReleased    string `json:"dateReleased"`
		Vulnerabilities []struct {
			KEVEntry
			DateAdded string `json:"dateAdded"`
			DueDate   string `json:"dueDate"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, notJSON(file, "KEV", data, err)
	}
	if doc.Vulnerabilities == nil {
		return nil, inputErr(file, "/vulnerabilities", "KEV: missing")
	}
	c := &KEVCatalog{Version: doc.CatalogVersion}
	var err error
	if c.Released, err = parseTime(doc.DateReleased); err != nil {
		return nil, inputErr(file, "/dateReleased", "%v", err)
	}
	for i, v := range doc.Vulnerabilities {
		e := v.KEVEntry
		if !cveIDPattern.MatchString(e.CVE) {
			return nil, inputErr(file, jsonPointer("vulnerabilities", i, "cveID"), "%q is not a CVE ID", e.CVE)
		}
		if e.DateAdded, err = parseTime(v.DateAdded); err != nil {
			return nil, inputErr(file, jsonPointer("vulnerabilities", i, "dateAdded"), "%v", err)
		}
		if e.DueDate, err = parseTime(v.DueDate); err != nil {
			return nil, inputErr(file, jsonPointer("vulnerabilities", i, "dueDate"), "%v", err)
		}
		c.Entries = append(c.Entries, e)
	}
	return c, nil
}

// EPSSScore is one row of FIRST's EPSS daily file: the probability (0–1) of exploitation
// activity in the next 30 days and its percentile (0–1).
type EPSSScore struct {
	CVE        string
	EPSS       float64
	Percentile float64
}

// EPSSFile is a parsed EPSS file: the model version and score date of its comment line and
// the scores.
type EPSSFile struct {
	Model  string
	Date   time.Time
	Scores []EPSSScore
}

// MaxEPSSSize bounds an EPSS file once decompressed (bytes) and MaxEPSSRows its score
// rows. FIRST's full daily file is about 11 MB and 300,000 rows uncompressed; the bounds
// leave room for growth while a gzip bomb (a few MB expanding to GB) is refused after
// reading at most MaxEPSSSize bytes.
const (
	MaxEPSSSize = 64 << 20
	MaxEPSSRows = 1_000_000
)

// limitedReader reads at most n bytes from r, then fails with errTooLarge (unlike
// io.LimitReader, which ends silently and would make a cut file look whole).
type limitedReader struct {
	r io.Reader
	n int64
}

var errTooLarge = errors.New("too large")

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// ParseEPSS reads FIRST's EPSS CSV ("epss_scores-YYYY-MM-DD.csv"), gzip-compressed or not:
// a comment line "#model_version:…,score_date:…", the header "cve,epss,percentile", then
// one row per CVE. The file is read as a stream and bounded: more than MaxEPSSSize bytes
// once decompressed or more than MaxEPSSRows rows is refused. A missing score_date,
// another header, a second row for a CVE (naming the line of the first) or a value
// outside 0–1 is refused with an *InputError naming the line and the column.
func ParseEPSS(file string, data []byte) (*EPSSFile, error) {
	var r io.Reader = bytes.NewReader(data)
	if len(data) > 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, inputErr(file, "", "gzip: %v", err)
		}
		defer zr.Close()
		r = zr
	}
	lr := &limitedReader{r: r, n: MaxEPSSSize}
	f, err := readEPSS(file, lr)
	if lr.n <= 0 && errors.Is(err, errTooLarge) {
		return nil, inputErr(file, "", "more than %d MiB once decompressed (an EPSS daily file is about 11 MB)", MaxEPSSSize>>20)
	}
	return f, err
}

func readEPSS(file string, r io.Reader) (*EPSSFile, error) {
	br := bufio.NewReader(r)
	first, err := br.ReadString('\n')
	if errors.Is(err, errTooLarge) {
		return nil, err
	}
	if err != nil && first == "" {
		return nil, inputErr(file, "line 1", "empty")
	}
	f := &EPSSFile{}
	first = strings.TrimSpace(first)
	if !strings.HasPrefix(first, "#") {
		return nil, inputErr(file, "line 1", "want the comment line #model_version:…,score_date:…")
	}
	for _, kv := range strings.Split(strings.TrimPrefix(first, "#"), ",") {
		k, v, _ := strings.Cut(kv, ":")
		switch k {
		case "model_version":
			f.Model = v
		case "score_date":
			if f.Date, err = parseTime(v); err != nil {
				return nil, inputErr(file, "line 1", "score_date: %v", err)
			}
		}
	}
	if f.Date.IsZero() {
		return nil, inputErr(file, "line 1", "no score_date")
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = 3
	cr.ReuseRecord = true
	head, err := cr.Read()
	if errors.Is(err, errTooLarge) {
		return nil, err
	}
	if err != nil {
		return nil, inputErr(file, "line 2", "header: %v", err)
	}
	if head[0] != "cve" || head[1] != "epss" || head[2] != "percentile" {
		return nil, inputErr(file, "line 2", "header %q is not cve,epss,percentile", strings.Join(head, ","))
	}
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errTooLarge) {
			return nil, err
		}
		// The comment line is line 1; csv counts from the header (its line 1).
		line, _ := cr.FieldPos(0)
		line++
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.Line + 1
			}
			return nil, inputErr(file, fmt.Sprintf("line %d", line), "%v", err)
		}
		if len(f.Scores) == MaxEPSSRows {
			return nil, inputErr(file, fmt.Sprintf("line %d", line), "more than %d score rows (an EPSS daily file has about 300,000)", MaxEPSSRows)
		}
		s := EPSSScore{CVE: rec[0]}
		if !cveIDPattern.MatchString(s.CVE) {
			return nil, inputErr(file, fmt.Sprintf("line %d", line), "cve: %q is not a CVE ID", s.CVE)
		}
		if prev, dup := seen[s.CVE]; dup {
			return nil, inputErr(file, fmt.Sprintf("line %d", line), "cve: %s is also on line %d (one row per CVE)", s.CVE, prev)
		}
		seen[s.CVE] = line
		if s.EPSS, err = strconv.ParseFloat(rec[1], 64); err != nil || s.EPSS < 0 || s.EPSS > 1 {
			return nil, inputErr(file, fmt.Sprintf("line %d", line), "epss: %q is not a probability 0–1", rec[1])
		}
		if s.Percentile, err = strconv.ParseFloat(rec[2], 64); err != nil || s.Percentile < 0 || s.Percentile > 1 {
			return nil, inputErr(file, fmt.Sprintf("line %d", line), "percentile: %q is not 0–1", rec[2])
		}
		f.Scores = append(f.Scores, s)
	}
	return f, nil
}
