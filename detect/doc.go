// Package detect runs Sigma rules over medsec's event stream: detection rules compiled
// once per rule and correlation rules (Sigma specification v2) over them, with
// processing pipelines that map Sigma's field names and logsources to the ECS fields of
// medsec's events, as pySigma's pipelines do. It is pure: no database, no clock (event
// times drive correlations), no goroutines.
//
// # Using it
//
//	rules, err := detect.ParseRules("rules/x.yml", data) // err: ErrorList, file:line each
//	eng, err := detect.NewEngine(rules, detect.Options{Lateness: 30 * time.Second})
//	for each event (in roughly time order):
//		out := eng.Process(&detect.Event{ID: id, Time: t, Fields: fields})
//		// out.Matches: detection-rule matches of this event (Standalone ones are alerts);
//		// out.Alerts: correlation alerts released by this event (their Events used up).
//	eng.Advance(now)  // heartbeat: closes windows with no further events
//	eng.Flush()       // end of a finite stream (retro-hunt, CLI test)
//
// A single rule can also be tested alone: Compile(rule, pipeline) then Match(&event).
//
// # Events
//
// Event has the shape of medsec.Event (ID, Time, Fields): fields flat ("process.pid") or
// nested maps; values strings, numbers, booleans, lists. NormalizeEvent flattens Windows
// event-log JSON ({"Event": {"System", "EventData"}}) to the names Sigma rules use, and
// EventReader reads JSON lines, concatenated objects or an array one event at a time,
// each named by its file and the line it starts on (ReadEvents: all of them). For a stream of JSON
// lines, Decoder.DecodeEvent is the fast path: a flat object is kept as a list of its
// members, which rules read by slot without a map; the engine gives an event its Fields
// map (Event.Materialize) when a rule matches it.
//
// # Fields
//
// A rule's field is looked up under the pipeline's mapped names first, then under the
// rule's own name, then under each FieldPrefixes entry plus the name: an event may carry
// "CommandLine" or "process.command_line". Values compare as text, case-insensitively
// unless the cased modifier is given; numbers compare in their shortest decimal form.
//
// # Correlation windows
//
// Per correlation and per group (the group-by values), matches are kept in time order. A
// window starts at the oldest match not yet used by an alert of that group and spans the
// timespan, both ends included. Conditions gt and gte are tested when a match arrives and
// fire as soon as they hold; lt, lte and eq are tested when the window ends (time passes
// its end: a later event, Advance, or Flush). An alert uses up the matches it reports:
// they start no later window. When a window ends without an alert, its oldest match is
// dropped and the next window starts at the next match. Matches may arrive out of order
// by up to Options.Lateness; later ones are counted in Stats.Late. Memory is bounded by
// Options.MaxGroups and Options.MaxEventsPerGroup.
//
// docs/DETECTION.md describes the supported specification in full.
package detect
