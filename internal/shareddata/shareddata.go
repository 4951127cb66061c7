// Package shareddata gives tests the real-world inputs of the shared test data that sits
// beside the repository (../shared/data). It is imported only by tests.
package shareddata

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// CasePath returns the path of a real-world failure case in ../shared/data/cases beside the
// repository (described in its README.md), or in MEDSEC_SHARED_CASES if set. It skips the
// test, naming the path, only where the file is absent; CI has the shared directory and
// fails on skips.
func CasePath(tb testing.TB, name string) string {
	tb.Helper()
	dir := os.Getenv("MEDSEC_SHARED_CASES")
	if dir == "" {
		_, here, _, _ := runtime.Caller(0) // internal/shareddata/shareddata.go in the repository
		dir = filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", "data", "cases")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared case %s not present (set MEDSEC_SHARED_CASES): %v", name, err)
	}
	return p
}

// Case returns the content of the case file CasePath names.
func Case(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(CasePath(tb, name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// SigmaDir returns the directory of SigmaHQ's rules and regression data
// (../shared/data/sigma beside the repository, or MEDSEC_SHARED_SIGMA if set). It skips
// the test, naming the path, only where the directory is absent; CI fails on skips.
func SigmaDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("MEDSEC_SHARED_SIGMA")
	if dir == "" {
		_, here, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", "data", "sigma")
	}
	if _, err := os.Stat(filepath.Join(dir, "REGRESSION_INDEX.tsv")); err != nil {
		tb.Skipf("shared Sigma data %s not present (set MEDSEC_SHARED_SIGMA): %v", dir, err)
	}
	return dir
}

// Path returns the path of a file or directory of ../shared/data beside the repository
// (rel is relative to data/, for example "sbom/spdx/SPDXTagExample-v2.3.spdx"), or under
// MEDSEC_SHARED_DATA if set. It skips the test, naming the path, only where it is absent;
// CI has the shared directory and fails on skips.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	dir := os.Getenv("MEDSEC_SHARED_DATA")
	if dir == "" {
		_, here, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(here), "..", "..", "..", "shared", "data")
	}
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("shared data %s not present (set MEDSEC_SHARED_DATA): %v", rel, err)
	}
	return p
}

// Data returns the content of the shared data file Path names.
func Data(tb testing.TB, rel string) []byte {
	tb.Helper()
	data, err := os.ReadFile(Path(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}
