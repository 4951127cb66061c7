package notify

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"medsec"
	"medsec/incident"
)

// MinEscalation is the least time a late clock stays unmet before it is escalated.
const MinEscalation = 15 * time.Minute

// EscalateAt returns when a late clock is escalated: once it has been late as long again
// as it ran (a 10-minute clock 10 minutes after its due time, a 24-hour one a day after),
// and at least MinEscalation after its due time.
func EscalateAt(c *medsec.Clock) time.Time {
	span := c.Due.Sub(c.Start)
	if span < MinEscalation {
		span = MinEscalation
	}
	return c.Due.Add(span)
}

// IncidentClocks raises a notification for each late, unmet clock of an incident: to the
// responders (who hold PermIncidentWrite at the incident's site) when it goes late, and,
// escalated, to the security officers and administrators (PermIncidentAdmin, not the
// read-only auditor, who cannot act on an incident) at EscalateAt.
// Each is raised once per clock (the dedup key names the clock).
type IncidentClocks struct {
	Incidents medsec.IncidentService
	Notifier  medsec.Notifier
}

// Run raises the notifications of the clocks late at now.
func (j *IncidentClocks) Run(ctx context.Context, now time.Time) error {
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	late, err := j.Incidents.LateClocks(ctx)
	if err != nil {
		return fmt.Errorf("incident clocks: %w", err)
	}
	for _, l := range late {
		for _, n := range ClockNotifications(l, now) {
			if err := j.Notifier.Notify(ctx, n); err != nil {
				return fmt.Errorf("incident clock %s: %w", n.DedupKey, err)
			}
		}
	}
	rising, err := j.Incidents.LevelSuggestions(ctx)
	if err != nil {
		return fmt.Errorf("incident level suggestions: %w", err)
	}
	for _, inc := range rising {
		n := LevelSuggestedNotification(inc)
		if err := j.Notifier.Notify(ctx, n); err != nil {
			return fmt.Errorf("incident level suggestion %s: %w", n.DedupKey, err)
		}
	}
	return nil
}

// LevelSuggestedNotification is the notice, to the responders of the incident's site,
// that its outage, not yet restored, has run long enough to suggest a more serious level
// than the one confirmed (bt14e #8), or that what was found since (patient data exposed)
// does (bt14h #4). It is raised once per incident and suggested level:
// a suggestion rising again (level 2 past 2 hours, level 1 past 4) is told again.
func LevelSuggestedNotification(inc *medsec.Incident) medsec.Notification {
	drill, mark := key("incident.real"), text("")
	if inc.Drill {
		drill, mark = key("incident.drill"), key("incident.drill_mark")
	}
	reasons := medsec.NotifyArg{}
	for i, r := range inc.LevelReasons {
		if r != incident.ReasonOutageOngoing {
			reasons = key("incident.reason." + inc.LevelReasons[i])
		}
	}
	args := []medsec.NotifyArg{{Text: inc.Title, Key: inc.TitleKey}, text(strconv.Itoa(int(inc.Level))), text(strconv.Itoa(int(inc.SuggestedLevel))), reasons, drill, mark}
	msg := "notify.incident_level_suggested_facts" // the facts known (an exposure found)
	if slices.Contains(inc.LevelReasons, incident.ReasonOutageOngoing) {
		msg = "notify.incident_level_suggested" // the outage running on
	}
	return medsec.Notification{Kind: medsec.KindIncidentLevelSuggested, Severity: medsec.SeverityWarning, Key: msg,
		Args: args, Link: fmt.Sprintf("/incidents/%d", inc.ID), Scope: medsec.NotifyScope{SiteID: inc.SiteID}, Perm: medsec.PermIncidentWrite,
		DedupKey: "incident.level_suggested:" + strconv.FormatInt(inc.ID, 10) + "@" + strconv.Itoa(int(inc.SuggestedLevel))}
}

// ClockNotifications returns the notifications of a late clock at now: the late notice,
// and the escalation once it is due.
func ClockNotifications(l medsec.LateClock, now time.Time) []medsec.Notification {
	inc, c := l.Incident, l.Clock
	label := key(c.LabelKey())
	if c.Label != "" {
		label = text(c.Label)
	}
	// A drill's notices say so in the subject too ("[演練] 已逾期：…"), so that nobody
	// takes an exercise for a real incident from the inbox [003 ch.2 drills].
	drill, mark := key("incident.real"), text("")
	if inc.Drill {
		drill, mark = key("incident.drill"), key("incident.drill_mark")
	}
	// A seed clause as written; the hospital's own clock in the reader's language.
	source := text(c.Source)
	if c.Source == "hospital" {
		source = key("incident.source_hospital")
	}
	args := []medsec.NotifyArg{{Text: inc.Title, Key: inc.TitleKey}, text(strconv.Itoa(int(inc.Level))), label, text(medsec.ZonedTime(c.Due, inc.TimeZone)), source, drill, mark}
	// A clock moved to a new due time (the occurrence set, a holiday calendar replaced)
	// that is late again is told again, with its new time.
	id := strconv.FormatInt(c.ID, 10) + "@" + strconv.FormatInt(c.Due.Unix(), 10)
	link := fmt.Sprintf("/incidents/%d", inc.ID)
	out := []medsec.Notification{{Kind: medsec.KindIncidentClockLate, Severity: medsec.SeverityWarning, Key: "notify.incident_clock_late",
		Args: args, Link: link, Scope: medsec.NotifyScope{SiteID: inc.SiteID}, Perm: medsec.PermIncidentWrite,
		DedupKey: "incident.clock_late:" + id}}
	if !now.Before(EscalateAt(c)) {
		out = append(out, medsec.Notification{Kind: medsec.KindIncidentClockEscalated, Severity: medsec.SeverityCritical, Key: "notify.incident_clock_escalated",
			Args: args, Link: link, Scope: medsec.NotifyScope{SiteID: inc.SiteID}, Perm: medsec.PermIncidentAdmin,
			DedupKey: "incident.clock_escalated:" + id})
	}
	return out
}
