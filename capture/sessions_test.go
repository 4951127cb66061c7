package capture

import (
	"net/netip"
	"testing"
)

func TestReverseName(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"4.3.2.10.in-addr.arpa.", "10.2.3.4"},
		{"b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa", "4321:0:1:2:3:4:567:89ab"},
		{"example.org.", ""},
		{"1.2.3.in-addr.arpa", ""},
	}
	for _, tc := range tests {
		got, ok := reverseName(tc.in)
		if tc.want == "" {
			if ok {
				t.Errorf("reverseName(%q) = %v, want failure", tc.in, got)
			}
			continue
		}
		if !ok || got != netip.MustParseAddr(tc.want) {
			t.Errorf("reverseName(%q) = %v %v, want %s", tc.in, got, ok, tc.want)
		}
	}
}
