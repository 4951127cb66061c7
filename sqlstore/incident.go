package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"medsec/evidence"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"medsec"
	"medsec/incident"
)

// IncidentService keeps incidents on the response plan's clock [M9]. The rules (levels,
// clocks, level changes, working days, checklist) are package incident's; this service
// stores them and applies scope: an incident belongs to a site, and a caller sees the
// incidents of its sites. Vendor users hold no incident permission.
type IncidentService struct {
	db *DB
	// files keeps the evidence files uploaded on an incident (WithEvidence); nil refuses
	// uploads.
	files *evidence.Store
}

// NewIncidentService returns the incident service of db.
func NewIncidentService(db *DB) *IncidentService { return &IncidentService{db: db} }

var _ medsec.IncidentService = (*IncidentService)(nil)

// DefaultJurisdiction is the jurisdiction of a site that has none set: Taiwan, where
// medsec's first hospitals are (000).
const DefaultJurisdiction = medsec.JurisdictionTW

func incidentNotFound() error {
	return &medsec.Error{Code: medsec.ENOTFOUND, Message: "Incident not found.", Key: "incident.err.not_found"}
}

func incidentOutOfScope(id, siteID int64) error {
	return medsec.NotInScope("Incident not found.", "incident.err.not_found", fmt.Sprintf("incident %d", id), siteID)
}

func conflict() error {
	return &medsec.Error{Code: medsec.ECONFLICT, Message: "Someone else changed this incident; reload it and try again.", Key: "incident.err.conflict"}
}

const incidentColumns = `i.id, i.site_id, s.name, i.jurisdiction, i.title, i.title_key, i.description, i.description_msg, i.scenario, i.drill, i.status,
	i.level, i.suggested_level, i.level_reasons, i.level_reason, i.level_at, i.exposure, i.outage, i.outage_minutes, i.detected_at, i.opened_at,
	i.closed_at, i.cause, i.actions, i.result, i.version, i.occurred_at, i.exposure_found_at, i.restored_at, i.end_declared_by, i.end_declared_at, i.level_confirmed_by, i.level_confirmed_at, i.level_confirmed_against, s.time_zone,
	COALESCE((SELECT jurisdiction FROM incident_site_settings WHERE site_id = s.id), '` + string(DefaultJurisdiction) + `')`

// encodeMsg is a message as its column holds it: JSON, "" for none.
func encodeMsg(m *medsec.Message) string {
	if m == nil {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // a Message is strings only
	}
	return string(b)
}

// decodeMsg reads a message column; "" (and a row written before messages) is nil.
func decodeMsg(s string) *medsec.Message {
	if s == "" {
		return nil
	}
	m := &medsec.Message{}
	if json.Unmarshal([]byte(s), m) != nil || m.Key == "" {
		return nil
	}
	return m
}

// incidentRow is an incident as stored, with the time its level was set.
type incidentRow struct {
	*medsec.Incident
	levelAt time.Time
}

func scanIncident(scan func(...any) error) (incidentRow, error) {
	inc := &medsec.Incident{}
	var drill int64
	var closed, occurred, exposed, restored, declared, confirmed sql.NullTime
	var descMsg, reasons string
	site := &medsec.Site{}
	r := incidentRow{Incident: inc}
	err := scan(&inc.ID, &inc.SiteID, &inc.SiteName, &inc.Jurisdiction, &inc.Title, &inc.TitleKey, &inc.Description, &descMsg, &inc.Scenario, &drill,
		&inc.Status, &inc.Level, &inc.SuggestedLevel, &reasons, &inc.LevelReason, &r.levelAt, &inc.Exposure, &inc.Outage, &inc.OutageMinutes,
		&inc.DetectedAt, &inc.OpenedAt, &closed, &inc.Cause, &inc.Actions, &inc.Result, &inc.Version, &occurred, &exposed, &restored,
		&inc.EndDeclaredBy, &declared, &inc.LevelConfirmedBy, &confirmed, &inc.LevelConfirmedAgainst, &site.TimeZone, &site.Jurisdiction)
	inc.TimeZone = site.Zone()
	inc.OccurredAt, inc.ExposureFoundAt, inc.RestoredAt, inc.EndDeclaredAt = utc(occurred), utc(exposed), utc(restored), utc(declared)
	inc.LevelConfirmedAt = utc(confirmed)
	inc.Drill = drill != 0
	inc.DescriptionMsg = decodeMsg(descMsg)
	if reasons != "" {
		json.Unmarshal([]byte(reasons), &inc.LevelReasons)
	}
	if closed.Valid {
		inc.ClosedAt = closed.Time.UTC()
	}
	inc.DetectedAt, inc.OpenedAt, r.levelAt = inc.DetectedAt.UTC(), inc.OpenedAt.UTC(), r.levelAt.UTC()
	return r, err
}

// FindIncidents lists the incidents the caller may see, newest first, with their clocks.
func (s *IncidentService) FindIncidents(ctx context.Context, f medsec.IncidentFilter) ([]*medsec.Incident, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return nil, err
	}
	rows, err := s.list(ctx, s.db.read, sc, f, "i.id DESC")
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	for _, r := range rows {
		if r.Clocks, err = loadClocks(ctx, s.db.read, s.db.dialect, r.ID, now); err != nil {
			return nil, err
		}
		// The checklist and the tasks too: `medsec incident list --json` is where the
		// command line finds a task's number for `incident task assign --task` (bt14f M6).
		if r.Checklist, err = loadChecklist(ctx, s.db.read, s.db.dialect, r.ID); err != nil {
			return nil, err
		}
		if r.Tasks, err = loadTasks(ctx, s.db.read, s.db.dialect, r.ID); err != nil {
			return nil, err
		}
	}
	out := make([]*medsec.Incident, len(rows))
	for i, r := range rows {
		out[i] = r.Incident
	}
	return out, nil
}

