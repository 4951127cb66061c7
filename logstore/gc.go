package logstore

import (
	"os"
	"runtime/debug"

	"github.com/VictoriaMetrics/VictoriaMetrics/lib/memory"
)

// GCPercent is the garbage collector's target (GOGC) TuneGC sets: the heap may grow to
// five times what is live between collections. Ingest allocates for every record
// (parsed fields, the storage's row buffers) and little of it stays live, so collecting
// a quarter as often cut the CPU per stored record by about a fifth in bench/logs
// (docs/PERFORMANCE.md).
const GCPercent = 400

// TuneGC sets the process's garbage collector for ingest: GOGC to GCPercent, and a soft
// memory limit (GOMEMLIMIT) of the memory VictoriaLogs' caches are allowed (60 % of
// the system's or the cgroup's memory), near which the collector runs as often as it
// must, so the larger target cannot run the machine out of memory. A GOGC or GOMEMLIMIT
// environment variable is left as the operator set it. medsec serve and medsec logs
// ingest call it; it affects the whole process.
func TuneGC() {
	parseFlagsOnce()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if n := memory.Allowed(); n > 0 {
			debug.SetMemoryLimit(int64(n))
		}
	}
}
