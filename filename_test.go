package medsec

import "testing"

// TestCleanFileName: names of uploaded and linked evidence lose paths, NUL and other
// controls, bidirectional overrides and Windows' forbidden characters; "." and ".." are
// empty; Windows device names are prefixed.
func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":           "report.pdf",
		"../../etc/passwd":     "passwd",
		`..\..\boot.ini`:       "boot.ini",
		"..":                   "",
		".":                    "",
		"CON":                  "_CON",
		"nul.txt":              "_nul.txt",
		"com1.log":             "_com1.log",
		"LPT9":                 "_LPT9",
		"COM0":                 "COM0",
		"console.txt":          "console.txt",
		"a\x00b.txt":           "ab.txt",
		"invoice\u202Efdp.exe": "invoicefdp.exe",
		"x\u2066y\u2069.png":   "xy.png",
		`what?<>:"|*.txt`:      "what_______.txt",
		"  trailing dots... ":  "trailing dots",
		"影像證據 2026-11-23.zip":  "影像證據 2026-11-23.zip",
	} {
		if got := CleanFileName(in); got != want {
			t.Errorf("CleanFileName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBadRuneBidi: the bidirectional override and isolate controls are refused in every
// text field (a title "\u202Eexe.pdf" reads as something else than it holds).
func TestBadRuneBidi(t *testing.T) {
	for _, s := range []string{"a\u202Eb", "\u202Atitle", "x\u2067y"} {
		if fe := CheckText("title", s, true); fe == nil || fe.Key != "err.bad_char" {
			t.Errorf("%q: %+v", s, fe)
		}
	}
	if fe := CheckText("title", "שלום עולם and 中文", false); fe != nil {
		t.Errorf("right-to-left text itself is fine: %+v", fe)
	}
}
