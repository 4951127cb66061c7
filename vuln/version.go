package vuln

import (
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
	goversion "github.com/hashicorp/go-version"
)

// CompareVersions orders two version strings as device firmware writes them: each is cut
// into runs of digits and runs of letters (any other character separates), and runs are
// compared in turn, digits as numbers, letters case-insensitively, a number after a letter
// run; when one string runs out first it is the lower, unless all it goes on with is zero
// components: trailing zeros compare equal ("4.2" = "4.2.0" = "4.2.0.0", so NVD's
// versionEndIncluding 4.2 includes firmware 4.2.0). So "b.06.17" < "b.06.18",
// "1.1" < "1.10" (1.1 is not 1.10), "1.9" < "1.10" and "4.2" < "4.2.1". It returns -1, 0 or
// +1. hashicorp/go-version refuses "b.06.18" and semver needs three numbers, which
// firmware rarely has; this is the rule of rpm's vercmp, which copes with both.
//
// A pre-release marks a version before the release it names: when one string runs out and
// the other goes on with a pre-release word (alpha, beta, rc, pre, preview, dev, snapshot;
// "1.0.5-rc1", "2.0beta"), the one that goes on is the lower, so 1.0.5-rc1 < 1.0.5; any
// other letter run after the common part is a later build ("4.2a" > "4.2").
//
// A leading "v" or "V" directly followed by a digit ("V2.5", "v1.0.3") marks the string
// as a version and is dropped, so V2.5 compares as 2.5; a letter run followed by anything
// else ("B.06.17") is part of the version.
func CompareVersions(a, b string) int {
	ta, tb := versionTokens(trimVersionMark(a)), versionTokens(trimVersionMark(b))
	for i := 0; i < len(ta) && i < len(tb); i++ {
		x, y := ta[i], tb[i]
		xd, yd := isDigit(x[0]), isDigit(y[0])
		switch {
		case xd && yd:
			x, y = strings.TrimLeft(x, "0"), strings.TrimLeft(y, "0")
			if len(x) != len(y) {
				return sign(len(x) - len(y))
			}
			if c := strings.Compare(x, y); c != 0 {
				return c
			}
		case xd:
			return 1
		case yd:
			return -1
		default:
			if c := strings.Compare(strings.ToLower(x), strings.ToLower(y)); c != 0 {
				return c
			}
		}
	}
	switch {
	case len(ta) > len(tb):
		return restOrder(ta[len(tb):])
	case len(tb) > len(ta):
		return -restOrder(tb[len(ta):])
	}
	return 0
}

// restOrder orders the longer of two versions against the shorter one it extends, by the
// tokens it goes on with: zero components add nothing ("4.2.0" = "4.2", as NVD's
// versionEndIncluding 4.2 and an advisory's "4.2 and prior" mean it), then a pre-release
// word makes it the lower, anything else (a non-zero number, a build letter) the higher.
func restOrder(rest []string) int {
	for len(rest) > 0 && isDigit(rest[0][0]) && strings.Trim(rest[0], "0") == "" {
		rest = rest[1:]
	}
	switch {
	case len(rest) == 0:
		return 0
	case preReleaseWord(rest[0]):
		return -1
	}
	return 1
}

// preReleaseWord reports whether a letter run names a pre-release.
func preReleaseWord(tok string) bool {
	switch strings.ToLower(tok) {
	case "alpha", "beta", "rc", "pre", "preview", "dev", "snapshot":
		return true
	}
	return false
}

// semverSchemes are the package ecosystems (purl types, vers schemes) whose versions are
// Semantic Versioning 2.0 and whose ranges are written as npm writes them.
var semverSchemes = map[string]bool{"npm": true, "cargo": true, "golang": true, "composer": true, "hex": true, "pub": true, "nuget": true, "swift": true, "cocoapods": true}

// versionSchemes are the other ecosystems whose versions are dotted numbers with an
// optional pre-release ("1.0" = "1.0.0", "2.0rc1" < "2.0"), read by hashicorp/go-version.
var versionSchemes = map[string]bool{"pypi": true, "maven": true, "gem": true, "conan": true, "hackage": true, "cran": true}

