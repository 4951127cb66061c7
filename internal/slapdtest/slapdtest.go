// Package slapdtest starts Debian's OpenLDAP server, slapd, for tests: its own
// configuration and database under the test's temporary directory, a hospital directory
// loaded with slapadd (people, groups, a service account, {SSHA} passwords), plain LDAP and
// LDAPS on random local ports with a certificate from a CA made for the run. The test is
// skipped when slapd is not installed (CI installs it: .ci/run).
package slapdtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"medsec"
)

// The directory's names. Passwords are long enough for nobody to mistake them for real ones.
const (
	BaseDN          = "dc=hospital,dc=example"
	ServiceDN       = "cn=medsec-svc,ou=services,dc=hospital,dc=example"
	ServicePassword = "svc-bind-Secret-7f3a9c"
	// GroupSecurity (groupOfNames) holds alice and dave; GroupEngineers (groupOfNames) bob
	// and dave; GroupNurses (posixGroup, memberUid) carol and erin; erin is also in
	// GroupVendors (groupOfUniqueNames).
	GroupSecurity  = "cn=medsec-security,ou=groups,dc=hospital,dc=example"
	GroupEngineers = "cn=clinical-engineers-taipei,ou=groups,dc=hospital,dc=example"
	GroupNurses    = "cn=nurses,ou=groups,dc=hospital,dc=example"
	GroupVendors   = "cn=vendor-ge,ou=groups,dc=hospital,dc=example"
)

// Person is one user of the test directory.
type Person struct {
	UID, Name, Mail, Password string
}

// People are the directory's users, by uid.
var People = map[string]Person{
	"alice": {"alice", "Alice Chen", "alice.chen@hospital.example", "alice-Directory-pass-41"},
	"bob":   {"bob", "Bob Lin", "bob.lin@hospital.example", "bob-Directory-pass-52"},
	"carol": {"carol", "Carol Wu", "carol.wu@hospital.example", "carol-Directory-pass-63"},
	"dave":  {"dave", "Dave Huang", "dave.huang@hospital.example", "dave-Directory-pass-74"},
	"erin":  {"erin", "Erin Tsai", "erin.tsai@vendor.example", "erin-Directory-pass-85"},
}

// Server is a running slapd.
type Server struct {
	// URL is ldap://127.0.0.1:port, LDAPSURL ldaps://127.0.0.1:port; CAFile the PEM of the
	// CA that signed the server's certificate (for 127.0.0.1 and localhost).
	URL, LDAPSURL, CAFile string
	// Dir holds slapd.conf, the database and the certificates.
	Dir string
}

// Settings returns directory settings for the server over plain LDAP with the service
// account, enabled, without mappings.
func (s *Server) Settings() medsec.DirectorySettings {
	return medsec.DirectorySettings{Enabled: true, URL: s.URL, BindDN: ServiceDN, BindPassword: ServicePassword, BaseDN: BaseDN, Mappings: []medsec.DirectoryMapping{}}
}

// Slapcat exports the directory's database as LDIF, as an administrator would with
// `slapcat -f slapd.conf`.
func (s *Server) Slapcat(t testing.TB) []byte {
	t.Helper()
	out, err := exec.Command("slapcat", "-f", filepath.Join(s.Dir, "slapd.conf")).Output()
	if err != nil {
		t.Fatalf("slapcat: %v", err)
	}
	return out
}

