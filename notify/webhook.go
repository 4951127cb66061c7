package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Webhook signatures, in the style of Stripe's and GitHub's: every request carries
//
//	Medsec-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//
// where t is the Unix time of sending and v1 is the lower-case hex HMAC-SHA256 (RFC 2104,
// FIPS 180-4) under the webhook's secret of the bytes t + "." + body. A receiver
// recomputes it over the raw body, compares in constant time, and refuses a t older
// than a few minutes so that a captured request cannot be replayed later. Each retry is
// signed afresh with its own t.
const (
	// SignatureHeader carries the timestamp and the signature.
	SignatureHeader = "Medsec-Signature"
	// EventHeader carries the notification's kind.
	EventHeader = "Medsec-Event"
	// DeliveryHeader carries the notification's dedup key, the same on every retry, so a
	// receiver can drop duplicates.
	DeliveryHeader = "Medsec-Delivery"
)

// Sign returns the Medsec-Signature header value of body sent at t under secret.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret []byte, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte("."))
	h.Write(body)
	return h.Sum(nil)
}

// Errors of Verify.
var (
	ErrBadSignatureHeader = errors.New("malformed signature header")
	ErrSignatureMismatch  = errors.New("signature does not match")
	ErrSignatureExpired   = errors.New("signature timestamp outside the tolerance")
)

// Verify checks a Medsec-Signature header against the raw body: a v1 signature (any of
// several, so that a secret can be rotated) must match, and its timestamp must be within
// tolerance of now. It is what a receiver in Go runs; medsec's tests run it too.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return ErrBadSignatureHeader
		}
		switch k {
		case "t":
			if ts != "" {
				return ErrBadSignatureHeader
			}
			ts = v
		case "v1":
			sig, err := hex.DecodeString(v)
			if err != nil || len(sig) != sha256.Size {
				return ErrBadSignatureHeader
			}
			sigs = append(sigs, sig)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 || sec < 0 {
		return ErrBadSignatureHeader
	}
	want := mac(secret, ts, body)
	matched := false
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			matched = true
		}
	}
	if !matched {
		return ErrSignatureMismatch
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return ErrSignatureExpired
	}
	return nil
}

// WebhookPoster posts signed JSON to webhooks, retrying with exponential backoff.
type WebhookPoster struct {
	// Client sends the requests; its Timeout bounds each attempt (10 s when nil).
	Client *http.Client
	// Attempts is how many tries a delivery gets in all (3 when zero).
	Attempts int
	// Backoff is the wait before the second try, doubled before each later one (1 s when
	// zero).
	Backoff time.Duration
	// Now stamps the signatures.
	Now func() time.Time
}

// PostError is a failed webhook delivery: the last status (0 when no response came) and
// what went wrong.
type PostError struct {
	Status int
	Err    error
}

// Error implements error.
func (e *PostError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("webhook answered %d", e.Status)
	}
	return "webhook: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *PostError) Unwrap() error { return e.Err }

// Post sends body to url signed under secret, with the event and delivery headers. A 2xx
// answer is success; 408, 429, 5xx and network errors are retried; any other answer fails
// at once. It returns how many attempts were made.
func (p *WebhookPoster) Post(ctx context.Context, url string, secret []byte, event, delivery string, body []byte) (int, error) {
	client := p.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	attempts := p.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	wait := p.Backoff
	if wait <= 0 {
		wait = time.Second
	}
	now := p.Now
	if now == nil {
		now = time.Now
	}
	var last *PostError
	for i := 1; i <= attempts; i++ {
		if i > 1 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return i - 1, &PostError{Err: ctx.Err()}
			case <-t.C:
			}
			wait *= 2
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return i, &PostError{Err: err}
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "medsec-webhook/1")
		req.Header.Set(EventHeader, event)
		req.Header.Set(DeliveryHeader, delivery)
		req.Header.Set(SignatureHeader, Sign(secret, now(), body))
		resp, err := client.Do(req)
		if err != nil {
			last = &PostError{Err: err}
			continue
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return i, nil
		case resp.StatusCode == http.StatusRequestTimeout || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			last = &PostError{Status: resp.StatusCode}
		default:
			return i, &PostError{Status: resp.StatusCode}
		}
	}
	return attempts, last
}
