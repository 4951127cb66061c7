package medsec

import (
	"context"
	"slices"
	"strconv"
)

// Log source classes: what a source is, for retention per class [000: logs kept at least
// six months; a hospital keeps some longer].
const (
	LogClassMedicalDevice   = "medical_device"   // modalities, monitors, pumps, analysers
	LogClassClinicalSystem  = "clinical_system"  // HIS, EMR, PACS, LIS, RIS
	LogClassNetworkSecurity = "network_security" // firewalls, switches, controllers
	LogClassServer          = "server"           // application and device servers, workstations
	LogClassOther           = "other"
)

// LogSourceClasses lists the classes in display order.
var LogSourceClasses = []string{LogClassMedicalDevice, LogClassClinicalSystem, LogClassNetworkSecurity, LogClassServer, LogClassOther}

// LogClassOfKind is the class a source linked to an asset of the kind gets when no one
// chose one.
func LogClassOfKind(k AssetKind) string {
	switch k {
	case KindPACS, KindHIS, KindLIS, KindEMR, KindRIS:
		return LogClassClinicalSystem
	case KindNetwork:
		return LogClassNetworkSecurity
	case KindApplicationServer, KindDeviceServer, KindWorkstation, KindEdgeGateway:
		return LogClassServer
	case KindOther, "":
		return LogClassOther
	}
	return LogClassMedicalDevice
}

// MinLogRetentionDays is the shortest retention a class may have: six months
// [000 日誌紀錄: 至少保存六個月]. DefaultLogRetentionDays is a class's retention until
// someone sets it (six months and a little more).
const (
	MinLogRetentionDays     = 183
	MaxLogRetentionDays     = 3660
	DefaultLogRetentionDays = 190
)

// LogRetention is how many days the records of one class of sources are kept.
type LogRetention struct {
	Class string `json:"class"`
	Days  int    `json:"days"`
}

// Validate checks the class and the 183-3660 days.
func (r *LogRetention) Validate() error {
	var errs []FieldError
	if !slices.Contains(LogSourceClasses, r.Class) {
		errs = append(errs, FieldError{Field: "class", Key: "err.log_class", Value: r.Class, Message: "is not a log source class",
			Allowed: LogSourceClasses, Enum: "logclass"})
	}
	if r.Days < MinLogRetentionDays || r.Days > MaxLogRetentionDays {
		errs = append(errs, FieldError{Field: "days", Key: "err.log_retention_days", Value: strconv.Itoa(r.Days),
			Message: "must be 183 (six months) to 3660 days"})
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// StoreRetentionDays is the retention the log store applies: the store removes whole
// days, and a day holds records of every class, so a day goes when the longest retention
// of any class has passed (each class is kept at least as long as it asks).
func StoreRetentionDays(rs []LogRetention) int {
	days := DefaultLogRetentionDays
	for i, r := range rs {
		if i == 0 || r.Days > days {
			days = r.Days
		}
	}
	return days
}

// LogRetentionService keeps the retention per source class. Reads need PermLogRead;
// SetLogRetention needs PermLogAdmin and a user limited to no site (the store is shared)
// and is audited.
type LogRetentionService interface {
	// LogRetentions returns every class's retention (the default where none was set).
	LogRetentions(ctx context.Context) ([]LogRetention, error)
	// SetLogRetention sets one class's retention.
	SetLogRetention(ctx context.Context, r LogRetention) error
}
