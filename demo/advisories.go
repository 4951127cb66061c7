package demo

import (
	"embed"
	"io/fs"
	"path"
)

// vulnFiles are real advisories for the demo's devices of real manufacturers: five of
// CISA's ICS medical advisories in CSAF 2.0 (cisagov/CSAF, US Government public domain)
// and NVD's CVE API 2.0 records of four medical devices (fkie-cad/nvd-json-data-feeds),
// copied from ../shared/data/vuln.
//
//go:embed vuln/*.json
var vulnFiles embed.FS

// Feed is one embedded feed file.
type Feed struct {
	Name string
	Data []byte
}

// VulnFeeds returns the demo's advisory files, by name.
func VulnFeeds() []Feed {
	names, _ := fs.Glob(vulnFiles, "vuln/*.json")
	var out []Feed
	for _, n := range names {
		data, _ := vulnFiles.ReadFile(n)
		out = append(out, Feed{Name: path.Base(n), Data: data})
	}
	return out
}