// Start starts slapd for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	slapd, err := exec.LookPath("slapd")
	if err != nil {
		if slapd, err = exec.LookPath("/usr/sbin/slapd"); err != nil {
			t.Skip("slapd (Debian slapd) is not installed")
		}
	}
	dir := t.TempDir()
	s := &Server{Dir: dir, CAFile: filepath.Join(dir, "ca.pem")}
	if err := writeCertificates(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile %[1]s/slapd.pid
TLSCACertificateFile %[1]s/ca.pem
TLSCertificateFile %[1]s/server.pem
TLSCertificateKeyFile %[1]s/server.key
database mdb
suffix "%[2]s"
rootdn "cn=root,%[2]s"
directory %[1]s/db
maxsize 16777216
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
`, dir, BaseDN)
	confFile := filepath.Join(dir, "slapd.conf")
	if err := os.WriteFile(confFile, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	ldif := filepath.Join(dir, "data.ldif")
	if err := os.WriteFile(ldif, []byte(directoryLDIF()), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("slapadd", "-f", confFile, "-l", ldif).CombinedOutput(); err != nil {
		t.Fatalf("slapadd: %v: %s", err, out)
	}
	for attempt := 0; ; attempt++ {
		port, sport := freePort(t), freePort(t)
		s.URL, s.LDAPSURL = fmt.Sprintf("ldap://127.0.0.1:%d", port), fmt.Sprintf("ldaps://127.0.0.1:%d", sport)
		var stderr strings.Builder
		cmd := exec.Command(slapd, "-f", confFile, "-h", s.URL+"/ "+s.LDAPSURL+"/", "-d", "0")
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("slapd: %v", err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		if listening(port, done) && listening(sport, done) {
			t.Cleanup(func() { cmd.Process.Kill(); <-done })
			return s
		}
		cmd.Process.Kill()
		<-done
		if attempt == 2 {
			t.Fatalf("slapd did not listen: %s", stderr.String())
		}
	}
}

// listening waits up to ten seconds for a port to accept connections, or for the process
// to end.
func listening(port int, done <-chan struct{}) bool {
	for i := 0; i < 100; i++ {
		select {
		case <-done:
			return false
		default:
		}
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			return true
		}
		time.Sleep(100 * time.Millisecond)
	}
	return false
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// ssha returns password's {SSHA} userPassword value, as slappasswd makes it.
func ssha(password string) string {
	salt := make([]byte, 8)
	rand.Read(salt)
	sum := sha1.Sum(append([]byte(password), salt...))
	return "{SSHA}" + base64.StdEncoding.EncodeToString(append(sum[:], salt...))
}

func directoryLDIF() string {
	var b strings.Builder
	fmt.Fprintf(&b, "dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: hospital\no: Example Hospital\n\n", BaseDN)
	for _, ou := range []string{"people", "groups", "services"} {
		fmt.Fprintf(&b, "dn: ou=%s,%s\nobjectClass: organizationalUnit\nou: %s\n\n", ou, BaseDN, ou)
	}
	fmt.Fprintf(&b, "dn: %s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: medsec-svc\nuserPassword: %s\n\n", ServiceDN, ssha(ServicePassword))
	for _, uid := range []string{"alice", "bob", "carol", "dave", "erin"} {
		p := People[uid]
		first, last, _ := strings.Cut(p.Name, " ")
		fmt.Fprintf(&b, "dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nuid: %s\ncn: %s\ngivenName: %s\nsn: %s\ndisplayName: %s\nmail: %s\nuserPassword: %s\n\n",
			uid, BaseDN, uid, p.Name, first, last, p.Name, p.Mail, ssha(p.Password))
	}
	person := func(uid string) string { return "uid=" + uid + ",ou=people," + BaseDN }
	fmt.Fprintf(&b, "dn: %s\nobjectClass: groupOfNames\ncn: medsec-security\nmember: %s\nmember: %s\n\n", GroupSecurity, person("alice"), person("dave"))
	fmt.Fprintf(&b, "dn: %s\nobjectClass: groupOfNames\ncn: clinical-engineers-taipei\nmember: %s\nmember: %s\n\n", GroupEngineers, person("bob"), person("dave"))
	fmt.Fprintf(&b, "dn: %s\nobjectClass: posixGroup\ncn: nurses\ngidNumber: 5001\nmemberUid: carol\nmemberUid: erin\n\n", GroupNurses)
	fmt.Fprintf(&b, "dn: %s\nobjectClass: groupOfUniqueNames\ncn: vendor-ge\nuniqueMember: %s\n\n", GroupVendors, person("erin"))
	return b.String()
}

// writeCertificates makes a CA and a server certificate for 127.0.0.1 and localhost.
func writeCertificates(dir string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "medsec test CA"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	leaf := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	files := map[string]*pem.Block{"ca.pem": {Type: "CERTIFICATE", Bytes: caDER}, "server.pem": {Type: "CERTIFICATE", Bytes: leafDER}, "server.key": {Type: "PRIVATE KEY", Bytes: keyDER}}
	for name, block := range files {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			return err
		}
	}
	return nil
}
