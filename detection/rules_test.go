package detection_test

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"medsec"
	"medsec/detect"
	"medsec/detection"
)

func TestBuiltinRulesRenderAndParse(t *testing.T) {
	set := medsec.DefaultDetectionSettings()
	set.FailedLogins = medsec.CountWindow{Count: 7, Minutes: 3}
	rules, err := detection.BuiltinRules(set)
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, r := range rules {
		titles = append(titles, r.Kind+" "+r.Title)
		if len(r.References) == 0 || !strings.ContainsAny(r.References[0], "§") {
			t.Errorf("%s: no seed section in references: %v", r.Title, r.References)
		}
		if r.Origin != medsec.RuleBuiltin || !r.Enabled || r.UID == "" || r.Level == "" {
			t.Errorf("%s: %+v", r.Title, r)
		}
		if r.UID == "5b844acf-d201-4466-bfdb-ceec6a5e48e0" && (!strings.Contains(r.YAML, "gte: 7") || !strings.Contains(r.YAML, "timespan: 3m")) {
			t.Errorf("burst rule not rendered with the settings:\n%s", r.YAML)
		}
	}
	want := []string{
		"rule Cross-zone flow outside any conduit",
		"rule Emergency account used",
		"rule Failed login",
		"correlation Many failed logins in a short time",
		"rule New device on a device network",
		"rule Data export outside working hours",
		"rule PACS storage growing abnormally",
		"rule Remote maintenance outside the approved window",
		"rule Attempt on a sensitive directory",
		"correlation Repeated attempts on sensitive directories",
		"rule Maintenance vendor login outside an approved plan",
	}
	if strings.Join(titles, "\n") != strings.Join(want, "\n") {
		t.Errorf("built-in rules:\n%s\nwant:\n%s", strings.Join(titles, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseFileNamesFileAndLine(t *testing.T) {
	in := "title: ok\nid: 11111111-1111-4111-8111-111111111111\nlogsource: {product: linux}\ndetection:\n  sel: {a: 1}\n  condition: sel\n---\n" +
		"title: bad\nid: 22222222-2222-4222-8222-222222222222\nlogsource: {product: linux}\ndetection:\n  sel:\n    a|contanis: 1\n  condition: sel\n"
	_, err := detection.ParseFile("rules/x.yml", []byte(in))
	ve, ok := err.(*medsec.ValidationError)
	if !ok || len(ve.Errors) == 0 {
		t.Fatalf("got %v, want a validation error", err)
	}
	if ve.Source != "rules/x.yml" || ve.Errors[0].Line < 12 || ve.Errors[0].Line > 13 {
		t.Errorf("got %s (line %d), want rules/x.yml at line 12 or 13", ve.Error(), ve.Errors[0].Line)
	}
	rules, err := detection.ParseFile("rules/x.yml", []byte(strings.SplitAfter(in, "---\n")[0]))
	if err != nil || len(rules) != 1 || rules[0].Origin != medsec.RuleImported || !strings.HasPrefix(rules[0].YAML, "title: ok") {
		t.Errorf("good file: %v %v", rules, err)
	}
}

// TestSensitiveDirectoryBothSeparators: the default sensitive directories (kept as names
// under the root, no host path in the data) catch a refused access written with / or
// with \, with or without a drive letter, in any case; a path that only contains such a
// name further down, or a longer name, does not count.
func TestSensitiveDirectoryBothSeparators(t *testing.T) {
	rules, err := detection.BuiltinRules(medsec.DefaultDetectionSettings())
	if err != nil {
		t.Fatal(err)
	}
	var src []byte
	for _, r := range rules {
		if r.UID == "8ef2285a-72a2-454a-acd7-4124ec247e9e" {
			src = []byte(r.YAML)
		}
	}
	parsed, err := detect.ParseRules("sensitive.yml", src)
	if err != nil || len(parsed) != 1 {
		t.Fatalf("rule: %v %v", parsed, err)
	}
	c, err := detect.Compile(parsed[0], detect.DefaultPipeline())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		field, path string
		want        bool
	}{
		{"file.path", "/etc/shadow", true},
		{"file.path", `\etc\shadow`, true},
		{"file.path", "/root/.ssh/id_ed25519", true},
		{"file.path", `C:\Windows\System32\config\SAM`, true},
		{"file.path", `c:\windows\system32\config\sam`, true},
		{"file.path", "D:/Windows/System32/config/SYSTEM", true},
		{"file.path", "/Windows/System32/config/SAM", true},
		{"url.path", "/phi/patients/123", true},
		{"url.path", "/admin/users", true},
		{"url.path", `\admin\users`, true},
		{"file.path", "/home/nurse/etc/notes", false},
		{"file.path", "/etcetera/x", false},
		{"file.path", `C:\Windows\System32\drivers\etc\hosts`, false},
		{"url.path", "/public/phi/x", false},
		{"url.path", "/phix", false},
	} {
		ev := &detect.Event{Fields: map[string]any{tt.field: tt.path, "event.outcome": "failure"}}
		if got := c.Match(ev); got != tt.want {
			t.Errorf("%s %s: match %v, want %v", tt.field, tt.path, got, tt.want)
		}
		ev.Fields["event.outcome"] = "success"
		if c.Match(ev) {
			t.Errorf("%s %s: an access that succeeded matched", tt.field, tt.path)
		}
	}
}

// TestImportRefusesHugeRuleFile: a zip of 2 KB holding one rule of a million one-letter list
// items (2 MB of YAML, ~490 MB of memory to parse) is refused before parsing, naming the file
// inside the zip; every SigmaHQ rule (6 KB at most) stays well below the bound.
func TestImportRefusesHugeRuleFile(t *testing.T) {
	var rule strings.Builder
	rule.WriteString("title: huge\nid: 33333333-3333-4333-8333-333333333333\nlogsource: {product: linux}\ndetection:\n  sel:\n    a: [a")
	for rule.Len() < 2<<20 {
		rule.WriteString(",a")
	}
	rule.WriteString("]\n  condition: sel\n")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("rules/linux/huge.yml")
	w.Write([]byte(rule.String()))
	zw.Close()
	if buf.Len() > 64<<10 {
		t.Fatalf("the zip is %d bytes; the point is a small one", buf.Len())
	}
	_, err := detection.ReadImport("sigma.zip", buf.Bytes())
	ve, ok := err.(*medsec.ValidationError)
	if !ok || len(ve.Errors) != 1 || ve.Errors[0].File != "rules/linux/huge.yml" || ve.Errors[0].Key != "err.too_large" {
		t.Fatalf("got %v, want err.too_large naming rules/linux/huge.yml", err)
	}
}