// CountIncidents counts the incidents the caller may see that f selects, every page.
func (s *IncidentService) CountIncidents(ctx context.Context, f medsec.IncidentFilter) (int, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return 0, err
	}
	where, args := incidentWhere(sc, f)
	var n int
	if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COUNT(*) FROM incidents i`+where), args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count incidents: %w", err)
	}
	return n, nil
}

func (s *IncidentService) list(ctx context.Context, q querier, sc scope, f medsec.IncidentFilter, order string) ([]incidentRow, error) {
	where, args := incidentWhere(sc, f)
	page := ""
	if f.Limit > 0 {
		page = fmt.Sprintf(" LIMIT %d OFFSET %d", f.Limit, f.Offset)
	} else if f.Offset > 0 {
		page = fmt.Sprintf(" LIMIT %d OFFSET %d", math.MaxInt32, f.Offset)
	}
	rs, err := q.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+incidentColumns+` FROM incidents i JOIN sites s ON s.id = i.site_id`+where+` ORDER BY `+order+page), args...)
	if err != nil {
		return nil, fmt.Errorf("find incidents: %w", err)
	}
	defer rs.Close()
	var out []incidentRow
	for rs.Next() {
		r, err := scanIncident(rs.Scan)
		if err != nil {
			return nil, fmt.Errorf("find incidents: %w", err)
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// incidentWhere is the WHERE clause (with its arguments) selecting the incidents of f
// that sc sees.
func incidentWhere(sc scope, f medsec.IncidentFilter) (string, []any) {
	var conds []string
	var args []any
	if cond, a := sc.siteCond("i.site_id"); cond != "" {
		conds, args = append(conds, cond), append(args, a...)
	}
	if f.SiteID != 0 {
		conds, args = append(conds, "i.site_id = ?"), append(args, f.SiteID)
	}
	if f.Status != "" {
		conds, args = append(conds, "i.status = ?"), append(args, string(f.Status))
	}
	switch f.Drill {
	case "yes":
		conds = append(conds, "i.drill = 1")
	case "no":
		conds = append(conds, "i.drill = 0")
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// FindIncidentByID returns an incident's whole record.
func (s *IncidentService) FindIncidentByID(ctx context.Context, id int64) (*medsec.Incident, error) {
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return nil, err
	}
	r, err := s.load(ctx, s.db.read, sc, id, s.db.Now(), true)
	if err != nil {
		return nil, err
	}
	return r.Incident, nil
}

// load reads an incident the scope sees, with its clocks and checklist, and (full) the
// rest of its record.
func (s *IncidentService) load(ctx context.Context, q querier, sc scope, id int64, now time.Time, full bool) (incidentRow, error) {
	d := s.db.dialect
	r, err := scanIncident(q.QueryRowContext(ctx, d.rebind(`SELECT `+incidentColumns+` FROM incidents i JOIN sites s ON s.id = i.site_id WHERE i.id = ?`), id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return r, incidentNotFound()
	} else if err != nil {
		return r, fmt.Errorf("find incident %d: %w", id, err)
	}
	if !sc.seesSite(r.SiteID) {
		return r, incidentOutOfScope(id, r.SiteID)
	}
	inc := r.Incident
	if inc.Clocks, err = loadClocks(ctx, q, d, id, now); err != nil {
		return r, err
	}
	if inc.Checklist, err = loadChecklist(ctx, q, d, id); err != nil {
		return r, err
	}
	if inc.Tasks, err = loadTasks(ctx, q, d, id); err != nil {
		return r, err
	}
	if !full {
		return r, nil
	}
	if err := s.loadRecord(ctx, q, inc); err != nil {
		return r, fmt.Errorf("find incident %d: %w", id, err)
	}
	reassessOutage(inc, now)
	if inc.CalendarUncovered, err = uncoveredYears(ctx, q, d, r); err != nil {
		return r, err
	}
	return r, nil
}

// reassessOutage suggests the level of an incident with an outage again at now, from its
// facts as they stand. While no restoration is recorded (an open incident), the outage is
// judged on the time it has run so far (incident.OutageLength): when that is more serious
// than the suggestion stored, the incident shows it, with its reasons (outage_ongoing
// among them), so the suggestion rises as the outage lengthens — a core-systems outage
// past 4 hours is level 1 (003 §3.3.1) — and the scheduler tells the responders
// (LevelSuggestions). Once the restoration is recorded the outage has its length, to the
// restoration: a suggestion stored while it ran (reason outage_ongoing) is replaced by the
// one its length gives, and any other is raised when that is more serious (bt14f M1:
// "outage not restored" stayed after the restoration). The level itself changes only when
// a person confirms it (ChangeLevel).
func reassessOutage(inc *medsec.Incident, now time.Time) {
	restored := !inc.RestoredAt.IsZero()
	if !restored && inc.Status != medsec.IncidentOpen {
		return
	}
	began := inc.OccurredAt
	if began.IsZero() {
		began = inc.DetectedAt
	}
	minutes, span := incident.OutageLength(inc.Outage, inc.OutageMinutes, began, inc.RestoredAt, now)
	if !restored && !span {
		return
	}
	stale := slices.Contains(inc.LevelReasons, incident.ReasonOutageOngoing)
	f := medsec.IncidentFacts{Exposure: inc.Exposure, Outage: inc.Outage, OutageMinutes: minutes, OutageOngoing: !restored}
	for _, a := range inc.Assets {
		f.Assets = append(f.Assets, &medsec.Asset{ID: a.AssetID, Name: a.Name, Kind: a.Kind, Class: a.Class, Level: a.Level, DataClass: a.DataClass})
	}
	if level, reasons := incident.Suggest(f); level < inc.SuggestedLevel || restored && stale {
		inc.SuggestedLevel, inc.LevelReasons = level, reasons
	}
}

// uncoveredYears returns the years the incident's running working-day clocks count across
// (start to due, in the site's zone) that its jurisdiction's calendar does not cover
// (Incident.CalendarUncovered), nil for none (bt14 #9: counted weekends only, silently).
func uncoveredYears(ctx context.Context, q querier, d dialect, r incidentRow) ([]int, error) {
	var cal *incident.Calendar
	var years []int
	for _, c := range r.Clocks {
		if !c.MetAt.IsZero() || !c.StoppedAt.IsZero() || c.Due.IsZero() {
			continue
		}
		if _, ok := incident.WorkingDayDue(c, nil); !ok {
			continue
		}
		if cal == nil {
			days, err := findHolidays(ctx, q, d, r.Jurisdiction)
			if err != nil {
				return nil, err
			}
			cal = incident.NewCalendar(r.Jurisdiction, days).In(r.location())
		}
		for _, y := range cal.Uncovered(c.Start, c.Due) {
			if !slices.Contains(years, y) {
				years = append(years, y)
			}
		}
	}
	slices.Sort(years)
	return years, nil
}

func loadClocks(ctx context.Context, q querier, d dialect, id int64, now time.Time) ([]*medsec.Clock, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT id, key, label, source, level, every_minutes, start_at, basis, due_at, met_at, met_by, met_note, met_msg, evidence,
		stopped_at, stop_reason, custom, COALESCE(task_id, 0) FROM incident_clocks WHERE incident_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, fmt.Errorf("incident %d clocks: %w", id, err)
	}
	defer rows.Close()
	var out []*medsec.Clock
	for rows.Next() {
		c := &medsec.Clock{IncidentID: id}
		var due, met, stopped sql.NullTime
		var custom int64
		var metMsg string
		if err := rows.Scan(&c.ID, &c.Key, &c.Label, &c.Source, &c.Level, &c.Every, &c.Start, &c.Basis, &due, &met, &c.MetBy, &c.MetNote, &metMsg, &c.Evidence,
			&stopped, &c.StopReason, &custom, &c.TaskID); err != nil {
			return nil, fmt.Errorf("incident %d clocks: %w", id, err)
		}
		c.MetMsg = decodeMsg(metMsg)
		c.Start, c.Due, c.MetAt, c.StoppedAt, c.Custom = c.Start.UTC(), utc(due), utc(met), utc(stopped), custom != 0
		c.State = c.StateAt(now)
		c.MetEarly = c.MetBeforeStart()
		out = append(out, c)
	}
	return out, rows.Err()
}

func utc(t sql.NullTime) time.Time {
	if !t.Valid {
		return time.Time{}
	}
	return t.Time.UTC()
}

func loadChecklist(ctx context.Context, q querier, d dialect, id int64) ([]*medsec.ChecklistItem, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT key, source, met_at, met_by, note, waived FROM incident_checklist WHERE incident_id = ?`), id)
	if err != nil {
		return nil, fmt.Errorf("incident %d checklist: %w", id, err)
	}
	defer rows.Close()
	byKey := map[string]*medsec.ChecklistItem{}
	for rows.Next() {
		it := &medsec.ChecklistItem{}
		var met sql.NullTime
		var waived int64
		if err := rows.Scan(&it.Key, &it.Source, &met, &it.MetBy, &it.Note, &waived); err != nil {
			return nil, fmt.Errorf("incident %d checklist: %w", id, err)
		}
		it.MetAt, it.Waived = utc(met), waived != 0
		byKey[it.Key] = it
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The plan's order, not the database's.
	var out []*medsec.ChecklistItem
	for _, def := range incident.Checklist() {
		if it, ok := byKey[def.Key]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func loadTasks(ctx context.Context, q querier, d dialect, id int64) ([]*medsec.IncidentTask, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT id, key, title, source, assignee, lesson, done_at, done_by, note FROM incident_tasks WHERE incident_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, fmt.Errorf("incident %d tasks: %w", id, err)
	}
	defer rows.Close()
	var out []*medsec.IncidentTask
	for rows.Next() {
		t := &medsec.IncidentTask{}
		var done sql.NullTime
		var lesson int64
		if err := rows.Scan(&t.ID, &t.Key, &t.Title, &t.Source, &t.Assignee, &lesson, &done, &t.DoneBy, &t.Note); err != nil {
			return nil, fmt.Errorf("incident %d tasks: %w", id, err)
		}
		t.DoneAt, t.Lesson = utc(done), lesson != 0
		out = append(out, t)
	}
	return out, rows.Err()
}

// placeAssets fills in each affected asset's zone as its placement resolves it (by hand
// or computed from its addresses, as the asset page shows it), its effective level and
// the conduits into or out of that zone (t14 finding 26: the join on hand placements alone
// left the zone of every computed placement empty).
func (s *IncidentService) placeAssets(ctx context.Context, q querier, inc *medsec.Incident) error {
	if len(inc.Assets) == 0 {
		return nil
	}
	d := s.db.dialect
	sm, err := loadSiteLevels(ctx, q, d, inc.SiteID)
	if err != nil {
		return err
	}
	conduits, err := findConduits(ctx, q, d, inc.SiteID)
	if err != nil {
		return err
	}
	for _, a := range inc.Assets {
		asset := &medsec.Asset{ID: a.AssetID, Level: a.Level}
		if p := sm.placement(asset); p.ZoneID != 0 {
			a.ZoneID, a.Zones = p.ZoneID, []string{p.ZoneName}
		}
		a.EffectiveLevel = sm.level(asset).Level
		if a.ZoneID == 0 {
			continue
		}
		for _, c := range conduits {
			if c.FromZoneID == a.ZoneID || c.ToZoneID == a.ZoneID {
				a.Conduits = append(a.Conduits, medsec.IncidentConduit{ID: c.ID, Name: c.Name, FromZone: c.FromZoneName, ToZone: c.ToZoneName, Protocol: c.Protocol, Ports: c.Ports})
			}
		}
	}
	return nil
}

// loadRecord reads the timeline, people, assets, evidence, notifications and alerts.
func (s *IncidentService) loadRecord(ctx context.Context, q querier, inc *medsec.Incident) error {
	d := s.db.dialect
	each := func(query string, scan func(rows *sql.Rows) error) error {
		rows, err := q.QueryContext(ctx, d.rebind(query), inc.ID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	if err := each(`SELECT id, at, username, kind, msg, text FROM incident_timeline WHERE incident_id = ? ORDER BY id`, func(rows *sql.Rows) error {
		e := &medsec.TimelineEntry{}
		var msg string
		err := rows.Scan(&e.ID, &e.At, &e.Username, &e.Kind, &msg, &e.Text)
		e.At, e.Msg = e.At.UTC(), decodeMsg(msg)
		inc.Timeline = append(inc.Timeline, e)
		return err
	}); err != nil {
		return err
	}
	if err := each(`SELECT name, role FROM incident_people WHERE incident_id = ? ORDER BY id`, func(rows *sql.Rows) error {
		p := &medsec.IncidentPerson{}
		inc.People = append(inc.People, p)
		return rows.Scan(&p.Name, &p.Role)
	}); err != nil {
		return err
	}
	if err := each(`SELECT a.id, a.name, a.kind, a.class, a.level, a.data_class, COALESCE(z.name, ''),
		(SELECT COUNT(*) FROM vuln_findings f WHERE f.asset_id = a.id AND f.gone_at IS NULL AND f.state IN ('new', 'confirmed', 'mitigated'))
		FROM incident_assets ia JOIN assets a ON a.id = ia.asset_id LEFT JOIN asset_zones az ON az.asset_id = a.id LEFT JOIN zones z ON z.id = az.zone_id
		WHERE ia.incident_id = ? ORDER BY a.name, a.id`, func(rows *sql.Rows) error {
		a := &medsec.IncidentAsset{Zones: []string{}, Conduits: []medsec.IncidentConduit{}}
		var zone string
		if err := rows.Scan(&a.AssetID, &a.Name, &a.Kind, &a.Class, &a.Level, &a.DataClass, &zone, &a.OpenVulns); err != nil {
			return err
		}
		if zone != "" {
			a.Zones = append(a.Zones, zone)
		}
		inc.Assets = append(inc.Assets, a)
		return nil
	}); err != nil {
		return err
	}
	if err := s.placeAssets(ctx, q, inc); err != nil {
		return err
	}
	if err := each(`SELECT ie.sha256, ie.name,
		COALESCE((SELECT u.username FROM evidence_uploads eu JOIN users u ON u.id = eu.user_id WHERE eu.sha256 = ie.sha256 ORDER BY eu.uploaded_at, eu.user_id LIMIT 1), '')
		FROM incident_evidence ie WHERE ie.incident_id = ? ORDER BY ie.name, ie.sha256`, func(rows *sql.Rows) error {
		e := &medsec.IncidentEvidence{Custody: []medsec.CustodyEntry{}}
		if err := rows.Scan(&e.SHA256, &e.Name, &e.UploadedBy); err != nil {
			return err
		}
		inc.Evidence = append(inc.Evidence, e)
		return nil
	}); err != nil {
		return err
	}
	custodyOf := map[string]*[]medsec.CustodyEntry{}
	for _, e := range inc.Evidence {
		custodyOf[e.SHA256] = &e.Custody
	}
	if err := each(`SELECT site_id, log_index, received_at, source, format, raw, leaf_hash, checkpoint_size, root_hash, checkpoint, sha256, attached_at, attached_by
		FROM incident_log_records WHERE incident_id = ? ORDER BY id`, func(rows *sql.Rows) error {
		l := &medsec.IncidentLogRecord{Custody: []medsec.CustodyEntry{}}
		if err := rows.Scan(&l.SiteID, &l.Index, &l.Received, &l.Source, &l.Format, &l.Raw, &l.LeafHash, &l.CheckpointSize, &l.RootHash, &l.Checkpoint,
			&l.SHA256, &l.AttachedAt, &l.AttachedBy); err != nil {
			return err
		}
		l.Received, l.AttachedAt = l.Received.UTC(), l.AttachedAt.UTC()
		if _, ok := custodyOf[l.SHA256]; !ok {
			custodyOf[l.SHA256] = &l.Custody
		}
		inc.LogRecords = append(inc.LogRecords, l)
		return nil
	}); err != nil {
		return err
	}
	if err := each(`SELECT sha256, at, username, action, msg, note FROM incident_custody WHERE incident_id = ? ORDER BY id`, func(rows *sql.Rows) error {
		var sum, msg string
		var c medsec.CustodyEntry
		if err := rows.Scan(&sum, &c.At, &c.Username, &c.Action, &msg, &c.Note); err != nil {
			return err
		}
		c.At, c.Msg = c.At.UTC(), decodeMsg(msg)
		if list := custodyOf[sum]; list != nil {
			*list = append(*list, c)
		}
		return nil
	}); err != nil {
		return err
	}
	// The uploader shown is who uploaded the file to this incident — the first upload step
	// of its chain here — not whoever first brought the same file (by SHA-256) into medsec
	// for another incident, maybe of another site (bt14e #9).
	for _, e := range inc.Evidence {
		if i := slices.IndexFunc(e.Custody, func(c medsec.CustodyEntry) bool {
			return c.Msg != nil && c.Msg.Key == "incident.custody.uploaded"
		}); i >= 0 {
			e.UploadedBy = e.Custody[i].Username
		}
	}
	if err := each(`SELECT id, recipient, name, channel, sent_at, language, content, sent_by, COALESCE(clock_id, 0) FROM incident_notifications WHERE incident_id = ? ORDER BY sent_at, id`, func(rows *sql.Rows) error {
		n := &medsec.IncidentNotification{}
		err := rows.Scan(&n.ID, &n.Recipient, &n.Name, &n.Channel, &n.SentAt, &n.Language, &n.Content, &n.SentBy, &n.ClockID)
		n.SentAt = n.SentAt.UTC()
		inc.Notifications = append(inc.Notifications, n)
		return err
	}); err != nil {
		return err
	}
	return each(`SELECT alert_id FROM incident_alerts WHERE incident_id = ? ORDER BY alert_id`, func(rows *sql.Rows) error {
		var id int64
		err := rows.Scan(&id)
		inc.AlertIDs = append(inc.AlertIDs, id)
		return err
	})
}

// jurisdiction returns the jurisdiction of a site's incidents.
func jurisdictionOf(ctx context.Context, q querier, d dialect, siteID int64) (medsec.Jurisdiction, error) {
	var j string
	err := q.QueryRowContext(ctx, d.rebind(`SELECT jurisdiction FROM incident_site_settings WHERE site_id = ?`), siteID).Scan(&j)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultJurisdiction, nil
	} else if err != nil {
		return "", fmt.Errorf("jurisdiction of site %d: %w", siteID, err)
	}
	return medsec.Jurisdiction(j), nil
}

// calendar returns the working-day calendar of the incident's jurisdiction, counting its
// days in the site's zone (incidentRow.location).
func (r incidentRow) calendar(ctx context.Context, tx *Tx) (*incident.Calendar, error) {
	cal, err := calendar(ctx, tx, tx.db.dialect, r.Jurisdiction)
	if err != nil {
		return nil, err
	}
	return cal.In(r.location()), nil
}

// calendar returns a jurisdiction's working-day calendar, in the jurisdiction's zone.
func calendar(ctx context.Context, q querier, d dialect, j medsec.Jurisdiction) (*incident.Calendar, error) {
	days, err := findHolidays(ctx, q, d, j)
	if err != nil {
		return nil, err
	}
	return incident.NewCalendar(j, days), nil
}

func findHolidays(ctx context.Context, q querier, d dialect, j medsec.Jurisdiction) ([]medsec.Holiday, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT day, name, workday FROM incident_holidays WHERE jurisdiction = ? ORDER BY day`), string(j))
	if err != nil {
		return nil, fmt.Errorf("holidays of %s: %w", j, err)
	}
	defer rows.Close()
	var out []medsec.Holiday
	for rows.Next() {
		var day string
		var workday int64
		h := medsec.Holiday{Jurisdiction: j}
		if err := rows.Scan(&day, &h.Name, &workday); err != nil {
			return nil, fmt.Errorf("holidays of %s: %w", j, err)
		}
		if h.Date, err = medsec.ParseDate(day); err != nil {
			return nil, fmt.Errorf("holidays of %s: %w", j, err)
		}
		h.Workday = workday != 0
		out = append(out, h)
	}
	return out, rows.Err()
}

// facts loads the affected assets, each of which must be at the site and in scope.
func facts(ctx context.Context, tx *Tx, sc scope, siteID int64, c *medsec.IncidentCreate) (medsec.IncidentFacts, error) {
	f := medsec.IncidentFacts{Exposure: c.Exposure, Outage: c.Outage}
	// No restoration is recorded when an incident opens: its outage has lasted at least
	// since it began (bt14e #8: an ongoing core-systems outage without minutes was level 4).
	began := c.OccurredAt
	if began.IsZero() {
		began = c.DetectedAt
	}
	f.OutageMinutes, f.OutageOngoing = incident.OutageLength(c.Outage, c.OutageMinutes, began.UTC(), time.Time{}, tx.now)
	for _, id := range c.AssetIDs {
		a, err := incidentAsset(ctx, tx, sc, siteID, id, "asset_ids")
		if err != nil {
			return f, err
		}
		f.Assets = append(f.Assets, a)
	}
	return f, nil
}

// incidentAsset loads asset id for an incident of site siteID, checking the caller's scope;
// field names the input that gave the asset, for the error (the JSON field the client sent).
func incidentAsset(ctx context.Context, tx *Tx, sc scope, siteID, id int64, field string) (*medsec.Asset, error) {
	a := &medsec.Asset{ID: id}
	var vendor sql.NullInt64
	err := tx.queryRow(ctx, `SELECT site_id, vendor_id, name, kind, class, level, data_class FROM assets WHERE id = ?`, id).
		Scan(&a.SiteID, &vendor, &a.Name, &a.Kind, &a.Class, &a.Level, &a.DataClass)
	a.VendorID = vendor.Int64
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.asset_not_found", "Asset not found.")
	} else if err != nil {
		return nil, fmt.Errorf("asset %d: %w", id, err)
	}
	if !sc.seesAsset(a) {
		return nil, assetOutOfScope(id, a.SiteID)
	}
	if a.SiteID != siteID {
		return nil, invalid(field, "incident.err.asset_site", fmt.Sprintf("asset %d is not at the incident's site", id))
	}
	return a, nil
}

// SuggestLevel returns the level the facts of c suggest, with the reasons.
func (s *IncidentService) SuggestLevel(ctx context.Context, c *medsec.IncidentCreate) (medsec.IncidentLevel, []string, error) {
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return 0, nil, err
	}
	if err := c.Validate(); err != nil {
		return 0, nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer tx.Rollback()
	f, err := facts(ctx, tx, sc, c.SiteID, c)
	if err != nil {
		return 0, nil, err
	}
	level, reasons := incident.Suggest(f)
	return level, reasons, nil
}

// CreateIncident opens an incident.
func (s *IncidentService) CreateIncident(ctx context.Context, c *medsec.IncidentCreate) (*medsec.Incident, error) {
	sc, err := authorize(ctx, medsec.PermIncidentWrite)
	if err != nil {
		return nil, err
	}
	checkOnly := medsec.IsCheckOnly(ctx)
	verr := c.Validate()
	if verr != nil && !checkOnly {
		return nil, verr
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	id, err := s.create(ctx, tx, sc, c, nil, autoText{})
	if checkOnly {
		// Every problem: the record's own, then what only the store can tell (the level's
		// reason against the suggestion, the times); the deferred rollback undoes the insert.
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			err = nil
		}
		return nil, mergeProblems(verr, err)
	}
	if err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create incident: %w", err)
	}
	return s.FindIncidentByID(ctx, id)
}

// checkAlertToLink refuses the alert_id of an incident opened by hand unless the alert
// exists, the caller sees its site, it is of the incident's site and it answers no other
// incident (bt14f H1: a branch user linked a main-site alert, or one not raised yet, and
// took it from the main site, whose from-alert then answered the branch's incident). The
// alert of another site reads as not found, as from-alert says it.
func checkAlertToLink(ctx context.Context, tx *Tx, sc scope, c *medsec.IncidentCreate) error {
	id := strconv.FormatInt(c.AlertID, 10)
	var siteID, linked int64
	err := tx.queryRow(ctx, `SELECT a.site_id, COALESCE((SELECT MIN(l.incident_id) FROM incident_alerts l WHERE l.alert_id = a.id), 0)
		FROM alerts a WHERE a.id = ?`, c.AlertID).Scan(&siteID, &linked)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (!sc.seesSite(siteID) || siteID != c.SiteID) {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "alert_id", Key: "incident.err.alert_not_found", Message: "Alert not found.", Value: id}}}
	} else if err != nil {
		return fmt.Errorf("create incident: alert %d: %w", c.AlertID, err)
	}
	if linked != 0 {
		n := strconv.FormatInt(linked, 10)
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "alert_id", Key: "incident.err.join_linked",
			Message: "cannot take the alert: it already answers incident #" + n, Args: []string{n}, Value: id}}}
	}
	return nil
}

// create opens an incident in tx and returns its id; al, when set, is the alert that
// opens it (its facts join the suggestion), and auto what medsec wrote for it (title key,
// description).
func (s *IncidentService) create(ctx context.Context, tx *Tx, sc scope, c *medsec.IncidentCreate, al *incident.AlertFacts, auto autoText) (int64, error) {
	var siteName string
	if err := tx.queryRow(ctx, `SELECT name FROM sites WHERE id = ?`, c.SiteID).Scan(&siteName); errors.Is(err, sql.ErrNoRows) {
		return 0, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	} else if err != nil {
		return 0, fmt.Errorf("create incident: %w", err)
	}
	if !sc.seesSite(c.SiteID) {
		return 0, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", c.SiteID), c.SiteID)
	}
	f, err := facts(ctx, tx, sc, c.SiteID, c)
	if err != nil {
		return 0, err
	}
	suggested, reasons := incident.Suggest(f)
	if al != nil {
		suggested, reasons = incident.SuggestForAlert(f, *al)
	}
	level := c.Level
	if level == 0 {
		level = suggested
	}
	// Every problem at once: the level's reason and the times.
	var problems []medsec.FieldError
	if level != suggested && strings.TrimSpace(c.LevelReason) == "" {
		problems = append(problems, medsec.FieldError{Field: "level_reason", Key: "incident.err.level_reason",
			Message: fmt.Sprintf("a reason is required to confirm level %d when level %d is suggested", level, suggested)})
	}
	j, err := jurisdictionOf(ctx, tx, tx.db.dialect, c.SiteID)
	if err != nil {
		return 0, err
	}
	siteLoc := siteLocation(ctx, tx, c.SiteID, j)
	zone := siteLoc.String()
	if _, _, err := detectionTimes(c, tx.now, zone); err != nil {
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			return 0, err
		}
		problems = append(problems, ve.Errors...)
	}
	if problems != nil {
		return 0, &medsec.ValidationError{Errors: problems}
	}
	reason := strings.TrimSpace(c.LevelReason)
	reasonsJSON, err := json.Marshal(reasons)
	if err != nil {
		return 0, fmt.Errorf("create incident: %w", err)
	}
	cal, err := calendar(ctx, tx, tx.db.dialect, j)
	if err != nil {
		return 0, err
	}
	cal = cal.In(siteLoc) // working days by the site's date, not the jurisdiction's
	now := tx.now
	detected, occurred, err := detectionTimes(c, now, zone)
	if err != nil {
		return 0, err
	}
	// A leak known when the incident is opened was confirmed by its detection at the
	// latest: the leak reports count from it [003 §5.3.3].
	var exposed any
	m := incident.Moments{Detected: detected, Opened: now, Level: now}
	if t, ok := occurred.(time.Time); ok {
		m.Occurred = t
	}
	if c.Exposure != medsec.ExposureNone {
		exposed, m.Exposure = detected, detected
	}
	drill := 0
	if c.Drill {
		drill = 1
	}
	id, err := tx.insert(ctx, `INSERT INTO incidents (site_id, jurisdiction, title, title_key, description, description_msg, scenario, drill, status, level,
		suggested_level, level_reasons, level_reason, level_at, exposure, outage, outage_minutes, detected_at, opened_at, occurred_at, exposure_found_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.SiteID, string(j), strings.TrimSpace(c.Title), auto.titleKey, c.Description, encodeMsg(auto.description), string(c.Scenario), drill,
		string(medsec.IncidentOpen), int(level), int(suggested), string(reasonsJSON), reason, now, string(c.Exposure), string(c.Outage), c.OutageMinutes,
		detected, now, occurred, exposed)
	if err != nil {
		return 0, fmt.Errorf("create incident: %w", err)
	}
	situation := incident.Situation{Level: level, Jurisdiction: j, Scenario: c.Scenario, Exposure: c.Exposure}
	for _, cl := range incident.Open(situation, m, cal) {
		if err := insertClock(ctx, tx, id, cl); err != nil {
			return 0, err
		}
	}
	for _, it := range incident.Checklist() {
		if _, err := tx.exec(ctx, `INSERT INTO incident_checklist (incident_id, key, source) VALUES (?, ?, ?)`, id, it.Key, it.Source); err != nil {
			return 0, fmt.Errorf("create incident: %w", err)
		}
	}
	for _, t := range incident.Tasks(c.Scenario) {
		// A template task's deadline counts from discovery: 發現攻擊行為後…隔離操作需在10分鐘內
		// 完成 [003 §4.3.1], not from when the incident was recorded; a patch task's from the
		// systems restored (系統恢復後, 003 §4.3.4), which it waits for.
		basis := medsec.BasisDetected
		if t.From == incident.TaskFromRestored {
			basis = medsec.BasisAwaitingRestored
		}
		if err := insertTask(ctx, tx, id, &medsec.IncidentTask{Key: t.Key, Source: t.Source}, detected, basis, t.Minutes); err != nil {
			return 0, err
		}
	}
	for _, a := range f.Assets {
		if _, err := tx.exec(ctx, `INSERT INTO incident_assets (incident_id, asset_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, a.ID); err != nil {
			return 0, fmt.Errorf("create incident: %w", err)
		}
	}
	if c.AlertID != 0 {
		if al == nil {
			if err := checkAlertToLink(ctx, tx, sc, c); err != nil {
				return 0, err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO incident_alerts (incident_id, alert_id) VALUES (?, ?)`, id, c.AlertID); err != nil {
			return 0, fmt.Errorf("create incident: %w", err)
		}
		if err := meetByAlert(ctx, tx, id, c.AlertID); err != nil {
			return 0, err
		}
	}
	kind := "opened"
	if c.Drill {
		kind = "drill.opened"
	}
	title := medsec.ArgText(strings.TrimSpace(c.Title))
	if auto.titleKey != "" {
		title.Key = auto.titleKey
	}
	opened := medsec.Msg("incident.tl.opened", title, levelArg(level), levelArg(suggested), medsec.MessageArg{Keys: reasonKeys(reasons)})
	if err := timeline(ctx, tx, id, kind, entry{msg: opened, text: reason}); err != nil {
		return 0, err
	}
	if err := tx.auditChange(ctx, "incident.create", "incident", id, c.SiteID, nil, c); err != nil {
		return 0, err
	}
	return id, nil
}

func insertClock(ctx context.Context, tx *Tx, incidentID int64, c *medsec.Clock) error {
	custom := 0
	if c.Custom {
		custom = 1
	}
	id, err := tx.insert(ctx, `INSERT INTO incident_clocks (incident_id, key, label, source, level, every_minutes, start_at, basis, due_at, custom, task_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, incidentID, c.Key, c.Label, c.Source, int(c.Level), c.Every, c.Start, c.Basis, nullTime(c.Due), custom, nullID(c.TaskID))
	if err != nil {
		return fmt.Errorf("incident %d: clock %s: %w", incidentID, c.Key, err)
	}
	c.ID = id
	return nil
}

// insertTask adds task t; minutes > 0 gives it a clock due that long after start, what
// basis says start is, or (basis medsec.BasisAwaitingRestored) a clock waiting, without a
// due time, for the systems restored.
func insertTask(ctx context.Context, tx *Tx, incidentID int64, t *medsec.IncidentTask, start time.Time, basis string, minutes int) error {
	lesson := 0
	if t.Lesson {
		lesson = 1
	}
	id, err := tx.insert(ctx, `INSERT INTO incident_tasks (incident_id, key, title, source, assignee, lesson) VALUES (?, ?, ?, ?, ?, ?)`,
		incidentID, t.Key, t.Title, t.Source, t.Assignee, lesson)
	if err != nil {
		return fmt.Errorf("incident %d: task: %w", incidentID, err)
	}
	t.ID = id
	if minutes > 0 {
		key := "task"
		if t.Key != "" {
			key = "task." + t.Key
		}
		c := &medsec.Clock{Key: key, Label: t.Title, Source: t.Source, Start: start, Basis: basis, TaskID: id}
		if basis != medsec.BasisAwaitingRestored {
			c.Due = start.Add(time.Duration(minutes) * time.Minute)
		}
		return insertClock(ctx, tx, incidentID, c)
	}
	return nil
}

// clockSkew is how far ahead of the server's clock a detection or occurrence time may be
// (a browser's clock a little ahead); anything later is in the future.
const clockSkew = 2 * time.Minute

// detectionTimes checks an incident's detection and occurrence times against now: neither
// in the future, detection not before occurrence. A zero detection time is now; a zero
// occurrence time is not known (nil). A refused time is named in zone, the site's.
func detectionTimes(c *medsec.IncidentCreate, now time.Time, zone string) (time.Time, any, error) {
	detected := c.DetectedAt.UTC().Truncate(time.Microsecond)
	occurred := c.OccurredAt.UTC().Truncate(time.Microsecond)
	errs := c.TimeProblems(now, zone)
	if detected.IsZero() || detected.After(now) {
		detected = now
	}
	if errs != nil {
		return time.Time{}, nil, &medsec.ValidationError{Errors: errs}
	}
	if occurred.IsZero() {
		return detected, nil, nil
	}
	return detected, occurred, nil
}

// autoText is what medsec writes on an incident it opens from an alert.
type autoText struct {
	titleKey    string
	description *medsec.Message
}

// entry is a timeline entry: what medsec says of the change, and what the person typed
// with it.
type entry struct {
	msg  *medsec.Message
	text string
	// before, when set, is what the change replaced, for the audit row.
	before map[string]any
}

func levelArg(l medsec.IncidentLevel) medsec.MessageArg {
	return medsec.ArgKey(fmt.Sprintf("incident.level.%d", l))
}

func reasonKeys(codes []string) []string {
	keys := make([]string, len(codes))
	for i, c := range codes {
		keys[i] = "incident.reason." + c
	}
	return keys
}

// clockArg names a clock: its label, or its duty's or task's message.
func clockArg(c *medsec.Clock) medsec.MessageArg {
	switch {
	case c.Label != "":
		return medsec.ArgText(c.Label)
	case c.TaskID != 0:
		return medsec.ArgKey("incident.task." + strings.TrimPrefix(c.Key, "task."))
	}
	return medsec.ArgKey("incident.clock." + c.Key)
}

func num[T ~int | ~int64](n T) medsec.MessageArg { return medsec.ArgText(fmt.Sprint(n)) }

// timeline appends an entry, attributed to the context's user.
func timeline(ctx context.Context, tx *Tx, incidentID int64, kind string, e entry) error {
	name := "system"
	if u := medsec.UserFromContext(ctx); u != nil {
		name = u.Username
	}
	if _, err := tx.exec(ctx, `INSERT INTO incident_timeline (incident_id, at, username, kind, msg, text) VALUES (?, ?, ?, ?, ?, ?)`,
		incidentID, tx.now, name, kind, encodeMsg(e.msg), e.text); err != nil {
		return fmt.Errorf("incident %d timeline: %w", incidentID, err)
	}
	return nil
}

// change is every change to an incident: in one transaction it loads the incident the
// caller may see, checks the version, lets fn change it, bumps the version (a concurrent
// change that got there first makes this one ECONFLICT), appends the timeline entry fn
// returns and writes the audit row.
func (s *IncidentService) change(ctx context.Context, id, version int64, action string, open bool,
	fn func(tx *Tx, u *medsec.User, r incidentRow) (entry, error)) (*medsec.Incident, error) {
	sc, err := authorize(ctx, medsec.PermIncidentWrite)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := s.load(ctx, tx, sc, id, tx.now, false)
	if err != nil {
		return nil, err
	}
	checkOnly := medsec.IsCheckOnly(ctx)
	if r.Version != version && !checkOnly {
		return nil, conflict()
	}
	if open && r.Status != medsec.IncidentOpen {
		return nil, &medsec.Error{Code: medsec.EINVALID, Message: "The incident is closed.", Key: "incident.err.closed"}
	}
	e, err := fn(tx, sc.user, r)
	if err != nil || checkOnly {
		return nil, err // checkOnly: the deferred rollback undoes what fn wrote
	}
	res, err := tx.exec(ctx, `UPDATE incidents SET version = version + 1 WHERE id = ? AND version = ?`, id, version)
	if err != nil {
		return nil, fmt.Errorf("incident %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("incident %d: %w", id, err)
	} else if n == 0 {
		return nil, conflict()
	}
	if err := timeline(ctx, tx, id, action, e); err != nil {
		return nil, err
	}
	after := map[string]any{"version": version + 1}
	if e.msg != nil {
		after["msg"] = e.msg
	}
	if e.text != "" {
		after["text"] = e.text
	}
	var before any
	if e.before != nil {
		before = e.before
	}
	if err := tx.auditChange(ctx, "incident."+action, "incident", id, r.SiteID, before, after); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("incident %d: %w", id, err)
	}
	return s.FindIncidentByID(ctx, id)
}

// problems merges the validation problems of checks, in order, so that every problem of
// the input is said at once; an error that is not a validation problem is returned as it
// is.
func problems(checks ...error) error {
	var all []medsec.FieldError
	for _, err := range checks {
		if err == nil {
			continue
		}
		var ve *medsec.ValidationError
		if !errors.As(err, &ve) {
			return err
		}
		all = append(all, ve.Errors...)
	}
	if all == nil {
		return nil
	}
	return &medsec.ValidationError{Errors: all}
}

// mergeProblems merges validation problems as problems does, leaving out a problem of a
// field already named.
func mergeProblems(checks ...error) error {
	err := problems(checks...)
	var ve *medsec.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var kept []medsec.FieldError
	for _, fe := range ve.Errors {
		if !slices.ContainsFunc(kept, func(k medsec.FieldError) bool { return k.Field == fe.Field }) {
			kept = append(kept, fe)
		}
	}
	return &medsec.ValidationError{Errors: kept}
}

func checkText(field, value string, required bool, max int) error {
	if required && strings.TrimSpace(value) == "" {
		return invalid(field, "err.required", "is required")
	}
	multiline := max == medsec.MaxTextLength
	if fe := medsec.CheckText(field, value, multiline); fe != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	if fe := medsec.CheckLength(field, value, max); fe != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{*fe}}
	}
	return nil
}

// ChangeLevel sets a new level with its reason and replans the clocks; the current level
// given again confirms it with the reason, against the suggestion, changing no clock.
func (s *IncidentService) ChangeLevel(ctx context.Context, id, version int64, level medsec.IncidentLevel, reason string) (*medsec.Incident, error) {
	var levelErr error
	if !level.Valid() {
		levelErr = invalid("level", "err.invalid", "must be 1 to 4")
	}
	if err := problems(levelErr, checkText("reason", reason, true, medsec.MaxTextLength)); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "level", true, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		// The suggestion the person weighed, as the page shows it: the stored one, or a
		// more serious one the facts give now (an outage run longer, reassessOutage).
		suggested, _, err := resuggest(ctx, tx, r, r.Exposure)
		if err != nil {
			return entry{}, err
		}
		if suggested > r.SuggestedLevel {
			suggested = r.SuggestedLevel
		}
		// Confirming or setting the level is recorded on the incident (who, when, against
		// which suggestion), so the page shows it confirmed and no longer asks.
		if _, err := tx.exec(ctx, `UPDATE incidents SET level_confirmed_by = ?, level_confirmed_at = ?, level_confirmed_against = ? WHERE id = ?`,
			u.Username, tx.now, int(suggested), id); err != nil {
			return entry{}, fmt.Errorf("confirm level: %w", err)
		}
		before := map[string]any{"level_reason": r.LevelReason, "level_confirmed_by": r.LevelConfirmedBy, "level_confirmed_against": int(r.LevelConfirmedAgainst)}
		if level == r.Level {
			// A responder confirms the current level against the suggestion (bt14f M2: a
			// level-3 LIS incident suggested level 1 could not be confirmed at 3): the
			// reason is recorded, the clocks run on as they are (the level's response
			// was declared when it was set), and the timeline and the audit row say
			// which suggestion was weighed.
			if _, err := tx.exec(ctx, `UPDATE incidents SET level_reason = ? WHERE id = ?`, reason, id); err != nil {
				return entry{}, fmt.Errorf("confirm level: %w", err)
			}
			return entry{msg: medsec.Msg("incident.tl.level_confirmed", levelArg(level), levelArg(suggested)), text: reason, before: before}, nil
		}
		cal, err := r.calendar(ctx, tx)
		if err != nil {
			return entry{}, err
		}
		situation := incident.Situation{Level: level, Jurisdiction: r.Jurisdiction, Scenario: r.Scenario, Exposure: r.Exposure}
		plan := incident.ChangeLevel(r.Clocks, situation, tx.now, incident.Moments{Occurred: r.OccurredAt, Detected: r.DetectedAt, Opened: r.OpenedAt,
			Level: r.levelAt, Exposure: r.ExposureFoundAt}, cal)
		for _, i := range plan.Stop {
			if _, err := tx.exec(ctx, `UPDATE incident_clocks SET stopped_at = ?, stop_reason = 'level' WHERE id = ?`, tx.now, r.Clocks[i].ID); err != nil {
				return entry{}, fmt.Errorf("change level: %w", err)
			}
		}
		for _, i := range plan.Resume {
			if incident.Ended(r.Clocks[i].Key, r.Checklist) {
				continue
			}
			if _, err := tx.exec(ctx, `UPDATE incident_clocks SET stopped_at = NULL, stop_reason = '' WHERE id = ?`, r.Clocks[i].ID); err != nil {
				return entry{}, fmt.Errorf("change level: %w", err)
			}
		}
		for _, c := range plan.Add {
			if incident.Ended(c.Key, r.Checklist) {
				continue // the systems are recovered or the response is over: no new round
			}
			if err := insertClock(ctx, tx, id, c); err != nil {
				return entry{}, err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET level = ?, level_reason = ?, level_at = ? WHERE id = ?`, int(level), reason, tx.now, id); err != nil {
			return entry{}, fmt.Errorf("change level: %w", err)
		}
		return entry{msg: medsec.Msg("incident.tl.level", levelArg(r.Level), levelArg(level), num(len(plan.Stop)), num(len(plan.Add)), num(len(plan.Resume))), text: reason, before: before}, nil
	})
}

