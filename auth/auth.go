// Package auth holds medsec's credential primitives: argon2id password hashes, TOTP
// two-factor codes, and random bearer tokens stored only as hashes.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/trustelem/zxcvbn"
	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// Argon2id parameters: the second recommended option of RFC 9106 §4 (64 MiB, 3 passes)
// with one lane, so that one hash occupies one core: the user service runs at most as many
// hashes at a time as there are cores less one, and the rest of the server keeps a core even
// during a flood of logins. Hashes made with more lanes (p=2 before) still verify: the parameters are read
// from the stored hash.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

// Password policy (NIST SP 800-63B §5.1.1.2): at least MinPasswordLength and at most
// MaxPasswordLength characters of any kind, not containing the user name, and not guessable:
// zxcvbn's estimate, which checks the password against embedded lists of common and breached
// passwords, words and names, and against keyboard patterns, repetitions, sequences and
// dates, must reach minPasswordScore (3: about 10^8 guesses or more). No composition rules
// and no forced expiry, as the guideline says.
const (
	MinPasswordLength = 12
	MaxPasswordLength = 128
	minPasswordScore  = 3
)

// PasswordProblem says why a new password is refused: Key names the reason for
// translation (err.password_*), Message says it in English.
type PasswordProblem struct {
	Key     string
	Message string
}

// Error implements error.
func (p *PasswordProblem) Error() string { return p.Message }

// ErrMismatch is returned when a password does not match its hash.
var ErrMismatch = errors.New("password does not match")

// NormalizePassword returns password in Unicode normalisation form NFKC, as NIST SP 800-63B
// §5.1.1.2 asks before a password is hashed, so that the same characters typed on
// keyboards or systems that compose them differently (é as one code point or as e and a
// combining accent, full-width and half-width forms) give the same password.
func NormalizePassword(password string) string { return norm.NFKC.String(password) }

// HashPassword returns the PHC-format argon2id hash of password, normalised by
// NormalizePassword, with a fresh salt.
func HashPassword(password string) (string, error) {
	return hashRaw(NormalizePassword(password))
}

// hashRaw hashes password as it is given.
func hashRaw(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword checks password against a hash made by HashPassword, in constant time.
// It tries the NFKC form first and, when that differs and does not match, the password as
// given, which hashes made before passwords were normalised need. It returns ErrMismatch
// for a wrong password and another error for a malformed hash.
func VerifyPassword(hash, password string) error {
	normalized := NormalizePassword(password)
	err := verifyRaw(hash, normalized)
	if errors.Is(err, ErrMismatch) && normalized != password {
		return verifyRaw(hash, password)
	}
	return err
}

// verifyRaw checks password, as it is given, against a hash.
func verifyRaw(hash, password string) error {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return errors.New("verify password: not an argon2id hash")
	}
	var version int
	var memory, passes uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return errors.New("verify password: unsupported argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &passes, &threads); err != nil {
		return fmt.Errorf("verify password: parameters: %w", err)
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil {
		return fmt.Errorf("verify password: salt: %w", err)
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil {
		return fmt.Errorf("verify password: key: %w", err)
	}
	got := argon2.IDKey([]byte(password), salt, passes, memory, threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrMismatch
	}
	return nil
}

// CheckPasswordStrength returns nil for a password the policy accepts for the user, else a
// *PasswordProblem naming why not. It judges the password normalised by NormalizePassword,
// the form that is hashed.
func CheckPasswordStrength(password, username string) error {
	password = NormalizePassword(password)
	n := utf8.RuneCountInString(password)
	switch {
	case n < MinPasswordLength:
		return &PasswordProblem{Key: "err.password_short", Message: fmt.Sprintf("must have at least %d characters", MinPasswordLength)}
	case n > MaxPasswordLength:
		return &PasswordProblem{Key: "err.password_long", Message: fmt.Sprintf("must have at most %d characters", MaxPasswordLength)}
	case username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)):
		return &PasswordProblem{Key: "err.password_username", Message: "must not contain the user name"}
	}
	if zxcvbn.PasswordStrength(password, []string{username, "medsec"}).Score < minPasswordScore {
		return &PasswordProblem{Key: "err.password_guessable", Message: "is too easy to guess (a common or breached password, a word or name, a keyboard pattern, a repetition or a sequence); use a longer phrase of unrelated words"}
	}
	return nil
}

// NewToken returns a random 256-bit token for a session or API client, and the hash under
// which it is stored. The token itself is never stored.
func NewToken(prefix string) (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("new token: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken returns the stored form of a token. A token has 256 random bits, so a fast
// hash is enough: nothing can be guessed from it.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewTOTPKey generates a TOTP secret for the user and returns the secret and its
// otpauth:// URL for authenticator apps.
func NewTOTPKey(issuer, account string) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Algorithm: otp.AlgorithmSHA1, Digits: otp.DigitsSix, Period: 30})
	if err != nil {
		return "", "", fmt.Errorf("new totp key: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPURL returns the otpauth:// URL of an existing secret.
func TOTPURL(issuer, account, secret string) string {
	v := url.Values{}
	v.Set("secret", secret)
	v.Set("issuer", issuer)
	v.Set("algorithm", "SHA1")
	v.Set("digits", "6")
	v.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(issuer) + ":" + url.PathEscape(account) + "?" + v.Encode()
}

// CheckTOTP validates a six-digit code at time now, allowing one 30-second step of clock
// skew either way. It returns the time step the code belongs to, so that a caller can
// refuse a step already used (no replay); ok is false for a wrong code.
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false
	}
	current := now.Unix() / 30
	for _, s := range []int64{current - 1, current, current + 1} {
		if s <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// TOTPCode returns the code for secret at time t; tests and the CLI use it.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
}
