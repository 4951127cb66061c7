package deploy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"medsec/internal/natstest"
	"medsec/natsbus"
)

// imageConfig is the part of `podman image inspect`'s Config the tests read.
type imageConfig struct {
	User         string
	Entrypoint   []string
	Cmd          []string
	Volumes      map[string]any
	ExposedPorts map[string]any
	WorkingDir   string
}

// TestContainerImages builds both images with deploy/container/build.sh and podman, from a
// binary built here, reads their configuration, and runs each one's file system as the
// image would (chroot into the exported root, as the image's user, with its entrypoint):
// the server loads the demo hospital as the unprivileged user, writing only its data
// directory, and serves the login page; the sensor takes a syslog line over UDP into its
// spool and reports it on its health endpoint. Both stop on SIGTERM. The sandbox this runs
// in refuses podman's own runtime (setrlimit), hence the chroot; podman, root and the
// group's NATS server are needed, as CI has them (issue 17, "a container image definition
// for each role").
func TestContainerImages(t *testing.T) {
	podman, err := exec.LookPath("podman")
	if err != nil {
		t.Skip("podman is not installed (Debian: apt-get install podman)")
	}
	if os.Geteuid() != 0 {
		t.Skip("building images and chroot need root")
	}
	work := t.TempDir()
	bin := filepath.Join(work, "medsec")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, "../cmd/medsec")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tag := fmt.Sprintf("test%d", os.Getpid())
	script := exec.Command("./container/build.sh", tag)
	script.Env = append(os.Environ(), "MEDSEC_BINARY="+bin, "CONTAINER_ENGINE="+podman)
	if out, err := script.CombinedOutput(); err != nil {
		t.Fatalf("build.sh: %v\n%s", err, out)
	}
	for _, image := range []string{"medsec:" + tag, "medsec-sensor:" + tag} {
		t.Cleanup(func() { exec.Command(podman, "rmi", "-f", image).Run() })
	}

	server := inspectImage(t, podman, "medsec:"+tag)
	if server.User != "65532:65532" || !slices.Equal(server.Entrypoint, []string{"/usr/local/bin/medsec", "serve", "--data", "/var/lib/medsec"}) ||
		server.Volumes["/var/lib/medsec"] == nil || server.ExposedPorts["8443/tcp"] == nil {
		t.Fatalf("server image config %+v", server)
	}
	sensor := inspectImage(t, podman, "medsec-sensor:"+tag)
	if sensor.User != "0:0" || !slices.Equal(sensor.Entrypoint, []string{"/usr/local/bin/medsec", "sensor", "--spool", "/var/lib/medsec-sensor/spool"}) ||
		sensor.Volumes["/var/lib/medsec-sensor"] == nil || sensor.ExposedPorts["514/udp"] == nil {
		t.Fatalf("sensor image config %+v", sensor)
	}

	t.Run("server", func(t *testing.T) {
		root := exportImage(t, podman, "medsec:"+tag)
		port := natstest.FreePort(t)
		// The image's CMD is --listen 0.0.0.0:8443; the test listens on the loopback.
		args := append(slices.Clone(server.Entrypoint), "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--demo")
		cmd := chroot(root, server.User, args)
		cmd.Env = []string{"MEDSEC_ADMIN_PASSWORD=Quiet-River-2026!x", "MEDSEC_DEMO_PASSWORD=Green-Harbor-2026!xy"}
		stop := start(t, cmd)
		waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/login", port), func(code int, body string) bool {
			return code == http.StatusOK && strings.Contains(body, "<form")
		})
		stop()
		var written []string
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() && info.ModTime().After(time.Now().Add(-10*time.Minute)) &&
				!strings.HasPrefix(p, filepath.Join(root, "var/lib/medsec")) && !strings.HasPrefix(p, filepath.Join(root, "tmp")) &&
				p != filepath.Join(root, "usr/local/bin/medsec") && p != filepath.Join(root, "etc/ssl/certs/ca-certificates.crt") {
				written = append(written, p)
			}
			return nil
		})
		if len(written) > 0 {
			t.Errorf("the server wrote outside its data directory and /tmp: %v", written)
		}
		if _, err := os.Stat(filepath.Join(root, "var/lib/medsec/medsec.db")); err != nil {
			t.Errorf("no database in the data directory: %v", err)
		}
	})

	t.Run("sensor", func(t *testing.T) {
		root := exportImage(t, podman, "medsec-sensor:"+tag)
		syslogPort, healthPort := natstest.FreePort(t), natstest.FreePort(t)
		group := natstest.Group(t, natstest.URL(), natsbus.StreamName)
		args := append(slices.Clone(sensor.Entrypoint), "--site", "MC", "--group", group, "--nats", natstest.URL(),
			"--syslog-udp", fmt.Sprintf("127.0.0.1:%d", syslogPort), "--health-listen", fmt.Sprintf("127.0.0.1:%d", healthPort))
		stop := start(t, chroot(root, sensor.User, args))
		health := fmt.Sprintf("http://127.0.0.1:%d/health", healthPort)
		// 503 until the sensor has sent to the broker: it has nothing to send yet.
		waitHTTP(t, health, func(code int, _ string) bool { return code == http.StatusOK || code == http.StatusServiceUnavailable })
		conn, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", syslogPort))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// The line is sent again until the listener has it: a datagram sent before the
		// socket is bound is lost, as UDP syslog is.
		waitHTTP(t, health, func(_ int, body string) bool {
			var h struct {
				Sensor struct{ Received, Pending, Sent int64 }
			}
			if json.Unmarshal([]byte(body), &h) != nil {
				return false
			}
			if h.Sensor.Received == 0 {
				fmt.Fprint(conn, "<34>1 2026-12-02T10:00:00Z pacs01 sshd 42 - - Failed password for root from 10.0.0.9")
				return false
			}
			return h.Sensor.Pending+h.Sensor.Sent == h.Sensor.Received
		})
		stop()
		if entries, err := os.ReadDir(filepath.Join(root, "var/lib/medsec-sensor/spool")); err != nil || len(entries) == 0 {
			t.Errorf("the spool in the image's volume: %v %v", entries, err)
		}
	})
}