// UpdateRecord sets the cause, actions and result.
func (s *IncidentService) UpdateRecord(ctx context.Context, id, version int64, cause, actions, result string) (*medsec.Incident, error) {
	if err := problems(checkText("cause", cause, false, medsec.MaxTextLength), checkText("actions", actions, false, medsec.MaxTextLength),
		checkText("result", result, false, medsec.MaxTextLength)); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "record", false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		// The ledger's line [003 §3.3.3] once closed is amended only by the security
		// officer, and every version stays readable: the timeline holds the text written,
		// the audit row the text replaced.
		key := "incident.tl.record_text"
		if r.Status != medsec.IncidentOpen {
			if !incident.CanWaive(u) {
				return entry{}, &medsec.Error{Code: medsec.EFORBIDDEN, Key: "incident.err.record_closed",
					Message: "Only a security officer may amend the record of a closed incident."}
			}
			key = "incident.tl.record_amended"
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET cause = ?, actions = ?, result = ? WHERE id = ?`, cause, actions, result, id); err != nil {
			return entry{}, fmt.Errorf("update incident: %w", err)
		}
		return entry{msg: medsec.Msg(key, medsec.ArgText(cause), medsec.ArgText(actions), medsec.ArgText(result)),
			before: map[string]any{"cause": r.Cause, "actions": r.Actions, "result": r.Result}}, nil
	})
}

func findClock(r incidentRow, clockID int64) (*medsec.Clock, error) {
	i := slices.IndexFunc(r.Clocks, func(c *medsec.Clock) bool { return c.ID == clockID })
	if i < 0 {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.clock_not_found", "Clock not found.")
	}
	return r.Clocks[i], nil
}

// meet marks clock c met by u at at (when the duty was really done, checked by metTime)
// and starts its next round from then; note is the person's words, msg what medsec says
// of how it was met. Lateness is judged on at against the due time.
func meet(ctx context.Context, tx *Tx, u *medsec.User, r incidentRow, c *medsec.Clock, note string, msg *medsec.Message, evidence string, at time.Time) error {
	if !c.MetAt.IsZero() || !c.StoppedAt.IsZero() {
		return invalid("clock_id", "incident.err.clock_done", "the clock is already met or stopped")
	}
	if _, err := tx.exec(ctx, `UPDATE incident_clocks SET met_at = ?, met_by = ?, met_note = ?, met_msg = ?, evidence = ? WHERE id = ?`,
		at, u.Username, note, encodeMsg(msg), evidence, c.ID); err != nil {
		return fmt.Errorf("meet clock: %w", err)
	}
	if next := incident.Next(c, at); next != nil && r.Status == medsec.IncidentOpen {
		return insertClock(ctx, tx, r.ID, next)
	}
	return nil
}

// meetByAlert meets the running duties that an alert of medsec's network monitoring,
// now linked to the incident, fulfils (incident.AlertMeets: TW's warning through the
// hospital's network monitoring, 000 附表一), attributed to the user linking it, with a
// message naming the alert.
func meetByAlert(ctx context.Context, tx *Tx, incidentID, alertID int64) error {
	clocks, err := loadClocks(ctx, tx, tx.db.dialect, incidentID, tx.now)
	if err != nil {
		return err
	}
	name := "system"
	if u := medsec.UserFromContext(ctx); u != nil {
		name = u.Username
	}
	msg := encodeMsg(medsec.Msg("incident.met.alert", num(alertID)))
	for _, i := range incident.AlertMeets(clocks) {
		if _, err := tx.exec(ctx, `UPDATE incident_clocks SET met_at = ?, met_by = ?, met_msg = ? WHERE id = ?`, tx.now, name, msg, clocks[i].ID); err != nil {
			return fmt.Errorf("meet clock by alert %d: %w", alertID, err)
		}
	}
	return nil
}

// checkEvidence checks that the caller may cite an evidence file on the incident: one
// linked to it, or one the caller uploaded; field names the input that gave the digest
// (evidence when meeting a clock, sha256 when linking), for the error.
func checkEvidence(ctx context.Context, tx *Tx, u *medsec.User, incidentID int64, sum, field string) error {
	if !medsec.ValidSHA256(sum) {
		return invalid(field, "err.bad_evidence", "no stored evidence file has digest "+sum)
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM incident_evidence WHERE incident_id = ? AND sha256 = ?) +
		(SELECT COUNT(*) FROM evidence_uploads WHERE sha256 = ? AND user_id = ?)`, incidentID, sum, sum, u.ID).Scan(&n); err != nil {
		return fmt.Errorf("evidence %s: %w", sum, err)
	}
	if n == 0 {
		return invalid(field, "err.bad_evidence", "no stored evidence file has digest "+sum)
	}
	return nil
}

