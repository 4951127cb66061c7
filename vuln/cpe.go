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
	// go-cpe's URI decoder slices past the end of a truncated percent-encoding
	// ("cpe:/a:x:y:0%") and panics; FuzzCPE found it. A panic there is a malformed name.
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("CPE %q: malformed (%v)", s, r)
		}
	}()
	var w common.WellFormedName
	switch {
	case strings.HasPrefix(s, "cpe:2.3:"):
		if strings.Count(s, ":")-strings.Count(s, `\:`) != 12 {
			return nil, fmt.Errorf("CPE %q: want 13 colon-separated components", s)
		}
		w, err = naming.UnbindFS(s)
	case strings.HasPrefix(s, "cpe:/"):
		w, err = naming.UnbindURI(s)
	default:
		return nil, fmt.Errorf("CPE %q: not a CPE 2.3 formatted string or CPE 2.2 URI", s)
	}
	if err != nil {
		return nil, fmt.Errorf("CPE %q: %v", s, err)
	}
	c = &cpeName{wfn: w, part: attr(w, common.AttributePart), vendor: attr(w, common.AttributeVendor),
		product: attr(w, common.AttributeProduct), version: attr(w, common.AttributeVersion)}
	c.rest = common.WellFormedName{}
	for k, v := range w {
		c.rest[k] = v
	}
	any, _ := common.NewLogicalValue("ANY")
	for _, k := range []string{common.AttributePart, common.AttributeVendor, common.AttributeProduct, common.AttributeVersion} {
		c.rest[k] = any
	}
	c.restAny = true
	for _, k := range []string{common.AttributeUpdate, common.AttributeEdition, common.AttributeLanguage, common.AttributeSwEdition,
		common.AttributeTargetSw, common.AttributeTargetHw, common.AttributeOther} {
		if attr(w, k) != "*" {
			c.restAny = false
		}
	}
	return c, nil
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
	return matching.IsSuperset(c.rest, target.rest)
}
