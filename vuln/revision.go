package vuln

import (
	"encoding/json"
	"strconv"
	"strings"
)

// CompareRevisions tells whether advisory b is a newer (1), the same (0) or an older (-1)
// revision of advisory a (same ID). CSAF 2.0 §3.1.11 and §3.2.1.12.8: tracking.version is
// integer versioning ("3") or semantic versioning ("1.2.0", a pre-release before its
// release; build metadata ignored); when both revisions are of one kind they decide,
// else (NVD records, or revisions of different kinds or unknown) the current release
// dates (Updated: CSAF current_release_date, NVD lastModified) decide.
func CompareRevisions(a, b *Advisory) int {
	if c, ok := compareTrackingVersions(a.Revision, b.Revision); ok && c != 0 {
		return c
	}
	switch {
	case b.Updated.After(a.Updated):
		return 1
	case b.Updated.Before(a.Updated):
		return -1
	}
	return 0
}

// SameContent tells whether two revisions say the same about products: the same product
// IDs with the same full product names and, per vulnerability, the same CVE and product
// statuses (what the file says, not what medsec derives from it, so a stored revision
// compares equal to its own file after an upgrade). Used to refuse a
// document that claims an existing revision but says something else.
func SameContent(a, b *Advisory) bool {
	type statuses struct {
		CVE                                       string
		Affected, NotAffected, Fixed, Investigate []string
	}
	key := func(x *Advisory) string {
		var ps [][2]string
		for _, p := range x.Products {
			ps = append(ps, [2]string{p.ID, p.Name})
		}
		var vs []statuses
		for _, v := range x.Vulnerabilities {
			vs = append(vs, statuses{v.CVE, v.Affected, v.NotAffected, v.Fixed, v.UnderInvestigation})
		}
		out, _ := json.Marshal([]any{ps, vs})
		return string(out)
	}
	return key(a) == key(b)
}

func compareTrackingVersions(a, b string) (int, bool) {
	if a == "" || b == "" {
		return 0, false
	}
	ai, errA := strconv.ParseUint(a, 10, 64)
	bi, errB := strconv.ParseUint(b, 10, 64)
	if errA == nil && errB == nil {
		return cmp3(ai, bi), true
	}
	as, okA := parseSemver(a)
	bs, okB := parseSemver(b)
	if !okA || !okB {
		return 0, false
	}
	for i := 0; i < 3; i++ {
		if c := cmp3(as.n[i], bs.n[i]); c != 0 {
			return c, true
		}
	}
	switch {
	case as.pre == bs.pre:
		return 0, true
	case as.pre == "":
		return -1, true // a is the release, b a pre-release of it
	case bs.pre == "":
		return 1, true
	case bs.pre > as.pre:
		return 1, true
	}
	return -1, true
}

type trackingSemver struct {
	n   [3]uint64
	pre string
}

func parseSemver(s string) (trackingSemver, bool) {
	var v trackingSemver
	s, _, _ = strings.Cut(s, "+")
	s, v.pre, _ = strings.Cut(s, "-")
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 64)
		if err != nil {
			return v, false
		}
		v.n[i] = n
	}
	return v, true
}

func cmp3(a, b uint64) int {
	switch {
	case b > a:
		return 1
	case b < a:
		return -1
	}
	return 0
}
