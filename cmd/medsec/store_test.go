package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"medsec/sqlstore"
)

// TestReadCommandsRefuseMissingData: a read command given a data directory that does not
// exist, or one without a database, says so naming the path and creates nothing. Before,
// each opened (and so created) an empty medsec.db there and answered an empty list.
func TestReadCommandsRefuseMissingData(t *testing.T) {
	ctx := context.Background()
	cmds := [][]string{
		{"incident", "list"}, {"incident", "ledger", "--format", "csv"}, {"site", "list"}, {"alerts", "list"},
		{"rules", "list"}, {"vuln", "list"}, {"vuln", "scans"}, {"vuln", "deadlines", "show"}, {"emergency", "list"},
		{"maintenance", "list"}, {"backup-plan", "list"}, {"accounts", "list"}, {"roster", "list"},
		{"token", "list", "--user", "x"}, {"directory", "show"}, {"report", "gap", "--period", "2026", "--format", "html", "--out", filepath.Join(t.TempDir(), "r.html")},
	}
	for _, dataCase := range []struct{ name, want string }{{"missing", "does not exist"}, {"empty", "no medsec database"}} {
		for _, c := range cmds {
			parent := t.TempDir()
			data := filepath.Join(parent, "medsec-dtaa")
			if dataCase.name == "empty" {
				os.Mkdir(data, 0o700)
			}
			args := append(append([]string{}, c[:1]...), c[1])
			if c[0] == "vuln" && len(c) > 2 && c[1] == "deadlines" {
				args = append(args, c[2])
				c = append(c[:2:2], c[3:]...)
			}
			args = append(args, "--data", data)
			args = append(args, c[2:]...)
			err := run(ctx, args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), dataCase.want) || !strings.Contains(err.Error(), data) || !strings.Contains(err.Error(), "--data") {
				t.Errorf("%s %v: %v", dataCase.name, args, err)
			}
			if _, err := os.Stat(filepath.Join(data, "medsec.db")); err == nil {
				t.Errorf("%s %v created a database", dataCase.name, args)
			}
		}
	}
}

// TestLedgerXLSXNotToTerminal: the XLSX ledger is binary; written to a terminal it is
// refused with a message saying to give --out or redirect.
func TestLedgerXLSXNotToTerminal(t *testing.T) {
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	defer ptm.Close()
	var unlock int32
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, ptm.Fd(), unix.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
		t.Skip("unlockpt:", e)
	}
	n, err := unix.IoctlGetInt(int(ptm.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skip("ptsname:", err)
	}
	tty, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skip("open pts:", err)
	}
	defer tty.Close()
	if !isTerminal(tty) {
		t.Fatal("a pseudo-terminal is not seen as a terminal")
	}
	if f, err := os.Create(filepath.Join(t.TempDir(), "x")); err == nil && isTerminal(f) {
		t.Fatal("a file is seen as a terminal")
	}
	if f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil && isTerminal(f) {
		t.Fatal("the null device is seen as a terminal")
	}
	data := t.TempDir()
	db, err := sqlstore.Open(context.Background(), filepath.Join(data, "medsec.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = run(context.Background(), []string{"incident", "ledger", "--data", data, "--format", "xlsx"}, tty, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "terminal") || !strings.Contains(err.Error(), "--out") {
		t.Fatalf("xlsx to a terminal: %v", err)
	}
}
