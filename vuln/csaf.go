package vuln

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gocsaf/csaf/v3/csaf"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// ParseCSAF reads one CSAF 2.0 document (OASIS CSAF v2.0, csaf_security_advisory or
// csaf_vex profile). The document is first checked against the CSAF 2.0 JSON schema (the
// copy embedded in github.com/gocsaf/csaf/v3): an invalid one is refused with an
// *InputError naming file and JSON pointer of the first fault, for example
//
//	icsma.json: /product_tree/branches/0/category: value must be one of ...
//
// A vulnerability's product IDs must name products of the tree (CSAF 2.0 §6.1.1, missing
// definition of product ID), else the document is refused.
func ParseCSAF(file string, data []byte) (*Advisory, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, notJSON(file, "CSAF", data, err)
	}
	if errs, err := csaf.ValidateCSAF(doc); err != nil {
		return nil, fmt.Errorf("%s: CSAF schema: %w", file, err)
	} else if len(errs) > 0 {
		where, reason, _ := strings.Cut(errs[0], ": ")
		if where == "" {
			where = "/"
		}
		ie := inputErr(file, where, "CSAF 2.0 schema: %s", reason)
		ie.Key, ie.Args = SchemaRule(reason)
		if len(errs) > 1 {
			ie.Reason += fmt.Sprintf(" (and %d more schema errors)", len(errs)-1)
			ie.More = len(errs) - 1
		}
		return nil, ie
	}
	var in csaf.Advisory
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, inputErr(file, "", "CSAF: %v", err)
	}
	return fromCSAF(file, &in)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func productIDs(ps *csaf.Products) []string {
	if ps == nil {
		return nil
	}
	out := make([]string, 0, len(*ps))
	for _, p := range *ps {
		if p != nil {
			out = append(out, string(*p))
		}
	}
	return out
}

func fromCSAF(file string, in *csaf.Advisory) (*Advisory, error) {
	d := in.Document
	a := &Advisory{Source: SourceCSAF, Title: str(d.Title), File: file}
	if d.Tracking != nil && d.Tracking.Version != nil {
		a.Revision = string(*d.Tracking.Version)
	}
	if d.Tracking != nil && d.Tracking.ID != nil {
		a.ID = string(*d.Tracking.ID)
	}
	if d.Publisher != nil {
		a.Publisher = str(d.Publisher.Name)
	}
	if d.Tracking != nil {
		var err error
		if a.Published, err = parseTime(str(d.Tracking.InitialReleaseDate)); err != nil {
			return nil, inputErr(file, "/document/tracking/initial_release_date", "%v", err)
		}
		if a.Updated, err = parseTime(str(d.Tracking.CurrentReleaseDate)); err != nil {
			return nil, inputErr(file, "/document/tracking/current_release_date", "%v", err)
		}
	}
	if pt := in.ProductTree; pt != nil {
		walkBranches(pt.Branches, Product{}, &a.Products)
		if pt.FullProductNames != nil {
			for _, fpn := range *pt.FullProductNames {
				a.Products = append(a.Products, fullProduct(fpn, Product{}))
			}
		}
		if pt.RelationShips != nil {
			for _, r := range *pt.RelationShips {
				if r == nil || r.FullProductName == nil {
					continue
				}
				base := Product{}
				if r.ProductReference != nil {
					base, _ = a.ProductByID(string(*r.ProductReference))
				}
				a.Products = append(a.Products, fullProduct(r.FullProductName, base))
			}
		}
	}
	known := map[string]bool{}
	for _, p := range a.Products {
		known[p.ID] = true
	}
	for i, v := range in.Vulnerabilities {
		if v == nil {
			continue
		}
		out := Vulnerability{Title: str(v.Title)}
		if v.CVE != nil {
			out.CVE = string(*v.CVE)
		} else if len(v.IDs) > 0 && v.IDs[0] != nil {
			out.CVE = str(v.IDs[0].Text)
		}
		if out.CVE == "" {
			return nil, inputErr(file, fmt.Sprintf("/vulnerabilities/%d", i), "no cve and no ids: nothing to match")
		}
		if v.CWE != nil && v.CWE.ID != nil {
			out.CWE = string(*v.CWE.ID)
			if out.Title == "" {
				out.Title = str(v.CWE.Name)
			}
		}
		for _, n := range v.Notes {
			if n != nil && n.NoteCategory != nil && (*n.NoteCategory == csaf.CSAFNoteCategorySummary || *n.NoteCategory == csaf.CSAFNoteCategoryDescription) {
				out.Description = str(n.Text)
				break
			}
		}
		for _, s := range v.Scores {
			if s != nil && s.CVSS3 != nil && s.CVSS3.VectorString != nil && out.Vector == "" {
				out.Vector = string(*s.CVSS3.VectorString)
			}
		}
		if ps := v.ProductStatus; ps != nil {
			out.Affected = slices.Concat(productIDs(ps.KnownAffected), productIDs(ps.FirstAffected), productIDs(ps.LastAffected))
			out.NotAffected = productIDs(ps.KnownNotAffected)
			out.Fixed = slices.Concat(productIDs(ps.Fixed), productIDs(ps.FirstFixed))
			out.UnderInvestigation = productIDs(ps.UnderInvestigation)
		}
		for k, ids := range map[string][]string{"known_affected": out.Affected, "known_not_affected": out.NotAffected, "fixed": out.Fixed, "under_investigation": out.UnderInvestigation} {
			for j, id := range ids {
				if !known[id] {
					return nil, inputErr(file, fmt.Sprintf("/vulnerabilities/%d/product_status/%s/%d", i, k, j), "product ID %q is not in the product tree", id)
				}
			}
		}
		for _, r := range v.Remediations {
			if r == nil {
				continue
			}
			rem := Remediation{Details: str(r.Details), ProductIDs: productIDs(r.ProductIds)}
			if r.Category != nil {
				rem.Category = string(*r.Category)
			}
			out.Remediations = append(out.Remediations, rem)
		}
		a.Vulnerabilities = append(a.Vulnerabilities, out)
	}
	return a, nil
}

