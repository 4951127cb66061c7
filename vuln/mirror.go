package vuln

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Mirror fetches CSAF documents from a mirror of a CSAF provider: a provider-metadata.json
// (CSAF 2.0 §7.1.7) and the ROLIE feeds it lists (§7.1.20), or one ROLIE feed. A mirror
// serves copies whose links still name the original host; links under the document's own
// canonical directory are taken from the mirror instead, relative links are resolved
// against the mirror. Each advisory's SHA-512 or SHA-256 file (§7.1.18), when the feed
// links one, is fetched and checked. When the provider's OpenPGP keys are known — listed
// in its provider-metadata.json (public_openpgp_keys, §7.1.20 and §7.1.19) and checked
// against their fingerprints, or given in Keys — every advisory's detached signature (the
// feed's "signature" link, else the document's URL with ".asc", §7.1.19) must verify
// against them; a document that is unsigned or whose signature does not verify is
// refused. A ROLIE feed fetched alone, with no Keys, is read without checking signatures.
type Mirror struct {
	// Client does the requests; nil means http.DefaultClient.
	Client *http.Client
	// MaxSize bounds one document, in bytes (0: 64 MiB).
	MaxSize int64
	// Keys are trusted OpenPGP public keys, added to those the provider metadata lists.
	Keys openpgp.EntityList
}

// Fetched is one CSAF document fetched from a mirror.
type Fetched struct {
	URL  string
	Data []byte
	// Hash names the checked hash ("sha512"), or "" when the feed links none.
	Hash string
	// Signer is the fingerprint (upper-case hex) of the provider key whose signature
	// verified, or "" when no key was known.
	Signer string
}

// rewriter maps links under the canonical directory of a document to the mirror.
type rewriter struct{ from, to string }

func (r rewriter) resolve(base *url.URL, link string) (string, error) {
	if r.from != "" && strings.HasPrefix(link, r.from) {
		return r.to + strings.TrimPrefix(link, r.from), nil
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	return base.ResolveReference(u).String(), nil
}

func dirOf(u string) string {
	if i := strings.LastIndex(u, "/"); i >= 0 {
		return u[:i+1]
	}
	return u
}

// Fetch reads the document at rawURL — a provider-metadata.json or a ROLIE feed — and
// every CSAF document its feeds list, and returns them. It fails on the first document
// that cannot be fetched or whose hash does not match, naming its URL, so an import of
// the result is all or nothing.
func (m *Mirror) Fetch(ctx context.Context, rawURL string) ([]Fetched, error) {
	data, err := m.get(ctx, rawURL)
	if err != nil {
		return nil, err
	}
	switch DetectFormat(data) {
	case FormatCSAFProvider:
		var pm struct {
			CanonicalURL string `json:"canonical_url"`
			Keys         []struct {
				Fingerprint string `json:"fingerprint"`
				URL         string `json:"url"`
			} `json:"public_openpgp_keys"`
			Distributions []struct {
				ROLIE *struct {
					Feeds []struct {
						URL string `json:"url"`
					} `json:"feeds"`
				} `json:"rolie"`
			} `json:"distributions"`
		}
		if err := json.Unmarshal(data, &pm); err != nil {
			return nil, inputErr(rawURL, "", "provider metadata: %v", err)
		}
		rw := rewriter{from: dirOf(pm.CanonicalURL), to: dirOf(rawURL)}
		base, _ := url.Parse(rawURL)
		keys := append(openpgp.EntityList{}, m.Keys...)
		for i, k := range pm.Keys {
			keyURL, err := rw.resolve(base, k.URL)
			if err != nil {
				return nil, inputErr(rawURL, jsonPointer("public_openpgp_keys", i, "url"), "%v", err)
			}
			ks, err := m.providerKey(ctx, keyURL, k.Fingerprint)
			if err != nil {
				return nil, err
			}
			keys = append(keys, ks...)
		}
		var out []Fetched
		for _, d := range pm.Distributions {
			if d.ROLIE == nil {
				continue
			}
			for _, f := range d.ROLIE.Feeds {
				feedURL, err := rw.resolve(base, f.URL)
				if err != nil {
					return nil, inputErr(rawURL, "", "feed URL %q: %v", f.URL, err)
				}
				docs, err := m.fetchFeed(ctx, feedURL, nil, keys)
				if err != nil {
					return nil, err
				}
				out = append(out, docs...)
			}
		}
		return out, nil
	case FormatROLIE:
		return m.fetchFeed(ctx, rawURL, data, m.Keys)
	case FormatCSAF:
		return []Fetched{{URL: rawURL, Data: data}}, nil
	}
	return nil, inputErr(rawURL, "", "not a CSAF provider-metadata.json, ROLIE feed or CSAF document")
}

type rolieLink struct {
	Rel  string `json:"rel"`
	Ref  string `json:"ref"` // CISA's feeds write "ref" where ROLIE has "rel"
	Href string `json:"href"`
}

func (l rolieLink) relation() string {
	if l.Rel != "" {
		return l.Rel
	}
	return l.Ref
}

// providerKey fetches an armored OpenPGP public key the provider metadata lists and checks
// its primary key has the fingerprint listed beside it.
func (m *Mirror) providerKey(ctx context.Context, keyURL, fingerprint string) (openpgp.EntityList, error) {
	data, err := m.get(ctx, keyURL)
	if err != nil {
		return nil, err
	}
	ks, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(data))
	if err != nil {
		return nil, inputErr(keyURL, "", "OpenPGP public key: %v", err)
	}
	want := strings.ToUpper(strings.ReplaceAll(fingerprint, " ", ""))
	for _, k := range ks {
		if got := strings.ToUpper(hex.EncodeToString(k.PrimaryKey.Fingerprint)); got != want {
			return nil, inputErr(keyURL, "", "OpenPGP key %s is not the key %s the provider metadata lists", got, want)
		}
	}
	return ks, nil
}

