package vuln

import (
	"regexp"
	"slices"
	"strconv"
	"strings"

	"medsec"

	"github.com/package-url/packageurl-go"
)

// Confidence says how sure a match is.
type Confidence string

// Confidences, from surest.
const (
	// ConfidenceHigh: an identifier the asset or component carries (CPE, purl, model
	// number, SKU) matched, and the version test was decided.
	ConfidenceHigh Confidence = "high"
	// ConfidenceMedium: the manufacturer and model names matched (through the alias
	// table), and the version test was decided.
	ConfidenceMedium Confidence = "medium"
	// ConfidenceLow: the version could not be tested (the target's version is unknown, or
	// the advisory's range is free text medsec does not understand); a person must look.
	ConfidenceLow Confidence = "low"
)

func lower(a, b Confidence) Confidence {
	rank := map[Confidence]int{ConfidenceHigh: 3, ConfidenceMedium: 2, ConfidenceLow: 1}
	if rank[b] < rank[a] {
		return b
	}
	return a
}

// Target is what is matched against advisories: an asset (manufacturer, model, firmware
// and software versions, its CPEs and purl from the inventory) or one component of it
// (from an SBOM: its CPE and purl).
type Target struct {
	// AssetID and ComponentID say what the target is; ComponentID is 0 for the asset itself.
	AssetID     int64
	ComponentID int64
	// Vendor is the manufacturer's name as the inventory writes it.
	Vendor string
	// Model is the model name ("IntelliVue MX40").
	Model string
	// Firmware and Software are the installed versions.
	Firmware string
	Software string
	// CPEs are CPE 2.3 names (or CPE 2.2 URIs): firmware or software CPE, hardware CPE.
	CPEs []string
	// PURLs are package URLs.
	PURLs []string
}

// Match is one advisory's vulnerability found to apply to a target, with why.
type Match struct {
	AdvisoryID string `json:"advisory_id"`
	CVE        string `json:"cve"`
	// ProductID is the CSAF product_id that matched; empty for NVD.
	ProductID string `json:"product_id,omitempty"`
	// Status is the advisory's product status for the product: known_affected,
	// known_not_affected, fixed or under_investigation (CSAF 2.0 §3.2.3.9); NVD matches
	// are known_affected.
	Status string `json:"status"`
	// Why says, as data, what of the target matched which identifier of the advisory
	// (a hardware CPE, the model, a purl), by which rule (an NVD configuration, a CSAF
	// product tree branch or identification helper) and which version tests held
	// ("b.06.17" < "b.06.18" from versionEndExcluding); medsec.WhyPart.Text says it in a
	// language.
	Why medsec.MatchWhy `json:"why"`
	// Confidence says how sure the match is.
	Confidence Confidence `json:"confidence"`
}

// fact is one thing a target is: a CPE it carries, or one derived from its manufacturer
// and model names.
type fact struct {
	part    string // a, o, h
	vendor  string // vendor key (Aliases.VendorKey)
	product string // NameKey
	version string // "" when unknown
	cpe     *cpeName
	derived bool
	ident   medsec.WhyPart // what the fact is, for Match.Why (without the criterion)
}

// why returns a part with its parameters as name, value pairs.
func why(kind string, kv ...string) medsec.WhyPart {
	p := medsec.WhyPart{Kind: kind}
	if len(kv) > 0 {
		p.Params = make(map[string]string, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			p.Params[kv[i]] = kv[i+1]
		}
	}
	return p
}

// matching returns the fact's identifier part naming the advisory's criterion it matched.
func (f fact) matching(criterion string) medsec.WhyPart {
	p := medsec.WhyPart{Kind: f.ident.Kind, Params: make(map[string]string, len(f.ident.Params)+1)}
	for k, v := range f.ident.Params {
		p.Params[k] = v
	}
	p.Params["criterion"] = criterion
	return p
}

type ref struct{ adv, vuln int }

// Matcher matches targets against a set of advisories. It indexes the advisories once by
// manufacturer and product keys, CPE vendor and product, and purl, so a target is compared
// only with the advisories that name something it is. It is safe for concurrent use once
// built.
type Matcher struct {
	aliases    Aliases
	products   ProductAliases
	advisories []*Advisory
	index      map[string][]ref
	crit       map[string]*cpeName
}

// NewMatcher returns a matcher of the advisories, comparing manufacturer names through
// aliases (nil: DefaultAliases). CPE criteria that do not parse are skipped (ParseNVD has
// refused them already).
func NewMatcher(aliases Aliases, advisories []*Advisory) *Matcher {
	if aliases == nil {
		aliases = DefaultAliases()
	}
	m := &Matcher{aliases: aliases, index: map[string][]ref{}, crit: map[string]*cpeName{}}
	for _, a := range advisories {
		m.Add(a)
	}
	return m
}