// siteLocation returns the time zone of a site: its own, else its jurisdiction's.
func siteLocation(ctx context.Context, tx *Tx, siteID int64, j medsec.Jurisdiction) *time.Location {
	var zone sql.NullString
	tx.queryRow(ctx, `SELECT time_zone FROM sites WHERE id = ?`, siteID).Scan(&zone)
	site := medsec.Site{Jurisdiction: j, TimeZone: zone.String}
	if loc, err := medsec.LoadZone("time_zone", site.Zone()); err == nil {
		return loc
	}
	return time.UTC
}

// metTime checks when a duty was done as the person gives it (field names the input):
// zero is now; not in the future (beyond clockSkew, and then now), not before the
// incident was detected (the detection time named in the site's time zone).
func metTime(ctx context.Context, tx *Tx, field string, at time.Time, r incidentRow) (time.Time, error) {
	at = at.UTC().Truncate(time.Microsecond)
	switch {
	case at.IsZero():
		return tx.now, nil
	case at.After(tx.now.Add(clockSkew)):
		return time.Time{}, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: "incident.err.time_future", Message: "is in the future",
			Value: r.zoned(at)}}}
	case at.Before(r.DetectedAt):
		det := r.zoned(r.DetectedAt)
		return time.Time{}, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: "incident.err.met_before_detected",
			Message: "is before the incident was detected (" + det + ")", Args: []string{det}, Value: r.zoned(at)}}}
	case at.After(tx.now):
		return tx.now, nil
	}
	return at, nil
}

// startBound lists the clock bases whose start is a moment of the incident as the user
// gave it (incident.go Basis constants): a duty counted from that moment cannot have been
// done before it. A clock counted from a recording in medsec (BasisOpened, BasisAdded,
// BasisLevel — when the decision was recorded) or waiting for its start
// (BasisAwaitingRestored) has no such bound: the duty may have been done before it was
// typed in.
var startBound = []string{medsec.BasisOccurred, medsec.BasisDetectedNoOccurrence, medsec.BasisDetectedAfterOccurrence, medsec.BasisDetected,
	medsec.BasisExposure, medsec.BasisRestored, medsec.BasisClosed, medsec.BasisMet}

// beforeStart refuses a time a duty was done (field names the input: met_at, sent_at)
// that is earlier than the clock's own start (e.g. the 網信辦 leak report counted from
// when the exposure was found, 003 §5.3.3): the start is named in the site's time zone.
func beforeStart(ctx context.Context, tx *Tx, field string, at time.Time, r incidentRow, c *medsec.Clock) error {
	if !slices.Contains(startBound, c.Basis) || c.Start.IsZero() || !at.Before(c.Start) {
		return nil
	}
	start := r.zoned(c.Start)
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: "incident.err.met_before_start",
		Message: "is before the duty's clock started (" + start + ")", Args: []string{start}, Value: r.zoned(at)}}}
}

