package vuln

import (
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
)

// Mirror fetches CSAF documents from a mirror of a CSAF provider: a provider-metadata.json
// (CSAF 2.0 §7.1.7) and the ROLIE feeds it lists (§7.1.20), or one ROLIE feed. A mirror
// serves copies whose links still name the original host; links under the document's own
// canonical directory are taken from the mirror instead, relative links are resolved
// against the mirror. Each advisory's SHA-512 or SHA-256 file (§7.1.18), when the feed
// links one, is fetched and checked.
type Mirror struct {
	// Client does the requests; nil means http.DefaultClient.
	Client *http.Client
	// MaxSize bounds one document, in bytes (0: 64 MiB).
	MaxSize int64
}

// Fetched is one CSAF document fetched from a mirror.
type Fetched struct {
	URL  string
	Data []byte
	// Hash names the checked hash ("sha512"), or "" when the feed links none.
	Hash string
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
			CanonicalURL  string `json:"canonical_url"`
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
				docs, err := m.fetchFeed(ctx, feedURL, nil)
				if err != nil {
					return nil, err
				}
				out = append(out, docs...)
			}
		}
		return out, nil
	case FormatROLIE:
		return m.fetchFeed(ctx, rawURL, data)
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

func (m *Mirror) fetchFeed(ctx context.Context, feedURL string, data []byte) ([]Fetched, error) {
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
		var hashURL string
		for _, l := range e.Link {
			switch l.relation() {
			case "self":
				if src == "" {
					src = l.Href
				}
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
	return fmt.Sprintf("%s (%d bytes, hash %s)", f.URL, len(f.Data), f.Hash)
}
