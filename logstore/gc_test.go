package logstore

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	prev := debug.SetGCPercent(100)
	prevLimit := debug.SetMemoryLimit(math.MaxInt64)
	defer func() { debug.SetGCPercent(prev); debug.SetMemoryLimit(prevLimit) }()
	TuneGC()
	if got := debug.SetGCPercent(100); got != GCPercent {
		t.Errorf("GOGC after TuneGC = %d, want %d", got, GCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got == math.MaxInt64 || got <= 0 {
		t.Errorf("memory limit after TuneGC = %d, want the storage's allowed memory", got)
	}

	// An operator's GOGC stays.
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	TuneGC()
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("GOGC=150 set by the operator became %d", got)
	}
}
