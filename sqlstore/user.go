package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"medsec"
	"medsec/auth"
	"medsec/directory"
)

// Sessions end after sessionIdle without use or sessionMaxAge in all. A client address a
// user logged in from stays known-good for knownAddressFor.
const (
	sessionIdle     = time.Hour
	sessionMaxAge   = 12 * time.Hour
	knownAddressFor = 90 * 24 * time.Hour
	// accountKey is the login_failures address of the per-account counter.
	accountKey = "*"
)

// UserService implements medsec.UserService.
type UserService struct {
	db *DB
	// dummyHash is verified for unknown usernames so that a login takes as long whether or
	// not the user exists.
	dummyHash string
	// hashing bounds how many argon2id computations run at once (64 MiB and one core
	// each): the cores less one, at least one, so a flood of logins queues here instead of
	// exhausting memory or starving the rest of the server.
	hashing chan struct{}
	// reserved is a hashing lane of its own for logins from a known-good (account,
	// address) pair, so that the owner never queues behind a flood of strangers.
	reserved chan struct{}
	// waiting counts logins queued for a lane of hashing; past maxWaiting a new one is
	// refused at once, so the queue cannot grow without bound.
	waiting    atomic.Int64
	maxWaiting int64
	// perAddress and perAccount throttle failed logins; see Authenticate.
	perAddress, perAccount auth.Throttle
}

var _ medsec.UserService = (*UserService)(nil)

// NewUserService returns the user service of db.
func NewUserService(db *DB) *UserService {
	h, _ := auth.HashPassword("not a real password, only for timing")
	lanes := max(1, runtime.GOMAXPROCS(0)-1)
	return &UserService{db: db, dummyHash: h, hashing: make(chan struct{}, lanes),
		reserved: make(chan struct{}, 1), maxWaiting: int64(4 * lanes),
		perAddress: auth.Throttle{Free: 3, Base: 30 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour},
		perAccount: auth.Throttle{Free: 10, Base: 30 * time.Second, Max: 15 * time.Minute, Forget: 24 * time.Hour}}
}

// errLoginQueueFull is verifyLogin's refusal when more than maxWaiting logins wait.
var errLoginQueueFull = errors.New("too many logins waiting")

// verifyLogin runs a login's credential check: argon2id against the stored hash, or a bind
// to the directory. A login from a known-good (account, address) pair takes the reserved
// lane or a general one, whichever is free first, and is never refused; any other waits
// for a general lane, or gets errLoginQueueFull at once when more than maxWaiting logins
// wait already.
func (s *UserService) verifyLogin(ctx context.Context, check func() error, known bool) error {
	if known {
		var lane chan struct{}
		select {
		case s.reserved <- struct{}{}:
			lane = s.reserved
		case s.hashing <- struct{}{}:
			lane = s.hashing
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-lane }()
		return check()
	}
	if s.waiting.Add(1) > s.maxWaiting {
		s.waiting.Add(-1)
		return errLoginQueueFull
	}
	select {
	case s.hashing <- struct{}{}:
		s.waiting.Add(-1)
	case <-ctx.Done():
		s.waiting.Add(-1)
		return ctx.Err()
	}
	defer func() { <-s.hashing }()
	return check()
}

// hashPassword hashes a new password, waiting for a free hashing slot.
func (s *UserService) hashPassword(ctx context.Context, password string) (string, error) {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.hashing }()
	return auth.HashPassword(password)
}

const userColumns = `id, username, display_name, role, COALESCE(vendor_id, 0), language, time_zone, source, directory_dn, totp_enabled, disabled, last_login_at, created_at`

type userRow struct {
	medsec.User
	passwordHash string
	totpSecret   string
	totpLastStep int64
}

func scanUser(scan func(...any) error) (*medsec.User, error) {
	var u medsec.User
	var totp, disabled int
	var last sql.NullTime
	if err := scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.VendorID, &u.Language, &u.TimeZone, &u.Source, &u.DirectoryDN, &totp, &disabled, &last, &u.CreatedAt); err != nil {
		return nil, err
	}
	u.TOTPEnabled, u.Disabled = totp == 1, disabled == 1
	if last.Valid {
		u.LastLoginAt = last.Time.UTC()
	}
	u.CreatedAt = u.CreatedAt.UTC()
	return &u, nil
}

// findUser reads a user and its sites by a condition on the users table.
func findUser(ctx context.Context, q querier, d dialect, cond string, arg any) (*medsec.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, d.rebind(`SELECT `+userColumns+` FROM users WHERE `+cond), arg).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.ENOTFOUND, "err.user_not_found", "User not found.")
	} else if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	if u.SiteIDs, err = userSites(ctx, q, d, u.ID); err != nil {
		return nil, err
	}
	return u, nil
}