// MeetClock marks a clock met at metAt (zero: now).
func (s *IncidentService) MeetClock(ctx context.Context, id, version, clockID int64, note, evidence string, metAt time.Time) (*medsec.Incident, error) {
	if err := checkText("note", note, false, medsec.MaxTextLength); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "clock.met", false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		c, err := findClock(r, clockID)
		if err != nil {
			return entry{}, err
		}
		at, err := metTime(ctx, tx, "met_at", metAt, r)
		if err != nil {
			return entry{}, err
		}
		if err := beforeStart(ctx, tx, "met_at", at, r, c); err != nil {
			return entry{}, err
		}
		if evidence != "" {
			if err := checkEvidence(ctx, tx, u, id, evidence, "evidence"); err != nil {
				return entry{}, err
			}
			if err := linkEvidence(ctx, tx, id, evidence, evidence[:12], medsec.Msg("incident.custody.cited", clockArg(c)), ""); err != nil {
				return entry{}, err
			}
		}
		if err := meet(ctx, tx, u, r, c, note, nil, evidence, at); err != nil {
			return entry{}, err
		}
		key := "incident.tl.clock_met"
		if !c.Due.IsZero() && at.After(c.Due) {
			key = "incident.tl.clock_met_late"
		}
		return entry{msg: medsec.Msg(key, clockArg(c)), text: note}, nil
	})
}

// AddClock adds the hospital's own clock.
func (s *IncidentService) AddClock(ctx context.Context, id, version int64, label string, minutes int) (*medsec.Incident, error) {
	var minutesErr error
	if minutes < 1 || minutes > 525600 {
		minutesErr = invalid("minutes", "incident.err.clock_minutes", "must be a whole number of minutes from 1 to 525600 (one year)")
	}
	if err := problems(checkText("label", label, true, medsec.MaxNameLength), minutesErr); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "clock.added", false, func(tx *Tx, _ *medsec.User, r incidentRow) (entry, error) {
		c := &medsec.Clock{Key: "custom", Label: label, Source: "hospital", Custom: true, Start: tx.now, Basis: medsec.BasisAdded, Due: tx.now.Add(time.Duration(minutes) * time.Minute)}
		if err := insertClock(ctx, tx, id, c); err != nil {
			return entry{}, err
		}
		return entry{msg: medsec.Msg("incident.tl.clock_added", medsec.ArgText(label), num(minutes))}, nil
	})
}

// AddNote appends a note to the timeline.
func (s *IncidentService) AddNote(ctx context.Context, id, version int64, text string) (*medsec.Incident, error) {
	if err := checkText("text", text, true, medsec.MaxTextLength); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "note", false, func(*Tx, *medsec.User, incidentRow) (entry, error) { return entry{text: text}, nil })
}

// AddPerson gives someone a role.
func (s *IncidentService) AddPerson(ctx context.Context, id, version int64, p medsec.IncidentPerson) (*medsec.Incident, error) {
	var roleErr error
	if !slices.Contains(medsec.IncidentRoles, p.Role) {
		roleErr = invalid("role", "err.invalid", "must be lead, technical or communications")
	}
	if err := problems(checkText("name", p.Name, true, medsec.MaxNameLength), roleErr); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "person", false, func(tx *Tx, _ *medsec.User, r incidentRow) (entry, error) {
		// A role on the incident is held as a task is: a medsec user must see it (bt14d: a
		// branch engineer made lead of a main-site incident, a vendor its technical lead).
		if err := checkAssignee(ctx, tx, r, "name", p.Name); err != nil {
			return entry{}, err
		}
		if _, err := tx.exec(ctx, `INSERT INTO incident_people (incident_id, name, role) VALUES (?, ?, ?)`, id, p.Name, string(p.Role)); err != nil {
			return entry{}, fmt.Errorf("add person: %w", err)
		}
		return entry{msg: medsec.Msg("incident.tl.person", medsec.ArgKey("incident_role."+string(p.Role)), medsec.ArgText(p.Name))}, nil
	})
}

// AddAsset links an affected asset.
func (s *IncidentService) AddAsset(ctx context.Context, id, version, assetID int64) (*medsec.Incident, error) {
	sc, err := authorize(ctx, medsec.PermIncidentWrite)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "asset", false, func(tx *Tx, _ *medsec.User, r incidentRow) (entry, error) {
		a, err := incidentAsset(ctx, tx, sc, r.SiteID, assetID, "asset_id")
		if err != nil {
			return entry{}, err
		}
		if _, err := tx.exec(ctx, `INSERT INTO incident_assets (incident_id, asset_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, assetID); err != nil {
			return entry{}, fmt.Errorf("add asset: %w", err)
		}
		return entry{msg: medsec.Msg("incident.tl.asset", medsec.ArgText(a.Name), num(a.ID))}, nil
	})
}

func linkEvidence(ctx context.Context, tx *Tx, incidentID int64, sum, name string, msg *medsec.Message, note string) error {
	_, err := linkEvidenceNew(ctx, tx, incidentID, sum, name, msg, note)
	return err
}

// linkEvidenceNew links a file to the incident and starts its chain of custody with msg;
// it reports false, adding no step, when the incident already holds the file.
func linkEvidenceNew(ctx context.Context, tx *Tx, incidentID int64, sum, name string, msg *medsec.Message, note string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO incident_evidence (incident_id, sha256, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, incidentID, sum, name)
	if err != nil {
		return false, fmt.Errorf("link evidence: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	return true, custody(ctx, tx, incidentID, sum, "collected", msg, note)
}

// custody appends a step to an evidence file's chain: msg is what medsec says of it,
// note the person's words.
func custody(ctx context.Context, tx *Tx, incidentID int64, sum, action string, msg *medsec.Message, note string) error {
	name := "system"
	if u := medsec.UserFromContext(ctx); u != nil {
		name = u.Username
	}
	if _, err := tx.exec(ctx, `INSERT INTO incident_custody (incident_id, sha256, at, username, action, msg, note) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		incidentID, sum, tx.now, name, action, encodeMsg(msg), note); err != nil {
		return fmt.Errorf("chain of custody: %w", err)
	}
	return nil
}

// LinkEvidence links a stored evidence file.
func (s *IncidentService) LinkEvidence(ctx context.Context, id, version int64, sum, name, note string) (*medsec.Incident, error) {
	if err := problems(checkText("name", name, false, medsec.MaxNameLength), checkText("note", note, false, medsec.MaxTextLength)); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "evidence", false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		if err := checkEvidence(ctx, tx, u, id, sum, "sha256"); err != nil {
			return entry{}, err
		}
		if name == "" {
			if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(name), '') FROM evidence_uploads WHERE sha256 = ?`, sum).Scan(&name); err != nil {
				return entry{}, fmt.Errorf("link evidence: %w", err)
			}
		}
		// The name is offered for download: no path, no device name, no reordering.
		if name = medsec.CleanFileName(name); name == "" {
			name = sum[:12]
		}
		if err := linkEvidence(ctx, tx, id, sum, name, nil, note); err != nil {
			return entry{}, err
		}
		return entry{msg: medsec.Msg("incident.tl.evidence", medsec.ArgText(name), medsec.ArgText(sum)), text: note}, nil
	})
}

// AttachLogRecord attaches a sealed log record of the incident's site with its proof:
// the record, its seal reference and the proof bundle are stored, its chain of custody
// starts ("collected", naming the record and the checkpoint it is proven against), and the
// timeline says so. A record already attached is refused (EINVALID), so a second attempt
// adds no custody step.
func (s *IncidentService) AttachLogRecord(ctx context.Context, id, version int64, p *medsec.LogRecordProof, note string) (*medsec.Incident, error) {
	if p == nil || len(p.Bundle) == 0 {
		return nil, invalid("log_index", "err.log_record_not_found", "no such sealed log record")
	}
	if err := checkText("note", note, false, medsec.MaxTextLength); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(p.Bundle)
	digest := hex.EncodeToString(sum[:])
	return s.change(ctx, id, version, "log_record", false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		if p.SiteID != r.SiteID {
			return entry{}, invalid("log_index", "incident.err.log_site", fmt.Sprintf("log record %d is of site %d, not the incident's site", p.Index, p.SiteID))
		}
		res, err := tx.exec(ctx, `INSERT INTO incident_log_records (incident_id, site_id, log_index, received_at, source, format, raw, leaf_hash, checkpoint_size,
			root_hash, checkpoint, proof, sha256, attached_at, attached_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			id, p.SiteID, p.Index, p.Received.UTC(), p.Source, p.Format, p.Raw, p.LeafHash, p.CheckpointSize, p.RootHash, p.Checkpoint, string(p.Bundle),
			digest, tx.now, u.Username)
		if err != nil {
			return entry{}, fmt.Errorf("attach log record: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return entry{}, invalid("log_index", "incident.err.log_attached", fmt.Sprintf("log record %d is already attached", p.Index))
		}
		sealed := medsec.Msg("incident.custody.log_sealed", num(p.Index), num(p.SiteID), num(p.CheckpointSize))
		if err := custody(ctx, tx, id, digest, "collected", sealed, note); err != nil {
			return entry{}, err
		}
		return entry{msg: medsec.Msg("incident.tl.log_record", num(p.Index), medsec.ArgText(p.Source), num(p.CheckpointSize)), text: note}, nil
	})
}

// LogRecordProof returns the proof bundle of an attached log record and its file name.
func (s *IncidentService) LogRecordProof(ctx context.Context, id, siteID, index int64) ([]byte, string, error) {
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return nil, "", err
	}
	if _, err := s.load(ctx, s.db.read, sc, id, s.db.Now(), false); err != nil {
		return nil, "", err
	}
	var proof string
	err = s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT proof FROM incident_log_records WHERE incident_id = ? AND site_id = ? AND log_index = ?`),
		id, siteID, index).Scan(&proof)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", &medsec.Error{Code: medsec.ENOTFOUND, Message: "Log record not found.", Key: "err.log_record_not_found"}
	} else if err != nil {
		return nil, "", fmt.Errorf("log record proof: %w", err)
	}
	return []byte(proof), fmt.Sprintf("incident-%d-log-site%d-%d.json", id, siteID, index), nil
}

// CustodyActions are the steps a chain of custody records.
var CustodyActions = []string{"collected", "transferred", "examined", "copied", "returned", "sealed"}

// AddCustody appends a custody step.
func (s *IncidentService) AddCustody(ctx context.Context, id, version int64, sum, action, note string) (*medsec.Incident, error) {
	var actionErr error
	if !slices.Contains(CustodyActions, action) {
		actionErr = invalid("custody_action", "err.invalid", "must be one of "+strings.Join(CustodyActions, ", "))
	}
	if err := problems(actionErr, checkText("note", note, false, medsec.MaxTextLength)); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "custody", false, func(tx *Tx, _ *medsec.User, r incidentRow) (entry, error) {
		var n int
		if err := tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM incident_evidence WHERE incident_id = ? AND sha256 = ?) +
			(SELECT COUNT(*) FROM incident_log_records WHERE incident_id = ? AND sha256 = ?)`, id, sum, id, sum).Scan(&n); err != nil {
			return entry{}, fmt.Errorf("custody: %w", err)
		} else if n == 0 {
			return entry{}, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.evidence_not_found", "Evidence not found.")
		}
		if err := custody(ctx, tx, id, sum, action, nil, note); err != nil {
			return entry{}, err
		}
		return entry{msg: medsec.Msg("incident.tl.custody", medsec.ArgText(sum[:12]), medsec.ArgKey("custody."+action)), text: note}, nil
	})
}

// NotificationLanguages are the languages a notification may be recorded in.
var NotificationLanguages = []string{"en", "ja", "zh-CN", "zh-TW"}

