package zone

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }

func TestCRLValidate(t *testing.T) {
	ok := CRL{Asset: 1, Year: 2026, Level: CRLMedium, Method: "IEC 80001-1", Assessor: "chen", Date: day(2026, 3, 1)}
	tests := []struct {
		name    string
		edit    func(*CRL)
		wantErr bool
	}{
		{"valid", func(*CRL) {}, false},
		{"unknown level", func(c *CRL) { c.Level = "severe" }, true},
		{"no method", func(c *CRL) { c.Method = " " }, true},
		{"no assessor", func(c *CRL) { c.Assessor = "" }, true},
		{"no date", func(c *CRL) { c.Date = time.Time{} }, true},
		{"dated before its year", func(c *CRL) { c.Date = day(2025, 12, 31) }, true},
		{"late review of last year is fine", func(c *CRL) { c.Year = 2025 }, false},
		{"high without actions", func(c *CRL) { c.Level = CRLHigh }, true},
		{"high with actions", func(c *CRL) { c.Level = CRLHigh; c.Actions = []string{"move to OT zone"} }, false},
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		err := c.Validate()
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: Validate = %v, wantErr %v", tt.name, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrCRLInvalid) {
			t.Errorf("%s: error does not wrap ErrCRLInvalid", tt.name)
		}
	}
	if got := CRLHigh.Acceptability(); got != "unacceptable" {
		t.Errorf("high = %q", got)
	}
	if got := CRLMedium.Acceptability(); got != "potentially-acceptable" {
		t.Errorf("medium = %q", got)
	}
}

func TestMissingReviews(t *testing.T) {
	reviews := []CRL{
		{Asset: 1, Year: 2026, Level: CRLLow, Date: day(2026, 2, 1)},
		{Asset: 2, Year: 2025, Level: CRLHigh, Date: day(2025, 11, 1)},
		{Asset: 3, Year: 2026, Level: CRLMedium, Date: day(2026, 12, 1)}, // after the reference date
		{Asset: 4, Year: 2025, Level: CRLMedium, Date: day(2026, 1, 15)}, // late review of 2025
	}
	tests := []struct {
		ref  time.Time
		want []int64
	}{
		{day(2026, 11, 23), []int64{2, 3, 4, 5}},
		{day(2026, 12, 31), []int64{2, 4, 5}},
		{day(2025, 12, 31), []int64{1, 3, 4, 5}}, // 4 was reviewed only in January
	}
	for _, tt := range tests {
		got := MissingReviews([]int64{1, 2, 3, 4, 5, 5}, reviews, tt.ref)
		if !slices.Equal(got, tt.want) {
			t.Errorf("MissingReviews(%s) = %v, want %v", tt.ref.Format(time.DateOnly), got, tt.want)
		}
	}
	h := History(1, append(reviews, CRL{Asset: 1, Year: 2024, Level: CRLHigh, Date: day(2024, 5, 1)},
		CRL{Asset: 1, Year: 2025, Level: CRLMedium, Date: day(2025, 5, 1)}))
	var levels []CRLLevel
	for _, r := range h {
		levels = append(levels, r.Level)
	}
	if !slices.Equal(levels, []CRLLevel{CRLHigh, CRLMedium, CRLLow}) {
		t.Errorf("History levels = %v", levels)
	}
}
