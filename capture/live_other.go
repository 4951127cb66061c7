//go:build !linux

package capture

import (
	"context"
	"errors"
	"time"
)

// CaptureLive is only available on Linux.
func (a *Analyzer) CaptureLive(ctx context.Context, ifname string, duration time.Duration, clock func() time.Time) (FileInfo, error) {
	return FileInfo{Name: "live:" + ifname}, errors.New("live capture is only supported on Linux")
}
