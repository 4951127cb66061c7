package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"medsec"
	"medsec/auth"
)

// Login limits: after maxFailedLogins failures in a row an account is locked for
// lockoutDuration; sessions end after sessionIdle without use or sessionMaxAge in all.
const (
	maxFailedLogins = 5
	lockoutDuration = 15 * time.Minute
	sessionIdle     = time.Hour
	sessionMaxAge   = 12 * time.Hour
)

// UserService implements medsec.UserService.
type UserService struct {
	db *DB
	// dummyHash is verified for unknown usernames so that a login takes as long whether or
	// not the user exists.
	dummyHash string
}

var _ medsec.UserService = (*UserService)(nil)

// NewUserService returns the user service of db.
func NewUserService(db *DB) *UserService {
	h, _ := auth.HashPassword("not a real password, only for timing")
	return &UserService{db: db, dummyHash: h}
}

const userColumns = `id, username, display_name, role, COALESCE(vendor_id, 0), language, totp_enabled, disabled, last_login_at, created_at`

type userRow struct {
	medsec.User
	passwordHash string
	totpSecret   string
	totpLastStep int64
	failed       int
	lockedUntil  sql.NullTime
}

func scanUser(scan func(...any) error) (*medsec.User, error) {
	var u medsec.User
	var totp, disabled int
	var last sql.NullTime
	if err := scan(&u.ID, &u.Username, &u.DisplayName, &u.Role, &u.VendorID, &u.Language, &totp, &disabled, &last, &u.CreatedAt); err != nil {
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
		return nil, medsec.Errorf(medsec.ENOTFOUND, "User not found.")
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
		return nil, medsec.Errorf(medsec.EUNAUTHORIZED, "You must log in.")
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
func (s *UserService) Authenticate(ctx context.Context, username, password, code string) (*medsec.User, error) {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	username = strings.ToLower(strings.TrimSpace(username))
	var r userRow
	var totp, disabled int
	err = tx.queryRow(ctx, `SELECT id, password_hash, totp_secret, totp_enabled, totp_last_step, failed_logins, locked_until, disabled
		FROM users WHERE username = ?`, username).Scan(&r.ID, &r.passwordHash, &r.totpSecret, &totp, &r.totpLastStep, &r.failed, &r.lockedUntil, &disabled)
	fail := func(key, detail string) (*medsec.User, error) {
		e := &medsec.AuditEntry{Action: medsec.ActionLoginFailed, Username: truncate(username, 64), Detail: detail, ObjectType: "user", ObjectID: r.ID}
		if r.ID != 0 {
			e.UserID = r.ID
		}
		if err := tx.audit(ctx, e); err != nil {
			return nil, err
		}
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
		msg := map[string]string{
			medsec.KeyLoginFailed:  "Wrong user name, password or code.",
			medsec.KeyTOTPRequired: "Enter the code from your authenticator app.",
			medsec.KeyLocked:       "Too many failed logins: the account is locked for a while.",
		}[key]
		return nil, &medsec.Error{Code: medsec.EUNAUTHORIZED, Message: msg, Key: key}
	}
	if errors.Is(err, sql.ErrNoRows) {
		_ = auth.VerifyPassword(s.dummyHash, password)
		return fail(medsec.KeyLoginFailed, "unknown user")
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if r.lockedUntil.Valid && tx.now.Before(r.lockedUntil.Time) {
		return fail(medsec.KeyLocked, "account locked")
	}
	if disabled == 1 {
		_ = auth.VerifyPassword(s.dummyHash, password)
		return fail(medsec.KeyLoginFailed, "account disabled")
	}
	if err := auth.VerifyPassword(r.passwordHash, password); err != nil {
		if !errors.Is(err, auth.ErrMismatch) {
			return nil, fmt.Errorf("authenticate %s: %w", username, err)
		}
		return s.failAndMaybeLock(ctx, tx, &r, fail, "wrong password")
	}
	if totp == 1 {
		if code == "" {
			return fail(medsec.KeyTOTPRequired, "totp code missing")
		}
		step, ok := auth.CheckTOTP(r.totpSecret, code, tx.now, r.totpLastStep)
		if !ok {
			return s.failAndMaybeLock(ctx, tx, &r, fail, "wrong totp code")
		}
		if _, err := tx.exec(ctx, `UPDATE users SET totp_last_step = ? WHERE id = ?`, step, r.ID); err != nil {
			return nil, fmt.Errorf("authenticate: %w", err)
		}
	}
	if _, err := tx.exec(ctx, `UPDATE users SET failed_logins = 0, locked_until = NULL, last_login_at = ? WHERE id = ?`, tx.now, r.ID); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	u, err := findUser(ctx, tx, tx.db.dialect, "id = ?", r.ID)
	if err != nil {
		return nil, err
	}
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: medsec.ActionLogin, UserID: u.ID, Username: u.Username, ObjectType: "user", ObjectID: u.ID}); err != nil {
		return nil, err
	}
	return u, tx.Commit()
}

func (s *UserService) failAndMaybeLock(ctx context.Context, tx *Tx, r *userRow, fail func(string, string) (*medsec.User, error), detail string) (*medsec.User, error) {
	r.failed++
	var locked any
	if r.failed >= maxFailedLogins {
		locked = tx.now.Add(lockoutDuration)
		detail += "; account locked"
	}
	if _, err := tx.exec(ctx, `UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?`, r.failed, locked, r.ID); err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	if locked != nil {
		return fail(medsec.KeyLocked, detail)
	}
	return fail(medsec.KeyLoginFailed, detail)
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
		return nil, medsec.Errorf(medsec.EUNAUTHORIZED, "Your session has ended; log in again.")
	} else if err != nil {
		return nil, fmt.Errorf("find session: %w", err)
	}
	u, err := findUser(ctx, s.db.read, s.db.dialect, "id = ?", userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, medsec.Errorf(medsec.EUNAUTHORIZED, "Your session has ended; log in again.")
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

// CreateAPIToken makes an API token for a user.
func (s *UserService) CreateAPIToken(ctx context.Context, userID int64, name string) (string, error) {
	if caller := medsec.UserFromContext(ctx); caller != nil && caller.ID != 0 && !caller.TOTPEnabled {
		set, err := s.FindSettings(ctx)
		if err != nil {
			return "", err
		} else if set.RequireTOTP {
			return "", medsec.ErrTOTPEnrolRequired()
		}
	}
	token, hash, err := auth.NewToken("msk_")
	if err != nil {
		return "", err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	if _, err := manageableUser(ctx, tx, tx.db.dialect, userID); err != nil {
		return "", err
	}
	id, err := tx.insert(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)`, userID, name, hash, tx.now)
	if err != nil {
		return "", fmt.Errorf("create api token: %w", err)
	}
	if err := tx.auditChange(ctx, "token.create", "api_token", id, 0, nil, map[string]any{"user_id": userID, "name": name}); err != nil {
		return "", err
	}
	return token, tx.Commit()
}

// FindUserByAPIToken returns the user of an API token.
func (s *UserService) FindUserByAPIToken(ctx context.Context, token string) (*medsec.User, error) {
	var userID int64
	err := s.db.read.QueryRowContext(ctx, s.db.dialect.rebind(`SELECT user_id FROM api_tokens WHERE token_hash = ?`), auth.HashToken(token)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, medsec.Errorf(medsec.EUNAUTHORIZED, "Invalid API token.")
	} else if err != nil {
		return nil, fmt.Errorf("find api token: %w", err)
	}
	u, err := findUser(ctx, s.db.read, s.db.dialect, "id = ?", userID)
	if err != nil {
		return nil, err
	}
	if u.Disabled {
		return nil, medsec.Errorf(medsec.EUNAUTHORIZED, "Invalid API token.")
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
	if err := u.Validate(); err != nil {
		return err
	}
	if !caller.Holds(u.Role, u.SiteIDs, u.VendorID) {
		return medsec.ErrBeyondOwnAccess()
	}
	if err := auth.CheckPasswordStrength(password, u.Username); err != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "password", Key: "err.weak_password", Message: err.Error()}}}
	}
	hash, err := auth.HashPassword(password)
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

// UpdateUser changes a user's profile and access.
func (s *UserService) UpdateUser(ctx context.Context, u *medsec.User) error {
	caller, err := medsec.Authorize(ctx, medsec.PermUserAdmin)
	if err != nil {
		return err
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
	u.Username = before.Username
	if err := u.Validate(); err != nil {
		return err
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
	if u.Disabled {
		if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, u.ID); err != nil {
			return fmt.Errorf("update user: %w", err)
		}
	}
	if err := tx.auditChange(ctx, "user.update", "user", u.ID, 0, before, u); err != nil {
		return err
	}
	return tx.Commit()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SetPassword sets a password and ends the user's other sessions.
func (s *UserService) SetPassword(ctx context.Context, userID int64, password string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	u, err := manageableUser(ctx, tx, tx.db.dialect, userID)
	if err != nil {
		return err
	}
	if err := auth.CheckPasswordStrength(password, u.Username); err != nil {
		return &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "password", Key: "err.weak_password", Message: err.Error()}}}
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?`, hash, userID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if _, err := tx.exec(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	if err := tx.audit(ctx, &medsec.AuditEntry{Action: "user.password", ObjectType: "user", ObjectID: userID}); err != nil {
		return err
	}
	return tx.Commit()
}

// BeginTOTP returns the calling user's pending TOTP secret, making one if there is none.
// Showing the enrolment page twice shows the same secret, so a reload cannot invalidate
// what the user already scanned.
func (s *UserService) BeginTOTP(ctx context.Context) (string, string, error) {
	u := medsec.UserFromContext(ctx)
	if u == nil || u.ID == 0 {
		return "", "", medsec.Errorf(medsec.EUNAUTHORIZED, "You must log in.")
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
		return medsec.Errorf(medsec.EUNAUTHORIZED, "You must log in.")
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
		return medsec.Errorf(medsec.EUNAUTHORIZED, "You must log in.")
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
