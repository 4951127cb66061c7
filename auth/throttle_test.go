package auth

import (
	"testing"
	"time"
)

func TestThrottleDelayGrowsToItsCap(t *testing.T) {
	th := Throttle{Free: 3, Base: 30 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0}, {2, 0}, {3, 30 * time.Second}, {4, time.Minute}, {5, 2 * time.Minute},
		{8, 15 * time.Minute}, {9, 15 * time.Minute}, {1000, 15 * time.Minute},
	}
	for _, tt := range tests {
		if got := th.Delay(tt.failures); got != tt.want {
			t.Errorf("Delay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	last := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	blocked := []struct {
		failures int
		after    time.Duration
		want     bool
	}{
		{2, 0, false}, {3, 29 * time.Second, true}, {3, 30 * time.Second, false},
		{1000, 14 * time.Minute, true}, {1000, 15 * time.Minute, false}, {1000, 25 * time.Hour, false},
	}
	for _, tt := range blocked {
		if got := th.Blocked(tt.failures, last, last.Add(tt.after)); got != tt.want {
			t.Errorf("Blocked(%d failures, %v after) = %v, want %v", tt.failures, tt.after, got, tt.want)
		}
	}
}
