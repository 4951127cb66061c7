package http

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// TestDashCache checks the dashboard cache: fresh figures are reused, stale ones are served
// at once while one background computation replaces them, a cleared cache computes anew,
// and a failed computation is not kept.
func TestDashCache(t *testing.T) {
	var c dashCache
	var calls atomic.Int64
	compute := func() (*dashboard, error) {
		n := calls.Add(1)
		return &dashboard{SupportEnded: int(n)}, nil
	}
	t0 := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	if d, _ := c.get("k", t0, compute); d.SupportEnded != 1 {
		t.Fatalf("first: %d", d.SupportEnded)
	}
	if d, _ := c.get("k", t0.Add(10*time.Second), compute); d.SupportEnded != 1 || calls.Load() != 1 {
		t.Errorf("fresh figures computed again: %d, %d calls", d.SupportEnded, calls.Load())
	}
	// Stale: the old figures at once, one refresh behind them.
	if d, _ := c.get("k", t0.Add(2*dashboardTTL), compute); d.SupportEnded != 1 {
		t.Errorf("stale figures not served at once: %d", d.SupportEnded)
	}
	for i := 0; i < 100 && calls.Load() < 2; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	if d, _ := c.get("k", t0.Add(2*dashboardTTL+time.Second), compute); d.SupportEnded != 2 || calls.Load() != 2 {
		t.Errorf("after the refresh: %d, %d calls", d.SupportEnded, calls.Load())
	}
	c.clear()
	if d, _ := c.get("k", t0.Add(2*dashboardTTL+2*time.Second), compute); d.SupportEnded != 3 {
		t.Errorf("after a change: %d, want computed anew", d.SupportEnded)
	}
	fail := func() (*dashboard, error) { return nil, errors.New("boom") }
	if _, err := c.get("f", t0, fail); err == nil {
		t.Fatal("failure not returned")
	}
	if d, err := c.get("f", t0, compute); err != nil || d == nil {
		t.Errorf("a failed computation was kept: %v", err)
	}
}
