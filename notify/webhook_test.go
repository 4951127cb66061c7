package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec/notify"
)

// receiver is a real HTTP server that checks each request's signature as a webhook
// receiver would, and answers with the next status of its script.
type receiver struct {
	mu       sync.Mutex
	secret   []byte
	statuses []int // answer per request; 200 once the script ends
	got      []string
	badSigs  int
	events   []string
	ids      []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	if err := notify.Verify(rc.secret, r.Header.Get(notify.SignatureHeader), body, time.Now(), 5*time.Minute); err != nil {
		rc.badSigs++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	rc.got = append(rc.got, string(body))
	rc.events = append(rc.events, r.Header.Get(notify.EventHeader))
	rc.ids = append(rc.ids, r.Header.Get(notify.DeliveryHeader))
	status := 200
	if len(rc.statuses) > 0 {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	w.WriteHeader(status)
}

// TestWebhookPostRetries posts to a real HTTP receiver that verifies the signature: 5xx
// and 429 are retried with backoff, 4xx are not, a wrong secret is refused.
func TestWebhookPostRetries(t *testing.T) {
	secret := []byte("whsec-0123456789abcdef")
	tests := []struct {
		name         string
		statuses     []int
		signWith     []byte
		wantAttempts int
		wantStatus   int // of the PostError; 0 = success
		wantBadSigs  int
	}{
		{"first try", nil, secret, 1, 0, 0},
		{"two failures then success", []int{503, 429}, secret, 3, 0, 0},
		{"always failing", []int{500, 502, 503, 504}, secret, 3, 503, 0},
		{"client error is not retried", []int{400}, secret, 1, 400, 0},
		{"wrong secret", nil, []byte("another secret of some length"), 1, 401, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &receiver{secret: secret, statuses: tt.statuses}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			p := &notify.WebhookPoster{Client: srv.Client(), Backoff: 10 * time.Millisecond}
			body := []byte(`{"id":"eos.passed:7:2026-01-31","kind":"eos.passed"}`)
			start := time.Now()
			attempts, err := p.Post(context.Background(), srv.URL, tt.signWith, "eos.passed", "eos.passed:7:2026-01-31", body)
			if attempts != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", attempts, tt.wantAttempts)
			}
			var pe *notify.PostError
			switch {
			case tt.wantStatus == 0 && err != nil:
				t.Errorf("err = %v, want success", err)
			case tt.wantStatus != 0 && (!errors.As(err, &pe) || pe.Status != tt.wantStatus):
				t.Errorf("err = %v, want status %d", err, tt.wantStatus)
			}
			if rc.badSigs != tt.wantBadSigs {
				t.Errorf("%d requests with a bad signature, want %d", rc.badSigs, tt.wantBadSigs)
			}
			if tt.wantBadSigs == 0 {
				for i, g := range rc.got {
					if g != string(body) || rc.events[i] != "eos.passed" || rc.ids[i] != "eos.passed:7:2026-01-31" {
						t.Errorf("request %d: %q %q %q", i, g, rc.events[i], rc.ids[i])
					}
				}
			}
			// Backoff doubles: 10 ms then 20 ms before the third try.
			if el := time.Since(start); tt.wantAttempts == 3 && el < 30*time.Millisecond {
				t.Errorf("3 attempts in %v, want at least 30ms of backoff", el)
			}
		})
	}
}

func TestWebhookPostTimeout(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
	}))
	defer srv.Close()
	client := srv.Client()
	client.Timeout = 50 * time.Millisecond
	p := &notify.WebhookPoster{Client: client, Attempts: 2, Backoff: time.Millisecond}
	attempts, err := p.Post(context.Background(), srv.URL, []byte("0123456789abcdef"), "test", "t", []byte("{}"))
	var pe *notify.PostError
	if attempts != 2 || !errors.As(err, &pe) || pe.Status != 0 {
		t.Errorf("attempts %d err %v, want 2 attempts ending in a timeout", attempts, err)
	}
}

// TestVerify covers the receiver's checks: the signature over t.body, the tolerance, a
// rotated secret's second v1, and malformed headers.
func TestVerify(t *testing.T) {
	secret := []byte("whsec-0123456789abcdef")
	body := []byte(`{"kind":"test"}`)
	at := time.Unix(1767225600, 0)
	good := notify.Sign(secret, at, body)
	old := notify.Sign([]byte("the previous secret....."), at, body)
	tests := []struct {
		name   string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"valid", good, body, at.Add(time.Minute), nil},
		{"rotated: second v1 matches", old + ",v1=" + good[len("t=1767225600,v1="):], body, at, nil},
		{"body changed", good, []byte(`{"kind":"tesT"}`), at, notify.ErrSignatureMismatch},
		{"too old", good, body, at.Add(6 * time.Minute), notify.ErrSignatureExpired},
		{"from the future", good, body, at.Add(-6 * time.Minute), notify.ErrSignatureExpired},
		{"no signature", "t=1767225600", body, at, notify.ErrBadSignatureHeader},
		{"no timestamp", good[len("t=1767225600,"):], body, at, notify.ErrBadSignatureHeader},
		{"not hex", "t=1767225600,v1=zz", body, at, notify.ErrBadSignatureHeader},
		{"empty", "", body, at, notify.ErrBadSignatureHeader},
	}
	for _, tt := range tests {
		if got := notify.Verify(secret, tt.header, tt.body, tt.now, 5*time.Minute); !errors.Is(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	// The vector computed independently: python3 hmac.new(secret, b'1767225600.' + body, sha256).
	if want := "t=1767225600,v1=24bebce94c5b9729a4e50086d0884b41285f48d79a016181a32ce85025fe4b70"; good != want {
		t.Errorf("Sign = %q, want %q", good, want)
	}
}

// FuzzVerify feeds arbitrary headers and bodies to the receiver's check: it never panics,
// and whatever it accepts carries a timestamp within the tolerance and a v1 equal to the
// HMAC-SHA256 of timestamp.body, computed here independently.
func FuzzVerify(f *testing.F) {
	secret := []byte("whsec-0123456789abcdef")
	at := time.Unix(1767225600, 0)
	f.Add(notify.Sign(secret, at, []byte(`{}`)), []byte(`{}`))
	f.Add("t=1,v1=00", []byte("x"))
	f.Add("t=,v1=,v1=", []byte(""))
	f.Add("v1=ab,t=-5", []byte("{"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if notify.Verify(secret, header, body, at, time.Hour) != nil {
			return
		}
		var ts string
		var sigs []string
		for _, part := range strings.Split(header, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "t":
				ts = v
			case "v1":
				sigs = append(sigs, v)
			}
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil || sec < at.Unix()-3600 || sec > at.Unix()+3600 {
			t.Fatalf("accepted timestamp %q of %q", ts, header)
		}
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(ts + "."))
		m.Write(body)
		want := hex.EncodeToString(m.Sum(nil))
		for _, s := range sigs {
			if strings.EqualFold(s, want) {
				return
			}
		}
		t.Fatalf("accepted %q for %q without its HMAC", header, body)
	})
}
