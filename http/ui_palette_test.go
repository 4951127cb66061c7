package http_test

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"medsec"
)

// luminance is the relative luminance of an sRGB colour "#rrggbb" (WCAG 2.2, definition
// "relative luminance").
func luminance(t *testing.T, hex string) float64 {
	t.Helper()
	if len(hex) != 7 || hex[0] != '#' {
		t.Fatalf("colour %q is not #rrggbb", hex)
	}
	var l [3]float64
	for i := range l {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			t.Fatalf("colour %q: %v", hex, err)
		}
		c := float64(v) / 255
		if c <= 0.04045 {
			l[i] = c / 12.92
		} else {
			l[i] = math.Pow((c+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*l[0] + 0.7152*l[1] + 0.0722*l[2]
}

// contrast is the WCAG contrast ratio of two colours, from 1 to 21.
func contrast(t *testing.T, a, b string) float64 {
	la, lb := luminance(t, a), luminance(t, b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TestContrastRatio checks the ratio against values WCAG's own examples and the usual
// checkers give.
func TestContrastRatio(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#767676", "#ffffff", 4.54},
		{"#777777", "#ffffff", 4.48},
		{"#0b5cad", "#ffffff", 6.67},
	} {
		if got := contrast(t, tt.a, tt.b); math.Abs(got-tt.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestStatusPalette reads the status, overdue and severity colours from app.css and holds
// them to WCAG 2.2 AA: the text colour on its background at least 4.5:1 (1.4.3), the line
// colour against the white page at least 3:1 (1.4.11); every assessment status, overdue
// and the four severities have their three colours, a rule that uses them and a mark of
// their own, so colour is never the only cue (1.4.1).
func TestStatusPalette(t *testing.T) {
	data, err := os.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	css := string(data)
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--((?:status|overdue|severity)[a-z-]*)-(fg|bg|line):\s*(#[0-9a-fA-F]{6})\s*;`).FindAllStringSubmatch(css, -1) {
		vars[m[1]+"-"+m[2]] = strings.ToLower(m[3])
	}
	states := []string{"overdue", "severity-critical", "severity-high", "severity-medium", "severity-low"}
	for _, s := range medsec.ReportStatuses {
		states = append(states, "status-"+string(s))
	}
	if len(states) != 11 {
		t.Fatalf("%d states; the list of statuses changed", len(states))
	}
	marks := map[string]string{}
	for _, st := range states {
		fg, bg, line := vars[st+"-fg"], vars[st+"-bg"], vars[st+"-line"]
		if fg == "" || bg == "" || line == "" {
			t.Errorf("%s: colours fg=%q bg=%q line=%q, want all three", st, fg, bg, line)
			continue
		}
		if r := contrast(t, fg, bg); r < 4.5 {
			t.Errorf("%s: text %s on %s is %.2f:1, want at least 4.5:1", st, fg, bg, r)
		}
		if r := contrast(t, line, "#ffffff"); r < 3 {
			t.Errorf("%s: line %s on white is %.2f:1, want at least 3:1", st, line, r)
		}
		for _, suffix := range []string{"-fg)", "-bg)", "-line)"} {
			if !strings.Contains(css, "var(--"+st+suffix) {
				t.Errorf("%s: no rule uses var(--%s%s", st, st, suffix)
			}
		}
		var sel string
		switch {
		case strings.HasPrefix(st, "status-"):
			sel = `[data-status="` + strings.TrimPrefix(st, "status-") + `"]:not(section)::before`
		case strings.HasPrefix(st, "severity-"):
			sel = `[data-severity="` + strings.TrimPrefix(st, "severity-") + `"]::before`
		default:
			sel = ".tag.overdue::before"
		}
		m := regexp.MustCompile(regexp.QuoteMeta(sel) + ` \{ content: "([^"]+)"`).FindStringSubmatch(css)
		if m == nil {
			t.Errorf("%s: no mark (%s { content: ... })", st, sel)
			continue
		}
		if other, dup := marks[m[1]]; dup {
			t.Errorf("%s has the same mark %q as %s", st, m[1], other)
		}
		marks[m[1]] = st
	}
}
