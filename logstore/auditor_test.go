package logstore

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestAuditorProgram runs the stand-alone checker of docs/LOG-SEAL.md (which must show it
// unchanged) on an exported bundle and on copies with a changed byte, a deleted record
// and an inserted record.
func TestAuditorProgram(t *testing.T) {
	prog, err := os.ReadFile("../docs/logseal-check/main.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/LOG-SEAL.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(doc, []byte("```go\n"+string(prog)+"```")) {
		t.Fatal("docs/LOG-SEAL.md does not show docs/logseal-check/main.go as it is")
	}
	bin := filepath.Join(t.TempDir(), "logseal-check")
	if out, err := exec.Command("go", "build", "-o", bin, "../docs/logseal-check").CombinedOutput(); err != nil {
		t.Fatalf("build the checker: %v\n%s", err, out)
	}
	s, start := openFilled(t, 300)
	b := exportBundle(t, s, start.Add(100*time.Millisecond), start.Add(200*time.Millisecond))
	check := func(t *testing.T, b *Bundle, wantOK bool, want string) {
		t.Helper()
		p := filepath.Join(t.TempDir(), "bundle.json")
		data, _ := json.Marshal(b)
		os.WriteFile(p, data, 0o600)
		out, err := exec.Command(bin, "--key", s.PublicKey(), p).CombinedOutput()
		if (err == nil) != wantOK || !strings.Contains(string(out), want) {
			t.Fatalf("checker: err %v, want ok=%v and %q in:\n%s", err, wantOK, want, out)
		}
	}
	t.Run("good", func(t *testing.T) { check(t, b, true, "OK: 100 records verified") })
	t.Run("changed byte", func(t *testing.T) {
		c := cloneBundle(t, b)
		r := &c.Sites[0].Records[4]
		r.Raw[10] ^= 1
		check(t, c, false, "record "+itoa(r.Index)+" (received "+r.Received.UTC().Format(time.RFC3339Nano)+"): not the sealed record")
	})
	t.Run("changed field", func(t *testing.T) {
		c := cloneBundle(t, b)
		r := &c.Sites[1].Records[7]
		if r.Fields["user.name"] == "" {
			t.Fatalf("no user.name field: %+v", r)
		}
		r.Fields["user.name"] = "someone-else"
		check(t, c, false, "record "+itoa(r.Index)+" (received "+r.Received.UTC().Format(time.RFC3339Nano)+"): not the sealed record")
	})
	t.Run("deleted record", func(t *testing.T) {
		c := cloneBundle(t, b)
		recs := c.Sites[1].Records
		idx := recs[9].Index
		c.Sites[1].Records = append(recs[:9:9], recs[10:]...)
		check(t, c, false, "records "+itoa(idx)+"-"+itoa(idx)+" missing (deleted)")
	})
	t.Run("inserted record", func(t *testing.T) {
		c := cloneBundle(t, b)
		f := c.Sites[0].Records[2]
		f.Raw = []byte("<86>forged")
		c.Sites[0].Records = append(c.Sites[0].Records, f)
		check(t, c, false, "record "+itoa(f.Index)+" (received")
	})
	t.Run("another key", func(t *testing.T) {
		other, _ := LoadOrCreateKey(t.TempDir())
		p := filepath.Join(t.TempDir(), "bundle.json")
		data, _ := json.Marshal(b)
		os.WriteFile(p, data, 0o600)
		if out, err := exec.Command(bin, "--key", other.Public, p).CombinedOutput(); err == nil {
			t.Fatalf("checker accepted another key:\n%s", out)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