func userSites(ctx context.Context, q querier, d dialect, userID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, d.rebind(`SELECT site_id FROM user_sites WHERE user_id = ? ORDER BY site_id`), userID)
	if err != nil {
		return nil, fmt.Errorf("find user sites: %w", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("find user sites: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// manageableUser reads the user with the id for the context's user: itself, or a user whose
// role, sites and vendor the caller holds when the caller administers users. Anyone else's
// account is EFORBIDDEN, so that a site-limited admin cannot reach an unrestricted one.
func manageableUser(ctx context.Context, q querier, d dialect, id int64) (*medsec.User, error) {
	caller := medsec.UserFromContext(ctx)
	if caller == nil {
		return nil, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.login_required", "You must log in.")
	} else if caller.ID != id && !caller.Role.Can(medsec.PermUserAdmin) {
		return nil, medsec.ErrForbidden()
	}
	u, err := findUser(ctx, q, d, "id = ?", id)
	if err != nil {
		return nil, err
	}
	if caller.ID != id && !caller.Holds(u.Role, u.SiteIDs, u.VendorID) {
		return nil, medsec.ErrBeyondOwnAccess()
	}
	return u, nil
}

// Authenticate checks credentials; see medsec.UserService.
//
// The password is verified outside any transaction, with at most one argon2id computation
// per core at a time, so that a flood of logins never holds the database's writer; the
// outcome is then written in one short transaction with its audit row. A login from an
// address the account logged in from before has a hashing lane of its own besides; any
// other finding more than four per lane already waiting is refused at once (audited
// "refused: too many logins waiting"), so a flood cannot queue the owner out.
//
// Failed logins are throttled, never locked for good: per account and client address,
// three failures are free and each further one doubles the wait (30 s up to 15 min); per
// account from any address, ten are free, then the same. The per-account throttle does not
// apply to the owner's known-good paths: an address the user logged in from in the last 90
// days (unless that address itself is throttled), and a correct password with a correct TOTP
// code. A success clears the account's counter and its address's; counters are forgotten a
// day after the last failure. Unknown users, wrong passwords and throttled attempts all get
// the same KeyLoginFailed error after the same work.
func (s *UserService) Authenticate(ctx context.Context, username, password, code string) (*medsec.User, error) {
	username = strings.ToLower(strings.TrimSpace(username))
	addr := truncate(medsec.RemoteAddrFromContext(ctx), 64)
	now := s.db.Now().UTC()
	var r userRow
	var totp, disabled int
	err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT id, password_hash, totp_secret, totp_enabled, totp_last_step, disabled, source
		FROM users WHERE username = ?`), username).Scan(&r.ID, &r.passwordHash, &r.totpSecret, &totp, &r.totpLastStep, &disabled, &r.Source)
	known := err == nil
	r.Username = username
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	var st loginState
	if known {
		if st, err = s.loginState(ctx, r.ID, addr, now); err != nil {
			return nil, err
		}
	}
	var dir directoryLogin
	if !known || r.Source == medsec.UserSourceDirectory {
		if dir.set, err = readDirectorySettings(ctx, s.db.read, s.db.dialect); err != nil {
			return nil, err
		}
	}
	viaDirectory := dir.set.Enabled && (!known || r.Source == medsec.UserSourceDirectory)
	check := func() error {
		hash := s.dummyHash
		if known && disabled == 0 && r.Source != medsec.UserSourceDirectory {
			hash = r.passwordHash
		}
		return auth.VerifyPassword(hash, password)
	}
	if viaDirectory {
		check = func() error {
			dir.entry, err = directory.Authenticate(ctx, dir.set, username, password)
			if errors.Is(err, directory.ErrCredentials) {
				return auth.ErrMismatch
			}
			return err
		}
	}
	verr := s.verifyLogin(ctx, check, known && st.known)
	if errors.Is(verr, errLoginQueueFull) {
		return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "refused: too many logins waiting", false)
	}
	if verr != nil && !errors.Is(verr, auth.ErrMismatch) {
		if viaDirectory {
			// The directory could not be used: the user is told as for a wrong password,
			// the audit trail and the log say why (the error never holds a password).
			slog.Error("directory login", "user", username, "err", verr)
			return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "directory unavailable: "+truncate(verr.Error(), 200), false)
		}
		return nil, fmt.Errorf("authenticate: %w", verr)
	}
	passwordOK := (known || viaDirectory) && disabled == 0 && verr == nil
	if passwordOK && viaDirectory {
		var ok bool
		if dir.mapping, ok = dir.set.Match(dir.entry.Groups); !ok {
			return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "directory: in no mapped group", false)
		}
		if !known {
			if fe := (&medsec.User{Username: username, Role: dir.mapping.Role, VendorID: dir.mapping.VendorID}).Validate(); fe != nil {
				return nil, s.loginFailed(ctx, username, 0, addr, medsec.KeyLoginFailed, "directory: user name not usable in medsec", false)
			}
		}
	}
	var step int64
	totpOK := false
	if passwordOK && totp == 1 && code != "" {
		step, totpOK = auth.CheckTOTP(r.totpSecret, code, now, r.totpLastStep)
	}
	switch {
	case !known && !viaDirectory:
		return nil, s.loginFailed(ctx, username, 0, addr, medsec.KeyLoginFailed, "unknown user", false)
	case disabled == 1:
		return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "account disabled", false)
	case r.Source == medsec.UserSourceDirectory && !viaDirectory:
		return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "directory login is off", false)
	case s.perAddress.Blocked(st.addrFailures, st.addrLast, now):
		return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "throttled: too many failures from this address", false)
	case s.perAccount.Blocked(st.acctFailures, st.acctLast, now) && !st.known && !totpOK:
		return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "throttled: too many failures for this account", false)
	case !passwordOK:
		return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "wrong password", known)
	case totp == 1 && code == "":
		return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyTOTPRequired, "totp code missing", false)
	case totp == 1 && !totpOK:
		return nil, s.loginFailed(ctx, username, r.ID, addr, medsec.KeyLoginFailed, "wrong totp code", true)
	}
	if !viaDirectory {
		dir = directoryLogin{}
	}
	return s.loginSucceeded(ctx, &r, addr, totp == 1, step, &dir)
}

// directoryLogin is what a directory login learnt: the settings in force, the user's entry
// and the mapping its groups matched. Empty for a local login.
type directoryLogin struct {
	set     medsec.DirectorySettings
	entry   *medsec.DirectoryEntry
	mapping medsec.DirectoryMapping
}

// loginState is what the throttles know of an account and a client address.
type loginState struct {
	addrFailures, acctFailures int
	addrLast, acctLast         time.Time
	// known: the user logged in from this address within knownAddressFor.
	known bool
}

func (s *UserService) loginState(ctx context.Context, userID int64, addr string, now time.Time) (loginState, error) {
	var st loginState
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT address, failures, last_failure_at FROM login_failures WHERE user_id = ? AND address IN (?, ?)`), userID, addr, accountKey)
	if err != nil {
		return st, fmt.Errorf("authenticate: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var n int
		var last time.Time
		if err := rows.Scan(&a, &n, &last); err != nil {
			return st, fmt.Errorf("authenticate: %w", err)
		}
		if a == accountKey {
			st.acctFailures, st.acctLast = n, last
		} else {
			st.addrFailures, st.addrLast = n, last
		}
	}
	if err := rows.Err(); err != nil {
		return st, fmt.Errorf("authenticate: %w", err)
	}
	if addr != "" {
		var n int
		if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT COUNT(*) FROM login_addresses WHERE user_id = ? AND address = ? AND last_login_at > ?`),
			userID, addr, now.Add(-knownAddressFor)).Scan(&n); err != nil {
			return st, fmt.Errorf("authenticate: %w", err)
		}
		st.known = n > 0
	}
	return st, nil
}

// loginFailed audits a failed login, counts it against the throttles when count is set,
// and returns the EUNAUTHORIZED error the caller shows.
func (s *UserService) loginFailed(ctx context.Context, username string, userID int64, addr, key, detail string, count bool) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if count {
		for _, a := range []string{addr, accountKey} {
			if _, err := tx.exec(ctx, `INSERT INTO login_failures (user_id, address, failures, last_failure_at) VALUES (?, ?, 1, ?)
				ON CONFLICT (user_id, address) DO UPDATE SET failures = CASE WHEN login_failures.last_failure_at < ? THEN 1 ELSE login_failures.failures + 1 END,
				last_failure_at = excluded.last_failure_at`, userID, a, tx.now, tx.now.Add(-s.perAccount.Forget)); err != nil {
				return fmt.Errorf("authenticate: count failure: %w", err)
			}
		}
	}
	e := &medsec.AuditEntry{Action: medsec.ActionLoginFailed, UserID: userID, Username: truncate(username, 64), Detail: detail, ObjectType: "user", ObjectID: userID}
	if err := tx.audit(ctx, e); err != nil {
		return err
	}
	if err := tx.emit(ctx, authEvent(e)); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("authenticate: %w", err)
	}
	msg := "Wrong user name, password or code."
	if key == medsec.KeyTOTPRequired {
		msg = "Enter the code from your authenticator app."
	}
	return &medsec.Error{Code: medsec.EUNAUTHORIZED, Message: msg, Key: key}
}

// loginSucceeded records a login whose credentials were verified: for a directory login
// it makes or updates the user from its entry and mapping; it refuses a TOTP step already
// used and a password changed meanwhile, clears the throttles, remembers the address, and
// audits the login.
func (s *UserService) loginSucceeded(ctx context.Context, r *userRow, addr string, totp bool, step int64, dir *directoryLogin) (*medsec.User, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if dir.entry != nil {
		if r.ID, err = tx.syncDirectoryUser(ctx, r.ID, r.Username, dir); err != nil {
			if isUniqueViolation(err) { // the same user's first login twice at once
				tx.Rollback()
				return nil, s.loginFailed(ctx, r.Username, 0, addr, medsec.KeyLoginFailed, "directory user made by a concurrent login", false)
			}
			return nil, err
		}
	}
	var hash string
	var disabled int
	if err := tx.queryRow(ctx, `SELECT password_hash, disabled FROM users WHERE id = ?`, r.ID).Scan(&hash, &disabled); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if hash != r.passwordHash || disabled == 1 {
		tx.Rollback()
		return nil, s.loginFailed(ctx, r.Username, r.ID, addr, medsec.KeyLoginFailed, "password changed or account disabled during login", false)
	}
	if totp {
		res, err := tx.exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?`, step, r.ID, step)
		if err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			tx.Rollback()
			return nil, s.loginFailed(ctx, r.Username, r.ID, addr, medsec.KeyLoginFailed, "totp code already used", true)
		}
	}
	if _, err := tx.exec(ctx, `UPDATE users SET last_login_at = ? WHERE id = ?`, tx.now, r.ID); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM login_failures WHERE user_id = ? AND address IN (?, ?)`, r.ID, addr, accountKey); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if addr != "" {
		if _, err := tx.exec(ctx, `INSERT INTO login_addresses (user_id, address, last_login_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id, address) DO UPDATE SET last_login_at = excluded.last_login_at`, r.ID, addr, tx.now); err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
	}
	u, err := findUser(ctx, tx, tx.db.dialect, "id = ?", r.ID)
	if err != nil {
		return nil, err
	}
	login := &medsec.AuditEntry{Action: medsec.ActionLogin, UserID: u.ID, Username: u.Username, ObjectType: "user", ObjectID: u.ID}
	if err := tx.audit(ctx, login); err != nil {
		return nil, err
	}
	if err := tx.emit(ctx, authEvent(login)); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

// syncDirectoryUser makes a directory user at its first login (id 0) or sets an existing
// one's name, entry, role, sites and vendor from the directory, auditing what changed as
// user.create or user.directory_sync. It returns the user's id.
func (tx *Tx) syncDirectoryUser(ctx context.Context, id int64, username string, dir *directoryLogin) (int64, error) {
	m := dir.mapping
	after := &medsec.User{ID: id, Username: username, DisplayName: truncate(dir.entry.DisplayName, medsec.MaxLineLength), Role: m.Role,
		SiteIDs: slices.Compact(slices.Sorted(slices.Values(m.SiteIDs))), VendorID: m.VendorID, Source: medsec.UserSourceDirectory, DirectoryDN: truncate(dir.entry.DN, 1024)}
	if after.VendorID != 0 && after.Role != medsec.RoleVendor {
		after.VendorID = 0
	}
	if id == 0 {
		var err error
		after.CreatedAt = tx.now
		after.ID, err = tx.insert(ctx, `INSERT INTO users (username, display_name, role, vendor_id, language, password_hash, source, directory_dn, created_at) VALUES (?, ?, ?, ?, '', '', ?, ?, ?)`,
			username, after.DisplayName, string(after.Role), nullID(after.VendorID), after.Source, after.DirectoryDN, after.CreatedAt)
		if err != nil {
			return 0, err
		}
		if err := tx.setUserSites(ctx, after.ID, after.SiteIDs); err != nil {
			return 0, err
		}
		return after.ID, tx.auditChange(ctx, "user.create", "user", after.ID, 0, nil, after)
	}
	before, err := findUser(ctx, tx, tx.db.dialect, "id = ?", id)
	if err != nil {
		return 0, err
	}
	if before.DisplayName == after.DisplayName && before.Role == after.Role && slices.Equal(before.SiteIDs, after.SiteIDs) &&
		before.VendorID == after.VendorID && before.DirectoryDN == after.DirectoryDN {
		return id, nil
	}
	if _, err := tx.exec(ctx, `UPDATE users SET display_name = ?, role = ?, vendor_id = ?, directory_dn = ? WHERE id = ?`,
		after.DisplayName, string(after.Role), nullID(after.VendorID), after.DirectoryDN, id); err != nil {
		return 0, fmt.Errorf("sync directory user: %w", err)
	}
	if err := tx.setUserSites(ctx, id, after.SiteIDs); err != nil {
		return 0, err
	}
	return id, tx.auditChange(ctx, "user.directory_sync", "user", id, 0,
		directoryView(before), directoryView(after))
}

// directoryView is what a directory login sets on a user, as the audit trail shows it.
func directoryView(u *medsec.User) map[string]any {
	return map[string]any{"display_name": u.DisplayName, "role": u.Role, "site_ids": u.SiteIDs, "vendor_id": u.VendorID, "directory_dn": u.DirectoryDN}
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// CreateSession starts a session for the user.
func (s *UserService) CreateSession(ctx context.Context, userID int64) (string, error) {
	token, hash, err := auth.NewToken("")
	if err != nil {
		return "", err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?`, tx.now, tx.now.Add(-sessionIdle)); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?, ?)`,
		hash, userID, tx.now, tx.now.Add(sessionMaxAge), tx.now); err != nil {
		return "", fmt.Errorf("create session: %w", err)
	}
	return token, tx.Commit()
}

// FindUserBySession returns the user of a live session and marks it used.
func (s *UserService) FindUserBySession(ctx context.Context, token string) (*medsec.User, error) {
	now := s.db.Now().UTC()
	hash := auth.HashToken(token)
	var userID int64
	var lastSeen time.Time
	err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT user_id, last_seen_at FROM sessions WHERE token_hash = ? AND expires_at > ? AND last_seen_at > ?`),
		hash, now, now.Add(-sessionIdle)).Scan(&userID, &lastSeen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.session_ended", "Your session has ended; log in again.")
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	u, err := findUser(ctx, s.db.read, s.db.dialect, "id = ?", userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.session_ended", "Your session has ended; log in again.")
	}
	// Refresh last_seen at most once a minute so reads do not become writes.
	if now.Sub(lastSeen) > time.Minute {
		if _, err := s.db.write.ExecContext(ctx, s.db.dialect.rebind(`UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?`), now, hash); err != nil {
			return nil, fmt.Errorf("touch session: %w", err)
		}
	}
	return u, nil
}

