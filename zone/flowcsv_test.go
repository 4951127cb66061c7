package zone

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseFlowsCSV(t *testing.T) {
	in := "\ufeffSrc,Dst,Protocol,dport,App,first_seen,last_seen,packets,bytes,comment\n" +
		"10.20.1.5,10.1.0.10,TCP,104,DICOM,2026-11-20T08:00:00Z,2026-11-20T09:00:00Z,120,98000,first\n" +
		"2001:db8:20:30::5,2001:db8:20::100,6,8080,,1763625600,,5,300,\n" +
		"\n" +
		"10.20.1.5,10.99.0.1,icmp,,,,,1,84,\"multi\nline\"\n"
	got, err := ParseFlowsCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Flow{
		{Src: ip("10.20.1.5"), Dst: ip("10.1.0.10"), Proto: ProtoTCP, Port: 104, App: "dicom",
			FirstSeen: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), LastSeen: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC), Packets: 120, Bytes: 98000},
		{Src: ip("2001:db8:20:30::5"), Dst: ip("2001:db8:20::100"), Proto: ProtoTCP, Port: 8080,
			FirstSeen: time.Unix(1763625600, 0).UTC(), Packets: 5, Bytes: 300},
		{Src: ip("10.20.1.5"), Dst: ip("10.99.0.1"), Proto: ProtoICMP, Packets: 1, Bytes: 84},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d flows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("flow %d = %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestParseFlowsCSVErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"missing columns", "src,port\n", []string{"line 1, column 3 (dst): required column missing", "line 1, column 3 (proto): required column missing"}},
		{"empty", "", []string{"line 1, column 1: no header row"}},
		{"bad fields", "src,dst,proto,port,packets\n" +
			"10.0.0.1,10.0.0.2,tcp,80,1\n" +
			"10.0.0.300,10.0.0.2,tcp,99999,x\n" +
			"10.0.0.1,10.0.0.2,udp,,\n" +
			"10.0.0.1,10.0.0.2,icmp,7,\n" +
			"10.0.0.1,10.0.0.2,t c p,7,\n",
			[]string{
				`line 3, column 1 (src): "10.0.0.300" is not an IP address`,
				`line 3, column 4 (port): port "99999": not a number from 1 to 65535`,
				`line 3, column 5 (packets): "x" is not a count`,
				`line 4, column 4 (port): udp flow needs a destination port`,
				`line 5, column 4 (port): protocol icmp has no ports`,
				`line 6, column 3 (proto): "t c p" is not a protocol`,
			}},
		{"times", "src,dst,proto,port,first_seen,last_seen\n" +
			"10.0.0.1,10.0.0.2,tcp,80,yesterday,2026-01-01T00:00:00Z\n" +
			"10.0.0.1,10.0.0.2,tcp,80,2026-02-01T00:00:00Z,2026-01-01T00:00:00Z\n",
			[]string{
				`line 2, column 5 (first_seen): "yesterday" is not an RFC 3339 time or Unix seconds`,
				`line 3, column 6 (last_seen): before first_seen`,
			}},
		{"bad quote", "src,dst,proto\n10.0.0.1,\"10.0.0.2,tcp\n", []string{`line 2, column 24: extraneous or missing " in quoted-field`}},
		{"any is not a flow protocol", "src,dst,proto\n10.0.0.1,10.0.0.2,any\n", []string{`line 2, column 3 (proto): "any" is not a protocol`}},
	}
	for _, tt := range tests {
		_, err := ParseFlowsCSV(strings.NewReader(tt.in))
		var ie *ImportError
		if !errors.As(err, &ie) {
			t.Errorf("%s: err = %v, want *ImportError", tt.name, err)
			continue
		}
		var got []string
		for _, e := range ie.Errors {
			got = append(got, e.Error())
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("%s: errors\n%s\nwant\n%s", tt.name, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

func FuzzParseFlowsCSV(f *testing.F) {
	f.Add("src,dst,proto,port,app,first_seen,last_seen,packets,bytes\n10.20.1.5,10.1.0.10,tcp,104,dicom,2026-11-20T08:00:00Z,2026-11-20T09:00:00Z,120,98000\n")
	f.Add("source,destination,protocol\nfe80::1,fe80::2,icmp\n")
	f.Add("src,dst,proto,port\n10.0.0.1,\"10.0.0.2\",udp,6000\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		flows, err := ParseFlowsCSV(strings.NewReader(in))
		if err != nil {
			var ie *ImportError
			if errors.As(err, &ie) {
				if len(ie.Errors) == 0 {
					t.Fatal("ImportError without errors")
				}
				for _, pe := range ie.Errors {
					if pe.Line < 1 || pe.Column < 1 {
						t.Fatalf("error without position: %v", pe)
					}
				}
			}
			if flows != nil {
				t.Fatal("flows returned with an error")
			}
			return
		}
		for _, fl := range flows {
			if !fl.Src.IsValid() || !fl.Dst.IsValid() {
				t.Fatalf("invalid address accepted: %+v", fl)
			}
			if pc := protoClass(fl.Proto); pc <= 1 && fl.Port == 0 {
				t.Fatalf("tcp/udp flow without port: %+v", fl)
			}
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"10.1.0.0/16", "10.0.0.1-10.0.0.9", "2001:db8::/48", "fe80::1 - fe80::ff", "::ffff:1.2.3.4", "1.2.3.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRange(s)
		if err != nil {
			return
		}
		if !r.Valid() {
			t.Fatalf("ParseRange(%q) = invalid %v-%v", s, r.First, r.Last)
		}
		back, err := ParseRange(r.String())
		if err != nil || back != r {
			t.Fatalf("round trip %q -> %q -> %v, %v", s, r.String(), back, err)
		}
		// The prefixes cover exactly the range, in order and without gaps.
		ps := r.Prefixes()
		if len(ps) == 0 || PrefixRange(ps[0]).First != r.First || PrefixRange(ps[len(ps)-1]).Last != r.Last {
			t.Fatalf("Prefixes(%v) = %v", r, ps)
		}
		for i := 1; i < len(ps); i++ {
			if fromAddr(PrefixRange(ps[i-1]).Last).add1() != fromAddr(ps[i].Addr()) {
				t.Fatalf("Prefixes(%v) has a gap: %v", r, ps)
			}
		}
	})
}

func FuzzParsePortList(f *testing.F) {
	for _, s := range []string{"104, 11112", "2000-2010;443", "", "1-65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParsePortList(s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if p.From == 0 || p.To < p.From {
				t.Fatalf("ParsePortList(%q) accepted %v", s, p)
			}
			back, err := ParsePortRange(p.String())
			if err != nil || back != p {
				t.Fatalf("round trip %v: %v %v", p, back, err)
			}
		}
	})
}

func TestImportErrorJSON(t *testing.T) {
	_, err := ParseFlowsCSV(strings.NewReader("src,dst,proto,port\n10.0.0.1,x,tcp,80\n"))
	var ie *ImportError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v", err)
	}
	b, jerr := json.Marshal(ie)
	if jerr != nil {
		t.Fatal(jerr)
	}
	want := `{"source":"flows csv","errors":[{"line":2,"column":2,"field":"dst","message":"\"x\" is not an IP address"}]}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant %s", b, want)
	}
	if got := err.Error(); got != `flows csv: line 2, column 2 (dst): "x" is not an IP address` {
		t.Errorf("Error() = %q", got)
	}
}
