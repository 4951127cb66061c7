package scanreport

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"medsec"
)

// clean keeps an error text short and printable.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200]) + "…"
	}
	return s
}

func lineAt(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// decodeJSON decodes data into v, turning an error into a field error with the line and
// the JSON path of a value of the wrong type.
func decodeJSON(data []byte, v any) *medsec.FieldError {
	err := json.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &medsec.FieldError{Line: lineAt(data, syn.Offset), Field: "json", Key: "scan.err.syntax", Message: "JSON syntax: " + clean(syn.Error())}
	case errors.As(err, &typ):
		return &medsec.FieldError{Line: lineAt(data, typ.Offset), Field: typ.Field, Key: "scan.err.type",
			Message: fmt.Sprintf("JSON %s where %s was expected", typ.Value, typ.Type)}
	}
	return &medsec.FieldError{Field: "json", Key: "scan.err.syntax", Message: clean(err.Error())}
}

// decodeXML decodes data into v, turning an error into a field error with the line.
func decodeXML(data []byte, v any) *medsec.FieldError {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		return &medsec.FieldError{Line: syn.Line, Field: "xml", Key: "scan.err.syntax", Message: "XML syntax: " + clean(syn.Msg)}
	}
	line, _ := dec.InputPos()
	return &medsec.FieldError{Line: line, Field: "xml", Key: "scan.err.syntax", Message: "XML: " + clean(err.Error())}
}

func parseScore(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f > 10 {
		return 0
	}
	return f
}

func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "Mon Jan _2 15:04:05 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// --- Greenbone / OpenVAS (GMP get_reports XML) ---

type ovRef struct {
	ID   string `xml:"id,attr"`
	Type string `xml:"type,attr"`
}

type ovResult struct {
	Name string `xml:"name"`
	Host struct {
		Address  string `xml:",chardata"`
		Hostname string `xml:"hostname"`
	} `xml:"host"`
	Port string `xml:"port"`
	NVT  struct {
		OID      string  `xml:"oid,attr"`
		Name     string  `xml:"name"`
		CVSSBase string  `xml:"cvss_base"`
		Tags     string  `xml:"tags"`
		CVE      string  `xml:"cve"` // GMP 7 and older: "CVE-…, CVE-…" or "NOCVE"
		Refs     []ovRef `xml:"refs>ref"`
		Severity []struct {
			Type  string `xml:"type,attr"`
			Value string `xml:"value"`
		} `xml:"severities>severity"`
	} `xml:"nvt"`
	Threat   string `xml:"threat"`
	Severity string `xml:"severity"`
}

type ovHost struct {
	IP     string `xml:"ip"`
	Detail []struct {
		Name  string `xml:"name"`
		Value string `xml:"value"`
	} `xml:"detail"`
}

type ovBody struct {
	GMP       string     `xml:"gmp>version"`
	ScanStart string     `xml:"scan_start"`
	Results   []ovResult `xml:"results>result"`
	Hosts     []ovHost   `xml:"host"`
}

type ovReport struct {
	XMLName xml.Name `xml:"report"`
	Inner   *ovBody  `xml:"report"`
	ovBody
}