// DeleteSession ends a session and audits the logout.
func (s *UserService) DeleteSession(ctx context.Context, token string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE token_hash = ?`, auth.HashToken(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionLogout}); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateAPIToken makes an API token for a user with the default lifetime.
func (s *UserService) CreateAPIToken(ctx context.Context, userID int64, name string) (string, error) {
	token, _, err := s.IssueAPIToken(ctx, userID, name, 0)
	return token, err
}

// IssueAPIToken makes an API token for a user that expires after lifetime.
func (s *UserService) IssueAPIToken(ctx context.Context, userID int64, name string, lifetime time.Duration) (string, *medsec.APIToken, error) {
	if lifetime == 0 {
		lifetime = medsec.DefaultTokenLifetime
	}
	if lifetime < 0 || lifetime > medsec.MaxTokenLifetime {
		return "", nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "expires_in_days", Key: "err.token_lifetime", Message: "must be 1 to 366 days"}}}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "api"
	}
	if len([]rune(name)) > 64 {
		return "", nil, &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "name", Key: "err.too_long", Message: "must have at most 64 characters"}}}
	}
	token, hash, err := auth.NewToken("msk_")
	if err != nil {
		return "", nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return "", nil, err
	}
	defer tx.Rollback()
	owner, err := manageableUser(ctx, tx, tx.db.dialect, userID)
	if err != nil {
		return "", nil, err
	}
	// Where two-factor is mandatory, a token for a user who has not enrolled would only
	// get 403: refuse to make one, whoever asks (the user, an admin, the CLI).
	if !owner.TOTPEnabled {
		var v string
		if err := tx.queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, "require_totp").Scan(&v); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return "", nil, fmt.Errorf("create api token: %w", err)
		} else if v == "true" {
			return "", nil, medsec.ErrTOTPEnrolRequired()
		}
	}
	t := &medsec.APIToken{UserID: userID, Name: name, CreatedAt: tx.now, ExpiresAt: tx.now.Add(lifetime)}
	t.ID, err = tx.insert(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`, userID, name, hash, t.CreatedAt, t.ExpiresAt)
	if err != nil {
		return "", nil, fmt.Errorf("create api token: %w", err)
	}
	if err := tx.auditChange(ctx, "token.create", "api_token", t.ID, 0, nil, t); err != nil {
		return "", nil, err
	}
	return token, t, tx.Commit()
}

