package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path/filepath"

	"medsec"
	"medsec/evidence"
)

// WithEvidence gives the service the evidence store that uploads on an incident go to
// (the one the assessments keep their files in); it returns s.
func (s *IncidentService) WithEvidence(files *evidence.Store) *IncidentService {
	s.files = files
	return s
}

// UploadEvidence stores a file uploaded to an incident (page, API or CLI), audits the upload, links it
// to the incident and starts its chain of custody, in one transaction (the file itself is
// content-addressed: stored before, kept unlinked if the transaction fails). The same file
// (by SHA-256) uploaded again to the incident is stored once but adds a "received again"
// step to its chain of custody and its own audit row. The caller
// needs PermIncidentWrite and the incident's site; another site's incident is "not
// found", before any byte is stored.
func (s *IncidentService) UploadEvidence(ctx context.Context, id, version int64, name string, r io.Reader, note string) (*medsec.Incident, medsec.Evidence, error) {
	if _, err := authorize(ctx, medsec.PermIncidentWrite); err != nil {
		return nil, medsec.Evidence{}, err
	}
	if err := checkText("note", note, false, medsec.MaxTextLength); err != nil {
		return nil, medsec.Evidence{}, err
	}
	if _, err := s.FindIncidentByID(ctx, id); err != nil {
		return nil, medsec.Evidence{}, err
	}
	if s.files == nil {
		return nil, medsec.Evidence{}, fmt.Errorf("upload evidence: no evidence store")
	}
	sum, size, err := s.files.Put(r)
	if errors.Is(err, evidence.ErrTooLarge) {
		return nil, medsec.Evidence{}, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "file", Key: "err.evidence_too_large", Message: err.Error()}}}
	} else if err != nil {
		return nil, medsec.Evidence{}, err
	}
	if size == 0 {
		return nil, medsec.Evidence{}, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "file", Key: "incident.err.empty_file", Message: "is empty"}}}
	}
	name = cleanFileName(name)
	if name == "" || name == "." {
		name = sum[:12]
	}
	ev := medsec.Evidence{SHA256: sum, Name: name, Size: size, MediaType: mime.TypeByExtension(filepath.Ext(name))}
	inc, err := s.change(ctx, id, version, "evidence", false, func(tx *Tx, u *medsec.User, row incidentRow) (entry, error) {
		if _, err := tx.exec(ctx, `INSERT INTO evidence_uploads (sha256, user_id, name, uploaded_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (sha256, user_id) DO NOTHING`, sum, u.ID, name, tx.now); err != nil {
			return entry{}, fmt.Errorf("upload evidence: %w", err)
		}
		if err := tx.auditChange(ctx, "evidence.upload", "evidence", 0, row.SiteID, nil, ev); err != nil {
			return entry{}, err
		}
		uploaded := medsec.Msg("incident.custody.uploaded", medsec.ArgText(name), num(size))
		linked, err := linkEvidenceNew(ctx, tx, id, sum, name, uploaded, note)
		if err != nil {
			return entry{}, err
		}
		if !linked {
			// The incident holds this file already (same SHA-256): the store keeps one
			// copy, and the chain records that this user handed it in again, now (bt14 #6).
			again := medsec.Msg("incident.custody.received_again", medsec.ArgText(name), num(size))
			if err := custody(ctx, tx, id, sum, "collected", again, note); err != nil {
				return entry{}, err
			}
		}
		return entry{msg: medsec.Msg("incident.tl.evidence", medsec.ArgText(name), medsec.ArgText(sum)), text: note}, nil
	})
	if err != nil {
		return nil, medsec.Evidence{}, err
	}
	return inc, ev, nil
}

// EvidenceFiles returns the store the service keeps evidence files in, for the services
// that take uploads into it too (IncidentService.WithEvidence).
func (s *AssessmentService) EvidenceFiles() *evidence.Store { return s.files }
