package http_test

import (
	"fmt"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestKEVWindowNotLongerThanTerminal: the tester's policy (terminal high 12 h, KEV 24 h)
// gave a KEV finding on a terminal device more time than a non-KEV one; it is refused on
// the API naming both windows by their labels in the user's language (issue 11 finding 6).
func TestKEVWindowNotLongerThanTerminal(t *testing.T) {
	f := newFixture(t)
	srv := newServerWithVulns(t, f)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	site := fmt.Sprint(f.assetHQ.SiteID)
	for _, lang := range []string{"zh-TW", "zh-CN", "ja", "en"} {
		kev, terminal := bundle.T(lang, "field.kev_hours"), bundle.T(lang, "field.terminal_high_hours")
		status, got := apiErrorIn(t, srv.URL, "PUT", "/api/v1/deadline-policies/"+site, f.tokens[medsec.RoleAdmin], `{"terminal_high_hours": 12, "kev_hours": 24}`, lang)
		if status != 422 || len(got.Errors) != 1 {
			t.Fatalf("%s: %d %+v", lang, status, got)
		}
		fe := got.Errors[0]
		if fe.Field != "kev_hours" || fe.Key != "err.policy_inverted" {
			t.Errorf("%s: %+v", lang, fe)
		}
		if !strings.Contains(fe.Message, kev) || !strings.Contains(fe.Message, terminal) || strings.Contains(fe.Message, "_hours") {
			t.Errorf("%s message %q: want the labels %q and %q", lang, fe.Message, kev, terminal)
		}
	}
	if status, _ := apiErrorIn(t, srv.URL, "PUT", "/api/v1/deadline-policies/"+site, f.tokens[medsec.RoleAdmin], `{"terminal_high_hours": 12, "kev_hours": 12}`, "en"); status != 200 {
		t.Errorf("KEV equal to terminal: %d, want 200", status)
	}
}