// tokenColumns are an api_tokens row as scanToken reads it.
const tokenColumns = `id, user_id, name, created_at, expires_at, last_used_at`

func scanToken(scan func(...any) error) (*medsec.APIToken, error) {
	var t medsec.APIToken
	var expires, used sql.NullTime
	if err := scan(&t.ID, &t.UserID, &t.Name, &t.CreatedAt, &expires, &used); err != nil {
		return nil, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	// Tokens made before tokens expired have no expires_at: the default lifetime from their
	// creation.
	t.ExpiresAt = t.CreatedAt.Add(medsec.DefaultTokenLifetime)
	if expires.Valid {
		t.ExpiresAt = expires.Time.UTC()
	}
	if used.Valid {
		t.LastUsedAt = used.Time.UTC()
	}
	return &t, nil
}

// FindAPITokens lists a user's live tokens.
func (s *UserService) FindAPITokens(ctx context.Context, userID int64) ([]*medsec.APIToken, error) {
	if _, err := manageableUser(ctx, s.db.read, s.db.dialect, userID); err != nil {
		return nil, err
	}
	now := s.db.Now().UTC()
	rows, err := s.db.read.QueryContext(ctx, s.db.dialect.rebind(`SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = ? ORDER BY created_at DESC, id DESC`), userID)
	if err != nil {
		return nil, fmt.Errorf("find api tokens: %w", err)
	}
	defer rows.Close()
	tokens := []*medsec.APIToken{}
	for rows.Next() {
		t, err := scanToken(rows.Scan)
		if err != nil {
			return nil, fmt.Errorf("find api tokens: %w", err)
		}
		if now.Before(t.ExpiresAt) {
			tokens = append(tokens, t)
		}
	}
	return tokens, rows.Err()
}

// DeleteAPIToken revokes a token.
func (s *UserService) DeleteAPIToken(ctx context.Context, id int64) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	t, err := scanToken(tx.queryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.token_not_found", "API token not found.")
	} else if err != nil {
		return fmt.Errorf("delete api token: %w", err)
	}
	if _, err := manageableUser(ctx, tx, tx.db.dialect, t.UserID); err != nil {
		if medsec.ErrorCode(err) == medsec.EFORBIDDEN && !medsec.UserFromContext(ctx).Role.Can(medsec.PermUserAdmin) {
			return medsec.ErrorWithKey(medsec.ENOTFOUND, "err.token_not_found", "API token not found.") // another user's token is not there for a non-admin
		}
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM api_tokens WHERE id = ?`, id); err != nil {
		return fmt.Errorf("delete api token: %w", err)
	}
	if err := tx.auditChange(ctx, "token.revoke", "api_token", id, 0, t, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// revokeTokens deletes every API token of a user and returns how many there were.
func (tx *Tx) revokeTokens(ctx context.Context, userID int64) (int64, error) {
	res, err := tx.exec(ctx, `DELETE FROM api_tokens WHERE user_id = ?`, userID)
	if err != nil {
		return 0, fmt.Errorf("revoke api tokens: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// FindUserByAPIToken returns the user of a live API token and records its use (at most
// once a minute, so that reads do not all become writes).
func (s *UserService) FindUserByAPIToken(ctx context.Context, token string) (*medsec.User, error) {
	now := s.db.Now().UTC()
	invalid := medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.invalid_token", "Invalid API token.")
	t, err := scanToken(s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ?`), auth.HashToken(token)).Scan)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, invalid
	} else if err != nil {
		return nil, fmt.Errorf("find api token: %w", err)
	}
	if !now.Before(t.ExpiresAt) {
		return nil, invalid
	}
	u, err := findUser(ctx, s.db.read, s.db.dialect, "id = ?", t.UserID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, invalid
	}
	if now.Sub(t.LastUsedAt) > time.Minute {
		if _, err := s.db.write.ExecContext(ctx, s.db.dialect.rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), now, t.ID); err != nil {
			return nil, fmt.Errorf("touch api token: %w", err)
		}
	}
	return u, nil
}