// RecordNotification records a notification sent.
func (s *IncidentService) RecordNotification(ctx context.Context, id, version int64, n medsec.IncidentNotification) (*medsec.Incident, error) {
	var recipientErr, channelErr, languageErr error
	if !slices.Contains(medsec.Recipients, n.Recipient) {
		recipientErr = invalid("recipient", "err.invalid", "is not a known recipient")
	}
	if !slices.Contains(medsec.Channels, n.Channel) {
		channelErr = invalid("channel", "err.invalid", "must be one of "+strings.Join(medsec.Channels, ", "))
	}
	if !slices.Contains(NotificationLanguages, n.Language) {
		languageErr = invalid("language", "err.invalid", "must be en, ja, zh-CN or zh-TW")
	}
	if err := problems(recipientErr, channelErr, languageErr, checkText("name", n.Name, false, medsec.MaxNameLength),
		checkText("content", n.Content, true, medsec.MaxTextLength)); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "notification", false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		sent, err := metTime(ctx, tx, "sent_at", n.SentAt, r)
		if err != nil {
			return entry{}, err
		}
		if n.ClockID != 0 {
			c, err := findClock(r, n.ClockID)
			if err != nil {
				return entry{}, err
			}
			if err := incident.CheckRecipient(c, n.Recipient); err != nil {
				return entry{}, err
			}
			if err := beforeStart(ctx, tx, "sent_at", sent, r, c); err != nil {
				return entry{}, err
			}
			met := medsec.Msg("incident.met.notification", medsec.ArgKey("recipient."+string(n.Recipient)), medsec.ArgKey("channel."+n.Channel))
			if err := meet(ctx, tx, u, r, c, "", met, "", sent); err != nil {
				return entry{}, err
			}
		}
		if _, err := tx.exec(ctx, `INSERT INTO incident_notifications (incident_id, recipient, name, channel, sent_at, language, content, sent_by, clock_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, string(n.Recipient), n.Name, n.Channel, sent, n.Language, n.Content, u.Username, nullID(n.ClockID)); err != nil {
			return entry{}, fmt.Errorf("record notification: %w", err)
		}
		return entry{msg: medsec.Msg("incident.tl.notification", medsec.ArgKey("recipient."+string(n.Recipient)), medsec.ArgText(n.Name),
			medsec.ArgKey("channel."+n.Channel), medsec.ArgKey("language."+n.Language))}, nil
	})
}

// AddTask adds a task.
func (s *IncidentService) AddTask(ctx context.Context, id, version int64, t medsec.IncidentTask) (*medsec.Incident, error) {
	if err := problems(checkText("title", t.Title, true, medsec.MaxNameLength), checkText("assignee", t.Assignee, false, medsec.MaxNameLength)); err != nil {
		return nil, err
	}
	t.Key, t.Source = "", "hospital"
	if t.Lesson {
		t.Source = "003 §5.4.1"
	}
	return s.change(ctx, id, version, "task", false, func(tx *Tx, _ *medsec.User, r incidentRow) (entry, error) {
		if err := checkTaskAssignee(ctx, tx, r, "assignee", t.Assignee); err != nil {
			return entry{}, err
		}
		if err := insertTask(ctx, tx, id, &t, tx.now, medsec.BasisAdded, 0); err != nil {
			return entry{}, err
		}
		if t.Lesson {
			return entry{msg: medsec.Msg("incident.tl.lesson", medsec.ArgText(t.Title))}, nil
		}
		return entry{msg: medsec.Msg("incident.tl.task", medsec.ArgText(t.Title))}, nil
	})
}

// checkAssignee checks a task's assignee or an incident role's holder, the input field
// (bt14 #5). The assignee is free text, a person
// (the demo assigns 王網管, a person of the hospital who need not be a medsec user); but a
// name that is a medsec user's username is that user, who must be able to see the
// incident: of its site (or of every site) and with a role that reads incidents. A user
// of another site, or one whose role may not read incidents, is refused naming them, so a
// task is never handed to someone who cannot open it.
func checkAssignee(ctx context.Context, tx *Tx, r incidentRow, field, assignee string) error {
	_, err := incidentUser(ctx, tx, r, field, assignee)
	return err
}

// checkTaskAssignee checks a task's assignee as checkAssignee does and, for a medsec
// user, that the user works incidents (incident write): a task handed to a read-only
// role — the auditor, the director — could never be completed by them (bt14f LOW).
func checkTaskAssignee(ctx context.Context, tx *Tx, r incidentRow, field, assignee string) error {
	u, err := incidentUser(ctx, tx, r, field, assignee)
	if err != nil || u == nil || u.Role.Can(medsec.PermIncidentWrite) {
		return err
	}
	name := strings.TrimSpace(assignee)
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: "incident.err.assignee_read_only", Args: []string{name}, Value: name,
		Message: fmt.Sprintf("%s is a medsec user whose role only reads incidents: assign someone who works incidents, or a person by a name that is not a medsec username", name)}}}
}

// incidentUser returns the medsec user the name given in field (an assignee, a role's
// holder, the declarer of the end) is, nil for a person who is not a medsec user, or
// EINVALID naming field when the user cannot see the incident (checkAssignee).
func incidentUser(ctx context.Context, tx *Tx, r incidentRow, field, assignee string) (*medsec.User, error) {
	name := strings.TrimSpace(assignee)
	if name == "" {
		return nil, nil
	}
	// Usernames are kept in lower case and logins match them so; an invisible character
	// (a zero-width space) does not make a user a stranger (bt14d: "CE.HSU" and
	// "ce.hsu\u200b" passed as persons).
	username := strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name))
	u, err := findUser(ctx, tx, tx.db.dialect, "username = ?", username)
	if medsec.ErrorCode(err) == medsec.ENOTFOUND {
		return nil, nil // a person, not a medsec user
	} else if err != nil {
		return nil, err
	}
	if u.Disabled || !u.Role.Can(medsec.PermIncidentRead) || !u.CanSeeSite(r.SiteID) {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: field, Key: "incident.err.assignee_site", Args: []string{name},
			Message: fmt.Sprintf("%s is a medsec user who cannot see this incident (another site, or a role that does not read incidents): assign someone who can, or a person by a name that is not a medsec username", name), Value: name}}}
	}
	return u, nil
}

// checkDeclarer checks declared_by, who of the leading group declared the end of the
// response [003 §4.4.4, 由領導小組宣布應急響應結束]: a person's name is taken as a task's
// assignee is; a name that is a medsec username must be a user who sees the incident
// (incidentUser: a vendor's account is refused) and is of the leading group — the
// leadership role (the director), or the holder of the incident's lead role (領導小組,
// medsec.IncidentRoleLead) — else it is refused naming the field and the user (bt14f H4).
func checkDeclarer(ctx context.Context, tx *Tx, r incidentRow, by string) error {
	u, err := incidentUser(ctx, tx, r, "declared_by", by)
	if err != nil || u == nil || u.Role == medsec.RoleLeadership {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, tx.db.dialect.rebind(`SELECT COUNT(*) FROM incident_people WHERE incident_id = ? AND role = ? AND LOWER(name) = ?`),
		r.ID, string(medsec.IncidentRoleLead), u.Username).Scan(&n); err != nil {
		return fmt.Errorf("close incident: declared_by: %w", err)
	}
	if n > 0 {
		return nil
	}
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "declared_by", Key: "incident.err.declared_by_not_leading", Args: []string{by}, Value: by,
		Message: fmt.Sprintf("%s is a medsec user who is not of the leading group (neither the leadership role nor the incident's lead): the leading group declares the end of the response (003 §4.4.4)", by)}}}
}

// AssignTask assigns or reassigns a task (medsec.IncidentService.AssignTask).
func (s *IncidentService) AssignTask(ctx context.Context, id, version, taskID int64, assignee string) (*medsec.Incident, error) {
	assignee = strings.TrimSpace(assignee)
	if err := checkText("assignee", assignee, true, medsec.MaxNameLength); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "task.assigned", false, func(tx *Tx, _ *medsec.User, r incidentRow) (entry, error) {
		i := slices.IndexFunc(r.Tasks, func(t *medsec.IncidentTask) bool { return t.ID == taskID })
		if i < 0 {
			return entry{}, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.task_not_found", "Task not found.")
		}
		t := r.Tasks[i]
		var errs []error
		if !t.DoneAt.IsZero() {
			errs = append(errs, invalid("task_id", "incident.err.task_done", "the task is already done"))
		}
		if t.Assignee == assignee {
			errs = append(errs, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "assignee", Key: "incident.err.task_same_assignee", Args: []string{assignee},
				Message: "the task is already assigned to " + assignee, Value: assignee}}})
		} else {
			errs = append(errs, checkTaskAssignee(ctx, tx, r, "assignee", assignee))
		}
		if err := problems(errs...); err != nil {
			return entry{}, err
		}
		if _, err := tx.exec(ctx, `UPDATE incident_tasks SET assignee = ? WHERE id = ?`, assignee, taskID); err != nil {
			return entry{}, fmt.Errorf("assign task: %w", err)
		}
		name := medsec.ArgText(t.Title)
		if t.Title == "" {
			name = medsec.ArgKey("incident.task." + t.Key)
		}
		e := entry{before: map[string]any{"task_id": taskID, "assignee": t.Assignee}}
		if t.Assignee == "" {
			e.msg = medsec.Msg("incident.tl.task_assigned", name, medsec.ArgText(assignee))
		} else {
			e.msg = medsec.Msg("incident.tl.task_reassigned", name, medsec.ArgText(t.Assignee), medsec.ArgText(assignee))
		}
		return e, nil
	})
}

// CompleteTask marks a task done; on a closed incident or drill only a lesson learned.
func (s *IncidentService) CompleteTask(ctx context.Context, id, version, taskID int64, note string) (*medsec.Incident, error) {
	return s.CompleteTaskAt(ctx, id, version, taskID, note, time.Time{})
}

// CompleteTaskAt implements medsec.IncidentService: the task is done, and its clock met,
// at doneAt (zero: now), so a task done before it was recorded is judged on when it was
// done (was: always the time it was recorded).
func (s *IncidentService) CompleteTaskAt(ctx context.Context, id, version, taskID int64, note string, doneAt time.Time) (*medsec.Incident, error) {
	// The note is required: the record says how the task was done, or why it did not
	// apply (bt14f LOW: an empty note was accepted).
	if err := checkText("note", note, true, medsec.MaxTextLength); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "task.done", false, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		i := slices.IndexFunc(r.Tasks, func(t *medsec.IncidentTask) bool { return t.ID == taskID })
		if i < 0 {
			return entry{}, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.task_not_found", "Task not found.")
		}
		t := r.Tasks[i]
		if !t.DoneAt.IsZero() {
			return entry{}, invalid("task_id", "incident.err.task_done", "the task is already done")
		}
		// The response is over: a task of it done now would read in the record as done
		// during the response (bt14f M5). A lesson learned is work after the review
		// (003 §5.4.1) and is done after the close.
		if r.Status != medsec.IncidentOpen && !t.Lesson {
			return entry{}, invalid("task_id", "incident.err.task_closed", "the incident is closed: a task of its response can no longer be completed; only lessons learned are done after the close")
		}
		at, err := metTime(ctx, tx, "done_at", doneAt, r)
		if err != nil {
			return entry{}, err
		}
		for _, c := range r.Clocks {
			if c.TaskID == taskID && c.MetAt.IsZero() && c.StoppedAt.IsZero() {
				if err := beforeStart(ctx, tx, "done_at", at, r, c); err != nil {
					return entry{}, err
				}
			}
		}
		if _, err := tx.exec(ctx, `UPDATE incident_tasks SET done_at = ?, done_by = ?, note = ? WHERE id = ?`, at, u.Username, note, taskID); err != nil {
			return entry{}, fmt.Errorf("complete task: %w", err)
		}
		for _, c := range r.Clocks {
			if c.TaskID == taskID && c.MetAt.IsZero() && c.StoppedAt.IsZero() {
				if err := meet(ctx, tx, u, r, c, note, nil, "", at); err != nil {
					return entry{}, err
				}
			}
		}
		name := medsec.ArgText(t.Title)
		if t.Title == "" {
			name = medsec.ArgKey("incident.task." + t.Key)
		}
		return entry{msg: medsec.Msg("incident.tl.task_done", name), text: note}, nil
	})
}

func checklistItem(r incidentRow, key string) (*medsec.ChecklistItem, error) {
	i := slices.IndexFunc(r.Checklist, func(it *medsec.ChecklistItem) bool { return it.Key == key })
	if i < 0 {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.checklist_item_not_found", "Checklist item not found.")
	}
	if r.Checklist[i].Done() {
		return nil, invalid("key", "incident.err.item_done", "the item is already met or waived")
	}
	return r.Checklist[i], nil
}

// settle stops the repeating clocks whose end the checklist item key, now met or waived,
// reaches (the systems recovered, every termination condition done: incident.Settle) and
// says so in the timeline entry e.
func settle(ctx context.Context, tx *Tx, r incidentRow, key string, e entry) (entry, error) {
	items := make([]*medsec.ChecklistItem, len(r.Checklist))
	for i, it := range r.Checklist {
		c := *it
		if c.Key == key {
			c.MetAt = tx.now
		}
		items[i] = &c
	}
	stop := incident.Settle(r.Clocks, items)
	for _, i := range stop {
		if _, err := tx.exec(ctx, `UPDATE incident_clocks SET stopped_at = ?, stop_reason = 'ended' WHERE id = ?`, tx.now, r.Clocks[i].ID); err != nil {
			return e, fmt.Errorf("stop clock: %w", err)
		}
	}
	if len(stop) > 0 {
		e.msg.Key += "_stopped"
		e.msg.Args = append(e.msg.Args, medsec.MessageArg{Keys: clockKeys(r.Clocks, stop)})
	}
	return e, nil
}

// clockKeys are the message keys of the duty clocks at the indexes.
func clockKeys(clocks []*medsec.Clock, idx []int) []string {
	out := make([]string, len(idx))
	for i, j := range idx {
		out[i] = "incident.clock." + clocks[j].Key
	}
	return out
}

// MeetChecklistItem marks a termination condition met.
func (s *IncidentService) MeetChecklistItem(ctx context.Context, id, version int64, key, note string) (*medsec.Incident, error) {
	if err := checkText("note", note, false, medsec.MaxTextLength); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "checklist.met", true, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		if _, err := checklistItem(r, key); err != nil {
			return entry{}, err
		}
		// A drill compresses the plan's spans of calm into the exercise: its checklist is
		// ticked as the exercise goes.
		if !r.Drill {
			if err := incident.CheckMeetItem(key, r.DetectedAt, r.RestoredAt, r.Outage, tx.now, r.location()); err != nil {
				return entry{}, err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE incident_checklist SET met_at = ?, met_by = ?, note = ? WHERE incident_id = ? AND key = ?`, tx.now, u.Username, note, id, key); err != nil {
			return entry{}, fmt.Errorf("checklist: %w", err)
		}
		return settle(ctx, tx, r, key, entry{msg: medsec.Msg("incident.tl.item_met", medsec.ArgKey("incident.check."+key)), text: note})
	})
}

// WaiveChecklistItem waives a termination condition; security officers only.
func (s *IncidentService) WaiveChecklistItem(ctx context.Context, id, version int64, key, reason string) (*medsec.Incident, error) {
	if !incident.CanWaive(medsec.UserFromContext(ctx)) {
		if _, err := authorize(ctx, medsec.PermIncidentWrite); err != nil {
			return nil, err
		}
		return nil, &medsec.Error{Code: medsec.EFORBIDDEN, Message: "Only a security officer may waive a termination condition.", Key: "incident.err.waive_role"}
	}
	if err := checkText("reason", reason, true, medsec.MaxTextLength); err != nil {
		return nil, err
	}
	return s.change(ctx, id, version, "checklist.waived", true, func(tx *Tx, u *medsec.User, r incidentRow) (entry, error) {
		if _, err := checklistItem(r, key); err != nil {
			return entry{}, err
		}
		if _, err := tx.exec(ctx, `UPDATE incident_checklist SET met_at = ?, met_by = ?, note = ?, waived = 1 WHERE incident_id = ? AND key = ?`, tx.now, u.Username, reason, id, key); err != nil {
			return entry{}, fmt.Errorf("checklist: %w", err)
		}
		return settle(ctx, tx, r, key, entry{msg: medsec.Msg("incident.tl.item_waived", medsec.ArgKey("incident.check."+key)), text: reason})
	})
}

