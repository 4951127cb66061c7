package logstore

import (
	"bufio"
	"context"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"medsec/logs"
)

// TestHelperIngestProcess is not a test: TestDurabilityUnderSIGKILL runs the test binary
// again with MEDSEC_LOGSTORE_HELPER set, and this appends batches to the store there,
// printing "ACK first last" after each Append returns nil, until it is killed.
func TestHelperIngestProcess(t *testing.T) {
	dir := os.Getenv("MEDSEC_LOGSTORE_HELPER")
	if dir == "" {
		return
	}
	start, _ := strconv.Atoi(os.Getenv("MEDSEC_LOGSTORE_FROM"))
	s, err := Open(Config{Dir: dir, CheckpointEvery: 200 * time.Millisecond, FlushEvery: 700 * time.Millisecond, Site: func(r logs.Record) int64 {
		if strings.HasSuffix(r.Peer, ":2") {
			return 2
		}
		return 1
	}})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	for n := start; ; {
		batch := make([]logs.Record, 1+rand.Intn(200))
		for i := range batch {
			batch[i] = logs.Record{Raw: []byte(fmt.Sprintf("<13>1 - his01 app - - - durable record %d", n+i)), Format: logs.FormatRFC5424,
				Fields: map[string]any{"message": fmt.Sprintf("durable record %d", n+i)}, Peer: "10.0.0.1:" + strconv.Itoa(1+(n+i)%2)}
		}
		if err := s.Append(context.Background(), batch); err != nil {
			fmt.Fprintln(w, "ERR", err)
			w.Flush()
			os.Exit(1)
		}
		fmt.Fprintf(w, "ACK %d %d\n", n, n+len(batch)-1)
		w.Flush()
		n += len(batch)
	}
}

// TestDurabilityUnderSIGKILL kills a process writing to the store with SIGKILL 25 times at
// random moments, then checks that every record whose Append had returned is stored and
// that the seal verifies [issue 12: durability].
func TestDurabilityUnderSIGKILL(t *testing.T) {
	dir := t.TempDir()
	acked := map[int]bool{}
	next := 0
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	const kills = 25
	for k := 0; k < kills; k++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperIngestProcess$")
		cmd.Env = append(os.Environ(), "MEDSEC_LOGSTORE_HELPER="+dir, "MEDSEC_LOGSTORE_FROM="+strconv.Itoa(next))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the first acknowledgement (the store has opened and recovered), then
		// kill at a random moment within the next 0.05-0.6 s.
		var killAt <-chan time.Time
		timeout := time.After(2 * time.Minute)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				var a, b int
				if _, err := fmt.Sscanf(l, "ACK %d %d", &a, &b); err != nil {
					t.Fatalf("helper: %s", l)
				}
				for i := a; i <= b; i++ {
					acked[i] = true
				}
				next = b + 1
				if killAt == nil {
					killAt = time.After(time.Duration(50+rng.Intn(550)) * time.Millisecond)
				}
			case <-killAt:
				cmd.Process.Signal(syscall.SIGKILL)
				killAt = nil
				for l := range lines { // acknowledgements already written count
					var a, b int
					if _, err := fmt.Sscanf(l, "ACK %d %d", &a, &b); err == nil {
						for i := a; i <= b; i++ {
							acked[i] = true
						}
						next = b + 1
					}
				}
				break read
			case <-timeout:
				cmd.Process.Kill()
				t.Fatal("helper did not acknowledge in time")
			}
		}
		cmd.Wait()
		// Records written but not acknowledged may exist; the next run numbers on from the
		// last acknowledged one, so give them room.
		next += 1000
	}
	s, err := Open(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Verify(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	wantProblems(t, rep)
	found := map[int]bool{}
	err = s.scan(context.Background(), `"durable record" | fields _msg`, nil, func(m map[string]string) {
		var n int
		if _, err := fmt.Sscanf(m["_msg"][strings.LastIndex(m["_msg"], " ")+1:], "%d", &n); err == nil {
			s.mu.Lock()
			found[n] = true
			s.mu.Unlock()
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for n := range acked {
		if !found[n] {
			missing++
		}
	}
	if missing > 0 || len(acked) == 0 {
		t.Fatalf("%d of %d acknowledged records missing after %d SIGKILLs", missing, len(acked), kills)
	}
	t.Logf("%d kills; %d acknowledged records all present; %d stored; seal verifies", kills, len(acked), len(found))
}
