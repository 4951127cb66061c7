package http

import (
	"regexp"
	"strconv"
)

// cadenceParts matches the durations the catalogs use for recurring obligations and
// deadlines: ISO 8601 (clause 4.4.3.2) years, months, weeks and days, or hours and minutes.
var cadenceParts = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$`)

// cadenceKeys holds, per unit, the message for one and for n of it.
var cadenceKeys = [...][2]string{
	{"cadence.every_year", "cadence.every_years"},
	{"cadence.every_month", "cadence.every_months"},
	{"cadence.every_week", "cadence.every_weeks"},
	{"cadence.every_day", "cadence.every_days"},
	{"cadence.every_hour", "cadence.every_hours"},
	{"cadence.every_minute", "cadence.every_minutes"},
}

// Every says how often an obligation recurs in the page's language, from its ISO 8601
// duration: "P1Y" is "every year" (每年, 毎年), "P3M" "every 3 months", "PT2H" "every 2
// hours". Years with months are said in months ("P1Y6M": every 18 months), weeks with days
// in days, hours with minutes in minutes. A duration it cannot say in one unit (years with
// days, a date and a time part), an empty, zero or malformed one is shown as written, so
// nothing is lost.
func (p *page) Every(cadence string) string {
	m := cadenceParts.FindStringSubmatch(cadence)
	if m == nil || cadence == "P" || cadence[len(cadence)-1] == 'T' {
		return cadence
	}
	var n [6]int // years, months, weeks, days, hours, minutes
	used := 0
	for i, s := range m[1:] {
		if s == "" {
			continue
		}
		v, err := strconv.Atoi(s)
		if err != nil || v > 100000 {
			return cadence
		}
		n[i] = v
		used |= 1 << i
	}
	// Fold pairs that read well in the smaller unit.
	switch used {
	case 1<<0 | 1<<1:
		n[0], n[1], used = 0, 12*n[0]+n[1], 1<<1
	case 1<<2 | 1<<3:
		n[2], n[3], used = 0, 7*n[2]+n[3], 1<<3
	case 1<<4 | 1<<5:
		n[4], n[5], used = 0, 60*n[4]+n[5], 1<<5
	}
	for unit := range n {
		if used != 1<<unit {
			continue
		}
		switch n[unit] {
		case 0:
			return cadence // P0D and the like: no recurrence to name
		case 1:
			return p.T(cadenceKeys[unit][0])
		default:
			return p.T(cadenceKeys[unit][1], n[unit])
		}
	}
	return cadence
}
