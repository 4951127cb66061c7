package capture

import (
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// tsharkInner returns, for a capture, the innermost IP addresses of every
// packet and the HL7 message types tshark decodes (decodeAs is passed with
// -d when set).
func tsharkInner(t *testing.T, file, decodeAs string) (addrs []string, hl7 []string, protos string) {
	t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Skip("tshark not installed: cannot cross-check the decapsulation")
	}
	args := []string{"-r", file, "-T", "fields", "-E", "occurrence=l", "-E", "separator=/t",
		"-e", "ip.src", "-e", "ip.dst", "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "hl7.message.type", "-e", "hl7.event.type", "-e", "frame.protocols"}
	if decodeAs != "" {
		args = append([]string{"-d", decodeAs}, args...)
	}
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark %s: %v", file, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		// The innermost addresses: IPv4 unless the packet's last IP layer is
		// IPv6 (the outer one of an IPv6 tunnel comes first).
		if strings.HasSuffix(strings.Split(f[6], ":tcp")[0], "ipv6") {
			addrs = append(addrs, f[2], f[3])
		} else {
			addrs = append(addrs, f[0], f[1])
		}
		if f[4] != "" {
			hl7 = append(hl7, f[4]+"^"+f[5])
		}
		if strings.Contains(f[6], ":hl7") {
			protos = f[6]
		}
	}
	slices.Sort(addrs)
	return slices.Compact(addrs), hl7, protos
}

// TestTunnelledMirror checks that mirrored traffic delivered inside a tunnel
// yields the devices inside, and that the tunnel ends are reported as the
// mirror and never as hosts. Each capture is cross-checked with tshark: the
// dissector chain, the inner addresses and the HL7 messages must agree.
func TestTunnelledMirror(t *testing.T) {
	tests := []struct {
		file     string
		decodeAs string // tshark -d, where its heuristics guess otherwise
		chain    string // tshark's dissector chain to the HL7 message
		hosts    []string
		macs     bool
		mirror   Mirror
		vlan     int
	}{
		{file: "case:erspan-type2-hl7.pcap", chain: "eth:ethertype:ip:gre:erspan:eth:ethertype:ip:tcp:hl7",
			hosts: []string{"10.30.2.21", "10.30.2.5"}, macs: true,
			mirror: Mirror{Encapsulation: EncapERSPAN2, Source: ip("192.0.2.1"), Destination: ip("192.0.2.50"), ID: 7, Packets: 10}},
		{file: "testdata/tunnels/erspan-type2-ipv6-hl7.pcap", chain: "eth:ethertype:ipv6:gre:erspan:eth:ethertype:ip:tcp:hl7",
			hosts: []string{"10.40.7.21", "10.40.7.5"}, macs: true,
			mirror: Mirror{Encapsulation: EncapERSPAN2, Source: ip("2001:db8::1"), Destination: ip("2001:db8::50"), ID: 9, Packets: 8}},
		{file: "testdata/tunnels/erspan-type3-hl7.pcap", chain: "eth:ethertype:ip:gre:erspan:eth:ethertype:ip:tcp:hl7",
			hosts: []string{"10.40.7.21", "10.40.7.5"}, macs: true, vlan: 30,
			mirror: Mirror{Encapsulation: EncapERSPAN3, Source: ip("192.0.2.1"), Destination: ip("192.0.2.50"), ID: 7, Packets: 8}},
		{file: "testdata/tunnels/erspan-type3-platform-hl7.pcap", chain: "eth:ethertype:ip:gre:erspan:eth:ethertype:ip:tcp:hl7",
			hosts: []string{"10.40.7.21", "10.40.7.5"}, macs: true,
			mirror: Mirror{Encapsulation: EncapERSPAN3, Source: ip("192.0.2.1"), Destination: ip("192.0.2.50"), ID: 8, Packets: 8}},
		{file: "testdata/tunnels/vxlan-hl7.pcap", chain: "eth:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp:hl7",
			hosts: []string{"10.40.7.21", "10.40.7.5"}, macs: true,
			mirror: Mirror{Encapsulation: EncapVXLAN, Source: ip("198.51.100.10"), Destination: ip("198.51.100.20"), ID: 5001, Packets: 8}},
		{file: "testdata/tunnels/gre-eth-hl7.pcap", chain: "eth:ethertype:ip:gre:eth:ethertype:ip:tcp:hl7",
			hosts: []string{"10.40.7.21", "10.40.7.5"}, macs: true,
			mirror: Mirror{Encapsulation: EncapGRE, Source: ip("192.0.2.1"), Destination: ip("192.0.2.50"), ID: 42, Packets: 8}},
		{file: "testdata/tunnels/gre-ip-hl7.pcap", chain: "eth:ethertype:ip:gre:ip:tcp:hl7",
			hosts:  []string{"10.40.7.21", "10.40.7.5"},
			mirror: Mirror{Encapsulation: EncapGRE, Source: ip("192.0.2.1"), Destination: ip("192.0.2.50"), Packets: 8}},
		{file: "testdata/tunnels/mpls-ip-hl7.pcap", chain: "eth:ethertype:mpls:ip:tcp:hl7",
			hosts:  []string{"10.40.7.21", "10.40.7.5"},
			mirror: Mirror{Encapsulation: EncapMPLS, ID: 300, Packets: 8}},
		{file: "testdata/tunnels/mpls-eompls-cw-hl7.pcap", decodeAs: "mpls.label==400,pwethcw", chain: "eth:ethertype:mpls:eth:ethertype:ip:tcp:hl7",
			hosts: []string{"10.40.7.21", "10.40.7.5"}, macs: true,
			mirror: Mirror{Encapsulation: EncapMPLS, ID: 400, Packets: 8}},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.file), func(t *testing.T) {
			file := resolve(t, tc.file)
			wantAddrs, wantHL7, chain := tsharkInner(t, file, tc.decodeAs)
			if chain != tc.chain {
				t.Fatalf("tshark decodes %s, want %s", chain, tc.chain)
			}
			if !slices.Equal(wantAddrs, sortedCopy(tc.hosts)) {
				t.Fatalf("tshark's inner addresses %v, want %v", wantAddrs, tc.hosts)
			}
			r, err := AnalyzeFiles([]string{file}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range r.Hosts {
				got = append(got, h.Address.String())
				if (len(h.MACs) > 0) != tc.macs {
					t.Errorf("host %s MACs %v, want inner MACs: %v", h.Address, h.MACs, tc.macs)
				}
				for _, m := range h.MACs {
					if strings.HasPrefix(m, "02:aa:") {
						t.Errorf("host %s has the mirror's MAC %s", h.Address, m)
					}
				}
				if tc.vlan != 0 && !slices.Equal(h.VLANs, []int{tc.vlan}) {
					t.Errorf("host %s VLANs %v, want [%d] from the ERSPAN header", h.Address, h.VLANs, tc.vlan)
				}
			}
			if !slices.Equal(sortedCopy(got), wantAddrs) {
				t.Errorf("hosts %v, want the inner ones %v (tunnel ends are not devices)", got, wantAddrs)
			}
			fs := facts(r)
			for _, want := range []string{tc.hosts[0] + " hl7-application=LABSYS", tc.hosts[1] + " hl7-application=HIS"} {
				if !fs[want] {
					t.Errorf("missing fact %q; have %v", want, fs)
				}
			}
			var msgs []string
			for _, f := range r.Flows {
				if f.App != "hl7" || f.Client.Address.String() != tc.hosts[0] || f.Server.Port != 2575 {
					t.Errorf("flow %+v, want hl7 from %s to port 2575", f, tc.hosts[0])
				}
				for _, d := range f.Details {
					if typ, ok := strings.CutPrefix(d, "hl7 "); ok {
						msgs = append(msgs, strings.Fields(typ)[0])
					}
				}
			}
			if len(msgs) != len(wantHL7) {
				t.Errorf("HL7 messages %v, tshark %v", msgs, wantHL7)
			}
			if len(r.Mirrors) != 1 {
				t.Fatalf("mirrors %+v, want one", r.Mirrors)
			}
			m := r.Mirrors[0]
			m.FirstSeen, m.LastSeen = tc.mirror.FirstSeen, tc.mirror.LastSeen
			if m != tc.mirror {
				t.Errorf("mirror %+v, want %+v", m, tc.mirror)
			}
			st := Match(r, []InventoryItem{{ID: "1", Name: "switch", IPs: []netip.Addr{ip("192.0.2.1")}}})
			for _, h := range st.ProposedNew {
				if !slices.Contains(tc.hosts, h.Address.String()) {
					t.Errorf("tunnel end %s proposed as a new asset", h.Address)
				}
			}
		})
	}
}