// SetProductAliases makes the matcher compare a device also as each product alias line
// that applies to it names it (ProductAliases.For); a match found so and not otherwise
// names the line in its why ("product_alias").
func (m *Matcher) SetProductAliases(pa ProductAliases) { m.products = pa }

// Add indexes one more advisory.
func (m *Matcher) Add(a *Advisory) {
	ai := len(m.advisories)
	m.advisories = append(m.advisories, a)
	// An advisory has a handful of keys: a short list dedupes them without a map.
	var seen []string
	add := func(k string, r ref) {
		if k == "" || slices.Contains(seen, k) {
			return
		}
		seen = append(seen, k)
		m.index[k] = append(m.index[k], r)
	}
	for vi := range a.Vulnerabilities {
		v := &a.Vulnerabilities[vi]
		for ci := range v.Configurations {
			for ni := range v.Configurations[ci].Nodes {
				for _, cm := range v.Configurations[ci].Nodes[ni].CPEMatch {
					if !cm.Vulnerable {
						continue
					}
					if c := m.critOf(&cm); c != nil {
						add(cpeKey(m.aliases.VendorKey(c.vendor), NameKey(c.product)), ref{ai, vi})
					}
				}
			}
		}
	}
	for _, k := range m.productKeys(a) {
		add(k, ref{ai, -1})
	}
}

// cpeKey is the index key of a CPE vendor and product key: "c|vendor|product".
func cpeKey(vendor, product string) string {
	b := make([]byte, 0, 3+len(vendor)+len(product))
	b = append(b, "c|"...)
	b = append(b, vendor...)
	b = append(b, '|')
	b = append(b, product...)
	return string(b)
}

// critOf returns a criterion's CPE: as ParseNVD read it, else parsed (once per matcher).
func (m *Matcher) critOf(cm *CPEMatch) *cpeName {
	if cm.crit != nil {
		return cm.crit
	}
	return m.cpe(cm.Criteria)
}

func (m *Matcher) cpe(s string) *cpeName {
	if c, ok := m.crit[s]; ok {
		return c
	}
	c, err := parseCPE(s)
	if err != nil {
		c = nil
	}
	m.crit[s] = c
	return c
}

// productKeys are the index keys of a CSAF advisory's products.
func (m *Matcher) productKeys(a *Advisory) []string {
	var keys []string
	for _, p := range a.Products {
		vk := m.aliases.VendorKey(p.Vendor)
		for _, n := range nameAlternatives(p.ProductName) {
			keys = append(keys, "n|"+vk+"|"+NameKey(n))
			for _, pre := range wordPrefixes(n) {
				keys = append(keys, "n|"+vk+"|"+pre)
			}
		}
		for _, n := range nameAlternatives(p.Version) {
			keys = append(keys, "n|"+vk+"|"+NameKey(n))
		}
		for _, n := range slices.Concat(p.ModelNumbers, p.SKUs) {
			keys = append(keys, "n|"+vk+"|"+NameKey(n), "n||"+NameKey(n))
		}
		if c := m.cpe(p.CPE); p.CPE != "" && c != nil {
			keys = append(keys, "c|"+m.aliases.VendorKey(c.vendor)+"|"+NameKey(c.product))
		}
		if pu, err := packageurl.FromString(p.PURL); p.PURL != "" && err == nil {
			keys = append(keys, "p|"+purlKey(pu))
		}
	}
	return keys
}

func purlKey(p packageurl.PackageURL) string {
	return strings.ToLower(p.Type + "/" + p.Namespace + "/" + p.Name)
}

// wordPrefixes returns the name keys of the leading words of a name, shortest first,
// without the whole name: "IntelliVue MX40 Patient Worn Monitor" gives "intellivue",
// "intellivuemx40", "intellivuemx40patient", … Advisories write a model with words after
// it; a device's model is often the leading words.
func wordPrefixes(name string) []string {
	words := strings.FieldsFunc(name, func(r rune) bool { return r == ' ' || r == '(' || r == ')' || r == ',' || r == ':' })
	var out []string
	key := ""
	for i := 0; i < len(words)-1; i++ {
		key += NameKey(words[i])
		if len(key) >= 4 {
			out = append(out, key)
		}
	}
	return out
}

// productNameVersion is a product name split into the name and the version or version
// range written after it.
type productNameVersion struct {
	base, text string
	r          VersionRange
}

// nameVersionWords are words that may stand between a product name and its version.
var nameVersionWords = map[string]bool{"version": true, "versions": true, "ver": true, "ver.": true, "v": true, "v.": true, "release": true}