// FindUsers lists every user by username.
func (s *UserService) FindUsers(ctx context.Context) ([]*medsec.User, error) {
	caller, err := medsec.Authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.read.QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY username`)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	var users []*medsec.User
	for rows.Next() {
		u, err := scanUser(rows.Scan)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("find users: %w", err)
		}
		users = append(users, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	held := users[:0]
	for _, u := range users {
		if u.SiteIDs, err = userSites(ctx, s.db.read, s.db.dialect, u.ID); err != nil {
			return nil, err
		}
		if u.ID == caller.ID || caller.Holds(u.Role, u.SiteIDs, u.VendorID) {
			held = append(held, u)
		}
	}
	return held, nil
}

// FindUserByID returns a user to an admin, or a user's own record.
func (s *UserService) FindUserByID(ctx context.Context, id int64) (*medsec.User, error) {
	return manageableUser(ctx, s.db.read, s.db.dialect, id)
}

// CreateUser stores a new user.
func (s *UserService) CreateUser(ctx context.Context, u *medsec.User, password string) error {
	caller, err := medsec.Authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return err
	}
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.Source, u.DirectoryDN = medsec.UserSourceLocal, ""
	if err := u.Validate(); err != nil {
		return err
	}
	if !caller.Holds(u.Role, u.SiteIDs, u.VendorID) {
		return medsec.ErrBeyondOwnAccess()
	}
	if err := checkPassword(password, u.Username); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u.CreatedAt = tx.now
	u.ID, err = tx.insert(ctx, `INSERT INTO users (username, display_name, role, vendor_id, language, password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		u.Username, u.DisplayName, string(u.Role), nullID(u.VendorID), u.Language, hash, u.CreatedAt)
	if err != nil {
		if isUniqueViolation(err) {
			return &medsec.Error{Code: medsec.ECONFLICT, Message: "This user name is taken.", Key: "err.exists"}
		}
		return fmt.Errorf("create user: %w", referenceError(err))
	}
	if err := tx.setUserSites(ctx, u.ID, u.SiteIDs); err != nil {
		return err
	}
	if err := tx.auditChange(ctx, "user.create", "user", u.ID, 0, nil, u); err != nil {
		return err
	}
	return tx.Commit()
}

