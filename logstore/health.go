package logstore

import (
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"medsec"
)

// FullHold is how long after the store last refused records for lack of disk space the
// "disk full" condition holds: senders pushed back retry, so while the disk stays full
// refusals keep coming and the condition stays; once they stop it clears.
const FullHold = 5 * time.Minute

// Health keeps what the store's failures say, for log alerts (issue 12; 000
// 日誌處理失效之回應): the write or fsync error that halted the store, and when it last
// refused records because the disk was nearly full. Give Failure to Config.OnFailure and
// the open store to Store.
type Health struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Store, when set, gives the capacity forecast.
	Store *Store

	mu       sync.Mutex
	writeErr error
	fullAt   time.Time
}

// Failure records a storage failure; it is Config.OnFailure's signature.
func (h *Health) Failure(err error) {
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if errors.Is(err, ErrStorageFull) {
		h.fullAt = now
	} else if h.writeErr == nil {
		h.writeErr = err
	}
}

// Conditions returns the storage conditions at now (kind medsec.KindLogStorageFailure,
// site 0): "storage:write" after a write or fsync error (the store refuses records until
// restarted), "storage:full" while records were refused for lack of space within
// FullHold, and "storage:capacity" while the forecast's level is not ok (fewer days of
// disk left than the retention keeps; arguments: bytes a day in MiB, days left, days
// kept).
func (h *Health) Conditions(now time.Time) []medsec.LogAlertCondition {
	h.mu.Lock()
	writeErr, fullAt := h.writeErr, h.fullAt
	h.mu.Unlock()
	var out []medsec.LogAlertCondition
	if writeErr != nil {
		out = append(out, medsec.LogAlertCondition{Kind: medsec.KindLogStorageFailure, Subject: "storage:write", Key: "storage_write",
			Args: []string{"logalert.cause_write"}})
	}
	if !fullAt.IsZero() && now.Sub(fullAt) < FullHold {
		out = append(out, medsec.LogAlertCondition{Kind: medsec.KindLogStorageFailure, Subject: "storage:full", Key: "storage_full",
			Args: []string{"logalert.cause_full"}})
	}
	if h.Store != nil {
		if c, err := h.Store.Capacity(); err == nil && c.Level != "ok" {
			out = append(out, medsec.LogAlertCondition{Kind: medsec.KindLogStorageFailure, Subject: "storage:capacity", Key: "storage_capacity",
				Args: []string{fmt.Sprintf("%d MiB", c.BytesPerDay>>20), strconv.Itoa(c.DaysLeft), strconv.Itoa(c.RetentionDays)}})
		}
	}
	return out
}
