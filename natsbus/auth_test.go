package natsbus_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"medsec/internal/natstest"
	"medsec/natsbus"
)

// TestNKeyAuth runs a broker that admits one NKEY user: the sensor's seed file gets it in
// and its records stored; no credentials, or another key's seed, store nothing.
func TestNKeyAuth(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	seed, _ := user.Seed()
	other, _ := nkeys.CreateUser()
	otherSeed, _ := other.Seed()
	dir := t.TempDir()
	seedFile, otherFile := filepath.Join(dir, "sensor.nk"), filepath.Join(dir, "other.nk")
	os.WriteFile(seedFile, seed, 0o600)
	os.WriteFile(otherFile, otherSeed, 0o600)
	url := natstest.StartServer(t, fmt.Sprintf("authorization { users = [ { nkey: %s } ] }", pub))

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	good := mustConnect(t, natsbus.Config{URL: url, Group: "g1", NKey: seedFile, Name: "sensor"})
	if _, err := good.EnsureStream(ctx); err != nil {
		t.Fatalf("with the NKEY seed: %v", err)
	}
	if n, err := good.Publish(ctx, logEnvelope("TPE", "s1", 1)); n != 1 || err != nil {
		t.Fatalf("with the NKEY seed: published %d, %v", n, err)
	}
	for _, tc := range []struct{ name, seed string }{{"no credentials", ""}, {"another key", otherFile}} {
		c := mustConnect(t, natsbus.Config{URL: url, Group: "g1", NKey: tc.seed, Name: "intruder"})
		short, cancel := context.WithTimeout(ctx, 2*time.Second)
		n, err := c.Publish(short, logEnvelope("TPE", "s1", 2))
		cancel()
		if err == nil || n != 0 {
			t.Errorf("%s: published %d, %v; want refused", tc.name, n, err)
		}
	}
	s, err := good.JS.Stream(ctx, natsbus.StreamName("g1"))
	if err != nil {
		t.Fatal(err)
	}
	if info, err := s.Info(ctx); err != nil || info.State.Msgs != 1 {
		t.Errorf("stream holds %d messages (%v), want 1", info.State.Msgs, err)
	}
	if _, err := natsbus.Connect(natsbus.Config{URL: url, Group: "g1", NKey: filepath.Join(dir, "missing.nk")}); err == nil {
		t.Error("a missing seed file connects")
	}
}
