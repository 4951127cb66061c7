package vuln

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

const providerDir = "../../shared/data/csaf/provider"

// serveMirror serves the real CSAF provider trees of ../shared/data/csaf/provider over
// real HTTP on a free port: isduba under /.well-known/csaf/, CISA's IT feed under
// /cisa/.
func serveMirror(t *testing.T) *httptest.Server {
	t.Helper()
	if _, err := os.Stat(providerDir); err != nil {
		t.Skipf("%s absent: %v", providerDir, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/.well-known/csaf/", http.StripPrefix("/.well-known/csaf/", http.FileServer(http.Dir(providerDir+"/isduba/csaf"))))
	mux.Handle("/cisa/", http.StripPrefix("/cisa/", http.FileServer(http.Dir(providerDir+"/cisa-it/IT/white"))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestMirrorProviderMetadata(t *testing.T) {
	srv := serveMirror(t)
	docs, err := (&Mirror{}).Fetch(context.Background(), srv.URL+"/.well-known/csaf/provider-metadata.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("%d documents, want the white feed's 2", len(docs))
	}
	for _, d := range docs {
		// isduba's real signatures, checked against its real key (the metadata's
		// fingerprint).
		if !strings.HasPrefix(d.URL, srv.URL) || d.Hash != "sha512" || d.Signer != "A25FE0F175896BFA636F1A051DE645B1926835DD" {
			t.Errorf("%s: fetched from elsewhere, hash or signature not checked", d)
		}
		f, err := ReadFeed(d.URL, d.Data)
		if err != nil || f.Format != FormatCSAF || len(f.Advisories) != 1 {
			t.Errorf("%s: %v", d.URL, err)
		}
	}
}

func TestMirrorROLIEFeedCISA(t *testing.T) {
	srv := serveMirror(t)
	docs, err := (&Mirror{}).Fetch(context.Background(), srv.URL+"/cisa/cisa-csaf-it-feed-tlp-white.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 4 {
		t.Fatalf("%d documents, want 4", len(docs))
	}
	for _, d := range docs {
		if _, err := ParseCSAF(d.URL, d.Data); err != nil {
			t.Error(err)
		}
	}
}

func TestMirrorBadHash(t *testing.T) {
	srv := serveMirror(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/feed.json", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"feed":{"entry":[{"id":"x","content":{"src":"` + srv.URL + `/.well-known/csaf/white/2025/isduba-2025-01.json"},
			"link":[{"rel":"hash","href":"` + srv.URL + `/.well-known/csaf/white/2025/isduba-2025-02.json.sha512"}]}]}}`))
	})
	bad := httptest.NewServer(mux)
	defer bad.Close()
	_, err := (&Mirror{}).Fetch(context.Background(), bad.URL+"/feed.json")
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "does not match") {
		t.Errorf("err = %v, want a hash mismatch", err)
	}
}

func TestDetectFormat(t *testing.T) {
	for file, want := range map[string]Format{
		"../../shared/data/vuln/csaf-icsma/icsma-18-037-02.json":                     FormatCSAF,
		"../../shared/data/vuln/nvd-cve-2.0/CVE-2017-9657.json":                      FormatNVD,
		"../../shared/data/vuln/nvd-cve-2.0/nvd-api2-envelope-medical-sample.json":   FormatNVD,
		"../../shared/data/vuln/kev/known_exploited_vulnerabilities.json":            FormatKEV,
		"../../shared/data/vuln/epss/vunnel-example-1.csv":                           FormatEPSS,
		"../../shared/data/csaf/provider/isduba/csaf/provider-metadata.json":         FormatCSAFProvider,
		"../../shared/data/csaf/provider/isduba/csaf/white/csaf-feed-tlp-white.json": FormatROLIE,
		"../../shared/data/vuln/kev/known_exploited_vulnerabilities_schema.json":     FormatUnknown,
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Skipf("%s absent", file)
		}
		if got := DetectFormat(data); got != want {
			t.Errorf("%s: %q, want %q", file, got, want)
		}
	}
	if got := DetectFormat(gzipBytes(t, []byte(`{"format":"NVD_CVE","vulnerabilities":[]}`))); got != FormatNVD {
		t.Errorf("gzip NVD: %q", got)
	}
}
