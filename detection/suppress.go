package detection

import (
	"context"
	"sync"
	"time"

	"medsec"
)

// suppressionTTL is how long the service uses the suppressions it read before reading
// them again: a suppression made by another process (the CLI, another server of the
// group) applies within it; one made through this service applies at once.
const suppressionTTL = 30 * time.Second

// suppressionCache holds the suppressions that apply, as last read.
type suppressionCache struct {
	mu   sync.Mutex
	list []*medsec.Suppression
	read time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// suppressions returns the suppressions that apply, read again when older than
// suppressionTTL. A failed read keeps the previous list (or none): the failure is
// logged, and findings raise alerts rather than be lost.
func (s *Service) suppressions(ctx context.Context) []*medsec.Suppression {
	if s.st.Suppressions == nil {
		return nil
	}
	c := &s.sup
	c.mu.Lock()
	defer c.mu.Unlock()
	now := s.now()
	if !c.read.IsZero() && now.Sub(c.read) < suppressionTTL && !now.Before(c.read) {
		return c.list
	}
	// Those expired within the last MaxResumeSpan too: a restart's replay and the
	// re-correlation of late matches judge events of that span by the suppressions in
	// force when they happened.
	list, err := s.findSuppressions(ctx, now.Add(-MaxResumeSpan))
	if err != nil {
		s.logger.Error("detection cannot read the suppressions; findings raise alerts", "err", err)
		return c.list
	}
	c.list, c.read = list, now
	return list
}

// findSuppressions reads the suppressions that may apply to events from since on.
func (s *Service) findSuppressions(ctx context.Context, since time.Time) ([]*medsec.Suppression, error) {
	return s.st.Suppressions.FindSuppressions(medsec.NewContextWithUser(ctx, medsec.SystemUser), medsec.SuppressionFilter{AnySite: true, ActiveFrom: since})
}

// forgetSuppressions makes the next finding read the suppressions again.
func (s *Service) forgetSuppressions() {
	s.sup.mu.Lock()
	s.sup.read = time.Time{}
	s.sup.mu.Unlock()
}

// suppressedBy returns the first suppression in list of the finding's rule and site,
// applying at the time of the finding's newest event (medsec.Suppression.AppliesAt), that
// every event of the finding matches; nil if none.
func suppressedBy(list []*medsec.Suppression, f finding) *medsec.Suppression {
	if len(f.events) == 0 {
		return nil
	}
	at := f.events[0].Time
	for _, e := range f.events[1:] {
		if e.Time.After(at) {
			at = e.Time
		}
	}
	for _, x := range list {
		if x.RuleID != f.rule.ID || x.SiteID != f.siteID || !x.AppliesAt(at) {
			continue
		}
		all := true
		for _, e := range f.events {
			if !x.Matches(e.Fields) {
				all = false
				break
			}
		}
		if all {
			return x
		}
	}
	return nil
}

// CreateSuppression stores a suppression (medsec.SuppressionService) and applies it
// from the next finding on.
func (s *Service) CreateSuppression(ctx context.Context, x *medsec.Suppression) error {
	if s.st.Suppressions == nil {
		return medsec.Errorf(medsec.EINTERNAL, "detection: no suppression store")
	}
	if err := s.st.Suppressions.CreateSuppression(ctx, x); err != nil {
		return err
	}
	s.forgetSuppressions()
	return nil
}

// ExpireSuppression ends a suppression now; it stops applying at once.
func (s *Service) ExpireSuppression(ctx context.Context, id int64) error {
	if s.st.Suppressions == nil {
		return medsec.Errorf(medsec.EINTERNAL, "detection: no suppression store")
	}
	if err := s.st.Suppressions.ExpireSuppression(ctx, id); err != nil {
		return err
	}
	s.forgetSuppressions()
	return nil
}
