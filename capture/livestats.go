package capture

import "sync/atomic"

// LiveStats counts what live captures on one interface read, across the windows of a
// sensor (Options.Live): frames taken off the socket and their bytes, and frames the
// kernel dropped because the socket's buffer was full (PACKET_STATISTICS tp_drops, read
// about every second and at the end of each capture). Safe for concurrent reads.
type LiveStats struct {
	Packets, Bytes, Dropped atomic.Int64
}