// CloseIncident ends the response and starts the post-incident clocks, recording who of
// the leading group declared the end and when (003 §4.4.4, medsec.EndDeclaration). A drill
// records it too: the drill rehearses the declaration as the rest of the response.
func (s *IncidentService) CloseIncident(ctx context.Context, id, version int64, d medsec.EndDeclaration) (*medsec.Incident, error) {
	by := strings.TrimSpace(d.DeclaredBy)
	at := d.DeclaredAt.UTC().Truncate(time.Microsecond)
	return s.change(ctx, id, version, "closed", true, func(tx *Tx, _ *medsec.User, r incidentRow) (entry, error) {
		if d.DeclaredAt.IsZero() {
			at = tx.now
		}
		// Every problem at once: the checklist's, the record's, the declaration's.
		checks := append([]error{incident.CheckEnd(r.Checklist, r.Tasks, r.Drill), checkRecordFilled(r.Incident)}, checkDeclaration(r, by, at, tx.now)...)
		if by != "" {
			checks = append(checks, checkDeclarer(ctx, tx, r, by))
		}
		if err := problems(checks...); err != nil {
			return entry{}, err
		}
		cal, err := r.calendar(ctx, tx)
		if err != nil {
			return entry{}, err
		}
		// The post-incident clocks count from the end the leading group declared (應急終止後,
		// 003 §4.4.4, §5.3.1, §5.4.1), not from the moment it is recorded in medsec (bt14f H2).
		situation := incident.Situation{Level: r.Level, Jurisdiction: r.Jurisdiction, Scenario: r.Scenario, Exposure: r.Exposure, Drill: r.Drill}
		stop, add := incident.Close(r.Clocks, situation, at, cal)
		for _, i := range stop {
			if _, err := tx.exec(ctx, `UPDATE incident_clocks SET stopped_at = ?, stop_reason = 'closed' WHERE id = ?`, tx.now, r.Clocks[i].ID); err != nil {
				return entry{}, fmt.Errorf("close incident: %w", err)
			}
		}
		// A duty a level change stopped late stays owed while the response runs; closing
		// ends it like the other response clocks, except a legal duty, which runs on — but
		// not a drill's, which owes no authority a report.
		for _, c := range r.Clocks {
			if c.StopReason == medsec.StopLevel && c.Owed() && (!incident.IsLegal(c) || r.Drill) {
				if _, err := tx.exec(ctx, `UPDATE incident_clocks SET stop_reason = 'closed' WHERE id = ?`, c.ID); err != nil {
					return entry{}, fmt.Errorf("close incident: %w", err)
				}
			}
		}
		for _, c := range add {
			if err := insertClock(ctx, tx, id, c); err != nil {
				return entry{}, err
			}
		}
		if _, err := tx.exec(ctx, `UPDATE incidents SET status = ?, closed_at = ?, end_declared_by = ?, end_declared_at = ? WHERE id = ?`,
			string(medsec.IncidentClosed), tx.now, by, at, id); err != nil {
			return entry{}, fmt.Errorf("close incident: %w", err)
		}
		return entry{msg: medsec.Msg("incident.tl.closed_declared", medsec.ArgText(by), medsec.ArgText(r.zoned(at)))}, nil
	})
}

// checkDeclaration checks the leading group's declaration of the end [003 §4.4.4]:
// declared_by is required (a person's name, as a task's assignee), declared_at neither in
// the future, nor before the detection, nor before the termination conditions were met
// (當滿足終止條件時, 003 §4.4.4: the end is declared once they are; lastConditionMet), to
// the minute a form gives. Each problem names its field; the last one names, in the
// site's zone, the time and the condition met (or waived) last (bt14f H2).
func checkDeclaration(r incidentRow, by string, at, now time.Time) []error {
	var errs []error
	if by == "" {
		errs = append(errs, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "declared_by", Key: "incident.err.declared_by_required",
			Message: "is required: the member of the leading group who declared the end of the response (003 §4.4.4)"}}})
	} else {
		errs = append(errs, checkText("declared_by", by, true, medsec.MaxNameLength))
	}
	switch {
	case at.After(now.Add(clockSkew)):
		errs = append(errs, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "declared_at", Key: "incident.err.time_future", Message: "is in the future", Value: r.zoned(at)}}})
	case at.Before(r.DetectedAt):
		det := r.zoned(r.DetectedAt)
		errs = append(errs, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "declared_at", Key: "incident.err.declared_before_detected",
			Message: "is before the incident was detected (" + det + ")", Args: []string{det}, Value: r.zoned(at)}}})
	default:
		if last := lastConditionMet(r.Checklist); last != nil && at.Before(last.MetAt.Truncate(time.Minute)) {
			when := r.zoned(last.MetAt)
			errs = append(errs, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "declared_at", Key: "incident.err.declared_before_conditions",
				Args: []string{"incident.check." + last.Key, when}, FieldArgs: []int{0}, Value: r.zoned(at),
				Message: fmt.Sprintf("is before the termination conditions were met: the last, %s, was met at %s; the leading group declares the end once they are (003 §4.4.4)", last.Key, when)}}})
		}
	}
	return errs
}

// lastConditionMet returns the termination condition met or waived last (of those met at
// the same time, the last in the checklist's order), nil when none is.
func lastConditionMet(items []*medsec.ChecklistItem) *medsec.ChecklistItem {
	var last *medsec.ChecklistItem
	for _, it := range items {
		if it.Done() && (last == nil || !it.MetAt.Before(last.MetAt)) {
			last = it
		}
	}
	return last
}

// checkRecordFilled returns EINVALID naming each of cause, actions and result that is
// empty: the ledger must hold 時間、處置措施和結果 for every incident [003 §3.3.3], so an
// incident closes only with them written.
func checkRecordFilled(inc *medsec.Incident) error {
	var errs []medsec.FieldError
	for _, f := range []struct{ name, v string }{{"cause", inc.Cause}, {"actions", inc.Actions}, {"result", inc.Result}} {
		if strings.TrimSpace(f.v) == "" {
			errs = append(errs, medsec.FieldError{Field: f.name, Key: "incident.err.record_for_close",
				Message: "is required before closing: the incident ledger records the cause, actions and result (003 §3.3.3)"})
		}
	}
	if errs != nil {
		return &medsec.ValidationError{Errors: errs}
	}
	return nil
}

// Ledger returns the 網絡安全事件臺賬, oldest first.
func (s *IncidentService) Ledger(ctx context.Context, f medsec.IncidentFilter) ([]*medsec.LedgerRow, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return nil, err
	}
	rows, err := s.list(ctx, s.db.read, sc, f, "i.detected_at, i.id")
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	out := make([]*medsec.LedgerRow, 0, len(rows))
	for _, r := range rows {
		clocks, err := loadClocks(ctx, s.db.read, s.db.dialect, r.ID, now)
		if err != nil {
			return nil, err
		}
		l := &medsec.LedgerRow{IncidentID: r.ID, SiteID: r.SiteID, Site: r.SiteName, Title: r.Title, TitleKey: r.TitleKey, Drill: r.Drill, Level: r.Level, Scenario: r.Scenario,
			Status: r.Status, OccurredAt: r.OccurredAt, DetectedAt: r.DetectedAt, ExposureFoundAt: r.ExposureFoundAt, RestoredAt: r.RestoredAt, ClosedAt: r.ClosedAt, EndDeclaredBy: r.EndDeclaredBy, EndDeclaredAt: r.EndDeclaredAt,
			TimeZone: r.TimeZone, Cause: r.Cause, Actions: r.Actions, Result: r.Result}
		n := medsec.CountClockStates(clocks)
		l.ClocksMet, l.ClocksLate, l.ClocksUnmet, l.ClocksTotal = n.Met, n.Late, n.Unmet, n.Total
		if l.Tasks, err = untimedTasks(ctx, s.db.read, s.db.dialect, r.ID, clocks); err != nil {
			return nil, err
		}
		if l.InitialLevel, l.LevelChanges, err = levelHistory(ctx, s.db.read, s.db.dialect, r.ID, r.Level); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// untimedTasks returns an incident's tasks that no clock of clocks belongs to, done or
// not, for the ledger (medsec.LedgerRow.Tasks): the clocks' counts hold the others.
func untimedTasks(ctx context.Context, q querier, d dialect, id int64, clocks []*medsec.Clock) ([]medsec.LedgerTask, error) {
	tasks, err := loadTasks(ctx, q, d, id)
	if err != nil {
		return nil, err
	}
	out := []medsec.LedgerTask{}
	for _, t := range tasks {
		if slices.ContainsFunc(clocks, func(c *medsec.Clock) bool { return c.TaskID == t.ID }) {
			continue
		}
		out = append(out, medsec.LedgerTask{ID: t.ID, Key: t.Key, Title: t.Title, Lesson: t.Lesson, Done: !t.DoneAt.IsZero(), DoneAt: t.DoneAt, DoneBy: t.DoneBy})
	}
	return out, nil
}

// levelHistory reads an incident's level changes from its timeline (each "level" entry
// says from and to, incident.tl.level) and the level it was opened at: the first change's
// from, else the current level.
func levelHistory(ctx context.Context, q querier, d dialect, id int64, current medsec.IncidentLevel) (medsec.IncidentLevel, []medsec.LevelChange, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT at, msg FROM incident_timeline WHERE incident_id = ? AND kind = 'level' ORDER BY id`), id)
	if err != nil {
		return 0, nil, fmt.Errorf("incident %d levels: %w", id, err)
	}
	defer rows.Close()
	var changes []medsec.LevelChange
	for rows.Next() {
		var at time.Time
		var msg string
		if err := rows.Scan(&at, &msg); err != nil {
			return 0, nil, fmt.Errorf("incident %d levels: %w", id, err)
		}
		m := decodeMsg(msg)
		if m == nil || m.Key != "incident.tl.level" || len(m.Args) < 2 {
			continue
		}
		var from, to medsec.IncidentLevel
		if _, err := fmt.Sscanf(m.Args[0].Key, "incident.level.%d", &from); err != nil {
			continue
		}
		if _, err := fmt.Sscanf(m.Args[1].Key, "incident.level.%d", &to); err != nil {
			continue
		}
		changes = append(changes, medsec.LevelChange{At: at.UTC(), From: from, To: to})
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("incident %d levels: %w", id, err)
	}
	if len(changes) > 0 {
		return changes[0].From, changes, nil
	}
	return current, nil, nil
}

// LevelSuggestions returns the open incidents, real or drills, whose suggestion at now
// is more serious than their confirmed level: an outage with no restoration recorded
// judged on the time it has run (reassessOutage), or the facts as stored — patient data
// found exposed (exposure_found: a large-scale leak suggests level 1, 003 §3.3.1) — which
// were never told (bt14h #4: only outages were selected).
func (s *IncidentService) LevelSuggestions(ctx context.Context) ([]*medsec.Incident, error) {
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return nil, err
	}
	cond, args := sc.siteCond("site_id")
	if cond != "" {
		cond = " AND " + cond
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id FROM incidents WHERE status = 'open' AND level > 1
		AND (suggested_level < level OR restored_at IS NULL AND outage <> 'none' AND outage <> '')`+cond+` ORDER BY id`), args...)
	if err != nil {
		return nil, fmt.Errorf("level suggestions: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("level suggestions: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("level suggestions: %w", err)
	}
	var out []*medsec.Incident
	for _, id := range ids {
		r, err := s.load(ctx, s.db.read, sc, id, s.db.Now(), true)
		if err != nil {
			return nil, err
		}
		// A level confirmed against this very suggestion is decided (LevelToConfirm).
		if r.SuggestedLevel < r.Level && r.LevelToConfirm() {
			out = append(out, r.Incident)
		}
	}
	return out, nil
}

// LateClocks returns the late, unmet clocks of every incident (medsec itself reads them).
func (s *IncidentService) LateClocks(ctx context.Context) ([]medsec.LateClock, error) {
	sc, err := authorize(ctx, medsec.PermIncidentRead)
	if err != nil {
		return nil, err
	}
	now := s.db.Now()
	cond, args := sc.siteCond("i.site_id")
	if cond != "" {
		cond = " AND " + cond
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT DISTINCT c.incident_id FROM incident_clocks c JOIN incidents i ON i.id = c.incident_id
		WHERE c.met_at IS NULL AND (c.stopped_at IS NULL OR c.stop_reason = 'level' AND c.stopped_at > c.due_at AND c.every_minutes = 0)
		AND c.due_at < ?`+cond+` ORDER BY c.incident_id`), append([]any{now}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("late clocks: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("late clocks: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("late clocks: %w", err)
	}
	var out []medsec.LateClock
	for _, id := range ids {
		r, err := s.load(ctx, s.db.read, sc, id, now, false)
		if err != nil {
			return nil, err
		}
		for _, c := range r.LateClocks() {
			out = append(out, medsec.LateClock{Incident: r.Incident, Clock: c})
		}
	}
	return out, nil
}

// SetSiteJurisdiction sets a site's jurisdiction.
func (s *IncidentService) SetSiteJurisdiction(ctx context.Context, siteID int64, j medsec.Jurisdiction) error {
	if _, err := authorize(ctx, medsec.PermSiteAdmin); err != nil {
		return err
	}
	if !j.Valid() {
		return invalid("jurisdiction", "err.invalid", "must be TW, CN or JP")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, siteID).Scan(&n); err != nil {
		return fmt.Errorf("set jurisdiction: %w", err)
	} else if n == 0 {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.site_not_found", "Site not found.")
	}
	before, err := jurisdictionOf(ctx, tx, tx.db.dialect, siteID)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `INSERT INTO incident_site_settings (site_id, jurisdiction) VALUES (?, ?)
		ON CONFLICT (site_id) DO UPDATE SET jurisdiction = excluded.jurisdiction`, siteID, string(j)); err != nil {
		return fmt.Errorf("set jurisdiction: %w", err)
	}
	if err := tx.auditChange(ctx, "incident.jurisdiction", "site", siteID, siteID, map[string]any{"jurisdiction": before}, map[string]any{"jurisdiction": j}); err != nil {
		return err
	}
	return tx.Commit()
}

// ImportHolidays replaces a jurisdiction's calendar in one transaction, audited
// (incident.holidays). A calendar moves the due dates of every site of the jurisdiction,
// so only a user holding PermIncidentAdmin (administrator, security officer) and not
// limited to sites may change it; anyone else gets EFORBIDDEN.
func (s *IncidentService) ImportHolidays(ctx context.Context, j medsec.Jurisdiction, days []medsec.Holiday) error {
	sc, err := authorize(ctx, medsec.PermIncidentAdmin)
	if err != nil {
		return err
	}
	if len(sc.user.SiteIDs) > 0 {
		return &medsec.Error{Code: medsec.EFORBIDDEN, Message: "A holiday calendar applies to every site: only a user not limited to sites may change it.", Key: "err.calendar_all_sites"}
	}
	if !j.Valid() {
		return invalid("jurisdiction", "err.invalid", "must be TW, CN or JP")
	}
	seen := map[string]bool{}
	for _, d := range days {
		if seen[d.Date.String()] {
			return invalid("date", "incident.err.holiday_duplicate_day", "gives "+d.Date.String()+" twice (one calendar gives each date once)")
		}
		seen[d.Date.String()] = true
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findHolidays(ctx, tx, tx.db.dialect, j)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM incident_holidays WHERE jurisdiction = ?`, string(j)); err != nil {
		return fmt.Errorf("import holidays: %w", err)
	}
	for _, d := range days {
		workday := 0
		if d.Workday {
			workday = 1
		}
		if _, err := tx.exec(ctx, `INSERT INTO incident_holidays (jurisdiction, day, name, workday) VALUES (?, ?, ?, ?)
			ON CONFLICT (jurisdiction, day) DO UPDATE SET name = excluded.name, workday = excluded.workday`, string(j), d.Date.String(), d.Name, workday); err != nil {
			return fmt.Errorf("import holidays: %s: %w", d.Date, err)
		}
	}
	moved, err := redueClocks(ctx, tx, j, incident.NewCalendar(j, days))
	if err != nil {
		return err
	}
	if err := tx.auditChange(ctx, "incident.holidays", "jurisdiction", 0, 0, map[string]any{"jurisdiction": j, "days": len(before)},
		map[string]any{"jurisdiction": j, "days": len(days), "clocks_moved": moved}); err != nil {
		return err
	}
	return tx.Commit()
}

