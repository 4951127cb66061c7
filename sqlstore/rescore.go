package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"medsec"
	"medsec/vuln"
)

// rescoreError turns vuln.Rescore's errors into the field errors a person can act on: the
// answer or metric at fault, with its value and, for an answer, the allowed ones.
func rescoreError(err error, r medsec.FindingRescore) error {
	var re *vuln.RubricError
	if errors.As(err, &re) {
		allowed := map[string][]string{"reach": vuln.ReachAnswers, "integrity_harm": vuln.HarmAnswers, "availability_harm": vuln.HarmAnswers,
			"clinical_use": vuln.ClinicalUseAnswers, "patient_data": vuln.PatientDataAnswers}[re.Question]
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "answers." + re.Question, Key: "err.unknown_value", Message: re.Reason, Allowed: allowed}}}
	}
	var ve *vuln.VectorError
	if errors.As(err, &ve) && ve.Metric != "" {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "metrics." + ve.Metric, Key: "err.bad_value", Message: ve.Reason, Value: r.Metrics[ve.Metric]}}}
	}
	return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "cvss_vector", Key: "err.bad_value", Message: err.Error()}}}
}

// RescoreFinding implements medsec.VulnService: the finding's CVE vector re-scored with
// the rubric's answers and the explicit metrics, stored with who, when and why; the
// finding takes the environmental score and the deadline the site's policy gives it from
// the time it was found.
func (s *VulnService) RescoreFinding(ctx context.Context, id int64, r medsec.FindingRescore) (*medsec.Rescore, error) {
	sc, err := authorize(ctx, medsec.PermInventoryWrite)
	if err != nil {
		return nil, err
	}
	r.Reason = strings.TrimSpace(r.Reason)
	c := &medsecChecker{}
	c.need("reason", r.Reason)
	if err := c.err(); err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	f, err := s.findFinding(ctx, tx, sc, id)
	if err != nil {
		return nil, err
	}
	if !f.ScoreKnown || f.CVSSVector == "" {
		return nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "cvss_vector", Key: "err.no_cvss_vector",
			Message: "no advisory gave this vulnerability a CVSS vector to re-score"}}}
	}
	cv, err := vuln.Rescore(f.CVSSVector, r.Answers, f.KEV, r.Metrics)
	if err != nil {
		return nil, rescoreError(err, r)
	}
	policies, err := readPolicies(ctx, tx, tx.db.dialect)
	if err != nil {
		return nil, err
	}
	a, err := findAssetByID(ctx, tx, tx.db.dialect, f.AssetID)
	if err != nil {
		return nil, err
	}
	dl, err := vuln.ComputeDeadline(policies[f.SiteID], vuln.Exposure{Score: cv.Environmental, KEV: f.KEV, Terminal: terminal(a.Class)}, f.FoundAt)
	if err != nil {
		return nil, fmt.Errorf("rescore finding %d: %w", id, err)
	}
	out := &medsec.Rescore{FindingID: id, BaseVector: f.CVSSVector, Vector: cv.Vector, Score: cv.Environmental, Severity: string(cv.Severity()),
		Answers: r.Answers, Metrics: r.Metrics, Reason: r.Reason, Due: dl.Due, DeadlineRule: string(dl.Rule), ScoredBy: sc.user.Username, ScoredAt: tx.now}
	if out.Metrics == nil {
		out.Metrics = map[string]string{}
	}
	answers, err := json.Marshal(out.Answers)
	if err != nil {
		return nil, fmt.Errorf("rescore finding %d: %w", id, err)
	}
	metrics, err := json.Marshal(out.Metrics)
	if err != nil {
		return nil, fmt.Errorf("rescore finding %d: %w", id, err)
	}
	if out.ID, err = tx.insert(ctx, `INSERT INTO vuln_rescores (finding_id, base_vector, vector, score, answers, metrics, reason, due_at, deadline_rule, scored_by, scored_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, out.BaseVector, out.Vector, out.Score, string(answers), string(metrics), out.Reason, out.Due,
		out.DeadlineRule, out.ScoredBy, out.ScoredAt); err != nil {
		return nil, fmt.Errorf("rescore finding %d: %w", id, err)
	}
	if _, err := tx.exec(ctx, `UPDATE vuln_findings SET env_vector = ?, env_score = ?, score = ?, due_at = ?, deadline_rule = ?, version = version + 1 WHERE id = ?`,
		out.Vector, out.Score, out.Score, out.Due, out.DeadlineRule, id); err != nil {
		return nil, fmt.Errorf("rescore finding %d: %w", id, err)
	}
	before := map[string]any{"cve": f.CVE, "env_vector": f.EnvVector, "score": f.Score, "due": f.Due, "deadline_rule": f.DeadlineRule}
	after := map[string]any{"cve": f.CVE, "env_vector": out.Vector, "score": out.Score, "due": out.Due, "deadline_rule": out.DeadlineRule,
		"answers": out.Answers, "metrics": out.Metrics, "reason": out.Reason}
	if err := tx.auditChange(ctx, "vuln.finding.rescore", "vuln_finding", id, f.SiteID, before, after); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

// RescoreGuide implements medsec.VulnService.
func (s *VulnService) RescoreGuide(ctx context.Context, id int64) (*medsec.RescoreGuide, error) {
	sc, err := authorize(ctx, medsec.PermInventoryRead)
	if err != nil {
		return nil, err
	}
	f, err := s.findFinding(ctx, s.db.read, sc, id)
	if err != nil {
		return nil, err
	}
	g := &medsec.RescoreGuide{History: []*medsec.Rescore{}}
	sm, err := loadSite(ctx, s.db.read, s.db.dialect, f.SiteID, false)
	if err != nil {
		return nil, err
	}
	if z := sm.zoneByID(sm.zoneOf[f.AssetID]); z != nil {
		g.Zone, g.ZoneKind, g.Suggested.Reach = z.Name, z.Kind, vuln.SuggestReach(z.Kind)
	}
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT id, base_vector, vector, score, answers, metrics, reason, due_at, deadline_rule, scored_by, scored_at
		FROM vuln_rescores WHERE finding_id = ? ORDER BY scored_at DESC, id DESC`), id)
	if err != nil {
		return nil, fmt.Errorf("rescores of finding %d: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		r := &medsec.Rescore{FindingID: id}
		var answers, metrics string
		if err := rows.Scan(&r.ID, &r.BaseVector, &r.Vector, &r.Score, &answers, &metrics, &r.Reason, &r.Due, &r.DeadlineRule, &r.ScoredBy, &r.ScoredAt); err != nil {
			return nil, fmt.Errorf("rescores of finding %d: %w", id, err)
		}
		if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
			return nil, fmt.Errorf("rescore %d: %w", r.ID, err)
		}
		if err := json.Unmarshal([]byte(metrics), &r.Metrics); err != nil {
			return nil, fmt.Errorf("rescore %d: %w", r.ID, err)
		}
		r.Severity = string(vuln.RateIn(vuln.VectorVersion(r.Vector), r.Score))
		r.Due, r.ScoredAt = r.Due.UTC(), r.ScoredAt.UTC()
		g.History = append(g.History, r)
	}
	return g, rows.Err()
}
