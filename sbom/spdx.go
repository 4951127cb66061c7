package sbom

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"

	"github.com/spdx/tools-golang/convert"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx"
	"github.com/spdx/tools-golang/spdx/common"
	"github.com/spdx/tools-golang/spdx/v2/v2_1"
	v2_1_reader "github.com/spdx/tools-golang/spdx/v2/v2_1/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_2"
	v2_2_reader "github.com/spdx/tools-golang/spdx/v2/v2_2/tagvalue/reader"
	"github.com/spdx/tools-golang/spdx/v2/v2_3"
	v2_3_reader "github.com/spdx/tools-golang/spdx/v2/v2_3/tagvalue/reader"
	"github.com/spdx/tools-golang/tagvalue/reader"

	"medsec"
)

// parseSPDXJSON reads an SPDX 2.1–2.3 JSON document [SPDX 2.3 annex, JSON serialisation].
func parseSPDXJSON(data []byte) (*Document, []medsec.FieldError) {
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		fe := jsonError(data, err)
		if fe.Key == "sbom.err.type" {
			// The library decodes some parts from re-encoded JSON: the offset is not the file's.
			fe.Line = 0
		}
		return nil, []medsec.FieldError{fe}
	}
	return spdxDocument(doc, medsec.SBOMSPDXJSON, func(i int, field string) (string, int) {
		return fmt.Sprintf("packages[%d].%s", i, field), 0
	})
}

// parseSPDXTagValue reads an SPDX 2.1–2.3 tag-value document. The library's errors carry
// no line, so lines are checked here first ("Tag: value", text in <text>…</text>), and a
// later error is placed at the line holding the value it quotes.
func parseSPDXTagValue(data []byte) (*Document, []medsec.FieldError) {
	var pkgLines []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	inText := false
	var lines []string
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		lines = append(lines, line)
		if inText {
			if strings.Contains(line, "</text>") {
				inText = false
			}
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		tag, value, ok := strings.Cut(t, ":")
		if !ok || strings.TrimSpace(tag) == "" || strings.ContainsAny(strings.TrimSpace(tag), " \t") {
			return nil, []medsec.FieldError{{Line: n, Field: "tag", Key: "sbom.err.syntax", Message: "not a \"Tag: value\" line", Value: clean(t)}}
		}
		if strings.TrimSpace(tag) == "PackageName" {
			pkgLines = append(pkgLines, n)
		}
		if strings.Contains(value, "<text>") && !strings.Contains(value[strings.Index(value, "<text>"):], "</text>") {
			inText = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, []medsec.FieldError{{Field: "file", Key: "sbom.err.syntax", Message: clean(err.Error())}}
	}
	if inText {
		return nil, []medsec.FieldError{{Line: len(lines), Field: "text", Key: "sbom.err.syntax", Message: "<text> is not closed"}}
	}
	doc, err := readTagValue(data)
	if err != nil {
		msg := err.Error()
		fe := medsec.FieldError{Field: "tag-value", Key: "sbom.err.syntax", Message: clean(msg)}
		for i, line := range lines {
			_, value, ok := strings.Cut(line, ":")
			if v := strings.TrimSpace(value); ok && len(v) >= 3 && strings.Contains(msg, v) {
				fe.Line, fe.Field = i+1, strings.TrimSpace(line[:strings.Index(line, ":")])
				break
			}
		}
		return nil, []medsec.FieldError{fe}
	}
	return spdxDocument(doc, medsec.SBOMSPDXTagValue, func(i int, field string) (string, int) {
		line := 0
		if i < len(pkgLines) {
			line = pkgLines[i]
		}
		return fmt.Sprintf("package %d (%s)", i+1, field), line
	})
}

// spdxFieldNames maps the fields checkComponent names to SPDX's.
var spdxFieldNames = map[string]string{"name": "name", "cpe": "externalRefs", "purl": "externalRefs", "hashes": "checksums"}

// spdxDocument maps an SPDX document's packages to components; where names the field of
// package i (and its line, if known) in the file's own terms.
func spdxDocument(d *spdx.Document, format medsec.SBOMFormat, where func(i int, field string) (string, int)) (*Document, []medsec.FieldError) {
	doc := &Document{Format: format, Spec: d.SPDXVersion, Key: strings.TrimSpace(d.DocumentNamespace), Subject: strings.TrimSpace(d.DocumentName)}
	if doc.Key == "" && doc.Subject != "" {
		doc.Key = "subject:" + doc.Subject
	}
	var errs []medsec.FieldError
	for i, p := range d.Packages {
		if p == nil {
			continue
		}
		c := medsec.Component{Ref: string(p.PackageSPDXIdentifier), Type: strings.ToLower(strings.ReplaceAll(p.PrimaryPackagePurpose, "_", "-")),
			Name: p.PackageName, Version: p.PackageVersion}
		if p.PackageSupplier != nil && p.PackageSupplier.Supplier != "NOASSERTION" {
			c.Supplier = p.PackageSupplier.Supplier
		}
		for _, ref := range p.PackageExternalReferences {
			if ref == nil {
				continue
			}
			switch strings.ToLower(ref.RefType) {
			case "cpe23type", "cpe22type":
				if c.CPE == "" {
					c.CPE = ref.Locator
				}
			case "purl":
				if c.PURL == "" {
					c.PURL = ref.Locator
				}
			}
		}
		for _, h := range p.PackageChecksums {
			c.Hashes = append(c.Hashes, medsec.ComponentHash{Algorithm: string(h.Algorithm), Value: strings.TrimSpace(h.Value)})
		}
		for _, fe := range checkComponent(&c, "") {
			field, rest, _ := strings.Cut(strings.TrimPrefix(fe.Field, "."), "[")
			name := spdxFieldNames[field]
			if rest != "" {
				name += "[" + rest
			}
			fe.Field, fe.Line = where(i, name)
			errs = append(errs, fe)
		}
		doc.Components = append(doc.Components, c)
		if len(doc.Components) > MaxComponents {
			break
		}
	}
	return doc, errs
}

// readTagValue parses tag-value pairs with the SPDX library, leaving out snippet sections:
// medsec keeps packages only, and the library refuses a snippet that follows a package
// rather than a file, as the SPDX 2.3 specification's own example has it (§9).
func readTagValue(data []byte) (*spdx.Document, error) {
	pairs, err := reader.ReadTagValues(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	kept := pairs[:0]
	version := ""
	for _, p := range pairs {
		if strings.HasPrefix(p.Tag, "Snippet") || p.Tag == "LicenseInfoInSnippet" {
			continue
		}
		if p.Tag == "SPDXVersion" && version == "" {
			version = p.Value
		}
		kept = append(kept, p)
	}
	var parsed common.AnyDocument
	switch version {
	case v2_1.Version:
		parsed, err = v2_1_reader.ParseTagValues(kept)
	case v2_2.Version:
		parsed, err = v2_2_reader.ParseTagValues(kept)
	case v2_3.Version:
		parsed, err = v2_3_reader.ParseTagValues(kept)
	default:
		return nil, fmt.Errorf("unsupported SPDX version: %q", version)
	}
	if err != nil {
		return nil, err
	}
	var doc spdx.Document
	if err := convert.Document(parsed, &doc); err != nil {
		return nil, err
	}
	return &doc, nil
}