func (tx *Tx) setUserSites(ctx context.Context, userID int64, siteIDs []int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM user_sites WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("set user sites: %w", err)
	}
	for _, id := range slices.Compact(slices.Sorted(slices.Values(siteIDs))) {
		if _, err := tx.exec(ctx, `INSERT INTO user_sites (user_id, site_id) VALUES (?, ?)`, userID, id); err != nil {
			return fmt.Errorf("set user sites: %w", referenceError(err))
		}
	}
	return nil
}

// UpdateUser changes a user's profile and access and, when password is not empty, its
// password, all in one transaction: a refused password writes nothing.
func (s *UserService) UpdateUser(ctx context.Context, u *medsec.User, password string) error {
	caller, err := medsec.Authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return err
	}
	var hash string
	if password != "" {
		// Check and hash before the transaction: argon2id takes a while and must not hold
		// the writer. The user name cannot change, so the policy check stays valid.
		current, err := findUser(ctx, s.db.read, s.db.dialect, "id = ?", u.ID)
		if err != nil {
			return err
		}
		if current.Source == medsec.UserSourceDirectory {
			return medsec.ErrDirectoryManaged()
		}
		if err := checkPassword(password, current.Username); err != nil {
			return err
		}
		if hash, err = s.hashPassword(ctx, password); err != nil {
			return err
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	before, err := findUser(ctx, tx, tx.db.dialect, "id = ?", u.ID)
	if err != nil {
		return err
	}
	u.Username, u.Source, u.DirectoryDN = before.Username, before.Source, before.DirectoryDN
	if err := u.Validate(); err != nil {
		return err
	}
	if before.Source == medsec.UserSourceDirectory && (u.Role != before.Role || u.VendorID != before.VendorID ||
		!slices.Equal(slices.Compact(slices.Sorted(slices.Values(u.SiteIDs))), before.SiteIDs)) {
		return medsec.ErrDirectoryManaged()
	}
	if !caller.Holds(before.Role, before.SiteIDs, before.VendorID) || !caller.Holds(u.Role, u.SiteIDs, u.VendorID) {
		return medsec.ErrBeyondOwnAccess()
	}
	if caller.ID == u.ID && (u.Disabled || u.Role != medsec.RoleAdmin) {
		return &medsec.Error{Code: medsec.EINVALID, Message: "You cannot remove your own administrator access.", Key: "err.self_demote"}
	}
	if _, err := tx.exec(ctx, `UPDATE users SET display_name = ?, role = ?, vendor_id = ?, disabled = ? WHERE id = ?`,
		u.DisplayName, string(u.Role), nullID(u.VendorID), boolInt(u.Disabled), u.ID); err != nil {
		return fmt.Errorf("update user: %w", referenceError(err))
	}
	if err := tx.setUserSites(ctx, u.ID, u.SiteIDs); err != nil {
		return err
	}
	if err := tx.keepUnrestrictedAdmin(ctx, before); err != nil {
		return err
	}
	if u.Disabled {
		// A disabled account's sessions and tokens end for good: enabling it again does
		// not bring them back.
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
		if _, err := tx.revokeTokens(ctx, u.ID); err != nil {
			return err
		}
	}
	if err := tx.auditChange(ctx, "user.update", "user", u.ID, 0, before, u); err != nil {
		return err
	}
	if hash != "" {
		if err := tx.setPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// keepUnrestrictedAdmin refuses, with EINVALID err.last_admin, a change (already written in
// tx) that took the last enabled administrator without a site limit away: limiting it to
// sites, giving it another role or disabling it. Nobody else could then manage every site or
// undo the change. before is the changed user as it was.
func (tx *Tx) keepUnrestrictedAdmin(ctx context.Context, before *medsec.User) error {
	if before.Role != medsec.RoleAdmin || before.Disabled || len(before.SiteIDs) > 0 {
		return nil
	}
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users u WHERE u.role = ? AND u.disabled = 0
		AND NOT EXISTS (SELECT 1 FROM user_sites s WHERE s.user_id = u.id)`, string(medsec.RoleAdmin)).Scan(&n); err != nil {
		return fmt.Errorf("update user: count unrestricted admins: %w", err)
	}
	if n == 0 {
		return &medsec.Error{Code: medsec.EINVALID, Message: "This is the last enabled administrator without a site limit; it must keep that access.", Key: "err.last_admin"}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkPassword applies the password policy (auth.CheckPasswordStrength) and returns a
// refusal as a validation error of the field "password" that names the reason.
func checkPassword(password, username string) error {
	err := auth.CheckPasswordStrength(password, username)
	var p *auth.PasswordProblem
	if errors.As(err, &p) {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "password", Key: p.Key, Message: p.Message}}}
	}
	return err
}

// SetPassword sets a password and ends the user's other sessions.
func (s *UserService) SetPassword(ctx context.Context, userID int64, password string) error {
	u, err := manageableUser(ctx, s.db.read, s.db.dialect, userID)
	if err != nil {
		return err
	}
	if u.Source == medsec.UserSourceDirectory {
		return medsec.ErrDirectoryManaged()
	}
	if err := checkPassword(password, u.Username); err != nil {
		return err
	}
	// Hash before the transaction: argon2id takes a while and must not hold the writer.
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.setPasswordHash(ctx, userID, hash); err != nil {
		return err
	}
	return tx.Commit()
}

// setPasswordHash stores a new password hash, ends the user's sessions, clears its login
// throttles, revokes its API tokens and audits it as user.password.
func (tx *Tx) setPasswordHash(ctx context.Context, userID int64, hash string) error {
	if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, userID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	// A new password ends every session and clears the login throttles (an admin's reset
	// is also how a throttled account is freed at once).
	for _, q := range []string{`DELETE FROM sessions WHERE user_id = ?`, `DELETE FROM login_failures WHERE user_id = ?`} {
		if _, err := tx.exec(ctx, q, userID); err != nil {
			return fmt.Errorf("set password: %w", err)
		}
	}
	revoked, err := tx.revokeTokens(ctx, userID)
	if err != nil {
		return err
	}
	return tx.audit(ctx, &medsec.AuditEntry{Action: "user.password", ObjectType: "user", ObjectID: userID, Detail: fmt.Sprintf("sessions ended, %d API tokens revoked", revoked)})
}

// BeginTOTP returns the calling user's pending TOTP secret, making one if there is none.
// Showing the enrolment page twice shows the same secret, so a reload cannot invalidate
// what the user already scanned.
func (s *UserService) BeginTOTP(ctx context.Context) (string, string, error) {
	u := medsec.UserFromContext(ctx)
	if u == nil || u.ID == 0 {
		return "", "", medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.login_required", "You must log in.")
	}
	var pending string
	if err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT totp_secret FROM users WHERE id = ? AND totp_enabled = 0`), u.ID).Scan(&pending); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("begin totp: %w", err)
	}
	if pending != "" {
		return pending, auth.TOTPURL("medsec", u.Username, pending), nil
	}
	secret, url, err := auth.NewTOTPKey("medsec", u.Username)
	if err != nil {
		return "", "", err
	}
	if _, err := s.db.write.ExecContext(ctx, s.db.dialect.rebind(`UPDATE users SET totp_secret = ? WHERE id = ? AND totp_enabled = 0`), secret, u.ID); err != nil {
		return "", "", fmt.Errorf("begin totp: %w", err)
	}
	return secret, url, nil
}

