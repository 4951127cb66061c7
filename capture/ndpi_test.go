package capture

import (
	"bufio"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// ndpiFlow is one flow line of nDPI's ndpiReader output (.pcap.out).
type ndpiFlow struct {
	transport string
	a, b      netip.AddrPort
	proto     string
	aPkts     int64
	aBytes    int64
	bPkts     int64
	bBytes    int64
	line      string
	byPort    bool
}

var ndpiLine = regexp.MustCompile(`^\s+\d+\s+(TCP|UDP) (\S+) (<->|->) (\S+) \[proto: [\d.]+/([^\]]+)\].*?\[(\d+) pkts/(\d+) bytes (?:<->|->) (\d+) pkts/(\d+) bytes\]`)

func readNDPI(t *testing.T, path string) []ndpiFlow {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []ndpiFlow
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := ndpiLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		a, err1 := netip.ParseAddrPort(m[2])
		b, err2 := netip.ParseAddrPort(m[4])
		if err1 != nil || err2 != nil {
			continue
		}
		n := func(s string) int64 { v, _ := strconv.ParseInt(s, 10, 64); return v }
		out = append(out, ndpiFlow{transport: strings.ToLower(m[1]), a: a, b: b, proto: m[5],
			aPkts: n(m[6]), aBytes: n(m[7]), bPkts: n(m[8]), bBytes: n(m[9]), line: m[0], byPort: strings.Contains(sc.Text(), "Confidence: Match by port")})
	}
	return out
}

// ndpiApp maps nDPI protocol names to ours; "" means no expectation.
func ndpiApp(p string) (string, bool) {
	master, _, _ := strings.Cut(p, ".")
	switch master {
	case "HL7":
		return "hl7", true
	case "Modbus":
		return "modbus", true
	case "S7Comm":
		return "s7comm", true
	case "DNP3":
		return "dnp3", true
	case "BACnet":
		return "bacnet", true
	case "EthernetIP":
		return "ethernet-ip", true
	case "TLS":
		return "tls", true
	case "HTTP":
		return "http", true
	case "DHCP":
		return "dhcp", true
	case "SSDP":
		return "ssdp", true
	case "DNS", "MDNS", "LLMNR":
		return "dns", true
	}
	return "", false
}

// TestAgainstNDPI compares flows, per-direction packet and byte counts and
// identified protocols with nDPI's expected results for the shared samples.
func TestAgainstNDPI(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir(), "*.pcap"))
	if len(files) == 0 {
		t.Skipf("shared sample captures not present in %s (set MEDSEC_SHARED_PCAP)", sharedDir())
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			want := readNDPI(t, file+".out")
			if len(want) == 0 {
				t.Fatalf("no flows parsed from %s.out", file)
			}
			res, err := AnalyzeFiles([]string{file}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			type key struct {
				tr   string
				a, b netip.AddrPort
			}
			mine := map[key]Flow{}
			for _, f := range res.Flows {
				a := netip.AddrPortFrom(f.Client.Address, f.Client.Port)
				b := netip.AddrPortFrom(f.Server.Address, f.Server.Port)
				mine[key{f.Transport, a, b}] = f
			}
			var countBad, appBad, apps int
			for _, w := range want {
				f, ok := mine[key{w.transport, w.a, w.b}]
				aIsClient := true
				if !ok {
					f, ok = mine[key{w.transport, w.b, w.a}]
					aIsClient = false
				}
				if !ok {
					t.Errorf("flow missing: %s", w.line)
					continue
				}
				gotA := [2]int64{f.ClientPackets, f.ClientBytes}
				gotB := [2]int64{f.ServerPackets, f.ServerBytes}
				if !aIsClient {
					gotA, gotB = gotB, gotA
				}
				if gotA != [2]int64{w.aPkts, w.aBytes} || gotB != [2]int64{w.bPkts, w.bBytes} {
					countBad++
					if countBad < 5 {
						t.Errorf("%s: got %v <-> %v, nDPI %d/%d <-> %d/%d", w.line[:60], gotA, gotB, w.aPkts, w.aBytes, w.bPkts, w.bBytes)
					}
				}
				// nDPI's "Match by port" guesses are not content evidence
				// (gnutella.pcap has Gnutella on the BACnet port); medsec
				// identifies by content only.
				if app, ok := ndpiApp(w.proto); ok && !w.byPort {
					apps++
					if f.App != app {
						appBad++
						t.Errorf("%s %s -> %s: app %q, nDPI %q", w.transport, w.a, w.b, f.App, w.proto)
					}
				}
			}
			if countBad > 0 {
				t.Errorf("%d of %d flows differ in packet/byte counts", countBad, len(want))
			}
			t.Logf("%d flows compared, %d with a protocol expectation, %d app mismatches", len(want), apps, appBad)
		})
	}
}
