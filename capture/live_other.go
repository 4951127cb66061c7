//go:build !linux

package capture

import (
	"context"
	"errors"
	"time"
)

// errNoLive is the error of live capture outside Linux.
var errNoLive = errors.New("live capture is only supported on Linux")

// LiveCapture is a live capture; only available on Linux.
type LiveCapture struct{}

// OpenLive is only available on Linux.
func OpenLive(ifname string) (*LiveCapture, error) { return nil, errNoLive }

// Close does nothing outside Linux.
func (c *LiveCapture) Close() error { return nil }

// CaptureLive is only available on Linux.
func (a *Analyzer) CaptureLive(ctx context.Context, ifname string, duration time.Duration, clock func() time.Time) (FileInfo, error) {
	return FileInfo{Name: "live:" + ifname}, errNoLive
}

// CaptureFrom is only available on Linux.
func (a *Analyzer) CaptureFrom(ctx context.Context, c *LiveCapture, duration time.Duration, clock func() time.Time) (FileInfo, error) {
	return FileInfo{}, errNoLive
}