func parseOpenVAS(data []byte) (*Report, *medsec.FieldError) {
	var doc ovReport
	if fe := decodeXML(data, &doc); fe != nil {
		return nil, fe
	}
	body := &doc.ovBody
	if doc.Inner != nil {
		body = doc.Inner
	}
	rep := &Report{Format: OpenVAS, Scanner: "Greenbone/OpenVAS", ScannedAt: parseTime(body.ScanStart), ScannedAtField: "report/scan_start"}
	if doc.Inner != nil {
		rep.ScannedAtField = "report/report/scan_start"
	}
	if body.GMP != "" {
		rep.Scanner += " (GMP " + strings.TrimSpace(body.GMP) + ")"
	}
	hosts := map[string]*Host{}
	var order []string
	host := func(addr string) *Host {
		addr = strings.TrimSpace(addr)
		h, ok := hosts[addr]
		if !ok {
			h = &Host{Address: addr}
			hosts[addr] = h
			order = append(order, addr)
		}
		return h
	}
	for _, hb := range body.Hosts {
		h := host(hb.IP)
		for _, d := range hb.Detail {
			switch d.Name {
			case "hostname":
				if h.Hostname == "" {
					h.Hostname = strings.TrimSpace(d.Value)
				}
			case "best_os_cpe":
				h.OS = strings.TrimSpace(d.Value)
			}
		}
	}
	for i, r := range body.Results {
		if strings.TrimSpace(r.Host.Address) == "" {
			return nil, &medsec.FieldError{Field: fmt.Sprintf("report/results/result[%d]/host", i+1), Key: "scan.err.missing", Message: "the result names no host"}
		}
		h := host(r.Host.Address)
		if h.Hostname == "" {
			h.Hostname = strings.TrimSpace(r.Host.Hostname)
		}
		res := Result{ID: r.NVT.OID, Title: strings.TrimSpace(r.Name), Port: strings.TrimSpace(r.Port), Score: parseScore(r.Severity)}
		if res.Title == "" {
			res.Title = strings.TrimSpace(r.NVT.Name)
		}
		var ids []string
		for _, ref := range r.NVT.Refs {
			if strings.EqualFold(ref.Type, "cve") {
				ids = append(ids, ref.ID)
			}
		}
		ids = append(ids, strings.Split(r.NVT.CVE, ",")...)
		res.CVEs = cves(ids...)
		for _, s := range r.NVT.Severity {
			if strings.HasPrefix(s.Type, "cvss_base_v3") || strings.HasPrefix(strings.TrimSpace(s.Value), "CVSS:3") {
				res.Vector = strings.TrimSpace(s.Value)
			}
		}
		if res.Vector == "" {
			for _, tag := range strings.Split(r.NVT.Tags, "|") {
				if v, ok := strings.CutPrefix(tag, "cvss_base_vector="); ok {
					res.Vector = strings.TrimSpace(v)
				}
			}
		}
		res.Severity = severityName(r.Threat)
		if res.Severity == SevHigh && res.Score >= 9 {
			res.Severity = SevCritical
		}
		if res.Severity == SevUnknown {
			res.Severity = severityOfScore(res.Score)
		}
		h.Results = append(h.Results, res)
	}
	for _, a := range order {
		rep.Hosts = append(rep.Hosts, *hosts[a])
	}
	return rep, nil
}

// --- Nessus v2 ---

type nessusItem struct {
	Port        string   `xml:"port,attr"`
	Protocol    string   `xml:"protocol,attr"`
	Severity    string   `xml:"severity,attr"`
	PluginID    string   `xml:"pluginID,attr"`
	PluginName  string   `xml:"pluginName,attr"`
	CVE         []string `xml:"cve"`
	CVSS3Vector string   `xml:"cvss3_vector"`
	CVSS3Base   string   `xml:"cvss3_base_score"`
	CVSSVector  string   `xml:"cvss_vector"`
	CVSSBase    string   `xml:"cvss_base_score"`
}

type nessusDoc struct {
	XMLName xml.Name `xml:"NessusClientData_v2"`
	Report  struct {
		Hosts []struct {
			Name string `xml:"name,attr"`
			Tags []struct {
				Name  string `xml:"name,attr"`
				Value string `xml:",chardata"`
			} `xml:"HostProperties>tag"`
			Items []nessusItem `xml:"ReportItem"`
		} `xml:"ReportHost"`
	} `xml:"Report"`
}

var nessusSeverity = map[string]string{"0": SevInfo, "1": SevLow, "2": SevMedium, "3": SevHigh, "4": SevCritical}

// nessusTimeLayout is how Nessus writes HOST_START and HOST_END ("Thu Mar 20 00:30:57
// 2014"): the scanner's local time, with no zone.
const nessusTimeLayout = "Mon Jan _2 15:04:05 2006"

// nessusHostTime is when the scan of one host ran: HOST_START_TIMESTAMP (Unix seconds,
// Nessus 6 and later), else the HOST_START text (Nessus 5 writes only that; read as UTC,
// since the file names no zone), else HOST_END_TIMESTAMP or HOST_END, with the tag it was
// read from. Zero and "" when the host has none of these, or none parses.
func nessusHostTime(tags map[string]string) (time.Time, string) {
	for _, k := range []string{"HOST_START_TIMESTAMP", "HOST_END_TIMESTAMP"} {
		if ts, err := strconv.ParseInt(tags[k], 10, 64); err == nil && ts > 0 {
			return time.Unix(ts, 0).UTC(), k
		}
	}
	for _, k := range []string{"HOST_START", "HOST_END"} {
		if t, err := time.Parse(nessusTimeLayout, strings.Join(strings.Fields(tags[k]), " ")); err == nil {
			return t.UTC(), k
		}
	}
	return time.Time{}, ""
}