// checkSignature fetches a detached armored signature and verifies it over doc with keys;
// it returns the signing key's fingerprint.
func (m *Mirror) checkSignature(ctx context.Context, sigURL, docURL string, doc []byte, keys openpgp.EntityList) (string, error) {
	sig, err := m.get(ctx, sigURL)
	if err != nil {
		return "", inputErr(docURL, "", "no OpenPGP signature (%v); the provider signs its advisories, so an unsigned one is refused", err)
	}
	signer, err := openpgp.CheckArmoredDetachedSignature(keys, bytes.NewReader(doc), bytes.NewReader(sig), nil)
	if err != nil {
		return "", inputErr(docURL, "", "OpenPGP signature %s does not verify against the provider's key(s) %s: %v; the document is refused", sigURL, fingerprints(keys), err)
	}
	return strings.ToUpper(hex.EncodeToString(signer.PrimaryKey.Fingerprint)), nil
}

func fingerprints(keys openpgp.EntityList) string {
	var out []string
	for _, k := range keys {
		out = append(out, strings.ToUpper(hex.EncodeToString(k.PrimaryKey.Fingerprint)))
	}
	return strings.Join(out, ", ")
}

func (m *Mirror) fetchFeed(ctx context.Context, feedURL string, data []byte, keys openpgp.EntityList) ([]Fetched, error) {
	if data == nil {
		var err error
		if data, err = m.get(ctx, feedURL); err != nil {
			return nil, err
		}
	}
	var feed struct {
		Feed struct {
			Link  []rolieLink `json:"link"`
			Entry []struct {
				ID      string      `json:"id"`
				Link    []rolieLink `json:"link"`
				Content struct {
					Src string `json:"src"`
				} `json:"content"`
			} `json:"entry"`
		} `json:"feed"`
	}
	if err := json.Unmarshal(data, &feed); err != nil {
		return nil, inputErr(feedURL, "", "ROLIE feed: %v", err)
	}
	rw := rewriter{}
	for _, l := range feed.Feed.Link {
		if l.relation() == "self" {
			rw = rewriter{from: dirOf(l.Href), to: dirOf(feedURL)}
		}
	}
	base, _ := url.Parse(feedURL)
	var out []Fetched
	for i, e := range feed.Feed.Entry {
		src := e.Content.Src
		var hashURL, sigURL string
		for _, l := range e.Link {
			switch l.relation() {
			case "self":
				if src == "" {
					src = l.Href
				}
			case "signature":
				sigURL = l.Href
			case "hash":
				// SHA-512 is preferred when both are linked.
				if hashURL == "" || strings.HasSuffix(l.Href, ".sha512") {
					hashURL = l.Href
				}
			}
		}
		if src == "" {
			return nil, inputErr(feedURL, jsonPointer("feed", "entry", i), "entry %q links no document", e.ID)
		}
		docURL, err := rw.resolve(base, src)
		if err != nil {
			return nil, inputErr(feedURL, jsonPointer("feed", "entry", i, "content", "src"), "%v", err)
		}
		doc, err := m.get(ctx, docURL)
		if err != nil {
			return nil, err
		}
		f := Fetched{URL: docURL, Data: doc}
		if hashURL != "" {
			hu, err := rw.resolve(base, hashURL)
			if err != nil {
				return nil, inputErr(feedURL, jsonPointer("feed", "entry", i, "link"), "%v", err)
			}
			if f.Hash, err = m.checkHash(ctx, hu, doc); err != nil {
				return nil, err
			}
		}
		if len(keys) > 0 {
			su := docURL + ".asc"
			if sigURL != "" {
				if su, err = rw.resolve(base, sigURL); err != nil {
					return nil, inputErr(feedURL, jsonPointer("feed", "entry", i, "link"), "%v", err)
				}
			}
			if f.Signer, err = m.checkSignature(ctx, su, docURL, doc, keys); err != nil {
				return nil, err
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// checkHash fetches a hash file ("<hex>  <name>", as sha512sum writes it) and compares.
func (m *Mirror) checkHash(ctx context.Context, hashURL string, doc []byte) (string, error) {
	data, err := m.get(ctx, hashURL)
	if err != nil {
		return "", err
	}
	var h hash.Hash
	name := "sha256"
	if strings.HasSuffix(path.Base(hashURL), ".sha512") {
		h, name = sha512.New(), "sha512"
	} else {
		h = sha256.New()
	}
	h.Write(doc)
	fields := strings.Fields(string(data))
	if len(fields) == 0 || !strings.EqualFold(fields[0], hex.EncodeToString(h.Sum(nil))) {
		return "", inputErr(hashURL, "", "%s does not match the document", name)
	}
	return name, nil
}

func (m *Mirror) get(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, inputErr(u, "", "%v", err)
	}
	c := m.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, inputErr(u, "", "fetch: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, inputErr(u, "", "fetch: HTTP %s", resp.Status)
	}
	limit := m.MaxSize
	if limit <= 0 {
		limit = 64 << 20
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, inputErr(u, "", "fetch: %v", err)
	}
	if int64(len(data)) > limit {
		return nil, inputErr(u, "", "fetch: larger than %d bytes", limit)
	}
	return data, nil
}

// String describes the fetched document for logs.
func (f Fetched) String() string {
	return fmt.Sprintf("%s (%d bytes, hash %s, signed by %s)", f.URL, len(f.Data), f.Hash, f.Signer)
}
