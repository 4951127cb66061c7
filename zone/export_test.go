package zone

import (
	"bytes"
	"encoding/csv"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"medsec/tabular"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n%s", name, got)
	}
}

func TestWriteNFT(t *testing.T) {
	m := hospital()
	m.Conduits = append(m.Conduits, Conduit{ID: 7, Name: `quote " and \ back` + strings.Repeat("長", 60), From: zWiFi, To: zServers, Protocol: ProtoUDP})
	c := mustChecker(t, m)
	var b bytes.Buffer
	if err := WriteNFT(&b, c.Locator(), m.Conduits, NFTOptions{}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"table inet medsec {",
		"type filter hook forward priority 0; policy drop;",
		`ip saddr { 10.20.1.0/24, 10.20.3.10 } ip daddr { 10.1.0.10 } tcp dport { 104, 11112 } counter accept comment "conduit 1: modalities to PACS [app dicom]"`,
		// No source whitelist: the ICU LAN's own addresses.
		`ip saddr { 192.168.10.0/24 } ip daddr { 10.20.2.10 } udp dport { 6000-6010 } counter accept comment "conduit 3: monitors to central station"`,
		// To the catch-all Internet zone: no destination restriction; both families of the server zone.
		`ip saddr { 10.1.0.0/16 } tcp dport { 443 } counter accept comment "conduit 4: servers to Internet HTTPS"`,
		`ip6 saddr { 2001:db8:20:30::/64 } ip6 daddr { 2001:db8:20::100/120 } tcp dport { 8080-8090 }`,
		`ip saddr { 10.20.0.0-10.20.29.255, 10.20.31.0-10.20.39.255, 10.20.44.0-10.20.255.255 } ip daddr { 10.0.0.0/16, 10.2.0.0-10.19.255.255, 10.21.0.0-10.255.255.255 } meta l4proto icmp counter accept`,
		`meta l4proto ipv6-icmp counter accept comment "conduit 6: OT ping to intranet"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("ruleset lacks %q", want)
		}
	}
	// The dialysis conduit is IPv6-only: no ip rule for it.
	if strings.Contains(out, `ip saddr { 10.20.30.0/24 }`) {
		t.Error("IPv4 rule emitted for an IPv6-only whitelist")
	}
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, `comment "`); i >= 0 {
			c := line[i+len(`comment "`) : len(line)-1]
			if strings.ContainsAny(c, "\"\\") || len(c) > 128 {
				t.Errorf("unsafe comment %q", c)
			}
		}
	}
	if strings.Count(out, "{") != strings.Count(out, "}") {
		t.Error("unbalanced braces")
	}
	golden(t, "hospital.nft", b.Bytes())

	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("nft is not installed: `nft -c -f` check skipped (CI installs nftables)")
	}
	path := filepath.Join(t.TempDir(), "rules.nft")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("nft", "-c", "-f", path).CombinedOutput(); err != nil {
		t.Errorf("nft -c -f: %v\n%s", err, out)
	}
}

func TestWriteNFTRejectsBadNames(t *testing.T) {
	c := mustChecker(t, hospital())
	if err := WriteNFT(&bytes.Buffer{}, c.Locator(), nil, NFTOptions{Table: "x; flush ruleset"}); err == nil {
		t.Error("bad table name accepted")
	}
}

func TestWriteCSV(t *testing.T) {
	m := hospital()
	c := mustChecker(t, m)
	var b bytes.Buffer
	if err := WriteCSV(&b, c.Locator(), m.Conduits); err != nil {
		t.Fatal(err)
	}
	data, ok := bytes.CutPrefix(b.Bytes(), []byte("\uFEFF"))
	if !ok {
		t.Error("no UTF-8 byte-order mark")
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != strings.Join(CSVHeader, ",") {
		t.Errorf("header = %s", got)
	}
	want := [][]string{
		{"1", "modalities to PACS", "OT zone", "IT servers", "ipv4", "tcp", "104 11112", "dicom", "10.20.1.0/24 10.20.3.10", "10.1.0.10", "filtering", "accept"},
		{"2", "ICU server HL7 to HIS", "OT zone", "IT servers", "ipv4", "tcp", "2575", "", "10.20.2.50", "10.1.0.20", "", "accept"},
		{"3", "monitors to central station", "ICU monitor LAN", "OT zone", "ipv4", "udp", "6000-6010", "", "192.168.10.0/24", "10.20.2.10", "", "accept"},
		{"4", "servers to Internet HTTPS", "IT servers", "Internet", "ipv4", "tcp", "443", "", "10.1.0.0/16", "any", "", "accept"},
		{"5", "dialysis IPv6 to OT", "Dialysis LAN", "OT zone", "ipv6", "tcp", "8080-8090", "", "2001:db8:20:30::/64", "2001:db8:20::100/120", "", "accept"},
	}
	for i, w := range want {
		if got := recs[i+1]; strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %q\nwant %q", i+1, got, w)
		}
	}
	// Conduit 6 (ICMP OT→intranet) has a row for each family.
	if n := len(recs); n != 1+5+2 {
		t.Errorf("rows = %d, want 8", n)
	}
}

// TestWriteCSVFormulas: zone and conduit names come from users; none may reach a
// spreadsheet as a formula (security review F12).
func TestWriteCSVFormulas(t *testing.T) {
	m := hospital()
	m.Zones[0].Name = `=cmd|' /C calc'!A0`
	m.Conduits[0].Name = `=HYPERLINK("http://evil.example","fw")`
	m.Conduits[0].App = "@app"
	c := mustChecker(t, m)
	var b bytes.Buffer
	if err := WriteCSV(&b, c.Locator(), m.Conduits); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, rec := range recs {
		for j, cell := range rec {
			if tabular.NeedsQuote(cell) && !strings.HasPrefix(cell, "'") {
				t.Errorf("row %d column %d: %q can run as a formula", i+1, j+1, cell)
			}
			if strings.HasPrefix(cell, "'") {
				n++
			}
		}
	}
	if n < 3 {
		t.Errorf("%d neutralised cells, want at least 3 (zone, conduit, app)", n)
	}
}

func TestMergePorts(t *testing.T) {
	got := portElems([]PortRange{{11112, 11112}, {100, 200}, {150, 160}, {201, 210}, {104, 104}})
	if want := "{ 100-210, 11112 }"; got != want {
		t.Errorf("portElems = %q, want %q", got, want)
	}
}