func parseNessus(data []byte) (*Report, *medsec.FieldError) {
	var doc nessusDoc
	if fe := decodeXML(data, &doc); fe != nil {
		return nil, fe
	}
	rep := &Report{Format: Nessus, Scanner: "Nessus"}
	for i, rh := range doc.Report.Hosts {
		tags := map[string]string{}
		for _, t := range rh.Tags {
			tags[t.Name] = strings.TrimSpace(t.Value)
		}
		h := Host{Address: tags["host-ip"], Hostname: tags["host-fqdn"], OS: tags["operating-system"]}
		if h.Hostname == "" {
			h.Hostname = tags["netbios-name"]
		}
		name := strings.TrimSpace(rh.Name)
		if _, err := netip.ParseAddr(name); err == nil {
			if h.Address == "" {
				h.Address = name
			}
		} else if h.Hostname == "" {
			h.Hostname = name
		}
		if h.Address == "" && h.Hostname == "" {
			return nil, &medsec.FieldError{Field: fmt.Sprintf("NessusClientData_v2/Report/ReportHost[%d]", i+1), Key: "scan.err.missing", Message: "the host has neither address nor name"}
		}
		if t, tag := nessusHostTime(tags); !t.IsZero() && (rep.ScannedAt.IsZero() || t.Before(rep.ScannedAt)) {
			rep.ScannedAt = t
			rep.ScannedAtField = fmt.Sprintf("NessusClientData_v2/Report/ReportHost[%d]/HostProperties/tag[@name='%s']", i+1, tag)
		}
		for _, it := range rh.Items {
			res := Result{ID: it.PluginID, Title: strings.TrimSpace(it.PluginName), Severity: nessusSeverity[strings.TrimSpace(it.Severity)], CVEs: cves(it.CVE...)}
			if res.Severity == "" {
				res.Severity = SevUnknown
			}
			if p := strings.TrimSpace(it.Port); p != "" && p != "0" {
				res.Port = p + "/" + strings.TrimSpace(it.Protocol)
			}
			if v := strings.TrimSpace(it.CVSS3Vector); v != "" {
				res.Vector, res.Score = v, parseScore(it.CVSS3Base)
			} else if v := strings.TrimSpace(it.CVSSVector); v != "" {
				res.Vector, res.Score = v, parseScore(it.CVSSBase)
			}
			h.Results = append(h.Results, res)
		}
		rep.Hosts = append(rep.Hosts, h)
	}
	return rep, nil
}

// --- Trivy JSON (SchemaVersion 2) ---

type trivyDoc struct {
	SchemaVersion int    `json:"SchemaVersion"`
	CreatedAt     string `json:"CreatedAt"`
	ArtifactName  string `json:"ArtifactName"`
	Trivy         struct {
		Version string `json:"Version"`
	} `json:"Trivy"`
	Metadata struct {
		OS *struct {
			Family string `json:"Family"`
			Name   string `json:"Name"`
		} `json:"OS"`
	} `json:"Metadata"`
	Results []struct {
		Target          string `json:"Target"`
		Vulnerabilities []struct {
			VulnerabilityID string `json:"VulnerabilityID"`
			PkgName         string `json:"PkgName"`
			PkgIdentifier   struct {
				PURL string `json:"PURL"`
			} `json:"PkgIdentifier"`
			InstalledVersion string `json:"InstalledVersion"`
			FixedVersion     string `json:"FixedVersion"`
			Title            string `json:"Title"`
			Severity         string `json:"Severity"`
			CVSS             map[string]struct {
				V3Vector string  `json:"V3Vector"`
				V3Score  float64 `json:"V3Score"`
			} `json:"CVSS"`
		} `json:"Vulnerabilities"`
	} `json:"Results"`
}