// walkBranches appends the products under bs, each with the vendor, product name and
// version of the branches above it.
func walkBranches(bs csaf.Branches, ctx Product, out *[]Product) {
	for _, b := range bs {
		if b == nil {
			continue
		}
		c := ctx
		name := strings.TrimSpace(str(b.Name))
		if b.Category != nil {
			switch *b.Category {
			case csaf.CSAFBranchCategoryVendor:
				c.Vendor = name
			case csaf.CSAFBranchCategoryProductName, csaf.CSAFBranchCategoryProductFamily:
				if c.ProductName == "" || *b.Category == csaf.CSAFBranchCategoryProductName {
					c.ProductName = name
				}
			case csaf.CSAFBranchCategoryProductVersion:
				c.Version = name
			case csaf.CSAFBranchCategoryProductVersionRange:
				c.VersionRange = name
			}
		}
		if b.Product != nil {
			*out = append(*out, fullProduct(b.Product, c))
		}
		walkBranches(b.Branches, c, out)
	}
}

func fullProduct(f *csaf.FullProductName, ctx Product) Product {
	p := ctx
	p.Name = str(f.Name)
	p.ID = ""
	if f.ProductID != nil {
		p.ID = string(*f.ProductID)
	}
	p.CPE, p.PURL, p.ModelNumbers, p.SKUs = "", "", nil, nil
	if h := f.ProductIdentificationHelper; h != nil {
		if h.CPE != nil {
			p.CPE = string(*h.CPE)
		}
		if h.PURL != nil {
			p.PURL = string(*h.PURL)
		}
		for _, m := range h.ModelNumbers {
			if m != nil {
				p.ModelNumbers = append(p.ModelNumbers, *m)
			}
		}
		for _, s := range h.SKUs {
			if s != nil {
				p.SKUs = append(p.SKUs, *s)
			}
		}
	}
	return p
}

// jsonPointer joins path elements into an RFC 6901 JSON pointer.
func jsonPointer(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		switch v := p.(type) {
		case int:
			b.WriteString(strconv.Itoa(v))
		case string:
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(v, "~", "~0"), "/", "~1"))
		}
	}
	return b.String()
}

// schemaRules read the rule a JSON schema error names, as github.com/santhosh-tekuri/jsonschema
// words it (the library's messages come only in English): each gives the translation key
// of the rule and its arguments.
var schemaRules = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^missing propert(?:y|ies) (.+)$`), "csaf.schema.required"},
	{regexp.MustCompile(`^value must be one of (.+)$`), "csaf.schema.enum"},
	{regexp.MustCompile(`^value must be (.+)$`), "csaf.schema.const"},
	{regexp.MustCompile(`^got (\S+), want (.+)$`), "csaf.schema.type"},
	{regexp.MustCompile(`^additional propert(?:y|ies) (.+) not allowed$`), "csaf.schema.additional"},
	{regexp.MustCompile(`^(.+) does not match pattern (.+)$`), "csaf.schema.pattern"},
	{regexp.MustCompile(`^(?:minLength|minItems|minProperties|minimum|exclusiveMinimum): got (.+), want (.+)$`), "csaf.schema.min"},
	{regexp.MustCompile(`^(?:maxLength|maxItems|maxProperties|maximum|exclusiveMaximum): got (.+), want (.+)$`), "csaf.schema.max"},
	{regexp.MustCompile(`^(.+) is not valid (\S+): .+$`), "csaf.schema.format"},
	{regexp.MustCompile(`^items at (\d+) and (\d+) are equal$`), "csaf.schema.unique"},
}

// SchemaRule returns the translation key and arguments of a JSON schema error's rule
// ("missing properties 'publisher', 'title'" is csaf.schema.required with the names);
// csaf.schema.other with the text as it is when the rule is none of those.
func SchemaRule(reason string) (string, []string) {
	for _, r := range schemaRules {
		if m := r.re.FindStringSubmatch(reason); m != nil {
			return r.key, m[1:]
		}
	}
	return "csaf.schema.other", []string{reason}
}
