package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"medsec"
)

// SensorService implements medsec.SensorService on the sensors and sensor_messages tables.
type SensorService struct{ db *DB }

var _ medsec.SensorService = (*SensorService)(nil)

// NewSensorService returns the sensor service of db.
func NewSensorService(db *DB) *SensorService { return &SensorService{db: db} }

const sensorColumns = `id, site_id, name, health_json, reported_at, last_message, lag, messages, duplicates, created_at`

// scanSensor reads one row of sensorColumns.
func scanSensor(scan func(dest ...any) error) (*medsec.Sensor, error) {
	var s medsec.Sensor
	var health string
	var reported, last sql.NullTime
	if err := scan(&s.ID, &s.SiteID, &s.Name, &health, &reported, &last, &s.Lag, &s.Messages, &s.Duplicates, &s.CreatedAt); err != nil {
		return nil, err
	}
	if reported.Valid {
		s.ReportedAt = reported.Time.UTC()
	}
	if last.Valid {
		s.LastMessage = last.Time.UTC()
	}
	s.CreatedAt = s.CreatedAt.UTC()
	return &s, fromJSON(health, &s.Health)
}

// FindSensors returns the sensors of the caller's scope, by site and name.
func (s *SensorService) FindSensors(ctx context.Context, f medsec.SensorFilter) ([]*medsec.Sensor, error) {
	sc, err := authorize(ctx, medsec.PermLogRead)
	if err != nil {
		return nil, err
	}
	where, args, err := sc.siteWhere("site_id", f.SiteID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+sensorColumns+` FROM sensors WHERE `+where+` ORDER BY site_id, name`), args...)
	if err != nil {
		return nil, fmt.Errorf("sensors: %w", err)
	}
	defer rows.Close()
	out := []*medsec.Sensor{}
	for rows.Next() {
		x, err := scanSensor(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("sensors: %w", err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// SeenMessages returns which of ids are recorded in sensor_messages.
func (s *SensorService) SeenMessages(ctx context.Context, ids []string) (map[string]bool, error) {
	if _, err := authorize(ctx, medsec.PermLogAdmin); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for len(ids) > 0 {
		part := ids[:min(len(ids), 500)]
		ids = ids[len(part):]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT msg_id FROM sensor_messages WHERE msg_id IN (`+placeholders(len(part))+`)`), args...)
		if err != nil {
			return nil, fmt.Errorf("sensor messages: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("sensor messages: %w", err)
			}
			seen[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("sensor messages: %w", err)
		}
	}
	return seen, nil
}

// sensorKey names a sensor by site and name.
type sensorKey struct {
	site int64
	name string
}

// ensureSensor returns the sensor's row ID, registering it (audited) when it is new.
func (s *SensorService) ensureSensor(ctx context.Context, tx *Tx, k sensorKey) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, `SELECT id FROM sensors WHERE site_id = ? AND name = ?`, k.site, k.name).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("sensor: %w", err)
	}
	var site int64
	if err := tx.queryRow(ctx, `SELECT id FROM sites WHERE id = ?`, k.site).Scan(&site); err != nil {
		return 0, medsec.ErrorWithKey(medsec.EINVALID, "err.site_not_found", "Sensor %q: site %d does not exist.", k.name, k.site)
	}
	if k.name == "" || len(k.name) > 64 {
		return 0, medsec.ErrorWithKey(medsec.EINVALID, "err.sensor_name", "A sensor's name has 1 to 64 characters.")
	}
	// Two central servers may take a new sensor's first messages at once: the second insert
	// waits for the first to commit and then does nothing, and the row is read back. (A
	// plain insert failed the second batch with a unique violation, and the redelivered
	// batch's log records were sealed twice.)
	x := &medsec.Sensor{SiteID: k.site, Name: k.name, CreatedAt: tx.now}
	x.ID, err = tx.insert(ctx, `INSERT INTO sensors (site_id, name, created_at) VALUES (?, ?, ?) ON CONFLICT (site_id, name) DO NOTHING`, k.site, k.name, tx.now)
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.queryRow(ctx, `SELECT id FROM sensors WHERE site_id = ? AND name = ?`, k.site, k.name).Scan(&id); err != nil {
			return 0, fmt.Errorf("sensor: %w", err)
		}
		return id, nil
	}
	if err != nil {
		return 0, fmt.Errorf("register sensor: %w", err)
	}
	if err := tx.auditChange(ctx, "sensor.register", "sensor", x.ID, x.SiteID, nil, x); err != nil {
		return 0, err
	}
	return x.ID, nil
}

// sensorTally is what one commit adds to a sensor's row.
type sensorTally struct {
	fresh, dup int64
	lag        time.Duration
}

// CommitMessages records msgs in sensor_messages in one transaction (see
// medsec.SensorService) and returns the IDs that were not recorded before.
func (s *SensorService) CommitMessages(ctx context.Context, msgs []medsec.SensorMessage) ([]string, error) {
	if _, err := authorize(ctx, medsec.PermLogAdmin); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// Rows are locked in one order by every commit, so that two central servers committing
	// overlapping batches wait for each other instead of deadlocking: the sensors by site
	// and name, then the messages by ID, then the sensors' counters by row ID. (In batch and
	// map order, PostgreSQL aborted one of them with a deadlock, and the redelivered batch's
	// log records were sealed twice.)
	keys := make([]sensorKey, 0, 2)
	for _, m := range msgs {
		if k := (sensorKey{m.SiteID, m.Sensor}); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b sensorKey) int {
		return cmp.Or(cmp.Compare(a.site, b.site), strings.Compare(a.name, b.name))
	})
	ids := map[sensorKey]int64{}
	tallies := map[int64]*sensorTally{}
	for _, k := range keys {
		id, err := s.ensureSensor(ctx, tx, k)
		if err != nil {
			return nil, err
		}
		ids[k] = id
		tallies[id] = &sensorTally{}
	}
	sorted := slices.SortedFunc(slices.Values(msgs), func(a, b medsec.SensorMessage) int { return strings.Compare(a.ID, b.ID) })
	var fresh []string
	for _, m := range sorted {
		id := ids[sensorKey{m.SiteID, m.Sensor}]
		res, err := tx.exec(ctx, `INSERT INTO sensor_messages (msg_id, sensor_id, kind, sent_at, stored_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (msg_id) DO NOTHING`, m.ID, id, m.Kind, m.Time.UTC(), tx.now)
		if err != nil {
			return nil, fmt.Errorf("sensor message %s: %w", m.ID, err)
		}
		t := tallies[id]
		if n, _ := res.RowsAffected(); n == 0 {
			t.dup++
			continue
		}
		t.fresh++
		fresh = append(fresh, m.ID)
		t.lag = max(t.lag, tx.now.Sub(m.Time))
	}
	for _, id := range slices.Sorted(maps.Keys(tallies)) {
		t := tallies[id]
		if t.fresh == 0 {
			if _, err := tx.exec(ctx, `UPDATE sensors SET duplicates = duplicates + ? WHERE id = ?`, t.dup, id); err != nil {
				return nil, fmt.Errorf("sensor: %w", err)
			}
			continue
		}
		if _, err := tx.exec(ctx, `UPDATE sensors SET messages = messages + ?, duplicates = duplicates + ?, last_message = ?, lag = ? WHERE id = ?`,
			t.fresh, t.dup, tx.now, max(t.lag, 0).Seconds(), id); err != nil {
			return nil, fmt.Errorf("sensor: %w", err)
		}
	}
	return fresh, tx.Commit()
}

// RecordSensorHealth stores a sensor's latest health report. The report is a
// measurement, not a change a person made: only the sensor's registration is audited.
func (s *SensorService) RecordSensorHealth(ctx context.Context, siteID int64, name string, h medsec.SensorHealth) error {
	if _, err := authorize(ctx, medsec.PermLogAdmin); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	id, err := s.ensureSensor(ctx, tx, sensorKey{siteID, name})
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE sensors SET health_json = ?, reported_at = ? WHERE id = ?`, toJSON(h), tx.now, id); err != nil {
		return fmt.Errorf("sensor health: %w", err)
	}
	return tx.Commit()
}
