package zone

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// CRLLevel is a yearly cyber risk level (資安風險等級) [000 §7(二)].
type CRLLevel string

// CRL levels.
const (
	CRLHigh   CRLLevel = "high"   // 高: unacceptable
	CRLMedium CRLLevel = "medium" // 中: potentially acceptable
	CRLLow    CRLLevel = "low"    // 低: acceptable
)

// CRLLevels lists the levels from the worst.
var CRLLevels = []CRLLevel{CRLHigh, CRLMedium, CRLLow}

// Acceptability returns what the level means: "unacceptable", "potentially-acceptable" or
// "acceptable" [000 §7(二)1–3]; "" for an unknown level.
func (l CRLLevel) Acceptability() string {
	switch l {
	case CRLHigh:
		return "unacceptable"
	case CRLMedium:
		return "potentially-acceptable"
	case CRLLow:
		return "acceptable"
	}
	return ""
}

// CRL is one yearly cyber-risk review of a controlled device: after the controls are
// applied, its risk is identified, analysed and its impact assessed with a chosen method,
// and rated high, medium or low, year by year [000 §7(二)].
type CRL struct {
	Asset int64    `json:"asset"`
	Year  int      `json:"year"`
	Level CRLLevel `json:"level"`
	// Method names the risk identification, analysis and impact-analysis method used
	// (e.g. "ISO 14971 + IEC 80001-1", "MITRE medical device rubric").
	Method string `json:"method"`
	// Reasons explain the level; Actions are the improvement actions decided.
	Reasons  []string  `json:"reasons,omitempty"`
	Actions  []string  `json:"actions,omitempty"`
	Assessor string    `json:"assessor"`
	Date     time.Time `json:"date"`
}

// Errors of CRL validation.
var (
	ErrCRLInvalid = errors.New("invalid CRL review")
)

// Validate checks a review: a known level, a year from 2000 on, the method, assessor and
// date given, the date not before the year reviewed, and improvement actions for an
// unacceptable (high) risk. Errors wrap ErrCRLInvalid.
func (c CRL) Validate() error {
	var probs []string
	if !slices.Contains(CRLLevels, c.Level) {
		probs = append(probs, fmt.Sprintf("unknown level %q", c.Level))
	}
	if c.Year < 2000 || c.Year > 9999 {
		probs = append(probs, fmt.Sprintf("year %d out of range", c.Year))
	}
	if strings.TrimSpace(c.Method) == "" {
		probs = append(probs, "method is required")
	}
	if strings.TrimSpace(c.Assessor) == "" {
		probs = append(probs, "assessor is required")
	}
	if c.Date.IsZero() {
		probs = append(probs, "date is required")
	} else if c.Date.Year() < c.Year {
		probs = append(probs, fmt.Sprintf("dated %s, before the year %d it reviews", c.Date.Format(time.DateOnly), c.Year))
	}
	if c.Level == CRLHigh && len(c.Actions) == 0 {
		probs = append(probs, "an unacceptable (high) risk needs improvement actions")
	}
	if len(probs) > 0 {
		return fmt.Errorf("CRL of asset %d for %d: %s: %w", c.Asset, c.Year, strings.Join(probs, "; "), ErrCRLInvalid)
	}
	return nil
}

// History returns an asset's reviews ordered by year, then date: its risk level year by
// year.
func History(asset int64, reviews []CRL) []CRL {
	var out []CRL
	for _, r := range reviews {
		if r.Asset == asset {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b CRL) int {
		if a.Year != b.Year {
			return a.Year - b.Year
		}
		return a.Date.Compare(b.Date)
	})
	return out
}

// MissingReviews returns the controlled devices (in the order given, without duplicates)
// that have no review for the year of the reference date, or whose only reviews for that
// year are dated after it. The year is taken in the reference date's location.
func MissingReviews(devices []int64, reviews []CRL, ref time.Time) []int64 {
	year := ref.Year()
	done := map[int64]bool{}
	for _, r := range reviews {
		if r.Year == year && !r.Date.After(ref) {
			done[r.Asset] = true
		}
	}
	var out []int64
	seen := map[int64]bool{}
	for _, d := range devices {
		if !done[d] && !seen[d] {
			out = append(out, d)
		}
		seen[d] = true
	}
	return out
}
