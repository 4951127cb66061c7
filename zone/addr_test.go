package zone

import (
	"net/netip"
	"slices"
	"testing"
)

func TestParseRange(t *testing.T) {
	tests := []struct {
		in          string
		first, last string
		str         string
		wantErr     bool
	}{
		{in: "10.1.0.0/16", first: "10.1.0.0", last: "10.1.255.255", str: "10.1.0.0/16"},
		{in: "10.1.0.10-10.1.0.50", first: "10.1.0.10", last: "10.1.0.50", str: "10.1.0.10-10.1.0.50"},
		{in: " 192.168.1.0 - 192.168.1.255 ", first: "192.168.1.0", last: "192.168.1.255", str: "192.168.1.0/24"},
		{in: "10.0.0.7", first: "10.0.0.7", last: "10.0.0.7", str: "10.0.0.7"},
		{in: "0.0.0.0/0", first: "0.0.0.0", last: "255.255.255.255", str: "0.0.0.0/0"},
		{in: "2001:db8::/32", first: "2001:db8::", last: "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", str: "2001:db8::/32"},
		{in: "fe80::1-fe80::ff", first: "fe80::1", last: "fe80::ff", str: "fe80::1-fe80::ff"},
		{in: "::/0", first: "::", last: "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", str: "::/0"},
		{in: "::ffff:10.0.0.1", first: "10.0.0.1", last: "10.0.0.1", str: "10.0.0.1"},
		{in: "::ffff:10.0.0.0/104", first: "10.0.0.0", last: "10.255.255.255", str: "10.0.0.0/8"},
		{in: "10.1.2.3/16", wantErr: true},
		{in: "10.0.0.9-10.0.0.1", wantErr: true},
		{in: "10.0.0.1-fe80::1", wantErr: true},
		{in: "", wantErr: true},
		{in: "10.0.0.256", wantErr: true},
		{in: "fe80::1%eth0", wantErr: true},
		{in: "10.0.0.0/33", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseRange(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseRange(%q) = %v, want error", tt.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseRange(%q): %v", tt.in, err)
			continue
		}
		if got.First != netip.MustParseAddr(tt.first) || got.Last != netip.MustParseAddr(tt.last) {
			t.Errorf("ParseRange(%q) = %v-%v, want %s-%s", tt.in, got.First, got.Last, tt.first, tt.last)
		}
		if s := got.String(); s != tt.str {
			t.Errorf("ParseRange(%q).String() = %q, want %q", tt.in, s, tt.str)
		}
		back, err := ParseRange(got.String())
		if err != nil || back != got {
			t.Errorf("round trip of %q: got %v, %v", tt.in, back, err)
		}
	}
}

func TestRangePrefixes(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"10.0.0.0-10.0.0.255", []string{"10.0.0.0/24"}},
		{"10.0.0.1-10.0.0.6", []string{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31", "10.0.0.6/32"}},
		{"255.255.255.254-255.255.255.255", []string{"255.255.255.254/31"}},
		{"0.0.0.0/0", []string{"0.0.0.0/0"}},
		{"2001:db8::1-2001:db8::3", []string{"2001:db8::1/128", "2001:db8::2/127"}},
		{"::/0", []string{"::/0"}},
	}
	for _, tt := range tests {
		var got []string
		for _, p := range MustParseRange(tt.in).Prefixes() {
			got = append(got, p.String())
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Prefixes(%s) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRangeContainsOverlaps(t *testing.T) {
	r := MustParseRange("10.1.0.0/16")
	tests := []struct {
		addr string
		want bool
	}{
		{"10.1.0.0", true}, {"10.1.255.255", true}, {"10.2.0.0", false}, {"10.0.255.255", false},
		{"::ffff:10.1.2.3", true}, {"2001:db8::1", false},
	}
	for _, tt := range tests {
		if got := r.Contains(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("%v.Contains(%s) = %v, want %v", r, tt.addr, got, tt.want)
		}
	}
	if !r.Overlaps(MustParseRange("10.1.255.0-10.2.0.5")) || r.Overlaps(MustParseRange("10.2.0.0/16")) {
		t.Error("Overlaps wrong")
	}
	if r.Overlaps(MustParseRange("::/0")) {
		t.Error("IPv4 range overlaps an IPv6 one")
	}
}

func TestParsePortList(t *testing.T) {
	tests := []struct {
		in      string
		want    []PortRange
		wantErr bool
	}{
		{in: "104, 11112", want: []PortRange{{104, 104}, {11112, 11112}}},
		{in: "2000-2010;443", want: []PortRange{{2000, 2010}, {443, 443}}},
		{in: "", want: nil},
		{in: "0", wantErr: true},
		{in: "65536", wantErr: true},
		{in: "20-10", wantErr: true},
		{in: "http", wantErr: true},
		{in: "1-65535", want: []PortRange{{1, 65535}}},
	}
	for _, tt := range tests {
		got, err := ParsePortList(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePortList(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ParsePortList(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
