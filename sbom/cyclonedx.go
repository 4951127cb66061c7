package sbom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"medsec"
)

// parseCycloneDX reads a CycloneDX BOM [ECMA-424] in JSON or XML, flattening nested
// components (metadata.component's and each component's own) into one list.
func parseCycloneDX(data []byte, isXML bool) (*Document, []medsec.FieldError) {
	var bom cdx.BOM
	format, docFormat := cdx.BOMFileFormatJSON, medsec.SBOMCycloneDXJSON
	if isXML {
		format, docFormat = cdx.BOMFileFormatXML, medsec.SBOMCycloneDXXML
	}
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(&bom); err != nil {
		if !isXML {
			if errors.Is(err, cdx.ErrInvalidSpecVersion) {
				return nil, []medsec.FieldError{{Field: "specVersion", Key: "sbom.err.spec", Message: "unknown CycloneDX specification version"}}
			}
			return nil, []medsec.FieldError{jsonError(data, err)}
		}
		return nil, []medsec.FieldError{xmlError(err)}
	}
	if bom.SpecVersion < cdx.SpecVersion1_2 || bom.SpecVersion > cdx.SpecVersion1_6 {
		field := "specVersion"
		if isXML {
			field = "bom/@xmlns"
		}
		return nil, []medsec.FieldError{{Field: field, Key: "sbom.err.spec",
			Message: "CycloneDX specification version must be 1.2 to 1.6", Value: bom.SpecVersion.String()}}
	}
	doc := &Document{Format: docFormat, Spec: bom.SpecVersion.String(), Key: strings.TrimSpace(bom.SerialNumber)}
	var errs []medsec.FieldError
	sep, index := ".", func(p string, i int) string { return fmt.Sprintf("%s[%d]", p, i) }
	root := "components"
	if isXML {
		sep, index = "/", func(p string, i int) string { return fmt.Sprintf("%s[%d]", p, i+1) }
		root = "bom/components/component"
	}
	var walk func(list *[]cdx.Component, path string)
	walk = func(list *[]cdx.Component, path string) {
		if list == nil {
			return
		}
		for i := range *list {
			c := &(*list)[i]
			p := index(path, i)
			comp := cycloneDXComponent(c)
			for _, fe := range checkComponent(&comp, p) {
				if isXML {
					fe.Field = strings.ReplaceAll(fe.Field, ".", "/")
				}
				errs = append(errs, fe)
			}
			doc.Components = append(doc.Components, comp)
			if len(doc.Components) > MaxComponents {
				return
			}
			sub := p + sep + "components"
			if isXML {
				sub += "/component"
			}
			walk(c.Components, sub)
		}
	}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		m := bom.Metadata.Component
		doc.Subject = strings.TrimSpace(strings.TrimSpace(m.Name) + " " + strings.TrimSpace(m.Version))
		sub := "metadata.component.components"
		if isXML {
			sub = "bom/metadata/component/components/component"
		}
		walk(m.Components, sub)
	}
	walk(bom.Components, root)
	if doc.Key == "" && doc.Subject != "" {
		doc.Key = "subject:" + doc.Subject
	}
	return doc, errs
}

// cycloneDXComponent maps a CycloneDX component (not its children) to medsec's.
func cycloneDXComponent(c *cdx.Component) medsec.Component {
	comp := medsec.Component{Ref: c.BOMRef, Type: string(c.Type), Name: c.Name, Version: c.Version, CPE: c.CPE, PURL: c.PackageURL}
	if g := strings.TrimSpace(c.Group); g != "" && strings.TrimSpace(c.Name) != "" {
		comp.Name = g + "/" + strings.TrimSpace(c.Name)
	}
	switch {
	case c.Supplier != nil && strings.TrimSpace(c.Supplier.Name) != "":
		comp.Supplier = c.Supplier.Name
	case c.Manufacturer != nil && strings.TrimSpace(c.Manufacturer.Name) != "":
		comp.Supplier = c.Manufacturer.Name
	case c.Publisher != "":
		comp.Supplier = c.Publisher
	default:
		comp.Supplier = c.Author
	}
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			comp.Hashes = append(comp.Hashes, medsec.ComponentHash{Algorithm: string(h.Algorithm), Value: strings.TrimSpace(h.Value)})
		}
	}
	return comp
}

// xmlError turns an encoding/xml error into a field error, with the line of a syntax error.
func xmlError(err error) medsec.FieldError {
	var syn *xml.SyntaxError
	if errors.As(err, &syn) {
		return medsec.FieldError{Line: syn.Line, Field: "xml", Key: "sbom.err.syntax", Message: "XML syntax: " + clean(syn.Msg)}
	}
	if errors.Is(err, cdx.ErrInvalidSpecVersion) {
		return medsec.FieldError{Field: "bom/@version", Key: "sbom.err.spec", Message: "unknown CycloneDX specification version"}
	}
	return medsec.FieldError{Field: "xml", Key: "sbom.err.syntax", Message: "XML: " + clean(err.Error())}
}