// nameVersion splits a product name that ends in a version or a version range, as
// advisories write product_name branches ("IntelliSpace Portal 8.0.x", "Vue PACS versions
// 12.2 and prior", "Alaris PC v9.33"), into the name and the range read by
// ParseVersionRange (a bare version is "="): false when the name ends in none. A bare
// number without a dot ("Alaris 8015", "MX40") is part of the model, not a version.
func nameVersion(name string) (productNameVersion, bool) {
	words := strings.Fields(name)
	for i := 1; i < len(words); i++ {
		tail := words[i:]
		if nameVersionWords[strings.ToLower(tail[0])] {
			if len(tail) == 1 {
				continue
			}
			tail = tail[1:]
		}
		text := strings.Join(tail, " ")
		first := strings.TrimLeft(strings.ToLower(tail[0]), "v")
		if !versionLeadX.MatchString(first) && !strings.ContainsAny(text[:1], "<>=") &&
			rangePrior.FindStringSubmatch(text) == nil && rangeUpTo.FindStringSubmatch(text) == nil {
			continue
		}
		vr, ok := ParseVersionRange(text)
		if !ok && len(tail) == 1 {
			vr, ok = ParseVersionRange("= " + text)
		}
		if ok && !vr.All {
			return productNameVersion{base: strings.Join(words[:i], " "), text: text, r: vr}, true
		}
	}
	return productNameVersion{}, false
}

// versionLeadX matches a word that begins like a dotted version: "8.0", "8.0.x", "12.2.1".
var versionLeadX = regexp.MustCompile(`^[0-9]+\.[0-9a-z]`)

