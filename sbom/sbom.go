// Package sbom reads software bills of materials — CycloneDX 1.2–1.6 in JSON and XML
// (ECMA-424) and SPDX 2.1–2.3 in JSON and tag-value (ISO/IEC 5962) — into medsec's
// components, with the CycloneDX and SPDX projects' own Go modules. A file that is not a
// well-formed SBOM, or one with a component whose name, purl, CPE or hash is malformed, is
// refused as a whole with a *medsec.ValidationError naming the file, the line (syntax
// errors) and the JSON path, XML path or tag-value line of the field.
package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"medsec"
)

// MaxComponents is the most components one SBOM may list; a larger file is refused rather
// than let one upload fill the database.
const MaxComponents = 100000

// Document is one SBOM read from a file.
type Document struct {
	Format medsec.SBOMFormat
	// Spec is the specification version the file declares ("1.6", "SPDX-2.3").
	Spec string
	// Key identifies the document across re-imports (see medsec.SBOM.Key).
	Key string
	// Subject names what the document describes ("product 1.2"), "" when it does not say.
	Subject    string
	Components []medsec.Component
}

// Import returns the document as an import onto target.
func (d *Document) Import(target medsec.ComponentTarget, fileName string, data []byte) medsec.SBOMImport {
	sum := sha256.Sum256(data)
	key := d.Key
	if key == "" {
		key = "file:" + fileName
	}
	return medsec.SBOMImport{Target: target, Key: key, Format: d.Format, Spec: d.Spec, Subject: d.Subject,
		FileName: fileName, SHA256: hex.EncodeToString(sum[:]), Components: d.Components}
}

var (
	cdxJSONMark  = regexp.MustCompile(`"bomFormat"\s*:\s*"CycloneDX"`)
	spdxJSONMark = regexp.MustCompile(`"spdxVersion"\s*:`)
	spdxTagMark  = regexp.MustCompile(`(?m)^SPDXVersion:\s*SPDX-`)
)

// Detect says which SBOM format data is in, or "" when it is none of them. It looks only at
// the first bytes and the top-level keys, not at validity: Parse decides that.
func Detect(data []byte) medsec.SBOMFormat {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return ""
	case trimmed[0] == '{':
		return detectJSON(trimmed)
	case trimmed[0] == '<':
		head := trimmed[:min(len(trimmed), 4<<10)]
		if bytes.Contains(head, []byte("http://cyclonedx.org/schema/bom/")) {
			return medsec.SBOMCycloneDXXML
		}
	default:
		if spdxTagMark.Match(trimmed[:min(len(trimmed), 16<<10)]) {
			return medsec.SBOMSPDXTagValue
		}
	}
	return ""
}

// detectJSON looks at the top-level keys of a JSON object: "bomFormat": "CycloneDX" or
// "spdxVersion". Writers may sort keys (the real medical device SBOMs put bomFormat last),
// so the whole object is walked, skipping values. A file that breaks off is judged by a
// text search, so that Parse can report its syntax error.
func detectJSON(data []byte) medsec.SBOMFormat {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return ""
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		key, _ := tok.(string)
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			break
		}
		switch key {
		case "bomFormat":
			var s string
			if json.Unmarshal(value, &s) == nil && s == "CycloneDX" {
				return medsec.SBOMCycloneDXJSON
			}
			return ""
		case "spdxVersion":
			return medsec.SBOMSPDXJSON
		}
	}
	switch {
	case cdxJSONMark.Match(data):
		return medsec.SBOMCycloneDXJSON
	case spdxJSONMark.Match(data):
		return medsec.SBOMSPDXJSON
	}
	return ""
}

// Parse reads an SBOM of any of the formats Detect knows. name is the file's name, used in
// errors. Errors are *medsec.ValidationError with Source set to name.
func Parse(name string, data []byte) (*Document, error) {
	var (
		doc  *Document
		errs []medsec.FieldError
	)
	switch Detect(data) {
	case medsec.SBOMCycloneDXJSON:
		doc, errs = parseCycloneDX(data, false)
	case medsec.SBOMCycloneDXXML:
		doc, errs = parseCycloneDX(data, true)
	case medsec.SBOMSPDXJSON:
		doc, errs = parseSPDXJSON(data)
	case medsec.SBOMSPDXTagValue:
		doc, errs = parseSPDXTagValue(data)
	default:
		errs = []medsec.FieldError{{Field: "file", Key: "sbom.err.format",
			Message: "not a CycloneDX (JSON, XML) or SPDX (JSON, tag-value) document"}}
		// A JSON file that breaks off before its bomFormat or spdxVersion (writers may put
		// them last) is not "no SBOM": say where it breaks.
		if t := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n"); len(t) > 0 && t[0] == '{' {
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				errs = []medsec.FieldError{jsonError(data, err)}
			}
		}
	}
	if len(errs) == 0 && len(doc.Components) > MaxComponents {
		errs = []medsec.FieldError{{Field: "components", Key: "sbom.err.too_many",
			Message: fmt.Sprintf("more than %d components", MaxComponents), Value: strconv.Itoa(len(doc.Components))}}
	}
	if len(errs) > 0 {
		if len(errs) > 20 {
			errs = errs[:20]
		}
		return nil, &medsec.ValidationError{Source: name, Errors: errs}
	}
	return doc, nil
}

