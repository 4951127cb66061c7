package logs

import "testing"

// TestStructuredDataReadOnceWithoutRepeats: a record whose structured data names no
// parameter twice is not read a second time for repeats (issue 12: that second read, a
// builder per value and a map per element, ran on every such record), while one that does
// still gets the list of its values.
func TestStructuredDataReadOnceWithoutRepeats(t *testing.T) {
	line := []byte(`<86>1 2026-11-30T08:00:00.001Z his-ap1 sshd 4711 - [meta@32473 user="dr.lin" a="x=" b="q\"=\]"][origin ip="10.1.2.3" software="sshd"] Accepted publickey for dr.lin from 10.1.2.3 port 50022 ssh2`)
	cases := []struct {
		rest string
		kept int
		want bool
	}{
		{`[meta@32473 user="dr.lin"] msg`, 1, false},
		{`[origin ip="10.1.2.3" ip="10.1.2.4"] msg`, 1, true},
		{`[meta a="x="] msg`, 1, true}, // a value ending in '=': read again, harmless
		{`[meta a="x"] msg b="y"`, 1, true},
	}
	for _, c := range cases {
		if got := mayRepeatSDParams(c.rest, c.kept); got != c.want {
			t.Errorf("mayRepeatSDParams(%q, %d) = %v, want %v", c.rest, c.kept, got, c.want)
		}
	}
	f, err := parseRFC5424(line)
	if err != nil {
		t.Fatal(err)
	}
	sd := f["log.syslog.structured_data"].(map[string]any)
	if m := sd["meta@32473"].(map[string]any); m["user"] != "dr.lin" || m["a"] != "x=" || m["b"] != `q"=]` {
		t.Errorf("meta: %v", m)
	}
	plain := []byte(`<86>1 2026-11-30T08:00:00.001Z his-ap1 sshd 4711 - [meta@32473 user="dr.lin" key="ssh-ed25519"] Accepted publickey for dr.lin from 10.1.2.3 port 50022 ssh2`)
	allocs := testing.AllocsPerRun(200, func() { parseRFC5424(plain) })
	t.Logf("%.0f allocations", allocs)
	if allocs > maxAllocsRFC5424 {
		t.Errorf("parsing an RFC 5424 line with structured data: %.0f allocations, want at most %d", allocs, maxAllocsRFC5424)
	}
}

// maxAllocsRFC5424 is what parseRFC5424 allocates for a line with one SD element of two
// parameters and no repeats (42 when every such line was read twice).
const maxAllocsRFC5424 = 37