func ip(s string) netip.Addr { return netip.MustParseAddr(s) }

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// TestTunnelEndICMPOnly checks that a collector answering the mirrored
// tunnel with ICMP "protocol unreachable" stays the mirror, not a device,
// while a tunnel end with its own conversations is a host too.
func TestTunnelEndICMPOnly(t *testing.T) {
	file := casePath(t, "erspan-type2-hl7.pcap")
	icmp := make([]byte, 28)
	icmp[0], icmp[8], icmp[9] = 0x45, 64, 1
	icmp[3] = 28
	copy(icmp[12:], []byte{192, 0, 2, 50})
	copy(icmp[16:], []byte{192, 0, 2, 1})
	icmp[20], icmp[21] = 3, 2 // destination unreachable, protocol
	tests := []struct {
		name  string
		extra func(a *Analyzer)
		want  []string
	}{
		{"icmp only", func(a *Analyzer) { a.AddPacket(101, icmp, len(icmp), 1764496801e9) },
			[]string{"10.30.2.5", "10.30.2.21"}},
		{"own tcp", func(a *Analyzer) {
			newConv(a, "192.0.2.50:40000", "10.30.2.5:22").handshake()
		}, []string{"10.30.2.5", "10.30.2.21", "192.0.2.50"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAnalyzer(Options{})
			if _, err := a.AnalyzeFile(file); err != nil {
				t.Fatal(err)
			}
			tc.extra(a)
			r := a.Result()
			var got []string
			for _, h := range r.Hosts {
				got = append(got, h.Address.String())
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("hosts %v, want %v", got, tc.want)
			}
			if len(r.Mirrors) != 1 || r.Mirrors[0].Destination != ip("192.0.2.50") {
				t.Errorf("mirrors %+v, want the ERSPAN session to 192.0.2.50", r.Mirrors)
			}
		})
	}
}