// jsonError turns an encoding/json error into a field error naming the line and, for a
// value of the wrong type, the JSON path of the field.
func jsonError(data []byte, err error) medsec.FieldError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && syn.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))):
		// The document ends before its last value closes: a cut-off download or copy.
		line, col := lineAt(data, syn.Offset), colAt(data, syn.Offset)
		return medsec.FieldError{Line: line, Field: "json", Key: "sbom.err.truncated", Args: []string{strconv.Itoa(line), strconv.Itoa(col), strconv.FormatInt(syn.Offset, 10)},
			Message: fmt.Sprintf("the file ends early at line %d, column %d (byte %d): it is truncated, nothing was imported", line, col, syn.Offset)}
	case errors.As(err, &syn):
		return medsec.FieldError{Line: lineAt(data, syn.Offset), Field: "json", Key: "sbom.err.syntax", Message: "JSON syntax: " + syn.Error()}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "json"
		}
		return medsec.FieldError{Line: lineAt(data, typ.Offset), Field: field, Key: "sbom.err.type",
			Message: fmt.Sprintf("JSON %s where %s was expected", typ.Value, typ.Type)}
	}
	return medsec.FieldError{Field: "json", Key: "sbom.err.syntax", Message: clean(err.Error())}
}

// lineAt returns the 1-based line of a byte offset.
func lineAt(data []byte, off int64) int {
	if off < 0 {
		off = 0
	}
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// colAt returns the 1-based column (in characters) of a byte offset on its line.
func colAt(data []byte, off int64) int {
	off = max(0, min(off, int64(len(data))))
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	return utf8.RuneCount(data[start:off]) + 1
}

// clean keeps an error text short and printable for a user.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "?")
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200]) + "…"
	}
	return s
}

var hexDigest = regexp.MustCompile(`^[0-9a-fA-F]{16,128}$`)

// checkComponent normalises c and returns the problems of its fields, each named under path.
func checkComponent(c *medsec.Component, path string) []medsec.FieldError {
	var errs []medsec.FieldError
	c.Name = strings.TrimSpace(c.Name)
	c.Version = strings.TrimSpace(c.Version)
	c.Supplier = strings.TrimSpace(c.Supplier)
	c.CPE = strings.TrimSpace(c.CPE)
	c.PURL = strings.TrimSpace(c.PURL)
	if c.Name == "" {
		errs = append(errs, medsec.FieldError{Field: path + ".name", Key: "sbom.err.name", Message: "component has no name"})
	}
	if c.CPE != "" && !medsec.ValidCPE(c.CPE) {
		errs = append(errs, medsec.FieldError{Field: path + ".cpe", Key: "sbom.err.cpe", Message: "not a CPE 2.3 formatted string or CPE 2.2 URI", Value: clean(c.CPE)})
	}
	if c.PURL != "" {
		p, err := medsec.CanonicalPURL(c.PURL)
		if err != nil {
			errs = append(errs, medsec.FieldError{Field: path + ".purl", Key: "sbom.err.purl", Message: "not a package URL: " + clean(err.Error()), Value: clean(c.PURL)})
		} else {
			c.PURL = p
		}
	}
	for i, h := range c.Hashes {
		if !hexDigest.MatchString(h.Value) {
			errs = append(errs, medsec.FieldError{Field: fmt.Sprintf("%s.hashes[%d]", path, i), Key: "sbom.err.hash", Message: "hash value is not hexadecimal", Value: clean(h.Value)})
		}
		c.Hashes[i].Algorithm = strings.ToUpper(strings.TrimSpace(h.Algorithm))
		c.Hashes[i].Value = strings.ToLower(h.Value)
	}
	if c.Hashes == nil {
		c.Hashes = []medsec.ComponentHash{}
	}
	return errs
}