// EnableTOTP turns two-factor on when code matches the secret from BeginTOTP.
func (s *UserService) EnableTOTP(ctx context.Context, code string) error {
	u := medsec.UserFromContext(ctx)
	if u == nil || u.ID == 0 {
		return medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.login_required", "You must log in.")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var secret string
	var enabled int
	if err := tx.queryRow(ctx, `SELECT totp_secret, totp_enabled FROM users WHERE id = ?`, u.ID).Scan(&secret, &enabled); err != nil {
		return fmt.Errorf("enable totp: %w", err)
	}
	if enabled == 1 {
		return nil
	}
	step, ok := auth.CheckTOTP(secret, code, tx.now, 0)
	if secret == "" || !ok {
		return &medsec.Error{Code: medsec.EINVALID, Message: "The code is wrong; check your authenticator's clock and try again.", Key: "err.bad_totp"}
	}
	if _, err := tx.exec(ctx, `UPDATE users SET totp_enabled = 1, totp_last_step = ? WHERE id = ?`, step, u.ID); err != nil {
		return fmt.Errorf("enable totp: %w", err)
	}
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionTOTPEnrolled, ObjectType: "user", ObjectID: u.ID}); err != nil {
		return err
	}
	return tx.Commit()
}

// SetLanguage stores the calling user's language.
func (s *UserService) SetLanguage(ctx context.Context, lang string) error {
	u := medsec.UserFromContext(ctx)
	if u == nil || u.ID == 0 {
		return medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.login_required", "You must log in.")
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `UPDATE users SET language = ? WHERE id = ?`, lang, u.ID); err != nil {
		return fmt.Errorf("set language: %w", err)
	}
	if err := tx.auditChange(ctx, "user.language", "user", u.ID, 0, map[string]string{"language": u.Language}, map[string]string{"language": lang}); err != nil {
		return err
	}
	return tx.Commit()
}

