package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestDiscoverPrintsMirror checks that the summary names the tunnel that delivered
// mirrored traffic, and lists the devices inside it rather than the tunnel ends.
func TestDiscoverPrintsMirror(t *testing.T) {
	var out bytes.Buffer
	if err := runDiscover([]string{"../../capture/testdata/tunnels/gre-eth-hl7.pcap"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"mirrored traffic: gre session 42 from 192.0.2.1 to 192.0.2.50, 8 packets",
		"10.40.7.21  mac 02:00:00:00:07:21  roles hl7-sender",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "  192.0.2.1  ") {
		t.Errorf("the tunnel end is listed as a host:\n%s", got)
	}
}