// CompareVersionsIn orders two versions by the rules of an ecosystem (a purl type or vers
// scheme, case-insensitive): Semantic Versioning for npm, cargo, golang, composer, hex,
// pub, nuget, swift and cocoapods (Masterminds/semver: pre-releases first, build metadata
// ignored, "1.0" = "1.0.0"); dotted numbers with pre-releases for pypi, maven, gem and the
// like (hashicorp/go-version: "1.0" = "1.0.0", "2.0rc1" < "2.0"). Where a version does not
// parse by its ecosystem's rule, and for every other scheme ("", "generic", firmware), it
// falls back to CompareVersions. It returns -1, 0 or +1.
func CompareVersionsIn(scheme, a, b string) int {
	scheme = strings.ToLower(scheme)
	switch {
	case semverSchemes[scheme]:
		x, errx := semver.NewVersion(a)
		y, erry := semver.NewVersion(b)
		if errx == nil && erry == nil {
			return x.Compare(y)
		}
	case versionSchemes[scheme]:
		x, errx := goversion.NewVersion(a)
		y, erry := goversion.NewVersion(b)
		if errx == nil && erry == nil {
			return x.Compare(y)
		}
	}
	return CompareVersions(a, b)
}

// trimVersionMark drops a leading "v" or "V" that is directly followed by a digit.
func trimVersionMark(s string) string {
	if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && isDigit(s[1]) {
		return s[1:]
	}
	return s
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func versionTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		if !isDigit(c) && !isAlpha(c) {
			i++
			continue
		}
		j := i
		for j < len(s) && isDigit(s[j]) == isDigit(c) && (isDigit(s[j]) || isAlpha(s[j])) {
			j++
		}
		out = append(out, s[i:j])
		i = j
	}
	return out
}

// VersionRange is a parsed version range: all versions, or alternatives each of which is
// a conjunction of comparisons (or a prefix pattern "2.x").
type VersionRange struct {
	All  bool
	Alts [][]VersionConstraint
	// Text is the range as written.
	Text string
	// Scheme is the ecosystem whose rules compare the versions (CompareVersionsIn): the
	// vers string's scheme ("npm" of "vers:npm/<4.17.21") or the caller's; "" or
	// "generic" compare as firmware does.
	Scheme string
	// npm is an npm-style range ("^1.2.0", "~1.2", ">=1.0.0 <2.0.0 || 3.x") of a semver
	// ecosystem, checked by Masterminds/semver with pre-releases included.
	npm *semver.Constraints
}

// VersionConstraint is one comparison: Op is "<", "<=", ">", ">=", "=" or "prefix".
type VersionConstraint struct {
	Op      string
	Version string
}

var (
	rangeOp     = regexp.MustCompile(`^(<=|>=|<|>|=|==)\s*(\S.*)$`)
	rangeBelow  = regexp.MustCompile(`(?i)^(\S+)\s+(?:and|&)\s+(?:below|prior|earlier|lower|older|before)$`)
	rangeAbove  = regexp.MustCompile(`(?i)^(\S+)\s+(?:and|&)\s+(?:above|later|newer|higher|after)$`)
	rangePrior  = regexp.MustCompile(`(?i)^(?:prior to|before|versions? prior to|earlier than)\s+(\S+)$`)
	rangeUpTo   = regexp.MustCompile(`(?i)^(?:up to|through|all versions up to)\s+(?:and including\s+)?(\S+)$`)
	rangeBounds = regexp.MustCompile(`^(\S+)\s*(<=|<)\s*v?\s*(\S+)$`)
	rangeX      = regexp.MustCompile(`(?i)^([0-9][0-9a-z]*(?:\.[0-9a-z]+)*?)((?:\.x)+)$`)
)

// ParseVersionRange reads a range as CSAF product_version_range names write it: a vers
// string (vers:all/*, vers:generic/>=1.0|<2.0; the "vers" URI scheme of the package-url
// project), a comparison ("< 1.003", "<=3.0.0.0"), words ("2.3.6 and below", "prior to
// 4.2"), a pattern ("2.X", "5.x.x"), or alternatives separated by "|". It reports false
// when the text is none of these; the caller then matches without a version test, with
// lower confidence.
func ParseVersionRange(s string) (VersionRange, bool) {
	return ParseVersionRangeIn("", s)
}

