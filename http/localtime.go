package http

import (
	"context"
	"net/http"
	"strings"
	"time"

	"medsec"
)

// parseLocalTime reads a form's date and time (datetime-local: YYYY-MM-DDThh:mm, seconds
// allowed) in loc, a site's time zone. A time that does not exist there — inside the hour
// the clocks jump forward at the start of summer time (Europe/Berlin: 02:00–02:59 on the
// last Sunday of March) — is refused naming field, not moved silently an hour on. A time
// that occurs twice (the hour the clocks fall back) is taken at offset, the UTC offset the
// user chose for it ("+02:00", the form's <field>_offset, offsetChoice); without a choice,
// or with one that is not either of its two, it is refused naming field and both offsets
// (Args: zone, earlier offset, later offset), never guessed. A value that is not a date
// and time is refused too.
func parseLocalTime(field, v, offset string, loc *time.Location) (time.Time, *medsec.FieldError) {
	v = strings.TrimSpace(v)
	var t time.Time
	var err error
	layout := "2006-01-02T15:04"
	if len(v) > len(layout) {
		layout = "2006-01-02T15:04:05"
	}
	if t, err = time.ParseInLocation(layout, v, loc); err != nil {
		return time.Time{}, &medsec.FieldError{Field: field, Key: "incident.err.bad_time", Message: "is not a date and time (YYYY-MM-DD hh:mm)", Value: v}
	}
	if t.In(loc).Format(layout) != v {
		return time.Time{}, &medsec.FieldError{Field: field, Key: "incident.err.time_gap",
			Message: "does not exist in the time zone " + loc.String() + ": the clocks skip that hour (start of summer time)", Value: v, Args: []string{loc.String()}}
	}
	// The two instants of a repeated local time: the earlier (still on summer time) and the later.
	earlier, later := t, t
	for _, d := range []time.Duration{time.Hour, 30 * time.Minute} {
		if e := t.Add(-d); e.In(loc).Format(layout) == v {
			earlier = e
			break
		}
		if l := t.Add(d); l.In(loc).Format(layout) == v {
			later = l
			break
		}
	}
	if earlier.Equal(later) {
		return t, nil
	}
	eo, lo := utcOffset(earlier, loc), utcOffset(later, loc)
	switch strings.TrimSpace(offset) {
	case eo:
		return earlier, nil
	case lo:
		return later, nil
	}
	return time.Time{}, &medsec.FieldError{Field: field, Key: "incident.err.time_ambiguous",
		Message: "occurs twice in the time zone " + loc.String() + " (the clocks go back an hour): choose the earlier (UTC" + eo + ") or the later (UTC" + lo + ")",
		Value:   v, Args: []string{loc.String(), eo, lo}}
}

// utcOffset is t's offset from UTC in loc, "+02:00".
func utcOffset(t time.Time, loc *time.Location) string { return t.In(loc).Format("-07:00") }

// offsetChoice is the form input that says which of a repeated local time's two instants
// a time field means: the field's name with "_offset" ("occurred_at_offset"), valued
// with a UTC offset ("+01:00").
func offsetChoice(field string) string { return field + "_offset" }

// zoneOfSite returns a site's time zone (its own, else its jurisdiction's), UTC when the
// site is not found.
func (s *Server) zoneOfSite(ctx context.Context, siteID int64) *time.Location {
	if sites, err := s.Org.FindSites(ctx); err == nil {
		for _, x := range sites {
			if x.ID == siteID {
				if l, err := medsec.LoadZone("site", x.Zone()); err == nil {
					return l
				}
			}
		}
	}
	return time.UTC
}

// formActionTimes reads the incident page's met_at, sent_at, found_at, occurred_at, restored_at and declared_at (datetime-local, in the
// incident's site's time zone) into a.
func (s *Server) formActionTimes(r *http.Request, id int64, a *incidentAction) error {
	metAt, sentAt, foundAt := strings.TrimSpace(r.PostFormValue("met_at")), strings.TrimSpace(r.PostFormValue("sent_at")), strings.TrimSpace(r.PostFormValue("found_at"))
	occurredAt, restoredAt := strings.TrimSpace(r.PostFormValue("occurred_at")), strings.TrimSpace(r.PostFormValue("restored_at"))
	declaredAt, doneAt := strings.TrimSpace(r.PostFormValue("declared_at")), strings.TrimSpace(r.PostFormValue("done_at"))
	if doneAt == "" && metAt == "" && sentAt == "" && foundAt == "" && occurredAt == "" && restoredAt == "" && declaredAt == "" {
		return nil
	}
	inc, err := s.Incidents.FindIncidentByID(r.Context(), id)
	if err != nil {
		return err
	}
	return parseLocalTimes([]localTimeField{{"met_at", metAt, &a.MetAt}, {"done_at", doneAt, &a.DoneAt}, {"sent_at", sentAt, &a.SentAt}, {"found_at", foundAt, &a.FoundAt},
		{"occurred_at", occurredAt, &a.OccurredAt}, {"restored_at", restoredAt, &a.RestoredAt}, {"declared_at", declaredAt, &a.DeclaredAt}}, r.PostFormValue, s.zoneOfSite(r.Context(), inc.SiteID))
}

// localTimeField is a form's time input: its name, the value sent ("" for none, left as
// it is) and where its time goes.
type localTimeField struct {
	name, v string
	into    *time.Time
}

// parseLocalTimes reads each field's value in loc with parseLocalTime, the offset chosen
// for a repeated time from form (offsetChoice), and says every problem at once.
func parseLocalTimes(fields []localTimeField, form func(string) string, loc *time.Location) error {
	var errs []medsec.FieldError
	for _, f := range fields {
		if f.v == "" {
			continue
		}
		t, fe := parseLocalTime(f.name, f.v, form(offsetChoice(f.name)), loc)
		if fe != nil {
			errs = append(errs, *fe)
			continue
		}
		*f.into = t
	}
	if errs != nil {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}
