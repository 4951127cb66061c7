package main

import (
	"fmt"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestErrorTextInTheUsersLanguage: the command line says an application error by its
// message in the user's language, never in its Go form "medsec error: code=… message=…"
// (was: "medsec: report gap: medsec error: code=invalid message=Unknown catalog "nope"."
// in every language), and a validation error's problems in that language after their field.
func TestErrorTextInTheUsersLanguage(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	unknown := fmt.Errorf("report gap: %w", medsec.ErrorWithKey(medsec.EINVALID, "err.unknown_catalog", "Unknown catalog %q.", "nope"))
	for lang, want := range map[string]string{
		"en":    `report gap: Unknown catalog "nope".`,
		"ja":    `report gap: 不明なカタログ "nope" です。`,
		"zh-TW": `report gap: 未知的控制項目錄 "nope"。`,
		"zh-CN": `report gap: 未知的控制项目录 "nope"。`,
	} {
		if got := errorText(b, lang, unknown); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	long := medsec.CheckLength("title", strings.Repeat("長", 120), 100)
	invalid := fmt.Errorf("risk-review sign: %w", &medsec.ValidationError{Errors: []medsec.FieldError{*long}})
	if got, want := errorText(b, "ja", invalid), "risk-review sign: title: が長すぎます"; got != want {
		t.Errorf("ja: %q, want %q", got, want)
	}
	if got, want := errorText(b, "en", invalid), "risk-review sign: title: is longer than 100 characters"; got != want {
		t.Errorf("en: %q, want %q", got, want)
	}
	// A value outside an enumeration lists the allowed values by their names in the
	// language, as the web pages do (the command line's own copy listed none).
	kind := fmt.Errorf("governance mlps-record: %w", &medsec.ValidationError{Errors: []medsec.FieldError{{Field: "kind", Key: "err.unknown_value",
		Value: "upgrade", Enum: "mlps_event", Allowed: []string{string(medsec.MLPSGrading), string(medsec.MLPSChange)}, Message: "is not grading or change"}}})
	ja := errorText(b, "ja", kind)
	for _, want := range []string{"「upgrade」", b.T("ja", "mlps_event.grading"), b.T("ja", "mlps_event.change")} {
		if !strings.Contains(ja, want) || strings.Contains(ja, "grading or change") {
			t.Errorf("ja enum: %q, want it to hold %q and no English", ja, want)
		}
	}
	if got := errorText(b, "ja", fmt.Errorf("open x: no such file")); got != "open x: no such file" {
		t.Errorf("another error changed: %q", got)
	}
}
