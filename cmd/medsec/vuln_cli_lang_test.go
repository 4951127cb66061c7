package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medsec/i18n"
)

// TestVulnCLIErrorsInMedsecLang (bt11g M6): the errors of medsec vuln import, cvss, sbom
// import and vex export are said in MEDSEC_LANG's language, as the other commands' are; a
// CSAF file the schema refuses is named with its JSON path and the schema's rule (was:
// English whatever MEDSEC_LANG said). English stays as it was.
func TestVulnCLIErrorsInMedsecLang(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"document":{"category":"csaf_security_advisory","csaf_version":"2.0"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	for _, tt := range []struct {
		args    []string
		ja, en  []string
		notInJa string
	}{
		{[]string{"vuln", "import", "--data", data, bad}, []string{bad, "/document", "「required」", "'publisher'", "がありません"},
			[]string{"/document: CSAF 2.0 schema: missing properties 'publisher'"}, "missing properties"},
		{[]string{"vuln", "import", "--data", data, filepath.Join(dir, "none.json")}, []string{"none.json", "そのようなファイルはありません"}, []string{"no such file"}, "no such file"},
		{[]string{"cvss", "CVSS:3.1/AV:X/AC:L"}, []string{"メトリック AV", "値 X は使えません"}, []string{`metric AV: value "X" not allowed`}, "not allowed"},
		{[]string{"cvss"}, []string{"ベクトルを 1 つ以上指定してください"}, []string{"give at least one vector"}, "give at least"},
		{[]string{"sbom", "import", "--data", data}, []string{"ファイルを 1 つ以上指定してください"}, []string{"give --asset ID"}, "give --asset"},
		{[]string{"vex", "export", "--data", data}, []string{"--advisory と --format csaf|cyclonedx を指定してください"}, []string{"give --advisory"}, "give --advisory"},
	} {
		err := run(context.Background(), tt.args, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%v: no error", tt.args)
			continue
		}
		ja, en := errorText(b, "ja", err), errorText(b, "en", err)
		for _, w := range tt.ja {
			if !strings.Contains(ja, w) {
				t.Errorf("%v in ja: %q lacks %q", tt.args, ja, w)
			}
		}
		if strings.Contains(ja, tt.notInJa) {
			t.Errorf("%v in ja still English: %q", tt.args, ja)
		}
		for _, w := range tt.en {
			if !strings.Contains(en, w) {
				t.Errorf("%v in en: %q lacks %q", tt.args, en, w)
			}
		}
	}
}