// nameAlternatives splits a name that lists several ("HD 16 | HD23", "MMT-512 / MMT-712")
// into its parts, keeping the whole too.
func nameAlternatives(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	out := []string{s}
	for _, sep := range []string{"|", " / ", ","} {
		if strings.Contains(s, sep) {
			for _, p := range strings.Split(s, sep) {
				if p = strings.TrimSpace(p); p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// facts returns what the target is, and its index keys.
func (m *Matcher) facts(t Target) ([]fact, []string) {
	var fs []fact
	var keys []string
	for _, s := range t.CPEs {
		c, err := parseCPE(s)
		if err != nil {
			continue
		}
		f := fact{part: c.part, vendor: m.aliases.VendorKey(c.vendor), product: NameKey(c.product), cpe: c, ident: why("cpe", "part", c.part, "cpe", s)}
		if c.version != "*" && c.version != "-" {
			f.version = c.version
		}
		fs = append(fs, f)
		keys = append(keys, "c|"+f.vendor+"|"+f.product)
	}
	if mk := NameKey(t.Model); mk != "" {
		vk := m.aliases.VendorKey(t.Vendor)
		vendor, model := strings.TrimSpace(t.Vendor), strings.TrimSpace(t.Model)
		firmware := why("model_version", "vendor", vendor, "model", model, "what", "firmware", "version", t.Firmware)
		fs = append(fs,
			fact{part: "h", vendor: vk, product: mk, derived: true, ident: why("model", "vendor", vendor, "model", model)},
			fact{part: "o", vendor: vk, product: mk + "firmware", version: t.Firmware, derived: true, ident: firmware},
			fact{part: "o", vendor: vk, product: mk, version: t.Firmware, derived: true, ident: firmware},
			fact{part: "a", vendor: vk, product: mk, version: t.Software, derived: true,
				ident: why("model_version", "vendor", vendor, "model", model, "what", "software", "version", t.Software)},
		)
		keys = append(keys, "c|"+vk+"|"+mk, "c|"+vk+"|"+mk+"firmware", "n|"+vk+"|"+mk, "n||"+mk)
	}
	for _, s := range t.PURLs {
		if p, err := packageurl.FromString(s); err == nil {
			keys = append(keys, "p|"+purlKey(p))
		}
	}
	return fs, keys
}

// Match returns every advisory vulnerability that applies to the target, each with why,
// ordered by advisory ID, CVE and product ID. A vulnerability found only through a
// product alias line names the line first among its identifiers.
func (m *Matcher) Match(t Target) []Match {
	out := m.match(t)
	lines := m.products.For(m.aliases, t)
	if len(lines) == 0 {
		return out
	}
	have := map[string]bool{}
	for _, mt := range out {
		have[mt.AdvisoryID+"\x00"+mt.CVE] = true
	}
	for _, p := range lines {
		v := t
		v.Model = p.Name
		for _, mt := range m.match(v) {
			if have[mt.AdvisoryID+"\x00"+mt.CVE] {
				continue
			}
			have[mt.AdvisoryID+"\x00"+mt.CVE] = true
			mt.Why.Identifiers = append([]medsec.WhyPart{why("product_alias", "vendor", strings.TrimSpace(p.Vendor), "name", p.Name, "model", p.Model)}, mt.Why.Identifiers...)
			out = append(out, mt)
		}
	}
	slices.SortFunc(out, func(x, y Match) int {
		return strings.Compare(x.AdvisoryID+"\x00"+x.CVE+"\x00"+x.ProductID, y.AdvisoryID+"\x00"+y.CVE+"\x00"+y.ProductID)
	})
	return out
}

// match is Match without the product alias table.
func (m *Matcher) match(t Target) []Match {
	fs, keys := m.facts(t)
	type cand struct{ adv, vuln int }
	seen := map[cand]bool{}
	var cands []cand
	for _, k := range keys {
		for _, r := range m.index[k] {
			c := cand(r)
			if !seen[c] {
				seen[c] = true
				cands = append(cands, c)
			}
		}
	}
	var out []Match
	csafDone := map[int]bool{}
	for _, c := range cands {
		a := m.advisories[c.adv]
		if c.vuln >= 0 {
			if mt, ok := m.matchConfigurations(a, a.Vulnerabilities[c.vuln], fs); ok {
				out = append(out, mt)
			}
			continue
		}
		if csafDone[c.adv] {
			continue
		}
		csafDone[c.adv] = true
		out = append(out, m.matchProducts(a, t, fs)...)
	}
	slices.SortFunc(out, func(x, y Match) int {
		return strings.Compare(x.AdvisoryID+"\x00"+x.CVE+"\x00"+x.ProductID, y.AdvisoryID+"\x00"+y.CVE+"\x00"+y.ProductID)
	})
	return out
}

// hit is one criterion that a fact satisfied.
type hit struct {
	crit       CPEMatch
	f          fact
	test       []medsec.WhyPart
	unknownVer bool
}

// matchConfigurations applies NVD configuration semantics: a configuration's nodes
// combine by its operator (AND: every node; OR: any), a node's criteria by the node's
// operator, negate inverts a node or a configuration; the target is affected when some
// configuration holds and a criterion marked vulnerable is among those satisfied (so
// firmware on hardware needs both the firmware and the hardware).
func (m *Matcher) matchConfigurations(a *Advisory, v Vulnerability, fs []fact) (Match, bool) {
	for ci, cfg := range v.Configurations {
		ok, hits := m.evalConfiguration(cfg, fs)
		if !ok {
			continue
		}
		var vuln *hit
		conf := ConfidenceHigh
		var others []medsec.WhyPart
		for i := range hits {
			h := &hits[i]
			if h.f.derived {
				conf = lower(conf, ConfidenceMedium)
			}
			if h.unknownVer {
				conf = lower(conf, ConfidenceLow)
			}
			if h.crit.Vulnerable && vuln == nil {
				vuln = h
			} else {
				others = append(others, h.f.matching(h.crit.Criteria))
			}
		}
		if vuln == nil {
			continue
		}
		op := cfg.Operator
		if op == "" {
			op = "OR"
		}
		w := medsec.MatchWhy{Identifiers: append([]medsec.WhyPart{vuln.f.matching(vuln.crit.Criteria)}, others...),
			Rule:         why("nvd_configuration", "n", strconv.Itoa(ci+1), "operator", op, "nodes", strconv.Itoa(len(cfg.Nodes))),
			VersionTests: vuln.test}
		return Match{AdvisoryID: a.ID, CVE: v.CVE, Status: "known_affected", Why: w, Confidence: conf}, true
	}
	return Match{}, false
}

func (m *Matcher) evalConfiguration(cfg Configuration, fs []fact) (bool, []hit) {
	var hits []hit
	and := cfg.Operator == "AND"
	result := and
	for _, n := range cfg.Nodes {
		ok, h := m.evalNode(n, fs)
		if ok {
			hits = append(hits, h...)
		}
		if and && !ok {
			result = false
			break
		}
		if !and && ok {
			result = true
		}
	}
	if cfg.Negate {
		return !result, nil
	}
	return result, hits
}

func (m *Matcher) evalNode(n Node, fs []fact) (bool, []hit) {
	and := n.Operator == "AND"
	var hits []hit
	result := and
	for _, cm := range n.CPEMatch {
		h, ok := m.matchCriterion(cm, fs)
		if ok {
			hits = append(hits, h)
		}
		if and && !ok {
			result = false
			break
		}
		if !and && ok {
			result = true
		}
	}
	if n.Negate {
		return !result, nil
	}
	return result, hits
}

// matchCriterion finds a fact the criterion includes: same part, vendor (through aliases)
// and product, the other attributes by CPE name matching, and the version by the
// criterion's version or range. A fact from a carried CPE is preferred to a derived one.
func (m *Matcher) matchCriterion(cm CPEMatch, fs []fact) (hit, bool) {
	c := m.critOf(&cm)
	if c == nil {
		return hit{}, false
	}
	vk, pk := m.aliases.VendorKey(c.vendor), NameKey(c.product)
	var best hit
	found := false
	for _, f := range fs {
		if f.vendor != vk || f.product != pk || (c.part != "*" && c.part != f.part) {
			continue
		}
		if f.cpe != nil && !c.restMatches(f.cpe) {
			continue
		}
		test, ok, unknown := versionTest(c.version, cm, f.version)
		if !ok {
			continue
		}
		h := hit{crit: cm, f: f, test: test, unknownVer: unknown}
		if !found || (best.f.derived && !f.derived) || (best.unknownVer && !unknown) {
			best, found = h, true
		}
	}
	return best, found
}

// versionTest decides a criterion's version for a target version v ("" when unknown): an
// exact version (compared by CompareVersions, so 1.1 is not 1.10), a range from
// versionStart/End Including/Excluding, ANY ("any version") or NA.
func versionTest(critVersion string, cm CPEMatch, v string) (test []medsec.WhyPart, ok, unknown bool) {
	hasRange := cm.VersionStartIncluding != "" || cm.VersionStartExcluding != "" || cm.VersionEndIncluding != "" || cm.VersionEndExcluding != ""
	one := func(p medsec.WhyPart) []medsec.WhyPart { return []medsec.WhyPart{p} }
	switch {
	case critVersion == "-":
		// NISTIR 7696 Table 6-2: NA against a value is DISJOINT; against NA or an
		// unknown version it is not refuted.
		if v != "" {
			return nil, false, false
		}
		return one(why("not_applicable")), true, false
	case critVersion != "*":
		if v == "" {
			return one(why("unknown_exact", "bound", critVersion)), true, true
		}
		if CompareVersions(v, critVersion) == 0 {
			return one(why("equal", "version", v, "bound", critVersion)), true, false
		}
		return nil, false, false
	case !hasRange:
		return one(why("any_version")), true, false
	}
	if v == "" {
		return one(why("unknown_range")), true, true
	}
	var tests []medsec.WhyPart
	check := func(bound, op, name string, want func(int) bool) bool {
		if bound == "" {
			return true
		}
		if !want(CompareVersions(v, bound)) {
			return false
		}
		tests = append(tests, why("range_check", "version", v, "op", op, "bound", bound, "field", name))
		return true
	}
	if !check(cm.VersionStartIncluding, ">=", "versionStartIncluding", func(c int) bool { return c >= 0 }) ||
		!check(cm.VersionStartExcluding, ">", "versionStartExcluding", func(c int) bool { return c > 0 }) ||
		!check(cm.VersionEndIncluding, "<=", "versionEndIncluding", func(c int) bool { return c <= 0 }) ||
		!check(cm.VersionEndExcluding, "<", "versionEndExcluding", func(c int) bool { return c < 0 }) {
		return nil, false, false
	}
	return tests, true, false
}

// matchProducts matches a CSAF advisory's product tree: each product by its
// identification helper (CPE, purl, model numbers, SKUs) or by vendor and product name
// branches, then by its version or version range; each vulnerability naming a matched
// product in its product status gives a Match.
func (m *Matcher) matchProducts(a *Advisory, t Target, fs []fact) []Match {
	type pm struct {
		ident, rule medsec.WhyPart
		test        []medsec.WhyPart
		conf        Confidence
	}
	one := func(p medsec.WhyPart) []medsec.WhyPart { return []medsec.WhyPart{p} }
	model := why("model_name", "model", t.Model)
	matched := map[string]pm{}
	vk := m.aliases.VendorKey(t.Vendor)
	mk := NameKey(t.Model)
	versions := []struct{ what, v string }{{"firmware", t.Firmware}, {"software", t.Software}}
	for _, p := range a.Products {
		var r pm
		ok := false
		versionIsModel := false
		switch {
		case p.CPE != "":
			c := m.cpe(p.CPE)
			if c == nil {
				continue
			}
			h, hit := m.matchCriterion(CPEMatch{Vulnerable: true, Criteria: p.CPE}, fs)
			if hit {
				r = pm{ident: h.f.matching(p.CPE), rule: why("csaf_cpe"), test: h.test, conf: ConfidenceHigh}
				if h.f.derived {
					r.conf = ConfidenceMedium
				}
				if h.unknownVer {
					r.conf = ConfidenceLow
				}
				matched[p.ID] = r
			}
			continue
		case p.PURL != "":
			pp, err := packageurl.FromString(p.PURL)
			if err != nil {
				continue
			}
			for _, s := range t.PURLs {
				tp, err := packageurl.FromString(s)
				if err != nil || purlKey(tp) != purlKey(pp) {
					continue
				}
				test, vok, unknown := purlVersionTest(pp.Type, pp.Version, p.VersionRange, tp.Version)
				if !vok {
					continue
				}
				conf := ConfidenceHigh
				if unknown {
					conf = ConfidenceLow
				}
				matched[p.ID] = pm{ident: why("purl", "purl", s), rule: why("csaf_purl"), test: test, conf: conf}
				break
			}
			continue
		}
		if mk == "" {
			continue
		}
		vendorOK := p.Vendor == "" || m.aliases.VendorKey(p.Vendor) == vk
		if !vendorOK {
			continue
		}
		for _, n := range slices.Concat(p.ModelNumbers, p.SKUs) {
			if NameKey(n) == mk {
				r, ok = pm{ident: model, rule: why("csaf_model_number", "name", n), conf: ConfidenceHigh}, true
			}
		}
		if !ok {
			for _, n := range nameAlternatives(p.ProductName) {
				if NameKey(n) == mk {
					r, ok = pm{ident: model, rule: why("csaf_product_name", "vendor", strings.TrimSpace(p.Vendor), "product", p.ProductName), conf: ConfidenceMedium}, true
					break
				}
			}
		}
		nameVer, hasNameVer := nameVersion(p.ProductName)
		if !ok && hasNameVer && NameKey(nameVer.base) == mk {
			// "IntelliSpace Portal 8.0.x": the model, then the version line it covers.
			r, ok = pm{ident: model, rule: why("csaf_product_name", "vendor", strings.TrimSpace(p.Vendor), "product", p.ProductName), conf: ConfidenceMedium}, true
		}
		if !ok {
			for _, n := range nameAlternatives(p.ProductName) {
				if slices.Contains(wordPrefixes(n), mk) {
					r, ok = pm{ident: model, rule: why("csaf_product_prefix", "vendor", strings.TrimSpace(p.Vendor), "product", p.ProductName), conf: ConfidenceLow}, true
					break
				}
			}
		}
		if !ok {
			for _, n := range nameAlternatives(p.Version) {
				if NameKey(n) == mk && p.Version != "" {
					r, ok = pm{ident: model, rule: why("csaf_product_version", "vendor", strings.TrimSpace(p.Vendor), "product", p.ProductName, "version", p.Version), conf: ConfidenceMedium}, true
					versionIsModel = true
					break
				}
			}
		}
		if !ok {
			continue
		}
		if p.Vendor == "" {
			r.conf = lower(r.conf, ConfidenceLow)
		}
		// A version written in the product name holds as well as the branch's own
		// (bt11g M7: "IntelliSpace Portal 8.0.x" over vers:all/* matched every version).
		var nameTest []medsec.WhyPart
		if hasNameVer && !versionIsModel {
			decided, unknown := false, true
			for _, tv := range versions {
				if tv.v == "" {
					continue
				}
				unknown = false
				if nameVer.r.Contains(tv.v) {
					nameTest = one(why("name_version", "what", tv.what, "version", tv.v, "range", nameVer.text))
					decided = true
					break
				}
			}
			if unknown {
				nameTest = one(why("unknown_name_version", "range", nameVer.text))
				r.conf = ConfidenceLow
			} else if !decided {
				continue
			}
		}
		// The version test.
		switch {
		case versionIsModel:
			r.test = one(why("model_named"))
		case p.Version != "":
			decided := false
			unknown := true
			for _, tv := range versions {
				if tv.v == "" {
					continue
				}
				unknown = false
				for _, alt := range nameAlternatives(p.Version) {
					if CompareVersions(tv.v, alt) == 0 {
						r.test = one(why("product_version", "what", tv.what, "version", tv.v, "bound", alt))
						decided = true
					} else if m := rangeX.FindStringSubmatch(alt); m != nil && (VersionConstraint{"prefix", m[1]}).holds(tv.v) {
						// Advisories write a version line as a product_version ("2.X").
						r.test = one(why("product_version_pattern", "what", tv.what, "version", tv.v, "range", alt))
						decided = true
					}
				}
			}
			if unknown {
				r.test = one(why("unknown_product_version", "bound", p.Version))
				r.conf = ConfidenceLow
			} else if !decided {
				continue
			}
		case p.VersionRange != "":
			vr, parsed := ParseVersionRange(p.VersionRange)
			switch {
			case !parsed:
				r.test = one(why("range_not_understood", "range", p.VersionRange))
				r.conf = ConfidenceLow
			case vr.All:
				r.test = one(why("all_versions", "range", p.VersionRange))
			default:
				decided, unknown := false, true
				for _, tv := range versions {
					if tv.v == "" {
						continue
					}
					unknown = false
					if vr.Contains(tv.v) {
						r.test = one(why("in_range", "what", tv.what, "version", tv.v, "range", p.VersionRange))
						decided = true
						break
					}
				}
				if unknown {
					r.test = one(why("unknown_advisory_range", "range", p.VersionRange))
					r.conf = ConfidenceLow
				} else if !decided {
					continue
				}
			}
		default:
			r.test = one(why("no_version"))
		}
		if nameTest != nil {
			if k := r.test[0].Kind; k == "all_versions" || k == "no_version" {
				r.test = nameTest
			} else {
				r.test = append(nameTest, r.test...)
			}
		}
		matched[p.ID] = r
	}
	var out []Match
	for _, v := range a.Vulnerabilities {
		for _, st := range []struct {
			name string
			ids  []string
		}{{"known_affected", v.Affected}, {"under_investigation", v.UnderInvestigation}, {"fixed", v.Fixed}, {"known_not_affected", v.NotAffected}} {
			for _, id := range st.ids {
				r, ok := matched[id]
				if !ok {
					continue
				}
				out = append(out, Match{AdvisoryID: a.ID, CVE: v.CVE, ProductID: id, Status: st.name,
					Why: medsec.MatchWhy{Identifiers: []medsec.WhyPart{r.ident}, Rule: r.rule, VersionTests: r.test}, Confidence: r.conf})
			}
		}
	}
	return dedupeMatches(out)
}

// dedupeMatches keeps, per CVE, the first match of the surest status order (affected,
// under investigation, fixed, not affected): one product of a tree decides.
func dedupeMatches(in []Match) []Match {
	seen := map[string]bool{}
	var out []Match
	for _, mt := range in {
		if seen[mt.CVE] {
			continue
		}
		seen[mt.CVE] = true
		out = append(out, mt)
	}
	return out
}

// purlVersionTest decides a purl product's version for the target's purl version v ("" when
// unknown), by the rules of the purl's ecosystem (its type: npm, pypi, maven, …).
func purlVersionTest(purlType, advVersion, advRange, v string) ([]medsec.WhyPart, bool, bool) {
	one := func(p medsec.WhyPart) []medsec.WhyPart { return []medsec.WhyPart{p} }
	if v == "" {
		return one(why("unknown_version")), true, true
	}
	if advVersion != "" {
		if CompareVersionsIn(purlType, v, advVersion) == 0 {
			return one(why("purl_equal", "version", v, "bound", advVersion, "type", purlType)), true, false
		}
		return nil, false, false
	}
	if advRange != "" {
		vr, ok := ParseVersionRangeIn(purlType, advRange)
		if !ok {
			return one(why("range_not_understood", "range", advRange)), true, true
		}
		if vr.Contains(v) {
			return one(why("purl_in_range", "version", v, "range", advRange, "type", purlType)), true, false
		}
		return nil, false, false
	}
	return one(why("any_version")), true, false
}

// FleetIndex indexes targets (the fleet) by the same keys the matcher uses, so that one new
// advisory is compared only with the targets it may concern.
type FleetIndex struct {
	aliases Aliases
	targets []Target
	index   map[string][]int32
}

// NewFleetIndex indexes the targets, comparing manufacturer names through aliases (nil:
// DefaultAliases).
func NewFleetIndex(aliases Aliases, targets []Target) *FleetIndex {
	if aliases == nil {
		aliases = DefaultAliases()
	}
	m := &Matcher{aliases: aliases, crit: map[string]*cpeName{}}
	x := &FleetIndex{aliases: aliases, targets: targets, index: map[string][]int32{}}
	for i, t := range targets {
		_, keys := m.facts(t)
		for _, k := range keys {
			l := x.index[k]
			if len(l) > 0 && l[len(l)-1] == int32(i) {
				continue
			}
			x.index[k] = append(l, int32(i))
		}
	}
	return x
}

// TargetMatch is a match of one target.
type TargetMatch struct {
	Target Target
	Match  Match
}

// MatchAdvisory returns the targets the advisory applies to, with why.
func (x *FleetIndex) MatchAdvisory(a *Advisory) []TargetMatch {
	m := NewMatcher(x.aliases, []*Advisory{a})
	seen := map[int32]bool{}
	var out []TargetMatch
	for k := range m.index {
		for _, i := range x.index[k] {
			if seen[i] {
				continue
			}
			seen[i] = true
			for _, mt := range m.Match(x.targets[i]) {
				out = append(out, TargetMatch{Target: x.targets[i], Match: mt})
			}
		}
	}
	return out
}

// MatchCache remembers the matches of each distinct target identity (manufacturer, model,
// versions, CPEs, purls), so that a fleet whose devices share models and whose SBOMs share
// components is matched once per identity: a hospital's 100 components per device repeat
// across every device of a model. It is not safe for concurrent use.
type MatchCache struct {
	m    *Matcher
	seen map[string][]Match
	key  []byte
}

// NewMatchCache returns an empty cache over the matcher.
func NewMatchCache(m *Matcher) *MatchCache { return &MatchCache{m: m, seen: map[string][]Match{}} }

// Match returns m.Match(t), from the cache when a target of the same identity was matched.
// The returned slice is shared: do not change it.
func (c *MatchCache) Match(t Target) []Match {
	// The identity is written into one reused buffer; looking it up as string(c.key)
	// allocates nothing, so a target matched before costs no allocation.
	b := c.key[:0]
	for _, s := range [...]string{t.Vendor, t.Model, t.Firmware, t.Software} {
		b = append(b, s...)
		b = append(b, 0)
	}
	for _, s := range t.CPEs {
		b = append(b, s...)
		b = append(b, 1)
	}
	for _, s := range t.PURLs {
		b = append(b, s...)
		b = append(b, 2)
	}
	c.key = b
	if ms, ok := c.seen[string(b)]; ok {
		return ms
	}
	ms := c.m.Match(t)
	c.seen[string(b)] = ms
	return ms
}

// IndexKeysVersion is the version of IndexKeys and TargetIndexKeys: a store keeps it beside
// the keys it stored, and computes them again when it changes.
const IndexKeysVersion = 2

// IndexKeys returns the keys a store indexes an advisory by, sorted: "c|<product>" for the
// CPE product of each vulnerable NVD criterion and CSAF helper CPE, "p|<type/namespace/name>"
// for a CSAF helper purl, "n|<name>" for CSAF product names (and their leading words),
// versions standing for models, model numbers and SKUs. The vendor is left out, so the
// keys hold whatever the alias table says; TargetIndexKeys gives a target's keys the same
// way, and every advisory a Matcher would compare with a target shares a key with it.
// Beside them, "v|<vendor>" for each manufacturer name the advisory writes (NameKey, no
// alias applied: CPE vendors, CSAF product vendors), which no target key is: an alias edit
// finds by it the advisories whose matching the edit can change (version 2).
func IndexKeys(a *Advisory) []string {
	m := &Matcher{aliases: Aliases{}, index: map[string][]ref{}, crit: map[string]*cpeName{}}
	m.Add(a)
	keys := make([]string, 0, len(m.index))
	var vendors []string
	for k := range m.index {
		keys = append(keys, k)
		if parts := strings.SplitN(k, "|", 3); len(parts) == 3 && parts[1] != "" {
			vendors = append(vendors, "v|"+parts[1])
		}
	}
	out := append(vendorFree(keys), vendors...)
	slices.Sort(out)
	return slices.Compact(out)
}

// VendorIndexKey is the key IndexKeys gives the advisories that write a manufacturer name
// (an alias of the table): "v|" and the name's NameKey.
func VendorIndexKey(name string) string { return "v|" + NameKey(name) }

// TargetVendorKeys returns the NameKeys of the manufacturer names a target carries, no
// alias applied: its vendor and the vendors of its CPEs. An alias whose NameKey is among
// them changes how the target is compared.
func TargetVendorKeys(t Target) []string {
	var out []string
	if k := NameKey(t.Vendor); k != "" {
		out = append(out, k)
	}
	for _, s := range t.CPEs {
		if c, err := parseCPE(s); err == nil {
			if k := NameKey(c.vendor); k != "" {
				out = append(out, k)
			}
		}
	}
	return out
}

// TargetIndexKeys returns the keys of a target (asset or component) as IndexKeys gives
// an advisory's, sorted: the advisories to compare it with are those sharing one.
func TargetIndexKeys(t Target) []string {
	m := &Matcher{aliases: Aliases{}, crit: map[string]*cpeName{}}
	_, keys := m.facts(t)
	return vendorFree(keys)
}

// vendorFree drops the vendor part of matcher keys ("c|vendor|product" → "c|product",
// "n|vendor|name" and "n||name" → "n|name"), sorted and without duplicates.
func vendorFree(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if strings.HasPrefix(k, "c|") || strings.HasPrefix(k, "n|") {
			if parts := strings.SplitN(k, "|", 3); len(parts) == 3 {
				k = parts[0] + "|" + parts[2]
			}
		}
		out = append(out, k)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
