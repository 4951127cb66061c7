package vuln

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// testProvider is a CSAF provider served over real HTTP from keys made in the test: its
// provider-metadata.json lists listed (by fingerprint and URL), its one ROLIE entry is a
// real isduba advisory whose signature, at /doc.json.asc, is made by signer (none when nil).
func testProvider(t *testing.T, listed, signer *openpgp.Entity, listedFingerprint string) string {
	t.Helper()
	doc, err := os.ReadFile(providerDir + "/isduba/csaf/white/2025/isduba-2025-01.json")
	if err != nil {
		t.Skipf("shared data absent: %v", err)
	}
	var key bytes.Buffer
	w, err := armor.Encode(&key, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := listed.Serialize(w); err != nil {
		t.Fatal(err)
	}
	w.Close()
	var sig bytes.Buffer
	if signer != nil {
		if err := openpgp.ArmoredDetachSign(&sig, signer, bytes.NewReader(doc), nil); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	var base string
	mux.HandleFunc("/provider-metadata.json", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"canonical_url":"https://example.com/provider-metadata.json","metadata_version":"2.0","role":"csaf_trusted_provider",
			"public_openpgp_keys":[{"fingerprint":"` + listedFingerprint + `","url":"https://example.com/key.asc"}],
			"distributions":[{"rolie":{"feeds":[{"tlp_label":"WHITE","url":"https://example.com/feed.json"}]}}]}`))
	})
	mux.HandleFunc("/feed.json", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"feed":{"id":"f","entry":[{"id":"isduba-2025-01","content":{"src":"` + base + `/doc.json"},"link":[{"rel":"self","href":"` + base + `/doc.json"}]}]}}`))
	})
	mux.HandleFunc("/key.asc", func(w http.ResponseWriter, r *http.Request) { w.Write(key.Bytes()) })
	mux.HandleFunc("/doc.json", func(w http.ResponseWriter, r *http.Request) { w.Write(doc) })
	mux.HandleFunc("/doc.json.asc", func(w http.ResponseWriter, r *http.Request) {
		if signer == nil {
			http.NotFound(w, r)
			return
		}
		w.Write(sig.Bytes())
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	base = srv.URL
	return srv.URL + "/provider-metadata.json"
}

func fingerprintOf(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

// TestMirrorSignatures: an advisory signed by the key the provider lists is taken, with
// its signer; one signed by another key, an unsigned one, and a listed key whose
// fingerprint is not the one listed are refused with an error that says so.
func TestMirrorSignatures(t *testing.T) {
	provider, err := openpgp.NewEntity("CSAF provider", "test", "csaf@provider.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := openpgp.NewEntity("Someone else", "test", "other@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	docs, err := (&Mirror{}).Fetch(ctx, testProvider(t, provider, provider, fingerprintOf(provider)))
	if err != nil || len(docs) != 1 || docs[0].Signer != fingerprintOf(provider) {
		t.Fatalf("signed by the provider's key: %v, %v", docs, err)
	}
	for _, tt := range []struct {
		name        string
		signer      *openpgp.Entity
		fingerprint string
		want        string
	}{
		{"signed by another key", stranger, fingerprintOf(provider), "does not verify against the provider's key(s) " + fingerprintOf(provider)},
		{"unsigned", nil, fingerprintOf(provider), "no OpenPGP signature"},
		{"key not the one listed", provider, fingerprintOf(stranger), "is not the key " + fingerprintOf(stranger)},
	} {
		_, err := (&Mirror{}).Fetch(ctx, testProvider(t, provider, tt.signer, tt.fingerprint))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}
