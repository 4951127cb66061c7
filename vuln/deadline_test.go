package vuln

import (
	"testing"
	"time"
)

func TestComputeDeadline(t *testing.T) {
	found := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	site := Policy{High: 12 * time.Hour, Low: 30 * 24 * time.Hour}
	tests := []struct {
		name   string
		policy Policy
		e      Exposure
		window time.Duration
		rule   Rule
	}{
		{"7.0 is high", Policy{}, Exposure{Score: 7.0}, 24 * time.Hour, RuleHigh},
		{"6.9 is medium", Policy{}, Exposure{Score: 6.9}, 72 * time.Hour, RuleMedium},
		{"6.95 rounds to 7.0", Policy{}, Exposure{Score: 6.95}, 24 * time.Hour, RuleHigh},
		{"6.94 stays 6.9", Policy{}, Exposure{Score: 6.94}, 72 * time.Hour, RuleMedium},
		{"4.0 is medium", Policy{}, Exposure{Score: 4.0}, 72 * time.Hour, RuleMedium},
		{"3.9 is low", Policy{}, Exposure{Score: 3.9}, 7 * 24 * time.Hour, RuleLow},
		{"0.0 is low", Policy{}, Exposure{Score: 0}, 7 * 24 * time.Hour, RuleLow},
		{"10.0 is high", Policy{}, Exposure{Score: 10}, 24 * time.Hour, RuleHigh},
		{"terminal 7.0", Policy{}, Exposure{Score: 7.0, Terminal: true}, 48 * time.Hour, RuleTerminalHigh},
		{"terminal 6.9", Policy{}, Exposure{Score: 6.9, Terminal: true}, 72 * time.Hour, RuleMedium},
		{"terminal 3.9", Policy{}, Exposure{Score: 3.9, Terminal: true}, 7 * 24 * time.Hour, RuleLow},
		{"terminal in incident", Policy{}, Exposure{Score: 7.0, Terminal: true, Incident: true}, 24 * time.Hour, RuleHigh},
		{"KEV low", Policy{}, Exposure{Score: 3.9, KEV: true}, 24 * time.Hour, RuleKEV},
		{"KEV terminal", Policy{}, Exposure{Score: 9.8, KEV: true, Terminal: true}, 24 * time.Hour, RuleKEV},
		{"site high 7.0", site, Exposure{Score: 7.0}, 12 * time.Hour, RuleHigh},
		{"site medium default", site, Exposure{Score: 6.9}, 72 * time.Hour, RuleMedium},
		{"site low 3.9", site, Exposure{Score: 3.9}, 30 * 24 * time.Hour, RuleLow},
		{"site KEV shortest", site, Exposure{Score: 3.9, KEV: true}, 12 * time.Hour, RuleKEV},
		{"site KEV shortest is medium", Policy{Medium: 6 * time.Hour}, Exposure{Score: 9.0, KEV: true}, 6 * time.Hour, RuleKEV},
		{"site KEV window", Policy{KEV: 4 * time.Hour}, Exposure{Score: 3.0, KEV: true}, 4 * time.Hour, RuleKEV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ComputeDeadline(tt.policy, tt.e, found)
			if err != nil {
				t.Fatal(err)
			}
			want := Deadline{Due: found.Add(tt.window), Window: tt.window, Rule: tt.rule}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestComputeDeadlineRefuses(t *testing.T) {
	found := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		policy Policy
		score  float64
		want   string
	}{
		{"negative policy", Policy{Medium: -time.Hour}, 5, "deadline policy: medium: window -1h0m0s is negative"},
		{"negative KEV window", Policy{KEV: -time.Hour}, 5, "deadline policy: kev: window -1h0m0s is negative"},
		{"score over 10", Policy{}, 10.1, "deadline: score must be 0.0 to 10.0"},
		{"negative score", Policy{}, -0.1, "deadline: score must be 0.0 to 10.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ComputeDeadline(tt.policy, Exposure{Score: tt.score}, found)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
