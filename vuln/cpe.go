package vuln

import (
	"fmt"
	"strings"

	"github.com/knqyf263/go-cpe/common"
	"github.com/knqyf263/go-cpe/matching"
	"github.com/knqyf263/go-cpe/naming"
)

// cpeName is a parsed CPE name with the parts matching compares kept as plain strings.
type cpeName struct {
	wfn     common.WellFormedName
	part    string // "a", "o", "h" or "*"
	vendor  string // as written, unquoted
	product string // as written, unquoted
	// version is the version as written, unquoted; "*" for ANY, "-" for NA.
	version string
	// rest is the name with vendor, product and version set to ANY, for comparing the
	// other attributes with the CPE name matching specification (NISTIR 7696).
	rest common.WellFormedName
	// restAny is true when every other attribute is ANY, so the comparison is skipped.
	restAny bool
}

// parseCPE reads a CPE 2.3 formatted string ("cpe:2.3:o:philips:intellivue_mx40_firmware:*:…")
// or a CPE 2.2 URI ("cpe:/o:philips:…") with github.com/knqyf263/go-cpe (CPE 2.3 Naming,
// NISTIR 7695).
func parseCPE(s string) (c *cpeName, err error) {
	if strings.HasPrefix(s, "cpe:2.3:") {
		return parseCPE23(s)
	}
	// go-cpe's URI decoder slices past the end of a truncated percent-encoding
	// ("cpe:/a:x:y:0%") and panics; FuzzCPE found it. A panic there is a malformed name.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("CPE %q: malformed (%v)", s, r)
		}
	}()
	if !strings.HasPrefix(s, "cpe:/") {
		return nil, fmt.Errorf("CPE %q: not a CPE 2.3 formatted string or CPE 2.2 URI", s)
	}
	w, err := naming.UnbindURI(s)
	if err != nil {
		return nil, fmt.Errorf("CPE %q: %v", s, err)
	}
	c = &cpeName{wfn: w, part: attr(w, common.AttributePart), vendor: attr(w, common.AttributeVendor),
		product: attr(w, common.AttributeProduct), version: attr(w, common.AttributeVersion), restAny: true}
	for _, k := range []string{common.AttributeUpdate, common.AttributeEdition, common.AttributeLanguage, common.AttributeSwEdition,
		common.AttributeTargetSw, common.AttributeTargetHw, common.AttributeOther} {
		if attr(w, k) != "*" {
			c.restAny = false
		}
	}
	if !c.restAny {
		c.rest = restOf(w)
	}
	return c, nil
}

// parseCPE23 reads a CPE 2.3 formatted string (NISTIR 7695 §6.2) itself: the 13
// colon-separated components, backslash escapes kept, each value checked against the
// formatted string's grammar (§6.2.2: letters, digits, "-", ".", "_", escaped
// punctuation, "*" and "?" at either end). This is the path every NVD criterion takes, so
// it avoids go-cpe's regular expressions; go-cpe still compares the attributes after
// version when a name sets any (CPE name matching, NISTIR 7696).
func parseCPE23(s string) (*cpeName, error) {
	var comps []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			comps = append(comps, s[start:i])
			start = i + 1
		}
	}
	comps = append(comps, s[start:])
	if len(comps) != 13 {
		return nil, fmt.Errorf("CPE %q: want 13 colon-separated components, have %d", s, len(comps))
	}
	part := comps[2]
	if part != "a" && part != "o" && part != "h" && part != "*" && part != "-" {
		return nil, fmt.Errorf("CPE %q: part %q is not a, o or h", s, part)
	}
	for i, v := range comps[3:] {
		if err := checkFSValue(v); err != nil {
			return nil, fmt.Errorf("CPE %q: component %d: %v", s, i+4, err)
		}
	}
	c := &cpeName{part: part, vendor: unquoteFS(comps[3]), product: unquoteFS(comps[4]), version: unquoteFS(comps[5]), restAny: true}
	for _, v := range comps[6:] {
		if v != "*" {
			c.restAny = false
		}
	}
	if !c.restAny {
		w, err := naming.UnbindFS(s)
		if err != nil {
			return nil, fmt.Errorf("CPE %q: %v", s, err)
		}
		c.wfn, c.rest = w, restOf(w)
	}
	return c, nil
}

// checkFSValue checks one component value of a formatted string.
func checkFSValue(v string) error {
	if v == "" {
		return fmt.Errorf("empty value")
	}
	if v == "*" || v == "-" {
		return nil
	}
	for i := 0; i < len(v); i++ {
		b := v[i]
		switch {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '-', b == '.', b == '_':
		case b == '\\':
			if i+1 >= len(v) || v[i+1] <= ' ' || v[i+1] > '~' || isAlnum(v[i+1]) {
				return fmt.Errorf("%q: bad escape", v)
			}
			i++
		case b == '*' || b == '?':
			// Wildcards only at the start or the end of a value.
			j := i
			for j < len(v) && v[j] == b {
				j++
			}
			if i != 0 && j != len(v) {
				return fmt.Errorf("%q: wildcard inside a value", v)
			}
			i = j - 1
		default:
			return fmt.Errorf("%q: character %q not allowed", v, b)
		}
	}
	return nil
}

func isAlnum(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

// unquoteFS returns a value with its backslash escapes removed; "*" and "-" stay.
func unquoteFS(v string) string {
	if !strings.Contains(v, "\\") {
		return v
	}
	return strings.ReplaceAll(v, "\\", "")
}

// restOf returns the name with part, vendor, product and version set to ANY.
func restOf(w common.WellFormedName) common.WellFormedName {
	rest := common.WellFormedName{}
	for k, v := range w {
		rest[k] = v
	}
	any, _ := common.NewLogicalValue("ANY")
	for _, k := range []string{common.AttributePart, common.AttributeVendor, common.AttributeProduct, common.AttributeVersion} {
		rest[k] = any
	}
	return rest
}

// attr returns an attribute as text: "*" for ANY, "-" for NA, else the value unquoted.
func attr(w common.WellFormedName, a string) string {
	switch v := w.Get(a).(type) {
	case common.LogicalValue:
		if v.IsNA() {
			return "-"
		}
		return "*"
	case string:
		return strings.ReplaceAll(v, `\`, "")
	}
	return "*"
}

// restMatches reports whether the criterion's attributes other than part, vendor, product
// and version include the target's (CPE name matching, superset or equal).
func (c *cpeName) restMatches(target *cpeName) bool {
	if c.restAny {
		return true
	}
	if target.restAny {
		// Every other attribute of the target is ANY: only a criterion whose others are
		// ANY too includes it (NISTIR 7696 Table 6-2: ANY is a superset of a value).
		return false
	}
	return matching.IsSuperset(c.rest, target.rest)
}