// ParseVersionRangeIn is ParseVersionRange for the versions of one ecosystem (a purl type
// such as "npm", "pypi", "maven"; "" for firmware): its versions compare by the
// ecosystem's rules (CompareVersionsIn), and a semver ecosystem's range may also be
// written as npm writes ranges ("^1.2.0", "~1.2", ">=1.0.0 <2.0.0 || 3.x"; pre-releases
// of the bounds are inside, since a vulnerable 1.0.5-rc1 is still vulnerable). A vers
// string's own scheme wins over the argument.
func ParseVersionRangeIn(scheme, s string) (VersionRange, bool) {
	r := VersionRange{Text: s, Scheme: strings.ToLower(scheme)}
	t := strings.TrimSpace(s)
	if t == "" {
		return r, false
	}
	if strings.HasPrefix(t, "vers:") {
		vs, rest, ok := strings.Cut(t[5:], "/")
		if !ok {
			return r, false
		}
		r.Scheme = strings.ToLower(strings.TrimSpace(vs))
		rest = strings.TrimSpace(rest)
		if rest == "*" {
			r.All = true
			return r, true
		}
		// vers: constraints separated by "|" are one range (a conjunction of bounds
		// sorted by version); a bare version is "=".
		var cs []VersionConstraint
		for _, part := range strings.Split(rest, "|") {
			c, ok := parseConstraint(strings.TrimSpace(part), true)
			if !ok {
				return r, false
			}
			cs = append(cs, c)
		}
		r.Alts = versAlternatives(cs)
		return r, true
	}
	if t == "*" || strings.EqualFold(t, "all") || strings.EqualFold(t, "all versions") {
		r.All = true
		return r, true
	}
	if semverSchemes[r.Scheme] && !strings.Contains(strings.ReplaceAll(t, "||", ""), "|") {
		if c, err := semver.NewConstraint(t); err == nil {
			c.IncludePrerelease = true
			r.npm = c
			return r, true
		}
	}
	for _, part := range strings.Split(t, "|") {
		part = strings.TrimSpace(part)
		c, ok := parseConstraint(part, false)
		if ok {
			r.Alts = append(r.Alts, []VersionConstraint{c})
			continue
		}
		if m := rangeBounds.FindStringSubmatch(part); m != nil {
			r.Alts = append(r.Alts, []VersionConstraint{{">=", m[1]}, {m[2], m[3]}})
			continue
		}
		return r, false
	}
	return r, len(r.Alts) > 0
}

func parseConstraint(p string, vers bool) (VersionConstraint, bool) {
	p = strings.Join(strings.Fields(p), " ")
	if m := rangeOp.FindStringSubmatch(p); m != nil && !strings.ContainsAny(m[2], " <>") {
		op := m[1]
		if op == "==" {
			op = "="
		}
		return VersionConstraint{op, strings.TrimPrefix(m[2], "v")}, true
	}
	if vers {
		if p != "" && !strings.ContainsAny(p, " <>=") {
			return VersionConstraint{"=", p}, true
		}
		return VersionConstraint{}, false
	}
	if m := rangeBelow.FindStringSubmatch(p); m != nil {
		return VersionConstraint{"<=", m[1]}, true
	}
	if m := rangeAbove.FindStringSubmatch(p); m != nil {
		return VersionConstraint{">=", m[1]}, true
	}
	if m := rangePrior.FindStringSubmatch(p); m != nil {
		return VersionConstraint{"<", m[1]}, true
	}
	if m := rangeUpTo.FindStringSubmatch(p); m != nil {
		return VersionConstraint{"<=", m[1]}, true
	}
	if m := rangeX.FindStringSubmatch(p); m != nil {
		return VersionConstraint{"prefix", m[1]}, true
	}
	return VersionConstraint{}, false
}

// versAlternatives turns the constraints of a vers string into alternatives: "=" ones
// stand alone; the bounds form intervals in the order given (vers §"version constraints":
// a lower bound opens an interval the next upper bound closes).
func versAlternatives(cs []VersionConstraint) [][]VersionConstraint {
	var out [][]VersionConstraint
	var open []VersionConstraint
	for _, c := range cs {
		switch c.Op {
		case "=":
			out = append(out, []VersionConstraint{c})
		case ">", ">=":
			if len(open) > 0 {
				out = append(out, open)
			}
			open = []VersionConstraint{c}
		case "<", "<=":
			open = append(open, c)
			out = append(out, open)
			open = nil
		}
	}
	if len(open) > 0 {
		out = append(out, open)
	}
	return out
}

// Contains reports whether version v is in the range.
func (r VersionRange) Contains(v string) bool {
	if r.All {
		return true
	}
	if r.npm != nil {
		sv, err := semver.NewVersion(v)
		return err == nil && r.npm.Check(sv)
	}
	for _, alt := range r.Alts {
		ok := true
		for _, c := range alt {
			if !c.holdsIn(r.Scheme, v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func (c VersionConstraint) holds(v string) bool { return c.holdsIn("", v) }

// holdsIn is holds by the rules of an ecosystem (CompareVersionsIn).
func (c VersionConstraint) holdsIn(scheme, v string) bool {
	if c.Op == "prefix" {
		pt, vt := versionTokens(c.Version), versionTokens(v)
		if len(vt) < len(pt) {
			return false
		}
		for i := range pt {
			if CompareVersions(pt[i], vt[i]) != 0 {
				return false
			}
		}
		return true
	}
	cmp := CompareVersionsIn(scheme, v, c.Version)
	switch c.Op {
	case "<":
		return cmp < 0
	case "<=":
		return cmp <= 0
	case ">":
		return cmp > 0
	case ">=":
		return cmp >= 0
	}
	return cmp == 0
}
