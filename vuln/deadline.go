package vuln

import (
	"errors"
	"fmt"
	"math"
	"time"

	"medsec"
)

// The default fix windows of the hospital incident-response plan (seed 003).
const (
	// DefaultHigh is the window for a score of 7.0 or more, 003 §5.2.1 漏洞評估分級:
	// "高危漏洞(評分≥7.0)…需在24小時內修復".
	DefaultHigh = 24 * time.Hour
	// DefaultMedium is the window for a score of 4.0 to 6.9, 003 §5.2.1:
	// "中危漏洞(4.0≤評分<7.0)…需在72小時內修復".
	DefaultMedium = 72 * time.Hour
	// DefaultLow is the window for a score under 4.0, 003 §5.2.1:
	// "低危漏洞(評分<4.0)…需在一周內修復" (one week).
	DefaultLow = 7 * 24 * time.Hour
	// DefaultTerminalHigh is the window for a high-risk vulnerability (score 7.0 or more)
	// on a terminal device found by the routine scans of 003 §3.1.2 終端安全:
	// "終端定期進行漏洞掃描,高危漏洞修復時限不超過48小時".
	DefaultTerminalHigh = 48 * time.Hour
)

// Policy is one site's fix-deadline policy: the window a finding gets from the time it is
// found. A zero field takes the plan's default (DefaultHigh, DefaultMedium, DefaultLow,
// DefaultTerminalHigh), so a site names only what it overrides; the zero Policy is the
// plan's.
type Policy struct {
	// High is the window for a score of 7.0 or more (003 §5.2.1).
	High time.Duration
	// Medium is the window for a score of 4.0 to 6.9 (003 §5.2.1).
	Medium time.Duration
	// Low is the window for a score under 4.0 (003 §5.2.1).
	Low time.Duration
	// TerminalHigh is the window for a score of 7.0 or more on a terminal device found by
	// routine scanning (003 §3.1.2).
	TerminalHigh time.Duration
	// KEV is the window for a vulnerability in CISA's KEV catalog, whatever its score;
	// zero gives it the shortest window of the policy, the plan's reading of "most
	// urgent" for a vulnerability being exploited.
	KEV time.Duration
}

// Validate returns an error naming the first field that is negative; zero means the
// default and is valid.
func (p Policy) Validate() error {
	for _, f := range []struct {
		name string
		d    time.Duration
	}{{"high", p.High}, {"medium", p.Medium}, {"low", p.Low}, {"terminal_high", p.TerminalHigh}, {"kev", p.KEV}} {
		if f.d < 0 {
			return fmt.Errorf("deadline policy: %s: window %s is negative", f.name, f.d)
		}
	}
	return nil
}

// effective returns p with the defaults in its zero fields.
func (p Policy) effective() Policy {
	or := func(d, def time.Duration) time.Duration {
		if d == 0 {
			return def
		}
		return d
	}
	return Policy{
		High:         or(p.High, DefaultHigh),
		Medium:       or(p.Medium, DefaultMedium),
		Low:          or(p.Low, DefaultLow),
		TerminalHigh: or(p.TerminalHigh, DefaultTerminalHigh),
		KEV:          p.KEV,
	}
}

// Effective returns the windows the policy applies: its own, and the plan's defaults in
// its zero fields. KEV stays zero when the policy gives none (the shortest window).
func (p Policy) Effective() Policy { return p.effective() }

// Rule names the clause that set a deadline.
type Rule string

// The rules Deadline applies.
const (
	// RuleKEV: the vulnerability is in CISA's Known Exploited Vulnerabilities catalog, so
	// it gets the policy's KEV window, else its shortest window, whatever its score.
	RuleKEV Rule = "kev"
	// RuleHigh: 003 §5.2.1, score ≥ 7.0.
	RuleHigh Rule = "high"
	// RuleMedium: 003 §5.2.1, 4.0 ≤ score < 7.0.
	RuleMedium Rule = "medium"
	// RuleLow: 003 §5.2.1, score < 4.0.
	RuleLow Rule = "low"
	// RuleTerminalHigh: 003 §3.1.2, score ≥ 7.0 on a terminal device found by routine
	// scanning.
	RuleTerminalHigh Rule = "terminal_high"
)

