package sqlstore

import (
	"context"
	"fmt"

	"medsec"
)

// LogRetentionService implements medsec.LogRetentionService on the log_retention table.
type LogRetentionService struct{ db *DB }

var _ medsec.LogRetentionService = (*LogRetentionService)(nil)

// NewLogRetentionService returns the retention service of db.
func NewLogRetentionService(db *DB) *LogRetentionService { return &LogRetentionService{db: db} }

// LogRetentions implements medsec.LogRetentionService.
func (s *LogRetentionService) LogRetentions(ctx context.Context) ([]medsec.LogRetention, error) {
	if _, err := authorize(ctx, medsec.PermLogRead); err != nil {
		return nil, err
	}
	return logRetentions(ctx, s.db.read, s.db.dialect)
}

func logRetentions(ctx context.Context, q querier, d dialect) ([]medsec.LogRetention, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT class, days FROM log_retention`))
	if err != nil {
		return nil, fmt.Errorf("log retention: %w", err)
	}
	defer rows.Close()
	set := map[string]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, fmt.Errorf("log retention: %w", err)
		}
		set[c] = n
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]medsec.LogRetention, len(medsec.LogSourceClasses))
	for i, c := range medsec.LogSourceClasses {
		out[i] = medsec.LogRetention{Class: c, Days: medsec.DefaultLogRetentionDays}
		if n, ok := set[c]; ok {
			out[i].Days = n
		}
	}
	return out, nil
}

// SetLogRetention implements medsec.LogRetentionService.
func (s *LogRetentionService) SetLogRetention(ctx context.Context, r medsec.LogRetention) error {
	sc, err := authorize(ctx, medsec.PermLogAdmin)
	if err != nil {
		return err
	}
	if err := sc.writesShared(); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	all, err := logRetentions(ctx, tx, s.db.dialect)
	if err != nil {
		return err
	}
	var before medsec.LogRetention
	for _, x := range all {
		if x.Class == r.Class {
			before = x
		}
	}
	if _, err := tx.exec(ctx, `DELETE FROM log_retention WHERE class = ?`, r.Class); err != nil {
		return fmt.Errorf("log retention: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO log_retention (class, days, updated_at) VALUES (?, ?, ?)`, r.Class, r.Days, tx.now); err != nil {
		return fmt.Errorf("log retention: %w", err)
	}
	if err := tx.auditChange(ctx, "log_retention.update", "log_retention", 0, 0, before, r); err != nil {
		return err
	}
	return tx.Commit()
}
