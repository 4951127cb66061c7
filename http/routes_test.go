package http_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"medsec"
	"medsec/catalog"
	mhttp "medsec/http"
	"medsec/i18n"
)

// TestRouteTableIsTheSpec checks that the server's routes and permissions are exactly the
// table the authorization test walks.
func TestRouteTableIsTheSpec(t *testing.T) {
	var got, want []string
	for _, r := range mhttp.APIRoutes() {
		got = append(got, r.Method+" "+r.Path+" "+string(r.Perm)+" "+boolWord(r.Public))
	}
	for _, r := range routeTable {
		want = append(want, r.method+" "+r.path+" "+string(r.perm)+" "+boolWord(r.public))
	}
	sort.Strings(got)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("server routes:\n%s\nspec:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func boolWord(b bool) string {
	if b {
		return "public"
	}
	return "login"
}

// TestOpenAPIMatchesRoutes checks that the OpenAPI document lists exactly the real routes,
// that public routes are marked so, and that every other route documents 401 and 403.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(mhttp.OpenAPIDocument(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if method == "parameters" {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			documented[key] = true
			var op struct {
				Security  *[]any                     `json:"security"`
				Responses map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			public := op.Security != nil && len(*op.Security) == 0
			for _, r := range mhttp.APIRoutes() {
				if r.Method+" "+r.Path != key {
					continue
				}
				if public != r.Public {
					t.Errorf("%s: documented public=%v, route public=%v", key, public, r.Public)
				}
				if !r.Public && (op.Responses["401"] == nil || op.Responses["403"] == nil) {
					t.Errorf("%s: 401 and 403 responses not documented", key)
				}
			}
		}
	}
	for _, r := range mhttp.APIRoutes() {
		key := r.Method + " " + r.Path
		if !documented[key] {
			t.Errorf("route %s is not in the OpenAPI document", key)
		}
		delete(documented, key)
	}
	for key := range documented {
		t.Errorf("OpenAPI documents %s, which the server does not serve", key)
	}
}

// TestEveryUIStringIsTranslated finds every message key the views and the Go code use and
// checks it exists in all four languages, including every value of every enumeration the
// views translate.
func TestEveryUIStringIsTranslated(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{} // key -> where it is used
	viewKey := regexp.MustCompile(`\.T "([^"]+)"`)
	fs.WalkDir(mhttp.TemplatesFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, _ := fs.ReadFile(mhttp.TemplatesFS, p)
		for _, m := range viewKey.FindAllStringSubmatch(string(data), -1) {
			keys[m[1]] = p
		}
		return nil
	})
	codeKey := regexp.MustCompile(`(?:Key:\s*|Msg\(|Key[A-Za-z]*\s*=\s*|flash\(w,\s*|\.T\(|newPage\(r,\s*)"([a-z_]+\.[a-z_.]+)"`)
	errKey := regexp.MustCompile(`"(err\.[a-z_]+)"`)
	for _, dir := range []string{".", "..", "../sqlstore", "../assetio"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range codeKey.FindAllStringSubmatch(string(data), -1) {
				keys[m[1]] = f
			}
			for _, m := range errKey.FindAllStringSubmatch(string(data), -1) {
				keys[m[1]] = f
			}
		}
	}
	enums := map[string][]string{
		"kind": strs(medsec.AssetKinds), "connectivity": strs(medsec.Connectivities), "data_class": strs(medsec.DataClasses),
		"tristate": strs(medsec.Tristates), "cred": strs(medsec.CredentialStatuses), "level": strs(medsec.Levels),
		"status": {"active", "retired"}, "role": strs(medsec.Roles), "class": strs(medsec.DeviceClasses),
		"notify_kind":   append(strs(medsec.NotificationKinds), string(medsec.KindTest), string(medsec.KindDigest)),
		"notify_result": {medsec.DeliverySent, medsec.DeliveryFailed, medsec.DeliveryQueued}, "notify_channel": {medsec.ChannelEmail, medsec.ChannelWebhook},
		"notify_delivery": {medsec.DeliveryImmediate, medsec.DeliveryDigest}, "notify_tls": {medsec.TLSMandatory, medsec.TLSOpportunistic},
		"scenario": strs(medsec.Scenarios), "exposure": strs(medsec.DataExposures), "outage": strs(medsec.OutageScopes),
		"jurisdiction": strs(medsec.Jurisdictions), "recipient": strs(medsec.Recipients), "channel": medsec.Channels,
		"incident_role": strs(medsec.IncidentRoles), "incident_status": {string(medsec.IncidentOpen), string(medsec.IncidentClosed)},
		"clockstate":    {string(medsec.ClockRunning), string(medsec.ClockMet), string(medsec.ClockLate), string(medsec.ClockStopped), string(medsec.ClockUnmet)},
		"finding_state": strs(medsec.FindingStates), "justification": medsec.Justifications, "fix_result": strs(medsec.FixResults),
		"confidence": {"high", "medium", "low"}, "deadline_rule": {"kev", "high", "medium", "low", "terminal_high"},
		"severity":     {"None", "Low", "Medium", "High", "Critical", "unscored"},
		"account_type": strs(medsec.AccountTypes), "person_status": strs(medsec.PersonStatuses), "acct_finding": strs(medsec.AccountFindingKinds),
		"review_decision":  {medsec.DecisionKeep, medsec.DecisionRemove},
		"governance_state": strs(medsec.GovernanceStates), "drill_result": medsec.DrillResults,
	}
	for _, d := range medsec.Duties {
		enums["duty"] = append(enums["duty"], string(d.Kind))
	}
	for group, values := range enums {
		for _, v := range values {
			keys[group+"."+v] = "enumeration " + group
		}
	}
	// Every bundled catalog's control domains are named in the reader's language.
	cats, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cats {
		for _, ctl := range c.AllControls() {
			if ctl.DomainEnglish() != "" {
				keys[medsec.DomainKey(c.ID(), ctl.DomainEnglish())] = "catalog " + c.ID() + " domain " + ctl.Domain()
			}
		}
	}
	if len(keys) < 150 {
		t.Fatalf("found only %d keys: the scan is broken", len(keys))
	}
	for k, where := range keys {
		if !b.Has(k) {
			t.Errorf("%s uses %q, which is missing in at least one language", where, k)
		}
	}
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