// Exposure describes a finding as far as its deadline depends on it.
type Exposure struct {
	// Score is the CVSS score the deadline follows (the environmental score when the
	// hospital has re-scored the vulnerability for the device, else the base score),
	// 0.0 to 10.0. Compared in tenths, as CVSS publishes scores (v3.1 §5, v4.0 §6).
	Score float64
	// KEV is true when the vulnerability is in CISA's KEV catalog.
	KEV bool
	// Terminal is true when the asset is a terminal device (003 §3.1.2 終端安全: the
	// hospital's endpoints and medical devices on the network).
	Terminal bool
	// Incident is true when the vulnerability was exposed by a security incident: 003
	// §5.2.1 then governs (its section 5 is the response to an incident), also on a
	// terminal device, rather than the routine-scan window of §3.1.2.
	Incident bool
}

// Deadline is when a finding must be fixed, and why.
type Deadline struct {
	// Due is Found plus Window.
	Due time.Time
	// Window is the time the policy allows.
	Window time.Duration
	// Rule names the clause that set Window.
	Rule Rule
}

// ComputeDeadline returns the deadline a policy gives a finding found at found:
//
//   - in CISA's KEV catalog: the policy's KEV window, else its shortest (RuleKEV);
//   - score ≥ 7.0 on a terminal device, found by routine scanning rather than an
//     incident: TerminalHigh, 48 h by default (003 §3.1.2);
//   - score ≥ 7.0: High, 24 h (003 §5.2.1);
//   - 4.0 ≤ score < 7.0: Medium, 72 h (003 §5.2.1);
//   - score < 4.0: Low, 7 days (003 §5.2.1).
//
// Scores are compared in tenths (6.95 in floating point is 7.0). It returns an error for
// a score outside 0.0–10.0 or NaN, or a policy that does not validate.
func ComputeDeadline(p Policy, e Exposure, found time.Time) (Deadline, error) {
	if err := p.Validate(); err != nil {
		return Deadline{}, err
	}
	if math.IsNaN(e.Score) || tenths(e.Score) < 0 || tenths(e.Score) > 100 {
		return Deadline{}, errors.New("deadline: score must be 0.0 to 10.0")
	}
	p = p.effective()
	var d Deadline
	switch t := tenths(e.Score); {
	case e.KEV && p.KEV > 0:
		d.Rule, d.Window = RuleKEV, p.KEV
	case e.KEV:
		d.Rule, d.Window = RuleKEV, min(p.High, p.Medium, p.Low, p.TerminalHigh)
	case t >= 70 && e.Terminal && !e.Incident:
		d.Rule, d.Window = RuleTerminalHigh, p.TerminalHigh
	case t >= 70:
		d.Rule, d.Window = RuleHigh, p.High
	case t >= 40:
		d.Rule, d.Window = RuleMedium, p.Medium
	default:
		d.Rule, d.Window = RuleLow, p.Low
	}
	d.Due = found.Add(d.Window)
	return d, nil
}

// PlanWindow returns the plan's window for the rule (KEV: the shortest of the plan's).
func PlanWindow(r Rule) time.Duration {
	switch r {
	case RuleHigh:
		return DefaultHigh
	case RuleMedium:
		return DefaultMedium
	case RuleLow:
		return DefaultLow
	case RuleTerminalHigh:
		return DefaultTerminalHigh
	}
	return min(DefaultHigh, DefaultMedium, DefaultLow, DefaultTerminalHigh)
}

// Basis returns where a deadline of the rule that gave window came from: the site's
// policy when the window is not the plan's for the rule, else the plan's clause.
func Basis(r Rule, window time.Duration) medsec.DeadlineBasis {
	hours := int(window.Round(time.Hour) / time.Hour)
	plan := int(PlanWindow(r) / time.Hour)
	b := medsec.DeadlineBasis{Rule: string(r), Hours: hours, PlanHours: plan, Source: medsec.BasisPlan}
	if hours != plan {
		b.Source = medsec.BasisSite
	}
	return b
}
