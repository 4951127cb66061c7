package vuln

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Aliases maps the names vendors and advisories write for a manufacturer to one canonical
// name, so that "Phillips", "Philips" and the CPE vendor "philips" are the same
// manufacturer. Keys are compared after NameKey; the hospital edits the table (the
// vendor_aliases table), and DefaultAliases seeds it with the spellings of the real ICSMA
// advisories and NVD's CPE vendor names.
type Aliases map[string]string

// DefaultAliases returns the built-in table: canonical name by alias, covering the
// inconsistent spellings of CISA's ICSMA advisories ("Phillips", "Medtronic " with a
// trailing space, "GE Healthcare" and "General Electric (GE)") and NVD's CPE vendor names
// ("gehealthcare", "bd").
func DefaultAliases() Aliases {
	a := Aliases{}
	for canonical, names := range defaultAliasNames {
		a.Add(canonical, canonical)
		for _, n := range names {
			a.Add(n, canonical)
		}
	}
	return a
}

// DefaultAliasNames returns the built-in spellings by canonical name, as written (the
// table keys them by NameKey).
func DefaultAliasNames() map[string][]string {
	out := make(map[string][]string, len(defaultAliasNames))
	for c, ns := range defaultAliasNames {
		out[c] = append([]string{c}, ns...)
	}
	return out
}

var defaultAliasNames = map[string][]string{
	"Philips":           {"Phillips", "Koninklijke Philips", "Koninklijke Philips N.V.", "Philips Healthcare", "philips"},
	"GE Healthcare":     {"General Electric (GE)", "General Electric", "GE", "gehealthcare", "GE HealthCare", "GE Medical Systems"},
	"Medtronic":         {"Medtronic Inc", "medtronic"},
	"BD":                {"Becton, Dickinson and Company (BD)", "Becton Dickinson", "Becton, Dickinson and Company", "bd"},
	"B. Braun":          {"B. Braun Medical", "B. Braun Melsungen AG", "bbraun", "b_braun"},
	"Baxter":            {"Baxter International Inc.", "Baxter International", "Baxter Healthcare"},
	"Dräger":            {"Draeger", "Drager", "draeger"},
	"Siemens":           {"Siemens Healthineers", "Siemens Healthcare"},
	"Abbott":            {"Abbott Laboratories", "St. Jude Medical"},
	"Hillrom":           {"Hill-Rom", "Hillrom and ELI"},
	"Roche":             {"Roche Diagnostics"},
	"Fresenius Kabi":    {"fresenius_kabi", "Fresenius"},
	"Innokas Yhtymä":    {"Innokas YhtymÃ¤ Oy", "Innokas Yhtymä Oy"},
	"Change Healthcare": {"change_healthcare"},
}

// Add records that alias names the manufacturer canonical.
func (a Aliases) Add(alias, canonical string) { a[NameKey(alias)] = canonical }

// Canonical returns the canonical name of a manufacturer name, or the name trimmed when
// the table does not know it.
func (a Aliases) Canonical(name string) string {
	if c, ok := a[NameKey(name)]; ok {
		return c
	}
	return strings.TrimSpace(name)
}

// VendorKey returns the comparison key of a manufacturer name through the table:
// NameKey of its canonical name. Empty for an empty name.
func (a Aliases) VendorKey(name string) string { return NameKey(a.Canonical(name)) }

// NameKey returns the comparison key of a name: letters and digits only, lower-cased,
// diacritics removed (NFKD), so "IntelliVue MX40", "intellivue_mx40" and "Intellivue-MX40"
// are one key.
func NameKey(s string) string {
	// Fast path: ASCII names (every CPE name, most manufacturers') need no normalisation.
	ascii, clean := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			ascii = false
			break
		}
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
			clean = false
		}
	}
	if ascii {
		if clean {
			return s
		}
		b := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b = append(b, c)
			case c >= 'A' && c <= 'Z':
				b = append(b, c+'a'-'A')
			}
		}
		return string(b)
	}
	var b strings.Builder
	for _, r := range norm.NFKD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// ProductAlias says that the advisories of the manufacturer Vendor name as Name the
// product the inventory calls Model (GE's "CARESCAPE Central Station" for "CSCS").
type ProductAlias struct{ Vendor, Name, Model string }

// ProductAliases are the lines of the hospital's product alias table.
type ProductAliases []ProductAlias

// For returns the lines that apply to a target: the same manufacturer through aliases,
// the model equal by NameKey.
func (pa ProductAliases) For(aliases Aliases, t Target) []ProductAlias {
	if len(pa) == 0 {
		return nil
	}
	mk := NameKey(t.Model)
	if mk == "" {
		return nil
	}
	if aliases == nil {
		aliases = DefaultAliases()
	}
	vk := aliases.VendorKey(t.Vendor)
	var out []ProductAlias
	for _, p := range pa {
		if NameKey(p.Model) == mk && aliases.VendorKey(p.Vendor) == vk && NameKey(p.Name) != mk {
			out = append(out, p)
		}
	}
	return out
}

// Variants returns the target as each line that applies names it (its model replaced by
// the advisories' name), for finding the advisories that may concern it by index keys.
func (pa ProductAliases) Variants(aliases Aliases, t Target) []Target {
	var out []Target
	for _, p := range pa.For(aliases, t) {
		v := t
		v.Model = p.Name
		out = append(out, v)
	}
	return out
}
