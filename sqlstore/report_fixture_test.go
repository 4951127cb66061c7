package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"medsec"
	"medsec/i18n"
	"medsec/report"
	"medsec/sqlstore"
)

// dayClock returns a function that sets db's clock to a day ("2026-12-01") at hour
// o'clock UTC: the opening of the tests that build a closed period's report after the
// data of several years was recorded.
func dayClock(t *testing.T, db *sqlstore.DB, hour int) func(day string) {
	t.Helper()
	return func(day string) {
		t.Helper()
		tm, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		tm = tm.Add(time.Duration(hour) * time.Hour)
		db.Now = func() time.Time { return tm }
	}
}

// reportRig builds reports of a test database from its sources, in any language, with
// the translations loaded once.
type reportRig struct {
	t      *testing.T
	db     *sqlstore.DB
	src    report.Sources
	bundle *i18n.Bundle
	// catalog is the gap report's catalog ("": the TW baseline).
	catalog string
}

// newReportRig returns the rig of db; src's Org defaults to db's organisation service.
func newReportRig(t *testing.T, db *sqlstore.DB, src report.Sources) *reportRig {
	t.Helper()
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if src.Org == nil {
		src.Org = sqlstore.NewOrgService(db)
	}
	return &reportRig{t: t, db: db, src: src, bundle: bundle}
}

// site returns the site of id as FindSites gives it (nil for 0).
func (r *reportRig) site(id int64) *medsec.Site {
	r.t.Helper()
	if id == 0 {
		return nil
	}
	sites, err := r.src.Org.FindSites(system)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, s := range sites {
		if s.ID == id {
			return s
		}
	}
	r.t.Fatalf("no site %d", id)
	return nil
}

// build builds report name of period (a year or month in UTC) for site (nil: every site)
// in lang, as the user of ctx, at the database's now.
func (r *reportRig) build(ctx context.Context, name, period, lang string, site *medsec.Site) *report.Document {
	r.t.Helper()
	p, err := report.ParsePeriod(period, time.UTC)
	if err != nil {
		r.t.Fatal(err)
	}
	d, err := report.Build(ctx, report.Params{Name: name, Lang: lang, Period: p, Now: r.db.Now(), Site: site, CatalogID: r.catalog}, r.src,
		func(key string, args ...any) string { return r.bundle.T(lang, key, args...) })
	if err != nil {
		r.t.Fatalf("%s %s %s: %v", name, period, lang, err)
	}
	if err := d.Validate(); err != nil {
		r.t.Fatal(err)
	}
	return d
}

// tableRows returns the rows of d's table titled title (nil when there is none).
func tableRows(d *report.Document, title string) [][]any {
	for _, s := range d.Sections {
		for _, tb := range s.Tables {
			if tb.Title == title {
				return tb.Rows
			}
		}
	}
	return nil
}