func parseTrivy(data []byte) (*Report, *medsec.FieldError) {
	var doc trivyDoc
	if fe := decodeJSON(data, &doc); fe != nil {
		return nil, fe
	}
	if doc.SchemaVersion != 2 {
		return nil, &medsec.FieldError{Field: "SchemaVersion", Key: "scan.err.version", Message: "only Trivy's SchemaVersion 2 is read", Value: strconv.Itoa(doc.SchemaVersion)}
	}
	rep := &Report{Format: Trivy, Scanner: strings.TrimSpace("Trivy " + doc.Trivy.Version), ScannedAt: parseTime(doc.CreatedAt), ScannedAtField: "CreatedAt"}
	h := Host{Target: strings.TrimSpace(doc.ArtifactName)}
	if doc.Metadata.OS != nil {
		h.OS = strings.TrimSpace(doc.Metadata.OS.Family + " " + doc.Metadata.OS.Name)
	}
	for _, r := range doc.Results {
		if h.Target == "" {
			h.Target = strings.TrimSpace(r.Target)
		}
		for _, v := range r.Vulnerabilities {
			res := Result{ID: v.VulnerabilityID, Title: strings.TrimSpace(v.Title), Severity: severityName(v.Severity), CVEs: cves(v.VulnerabilityID),
				Package: v.PkgName, Version: v.InstalledVersion, FixedVersion: v.FixedVersion, PURL: v.PkgIdentifier.PURL}
			if res.Title == "" {
				res.Title = v.VulnerabilityID + " in " + v.PkgName
			}
			sources := make([]string, 0, len(v.CVSS))
			for s := range v.CVSS {
				sources = append(sources, s)
			}
			sort.Slice(sources, func(i, j int) bool { return sources[i] == "nvd" || sources[j] != "nvd" && sources[i] < sources[j] })
			for _, s := range sources {
				if c := v.CVSS[s]; c.V3Vector != "" {
					res.Vector, res.Score = c.V3Vector, c.V3Score
					break
				}
			}
			h.Results = append(h.Results, res)
		}
	}
	rep.Hosts = []Host{h}
	return rep, nil
}

// --- Grype JSON ---

type grypeDoc struct {
	Matches []struct {
		Vulnerability struct {
			ID       string `json:"id"`
			Severity string `json:"severity"`
			CVSS     []struct {
				Version string `json:"version"`
				Vector  string `json:"vector"`
				Metrics struct {
					BaseScore float64 `json:"baseScore"`
				} `json:"metrics"`
			} `json:"cvss"`
			Fix struct {
				Versions []string `json:"versions"`
			} `json:"fix"`
		} `json:"vulnerability"`
		Related []struct {
			ID string `json:"id"`
		} `json:"relatedVulnerabilities"`
		Artifact struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			PURL    string `json:"purl"`
		} `json:"artifact"`
	} `json:"matches"`
	Source struct {
		Type   string          `json:"type"`
		Target json.RawMessage `json:"target"`
	} `json:"source"`
	Distro struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"distro"`
	Descriptor struct {
		Name      string `json:"name"`
		Version   string `json:"version"`
		Timestamp string `json:"timestamp"`
	} `json:"descriptor"`
}

func parseGrype(data []byte) (*Report, *medsec.FieldError) {
	var doc grypeDoc
	if fe := decodeJSON(data, &doc); fe != nil {
		return nil, fe
	}
	rep := &Report{Format: Grype, Scanner: strings.TrimSpace(doc.Descriptor.Name + " " + doc.Descriptor.Version), ScannedAt: parseTime(doc.Descriptor.Timestamp), ScannedAtField: "descriptor.timestamp"}
	h := Host{OS: strings.TrimSpace(doc.Distro.Name + " " + doc.Distro.Version)}
	var target string
	if json.Unmarshal(doc.Source.Target, &target) == nil {
		h.Target = target
	} else {
		var t struct {
			UserInput string `json:"userInput"`
			Path      string `json:"path"`
		}
		json.Unmarshal(doc.Source.Target, &t)
		h.Target = strings.TrimSpace(t.UserInput + t.Path)
	}
	for i, m := range doc.Matches {
		v := m.Vulnerability
		if strings.TrimSpace(v.ID) == "" {
			return nil, &medsec.FieldError{Field: fmt.Sprintf("matches[%d].vulnerability.id", i), Key: "scan.err.missing", Message: "the match names no vulnerability"}
		}
		// A match on a CVE is that CVE; a match on another ID (GHSA, a distribution's
		// advisory) stands for the CVEs it relates to.
		ids := []string{v.ID}
		if len(cves(v.ID)) == 0 {
			for _, r := range m.Related {
				ids = append(ids, r.ID)
			}
		}
		res := Result{ID: v.ID, Title: v.ID + " in " + m.Artifact.Name, Severity: severityName(v.Severity), CVEs: cves(ids...),
			Package: m.Artifact.Name, Version: m.Artifact.Version, PURL: m.Artifact.PURL, FixedVersion: strings.Join(v.Fix.Versions, ", ")}
		for _, c := range v.CVSS {
			if strings.HasPrefix(c.Vector, "CVSS:3") || strings.HasPrefix(c.Vector, "CVSS:4") {
				res.Vector, res.Score = c.Vector, c.Metrics.BaseScore
				break
			}
		}
		h.Results = append(h.Results, res)
	}
	rep.Hosts = []Host{h}
	return rep, nil
}