// SetTimeZone stores the calling user's time zone, audited as user.time_zone.
func (s *UserService) SetTimeZone(ctx context.Context, zone string) error {
	u := medsec.UserFromContext(ctx)
	if u == nil || u.ID == 0 {
		return medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.login_required", "You must log in.")
	}
	if zone != "" {
		if _, err := medsec.LoadZone("time_zone", zone); err != nil {
			return err
		}
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `UPDATE users SET time_zone = ? WHERE id = ?`, zone, u.ID); err != nil {
		return fmt.Errorf("set time zone: %w", err)
	}
	if err := tx.auditChange(ctx, "user.time_zone", "user", u.ID, 0, map[string]string{"time_zone": u.TimeZone}, map[string]string{"time_zone": zone}); err != nil {
		return err
	}
	return tx.Commit()
}

// FindSettings returns the organisation's settings.
func (s *UserService) FindSettings(ctx context.Context) (medsec.Settings, error) {
	var v string
	err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT value FROM settings WHERE key = ?`), "require_totp").Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return medsec.Settings{}, fmt.Errorf("find settings: %w", err)
	}
	return medsec.Settings{RequireTOTP: v == "true"}, nil
}

// UpdateSettings changes the organisation's settings.
func (s *UserService) UpdateSettings(ctx context.Context, set medsec.Settings) error {
	caller, err := medsec.Authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return err
	} else if len(caller.SiteIDs) > 0 {
		return medsec.ErrBeyondOwnAccess() // the settings bind every site
	}
	before, err := s.FindSettings(ctx)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, `DELETE FROM settings WHERE key = ?`, "require_totp"); err != nil {
		return fmt.Errorf("update settings: %w", err)
	}
	if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, "require_totp", fmt.Sprint(set.RequireTOTP)); err != nil {
		return fmt.Errorf("update settings: %w", err)
	}
	if err := tx.auditChange(ctx, "settings.update", "settings", 0, 0, before, set); err != nil {
		return err
	}
	return tx.Commit()
}

// EnsureAdmin creates the user "admin" if no user exists. It uses password when set, else
// generates one and returns it so the caller can print it once.
func (s *UserService) EnsureAdmin(ctx context.Context, password string) (generated string, err error) {
	var n int
	if err := s.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return "", fmt.Errorf("ensure admin: %w", err)
	}
	if n > 0 {
		return "", nil
	}
	if password == "" {
		token, _, err := auth.NewToken("")
		if err != nil {
			return "", err
		}
		password, generated = token[:20], token[:20]
	}
	ctx = medsec.NewContextWithUser(ctx, medsec.SystemUser)
	u := &medsec.User{Username: "admin", DisplayName: "Administrator", Role: medsec.RoleAdmin}
	if err := s.CreateUser(ctx, u, password); err != nil {
		return "", fmt.Errorf("ensure admin: %w", err)
	}
	return generated, nil
}