// FindHolidays returns a jurisdiction's calendar.
func (s *IncidentService) FindHolidays(ctx context.Context, j medsec.Jurisdiction) ([]medsec.Holiday, error) {
	if _, err := authorize(ctx, medsec.PermIncidentRead); err != nil {
		return nil, err
	}
	return findHolidays(ctx, s.db.read, s.db.dialect, j)
}

// OpenFromAlert opens an incident from an alert or joins it to an open one, in one
// transaction (two alerts of one attack arriving together cannot open two incidents on
// SQLite's single writer; on PostgreSQL the join is re-checked under the incident's row).
func (s *IncidentService) OpenFromAlert(ctx context.Context, in *medsec.IncidentFromAlert) (*medsec.Incident, bool, error) {
	sc, err := authorize(ctx, medsec.PermIncidentWrite)
	if err != nil {
		return nil, false, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, false, err
	}
	defer tx.Rollback()
	var al incident.AlertFacts
	var ruleID, siteID, assetID int64
	var ruleUID string
	var firstAt, raisedAt time.Time
	// An alert of the organisation (a brute force on medsec's own login) has no site.
	err = tx.queryRow(ctx, `SELECT a.rule_id, r.rule_uid, a.title, a.level, a.tags, COALESCE(a.site_id, 0), COALESCE(a.asset_id, 0), a.first_at, a.created_at
		FROM alerts a JOIN detection_rules r ON r.id = a.rule_id WHERE a.id = ?`, in.AlertID).
		Scan(&ruleID, &ruleUID, &al.Title, &al.Level, &al.Tags, &siteID, &assetID, &firstAt, &raisedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, &medsec.Error{Code: medsec.ENOTFOUND, Message: "Alert not found.", Key: "incident.err.alert_not_found"}
	} else if err != nil {
		return nil, false, fmt.Errorf("open from alert %d: %w", in.AlertID, err)
	}
	if !sc.seesSite(siteID) || siteID == 0 && len(sc.user.SiteIDs) > 0 {
		return nil, false, medsec.NotInScope("Alert not found.", "incident.err.alert_not_found", fmt.Sprintf("alert %d", in.AlertID), siteID)
	}
	// An incident is of one site (its jurisdiction's clocks and authority): an alert of
	// the organisation needs the caller to say which site's incident it is; a site's
	// alert opens an incident of that site.
	switch {
	case siteID == 0 && in.SiteID == 0:
		return nil, false, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site_id", Key: "incident.err.alert_org_site",
			Message: "the alert is of the whole organisation, not of a site: give site_id, the site whose incident it is"}}}
	case siteID == 0:
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM sites WHERE id = ?`, in.SiteID).Scan(&n); err != nil {
			return nil, false, fmt.Errorf("open from alert %d: %w", in.AlertID, err)
		}
		if n == 0 || !sc.seesSite(in.SiteID) {
			return nil, false, medsec.NotInScope("Site not found.", "err.site_not_found", fmt.Sprintf("site %d", in.SiteID), in.SiteID)
		}
		siteID = in.SiteID
	case in.SiteID != 0 && in.SiteID != siteID:
		n := strconv.FormatInt(siteID, 10)
		return nil, false, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "site_id", Key: "incident.err.alert_site_mismatch",
			Message: "must be the alert's site (" + n + ") or left out", Args: []string{n}, Value: strconv.FormatInt(in.SiteID, 10)}}}
	}
	var linked int64
	if err := tx.queryRow(ctx, `SELECT COALESCE(MIN(incident_id), 0) FROM incident_alerts WHERE alert_id = ?`, in.AlertID).Scan(&linked); err != nil {
		return nil, false, fmt.Errorf("open from alert %d: %w", in.AlertID, err)
	}
	var join int64
	if in.IncidentID != 0 {
		if join, err = s.chosenIncident(ctx, tx, sc, in, siteID); err != nil {
			return nil, false, err
		}
		if joinedAlready(ctx, tx, join, in.AlertID) {
			tx.Rollback()
			inc, err := s.FindIncidentByID(ctx, join)
			return inc, true, err
		}
		if linked != 0 {
			// An alert answers one incident: its clocks met by it and its ledger row
			// must not count it twice.
			n := strconv.FormatInt(linked, 10)
			return nil, false, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "incident_id", Key: "incident.err.join_linked",
				Message: "cannot take the alert: it already answers incident #" + n, Args: []string{n}, Value: strconv.FormatInt(in.IncidentID, 10)}}}
		}
	} else if linked != 0 {
		tx.Rollback()
		inc, err := s.FindIncidentByID(ctx, linked)
		return inc, true, err
	}
	if assetID != 0 {
		if al.Asset, err = incidentAsset(ctx, tx, sc, siteID, assetID, "alert_id"); err != nil {
			return nil, false, err
		}
	}
	if !in.New && join == 0 {
		if err := tx.queryRow(ctx, `SELECT COALESCE(MAX(i.id), 0) FROM incidents i WHERE i.site_id = ? AND i.status = 'open' AND i.drill = 0 AND (
			EXISTS (SELECT 1 FROM incident_alerts ia JOIN alerts x ON x.id = ia.alert_id WHERE ia.incident_id = i.id AND x.rule_id = ?)
			OR EXISTS (SELECT 1 FROM incident_assets ix WHERE ix.incident_id = i.id AND ix.asset_id = ?))`, siteID, ruleID, assetID).Scan(&join); err != nil {
			return nil, false, fmt.Errorf("open from alert %d: %w", in.AlertID, err)
		}
	}
	if join != 0 {
		res, err := tx.exec(ctx, `UPDATE incidents SET version = version + 1 WHERE id = ? AND status = 'open'`, join)
		if err != nil {
			return nil, false, fmt.Errorf("join alert %d: %w", in.AlertID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil, false, conflict()
		}
		if _, err := tx.exec(ctx, `INSERT INTO incident_alerts (incident_id, alert_id) VALUES (?, ?)`, join, in.AlertID); err != nil {
			return nil, false, fmt.Errorf("join alert %d: %w", in.AlertID, err)
		}
		if err := meetByAlert(ctx, tx, join, in.AlertID); err != nil {
			return nil, false, err
		}
		if assetID != 0 {
			if _, err := tx.exec(ctx, `INSERT INTO incident_assets (incident_id, asset_id) VALUES (?, ?) ON CONFLICT DO NOTHING`, join, assetID); err != nil {
				return nil, false, fmt.Errorf("join alert %d: %w", in.AlertID, err)
			}
		}
		joined := medsec.Msg("incident.tl.alert_joined", num(in.AlertID), ruleTitleArg(ruleUID, al.Title), medsec.ArgKey("alert.level."+al.Level))
		if err := timeline(ctx, tx, join, "alert", entry{msg: joined}); err != nil {
			return nil, false, err
		}
		after := map[string]any{"alert_id": in.AlertID}
		if in.IncidentID != 0 {
			after["chosen"] = true // a person picked the incident; medsec did not match it
		}
		if err := tx.auditChange(ctx, "incident.alert", "incident", join, siteID, nil, after); err != nil {
			return nil, false, err
		}
		if err := tx.Commit(); err != nil {
			return nil, false, fmt.Errorf("join alert %d: %w", in.AlertID, err)
		}
		inc, err := s.FindIncidentByID(ctx, join)
		return inc, true, err
	}
	detected, occurred := alertTimes(firstAt, raisedAt, tx.now)
	c := &medsec.IncidentCreate{SiteID: siteID, Title: in.Title, Scenario: in.Scenario, Level: in.Level, LevelReason: in.LevelReason,
		Exposure: in.Exposure, Outage: in.Outage, OutageMinutes: in.OutageMinutes, DetectedAt: detected, OccurredAt: occurred, AlertID: in.AlertID}
	auto := autoText{description: alertDescription(in.AlertID, ruleTitleArg(ruleUID, al.Title), al.Level, parseJSONList(al.Tags))}
	if strings.TrimSpace(c.Title) == "" {
		auto.titleKey = ruleTitleArg(ruleUID, al.Title).Key
		c.Title = al.Title
		if r := []rune(c.Title); len(r) > medsec.MaxNameLength {
			c.Title = string(r[:medsec.MaxNameLength])
		}
	}
	if c.Scenario == "" {
		c.Scenario = incident.ScenarioFromAlert(al)
	}
	if assetID != 0 {
		c.AssetIDs = []int64{assetID}
	}
	if err := c.Validate(); err != nil {
		return nil, false, err
	}
	id, err := s.create(ctx, tx, sc, c, &al, auto)
	if err != nil {
		return nil, false, err
	}
	if err := tx.Commit(); err != nil {
		return nil, false, fmt.Errorf("open from alert %d: %w", in.AlertID, err)
	}
	inc, err := s.FindIncidentByID(ctx, id)
	return inc, false, err
}

// alertTimes returns the detection and occurrence times of an incident an alert opens: it
// was detected when the alert was raised (raised; now if that is later than now), and it
// occurred by the alert's first event at the latest (first: the earliest evidence of it),
// which the duties counted 事件發生後 (003 ch.2: technical team 30 min, authority report
// 1 h) count from. A first event later than the alert (a sensor's clock ahead) is the
// detection; one before MinIncidentTime (a missing timestamp) leaves the occurrence not
// known.
func alertTimes(first, raised, now time.Time) (detected, occurred time.Time) {
	detected = raised.UTC()
	if detected.IsZero() || detected.After(now) {
		detected = now
	}
	occurred = first.UTC()
	switch {
	case occurred.Before(medsec.MinIncidentTime):
		occurred = time.Time{}
	case occurred.After(detected):
		occurred = detected
	}
	return detected, occurred
}

// chosenIncident checks the incident a person picked for an alert to join: one they may
// see (ENOTFOUND otherwise), open, not a drill and at the alert's site (EINVALID naming incident_id),
// and not together with New (EINVALID naming new).
func (s *IncidentService) chosenIncident(ctx context.Context, tx *Tx, sc scope, in *medsec.IncidentFromAlert, alertSite int64) (int64, error) {
	if in.New {
		return 0, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "new", Key: "incident.err.join_or_new",
			Message: "cannot be set with incident_id: the alert either opens a new incident or joins the one chosen"}}}
	}
	r, err := s.load(ctx, tx, sc, in.IncidentID, tx.now, false)
	if err != nil {
		return 0, err
	}
	id := strconv.FormatInt(in.IncidentID, 10)
	if r.SiteID != alertSite {
		return 0, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "incident_id", Key: "incident.err.join_other_site",
			Message: "is an incident of another site than the alert's", Value: id}}}
	}
	if r.Status != medsec.IncidentOpen {
		return 0, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "incident_id", Key: "incident.err.join_closed",
			Message: "is closed: an alert joins an open incident", Value: id}}}
	}
	if r.Drill {
		return 0, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "incident_id", Key: "incident.err.join_drill",
			Message: "is a drill: a real alert joins a real incident", Value: id}}}
	}
	return r.ID, nil
}

// joinedAlready reports whether the alert is linked to the incident.
func joinedAlready(ctx context.Context, tx *Tx, incidentID, alertID int64) bool {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM incident_alerts WHERE incident_id = ? AND alert_id = ?`, incidentID, alertID).Scan(&n)
	return err == nil && n > 0
}

// ruleTitleArg is a detection rule's title as a message argument: its translations
// (medsec.RuleTitleKey) where it has them (the built-in rules), else the title as the rule
// has it.
func ruleTitleArg(uid, title string) medsec.MessageArg {
	return medsec.MessageArg{Key: medsec.RuleTitleKey(uid), Text: title}
}

// incidentEvidenceSight reports whether an evidence file is linked to an incident of one of
// the user's sites, and its name there.
func incidentEvidenceSight(ctx context.Context, q querier, d dialect, u *medsec.User, sum string) (string, bool, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT ie.name, i.site_id FROM incident_evidence ie JOIN incidents i ON i.id = ie.incident_id WHERE ie.sha256 = ? ORDER BY i.id`), sum)
	if err != nil {
		return "", false, fmt.Errorf("evidence %s: %w", sum, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var site int64
		if err := rows.Scan(&name, &site); err != nil {
			return "", false, fmt.Errorf("evidence %s: %w", sum, err)
		}
		if u.CanSeeSite(site) {
			return name, true, nil
		}
	}
	return "", false, rows.Err()
}
