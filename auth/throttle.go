package auth

import "time"

// Throttle is a growing delay after failed logins: the first Free failures cost nothing,
// then each further failure doubles the wait before the next attempt, from Base up to Max.
// Failures older than Forget are forgotten. A delay never exceeds Max, so wrong guesses by
// others can slow an account down but never lock it indefinitely (NIST SP 800-63B §5.2.2
// rate limiting).
type Throttle struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
}

// Delay returns how long after the last of failures the next attempt must wait.
func (t Throttle) Delay(failures int) time.Duration {
	if failures < t.Free {
		return 0
	}
	d := t.Base
	for i := t.Free; i < failures && d < t.Max; i++ {
		d *= 2
	}
	return min(d, t.Max)
}

// Blocked reports whether an attempt at now must wait, given the count of failures and the
// time of the last one. Failures older than Forget count as none.
func (t Throttle) Blocked(failures int, last, now time.Time) bool {
	if failures == 0 || now.Sub(last) >= t.Forget {
		return false
	}
	return now.Before(last.Add(t.Delay(failures)))
}
