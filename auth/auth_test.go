package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPasswordHash(t *testing.T) {
	hash, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=65536,t=3,p=1$") {
		t.Fatalf("hash = %q, want argon2id PHC string", hash)
	}
	if err := VerifyPassword(hash, "correct horse battery staple"); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := VerifyPassword(hash, "correct horse battery stapl"); !errors.Is(err, ErrMismatch) {
		t.Errorf("wrong password: got %v, want ErrMismatch", err)
	}
	again, _ := HashPassword("correct horse battery staple")
	if again == hash {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if err := VerifyPassword("$2a$10$abc", "x"); err == nil || errors.Is(err, ErrMismatch) {
		t.Errorf("bcrypt hash: got %v, want a format error", err)
	}
}

func TestTOTP(t *testing.T) {
	secret, url, err := NewTOTPKey("medsec", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(url, "otpauth://totp/medsec:alice?") {
		t.Errorf("url = %q", url)
	}
	if got := TOTPURL("medsec", "alice", secret); got != url {
		t.Errorf("TOTPURL = %q, want the generated %q", got, url)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	code, _ := TOTPCode(secret, now)
	step, ok := CheckTOTP(secret, code, now, 0)
	if !ok || step != now.Unix()/30 {
		t.Fatalf("CheckTOTP(current code) = %d, %v", step, ok)
	}
	if _, ok := CheckTOTP(secret, code, now, step); ok {
		t.Error("a code was accepted twice (replay)")
	}
	if _, ok := CheckTOTP(secret, code, now.Add(30*time.Second), 0); !ok {
		t.Error("previous step's code refused: one step of skew must be allowed")
	}
	if _, ok := CheckTOTP(secret, code, now.Add(2*time.Minute), 0); ok {
		t.Error("a code four steps old was accepted")
	}
	if _, ok := CheckTOTP(secret, "12345", now, 0); ok {
		t.Error("a five-digit code was accepted")
	}
}

// TestPasswordStrength is the review's F9: trivial passwords of twelve characters or more
// are refused with the reason, and good ones of any script pass.
func TestPasswordStrength(t *testing.T) {
	tests := []struct {
		password string
		want     string // the problem's key, "" for accepted
	}{
		{"short", "err.password_short"},
		{strings.Repeat("x7#Q", 33), "err.password_long"},
		{"alice-long-password", "err.password_username"},
		{"ALICE-long-password", "err.password_username"},
		{"aaaaaaaaaaaa", "err.password_guessable"},
		{"password1234", "err.password_guessable"},
		{"qwertyuiop123", "err.password_guessable"},
		{"iloveyou12345", "err.password_guessable"},
		{"1234567890123", "err.password_guessable"},
		{"Password2026!", "err.password_guessable"},
		{"hospital1234", "err.password_guessable"},
		{"長いパスワードです十二文字以上", ""},
		{"a perfectly fine one", ""},
		{"Hj4$nBv8kQs3yE", ""},
		{"correct-horse-battery-staple", ""},
	}
	for _, tt := range tests {
		err := CheckPasswordStrength(tt.password, "alice")
		got := ""
		if p, ok := err.(*PasswordProblem); ok {
			got = p.Key
		} else if err != nil {
			t.Fatalf("CheckPasswordStrength(%q) = %v, want a *PasswordProblem", tt.password, err)
		}
		if got != tt.want {
			t.Errorf("CheckPasswordStrength(%q) = %q, want %q", tt.password, got, tt.want)
		}
	}
}

// TestPasswordNormalisation is the retest's N6 (NIST SP 800-63B §5.1.1.2): passwords are
// hashed in NFKC, so one typed with composed characters matches one typed decomposed; a
// hash made before normalisation still verifies with the password as it was typed.
func TestPasswordNormalisation(t *testing.T) {
	const (
		nfc = "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e au d\u00e9jeuner" // é as one code point
		nfd = "cafe\u0301 cre\u0300me bru\u0302le\u0301e au de\u0301jeuner"
	)
	hashNFD, err := HashPassword(nfd)
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := hashRaw(nfd) // as hashed before normalisation
	if err != nil {
		t.Fatal(err)
	}
	full, err := HashPassword("\uff34\uff52\uff4f\uff4d\uff42\uff4f\uff4e\uff45 \uff17 \uff47\uff41\uff4c\uff41\uff58\uff59") // full-width
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, hash, password string
		want                 error
	}{
		{"made NFD, typed NFC", hashNFD, nfc, nil},
		{"made NFD, typed NFD", hashNFD, nfd, nil},
		{"made full-width, typed half-width", full, "Trombone 7 galaxy", nil},
		{"legacy raw hash, typed as then", legacy, nfd, nil},
		{"wrong password", hashNFD, "cafe creme brulee au dejeuner", ErrMismatch},
	} {
		if got := VerifyPassword(tc.hash, tc.password); !errors.Is(got, tc.want) || (tc.want == nil && got != nil) {
			t.Errorf("%s: VerifyPassword = %v, want %v", tc.name, got, tc.want)
		}
	}
}
