package medsec

import (
	"strings"
	"unicode/utf8"
)

// CleanFileName returns the name an uploaded or linked file is kept and offered for
// download under: the last element of name (after any / or \, so no path leads out of a
// directory), without control characters, bidirectional overrides or isolates
// (U+202A–U+202E, U+2066–U+2069: "invoice\u202Efdp.exe" would show as "invoiceexe.pdf") or
// the characters Windows forbids in names (<>:"|?*), without leading or trailing spaces and
// trailing dots, at most MaxNameLength characters. "", "." and ".." give ""; a Windows
// device name (CON, PRN, AUX, NUL, COM1–COM9, LPT1–LPT9, with or without an extension),
// which Windows opens as the device when the file is saved, gets a leading "_".
func CleanFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError || isBidiControl(r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimRight(strings.TrimSpace(name), ". ")
	if name == "" {
		return ""
	}
	base, _, _ := strings.Cut(name, ".")
	switch up := strings.ToUpper(strings.TrimSpace(base)); {
	case up == "CON" || up == "PRN" || up == "AUX" || up == "NUL",
		len(up) == 4 && (strings.HasPrefix(up, "COM") || strings.HasPrefix(up, "LPT")) && up[3] >= '1' && up[3] <= '9':
		name = "_" + name
	}
	if utf8.RuneCountInString(name) > MaxNameLength {
		name = string([]rune(name)[:MaxNameLength])
	}
	return name
}

// isBidiControl reports whether r is a bidirectional embedding, override or isolate
// control (U+202A–U+202E, U+2066–U+2069), which reorders the text shown after it.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
