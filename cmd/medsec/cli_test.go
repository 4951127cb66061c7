package main

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec"
	"medsec/sqlstore"
)

// TestTokenBackupRestore runs the CLI as an operator would: a token for the API, a backup
// while the server runs, a restore after it stops.
func TestTokenBackupRestore(t *testing.T) {
	ctx := context.Background()
	base, data := startServer(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "ciso"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	get := func(path string) int {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if status := get("/api/v1/assets"); status != 200 {
		t.Fatalf("API with the new token: %d", status)
	}
	if status := get("/api/v1/users"); status != 403 {
		t.Errorf("security officer token on admin route: %d, want 403", status)
	}
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "nobody"}, io.Discard, io.Discard); err == nil {
		t.Error("token for an unknown user was made")
	}

	backup := filepath.Join(t.TempDir(), "medsec-backup.db")
	if err := run(ctx, []string{"backup", "--data", data, "--out", backup}, io.Discard, io.Discard); err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	if err := run(ctx, []string{"restore", "--data", data, "--from", backup}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "stop the server") {
		t.Errorf("restore while serving: err = %v, want a refusal", err)
	}
	// Change the live database after the backup: the restore must undo it.
	db, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	sys := medsec.NewContextWithUser(ctx, medsec.SystemUser)
	if err := sqlstore.NewOrgService(db).CreateVendor(sys, &medsec.Vendor{Name: "After the backup"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	bad := filepath.Join(t.TempDir(), "not-a-backup.db")
	os.WriteFile(bad, []byte("hello"), 0o600)
	// An archive whose evidence file does not match its name is refused whole.
	tampered := filepath.Join(t.TempDir(), "tampered.tar")
	writeTar(t, tampered, map[string]string{"medsec.db": "x", "evidence/ab/ab" + strings.Repeat("0", 62): "not this content"})
	evidenceBefore := countFiles(t, filepath.Join(data, "evidence"))
	if evidenceBefore == 0 {
		t.Fatal("the demo stored no evidence files: the backup test would prove nothing about them")
	}

	stopServer(t)
	for _, f := range []string{bad, tampered} {
		if err := run(ctx, []string{"restore", "--data", data, "--from", f}, io.Discard, io.Discard); err == nil {
			t.Errorf("%s was restored", filepath.Base(f))
		}
	}
	os.RemoveAll(filepath.Join(data, "evidence"))
	if err := run(ctx, []string{"restore", "--data", data, "--from", backup}, io.Discard, io.Discard); err != nil {
		t.Fatalf("restore: %v", err)
	}
	db, err = sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vendors, err := sqlstore.NewOrgService(db).FindVendors(sys)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vendors {
		if v.Name == "After the backup" {
			t.Error("the restore kept a change made after the backup")
		}
	}
	_, total, err := sqlstore.NewAssetService(db).FindAssets(sys, medsec.AssetFilter{})
	if err != nil || total < 150 {
		t.Errorf("restored inventory has %d assets, %v", total, err)
	}
	if got := countFiles(t, filepath.Join(data, "evidence")); got != evidenceBefore {
		t.Errorf("restored %d evidence files, want %d", got, evidenceBefore)
	}
	old, _ := filepath.Glob(filepath.Join(data, "medsec.db.before-restore-*"))
	if len(old) == 0 {
		t.Error("the replaced database was not kept")
	}
}

// TestHTTPSMinimumTLS13 serves HTTPS and checks that TLS 1.2 clients are refused by default.
func TestHTTPSMinimumTLS13(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	base, _ := startServer(t, "--tls-cert", certFile, "--tls-key", keyFile)
	addr := strings.TrimPrefix(base, "http://")
	dial := func(max uint16) error {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true, MaxVersion: max})
		if err == nil {
			conn.Close()
		}
		return err
	}
	if err := dial(tls.VersionTLS12); err == nil {
		t.Error("a TLS 1.2 client was accepted")
	}
	if err := dial(tls.VersionTLS13); err != nil {
		t.Errorf("TLS 1.3 client: %v", err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get("https://" + addr + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no HSTS header over HTTPS")
	}
}

// TestHTTPSTLS12OnlyAEAD serves HTTPS with --tls-min 1.2 and checks that TLS 1.2 clients
// get a forward-secret AEAD suite and that CBC/SHA-1 suites are refused.
func TestHTTPSTLS12OnlyAEAD(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	base, _ := startServer(t, "--tls-cert", certFile, "--tls-key", keyFile, "--tls-min", "1.2")
	addr := strings.TrimPrefix(base, "http://")
	dial := func(suite uint16) error {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr,
			&tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{suite}})
		if err == nil {
			conn.Close()
		}
		return err
	}
	for _, suite := range []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA} {
		if err := dial(suite); err == nil {
			t.Errorf("TLS 1.2 with %s was accepted", tls.CipherSuiteName(suite))
		}
	}
	if err := dial(tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256); err != nil {
		t.Errorf("TLS 1.2 with ECDHE-ECDSA-AES128-GCM-SHA256: %v", err)
	}
}

func writeSelfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600)
	return certFile, keyFile
}

// TestDiscoverStoresRun runs "medsec discover --data --site" beside a running server and
// finds the run through the API.
func TestDiscoverStoresRun(t *testing.T) {
	ctx := context.Background()
	base, data := startServer(t)
	var stderr bytes.Buffer
	if err := run(ctx, []string{"discover", "--data", data, "--site", "MC", "../../capture/testdata/dicom-worklist.pcap"}, io.Discard, &stderr); err != nil {
		t.Fatalf("discover: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stored as discovery run 1") {
		t.Errorf("discover said %q", stderr.String())
	}
	if err := run(ctx, []string{"discover", "--data", data, "--site", "NOPE", "../../capture/testdata/dicom-worklist.pcap"}, io.Discard, io.Discard); err == nil {
		t.Error("a run was stored for an unknown site")
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "auditor"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/discovery", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out.String()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"source": "dicom-worklist.pcap"`) || !strings.Contains(string(body), `"total": 1`) {
		t.Errorf("runs through the API: %d %s", resp.StatusCode, body)
	}
}

func writeTar(t *testing.T, path string, files map[string]string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for name, content := range files {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

// TestTokenListRevokeExpire runs "medsec token" as an operator would: a token with its own
// lifetime, listed with its expiry and last use, then revoked, after which the API refuses
// it.
func TestTokenListRevokeExpire(t *testing.T) {
	ctx := context.Background()
	base, data := startServer(t)
	var out bytes.Buffer
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "soc.wang", "--name", "siem", "--expires", "7d"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	req, _ := http.NewRequest("GET", base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("API with the new token: %d", resp.StatusCode)
	}
	out.Reset()
	if err := run(ctx, []string{"token", "list", "--data", data, "--user", "soc.wang"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") {
		t.Fatalf("token list:\n%s", out.String())
	}
	fields := strings.Fields(lines[1])
	expires, err := time.Parse(time.RFC3339, fields[3])
	if err != nil || fields[1] != "siem" || fields[4] == "never" {
		t.Errorf("token list row %q: want siem, an expiry and a last use", lines[1])
	}
	if d := time.Until(expires); d < 6*24*time.Hour || d > 7*24*time.Hour {
		t.Errorf("a 7-day token expires in %v", d)
	}
	if strings.Contains(out.String(), token) {
		t.Error("token list shows the token itself")
	}
	if err := run(ctx, []string{"token", "create", "--data", data, "--user", "soc.wang", "--expires", "400d"}, io.Discard, io.Discard); err == nil {
		t.Error("a 400-day token was made")
	}
	if err := run(ctx, []string{"token", "revoke", "--data", data, "--id", fields[0]}, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("API with the revoked token: %d, want 401", resp.StatusCode)
	}
}

// TestTokenCreateRefusedBeforeMandatoryTOTP is the retest's N8: with require_totp on,
// "medsec token create" for a user who has not enrolled prints no token and fails with a
// message saying why, through the service's own rule.
func TestTokenCreateRefusedBeforeMandatoryTOTP(t *testing.T) {
	ctx := context.Background()
	_, data := startServer(t)
	db, err := sqlstore.Open(ctx, filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = sqlstore.NewUserService(db).UpdateSettings(asSystem(ctx), medsec.Settings{RequireTOTP: true})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err = run(ctx, []string{"token", "create", "--data", data, "--user", "soc.wang"}, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "two-factor") || out.Len() != 0 {
		t.Errorf("token create before enrolment: err = %v, output %q; want a two-factor refusal and no token", err, out.String())
	}
}
