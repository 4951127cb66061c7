package http_test

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"

	"medsec"
	"medsec/i18n"
)

// TestPolicyInversionNamesFieldLabels: an inverted deadline policy (high 96 h, longer than
// the medium 72 h) is refused on the API and on the policy page naming both windows by
// their labels in the user's language ("評分 ≥ 7.0(小時)"), never by the raw field names
// high_hours and medium_hours; the API's field, key and args keep the names for programs.
func TestPolicyInversionNamesFieldLabels(t *testing.T) {
	f := newFixture(t)
	srv := newServerWithVulns(t, f)
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	site := fmt.Sprint(f.assetHQ.SiteID)
	for _, lang := range []string{"zh-TW", "zh-CN", "ja", "en"} {
		high, medium := bundle.T(lang, "field.high_hours"), bundle.T(lang, "field.medium_hours")
		status, got := apiErrorIn(t, srv.URL, "PUT", "/api/v1/deadline-policies/"+site, f.tokens[medsec.RoleAdmin], `{"high_hours": 96}`, lang)
		if status != 422 || len(got.Errors) != 1 {
			t.Fatalf("%s: %d %+v", lang, status, got)
		}
		fe := got.Errors[0]
		if fe.Field != "high_hours" || fe.Key != "err.policy_inverted" {
			t.Errorf("%s: field %q key %q, want high_hours err.policy_inverted", lang, fe.Field, fe.Key)
		}
		if !strings.Contains(fe.Message, high) || !strings.Contains(fe.Message, medium) || strings.Contains(fe.Message, "_hours") {
			t.Errorf("%s API message %q: want the labels %q and %q, no raw field name", lang, fe.Message, high, medium)
		}
		if lang != "en" {
			if m := englishSentence.FindString(fe.Message); m != "" {
				t.Errorf("%s API message %q holds English %q", lang, fe.Message, m)
			}
		}

		c := f.session("u-" + string(medsec.RoleAdmin))
		status, body := postFormIn(t, c, srv.URL+"/vulnerabilities/policy", url.Values{"site_id": {site}, "high_hours": {"96"}}, lang)
		if status != 422 {
			t.Fatalf("%s policy form: %d", lang, status)
		}
		i := strings.Index(body, `id="form-errors"`)
		if i < 0 {
			t.Fatalf("%s policy form: no error table", lang)
		}
		errs := html.UnescapeString(body[i:min(len(body), i+2000)])
		errs = errs[:strings.Index(errs, "</table>")]
		if !strings.Contains(errs, high) || !strings.Contains(errs, medium) || strings.Contains(errs, "_hours") {
			t.Errorf("%s policy page errors %q: want the labels %q and %q, no raw field name", lang, errs, high, medium)
		}
	}
}
