//go:build !linux

package main

import (
	"io"
	"os"
)

// isTerminal reports whether w is a character device other than the null device: binary
// output such as an XLSX file is not written there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || f.Name() == os.DevNull {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