// inspectImage returns an image's configuration.
func inspectImage(t *testing.T, podman, image string) imageConfig {
	t.Helper()
	out, err := exec.Command(podman, "image", "inspect", "--format", "{{json .Config}}", image).Output()
	if err != nil {
		t.Fatalf("inspect %s: %v", image, err)
	}
	var c imageConfig
	if err := json.Unmarshal(out, &c); err != nil {
		t.Fatalf("inspect %s: %v: %s", image, err, out)
	}
	return c
}

// exportImage writes an image's file system into a new directory and returns it.
func exportImage(t *testing.T, podman, image string) string {
	t.Helper()
	out, err := exec.Command(podman, "create", image).Output()
	if err != nil {
		t.Fatalf("create %s: %v", image, err)
	}
	id := strings.TrimSpace(string(out))
	defer exec.Command(podman, "rm", "-f", id).Run()
	root := t.TempDir()
	export := exec.Command("sh", "-c", fmt.Sprintf("%s export %s | tar -C %s -xf -", podman, id, root))
	if out, err := export.CombinedOutput(); err != nil {
		t.Fatalf("export %s: %v\n%s", image, err, out)
	}
	return root
}

// chroot returns the command that runs args in root as user ("UID:GID"), as the image
// would.
func chroot(root, user string, args []string) *exec.Cmd {
	return exec.Command("chroot", append([]string{"--userspec=" + user, root}, args...)...)
}

// role is the medsec command a chroot command runs ("serve", "sensor").
func role(cmd *exec.Cmd) string { return cmd.Args[4] }

// start runs cmd with its output in the test's log; stop sends SIGTERM and fails the test
// unless the process ends cleanly within 30 s.
func start(t *testing.T, cmd *exec.Cmd) (stop func()) {
	t.Helper()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: exit %v\n%s", role(cmd), err, out.String())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Errorf("%s did not stop within 30 s of SIGTERM\n%s", role(cmd), out.String())
		}
	}
	t.Cleanup(func() {
		if !stopped {
			cmd.Process.Kill()
			<-done
			t.Logf("output:\n%s", out.String())
		}
	})
	return stop
}

// waitHTTP polls url until ok accepts its status and body, for up to 3 minutes (the demo
// hospital loads first).
func waitHTTP(t *testing.T, url string, ok func(code int, body string) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	last := ""
	for ctx.Err() == nil {
		if resp, err := http.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ok(resp.StatusCode, string(b)) {
				return
			}
			last = fmt.Sprintf("%d %.300s", resp.StatusCode, b)
		} else {
			last = err.Error()
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("%s: %s", url, last)
}
