// Package detection is medsec's detection service: it runs the enabled Sigma rules
// (package detect) over the event stream, per site, and turns what fires into alerts,
// hit counts and notifications. It also ships the built-in rules for the response plan's
// triggers [003 §3.2.1, §3.3.2], reads imported rule files (YAML, a directory, a zip of
// SigmaHQ's repository) with the file and line of each problem, and tests a rule or
// retro-hunts over stored events.
package detection

import (
	"archive/zip"
	"bytes"
	"embed"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"text/template"

	"medsec"
	"medsec/detect"
)

//go:embed builtin/*.yml
var builtinFS embed.FS

// sigmaLiteral escapes a name for a Sigma value, so that it matches as written: "*",
// "?" and "\\" are wildcards and the escape in Sigma (an emergency account "*" would
// otherwise match every login).
func sigmaLiteral(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`)
	return r.Replace(s)
}

// BuiltinRules returns medsec's built-in rules rendered with the settings (thresholds,
// working hours, account names), one per Sigma document, enabled by default.
func BuiltinRules(set medsec.DetectionSettings) ([]*medsec.DetectionRule, error) {
	names, err := fs.Glob(builtinFS, "builtin/*.yml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	data := struct {
		medsec.DetectionSettings
		WorkingHours, MaintenanceWindow string
	}{set, set.WorkingHours.String(), set.MaintenanceWindow.String()}
	var out []*medsec.DetectionRule
	for _, name := range names {
		text, err := fs.ReadFile(builtinFS, name)
		if err != nil {
			return nil, err
		}
		t, err := template.New(name).Funcs(template.FuncMap{"sigma": sigmaLiteral, "join": func(v []medsec.ZoneKind, sep string) string {
			s := make([]string, len(v))
			for i, k := range v {
				s[i] = string(k)
			}
			return strings.Join(s, sep)
		}}).Option("missingkey=error").Parse(string(text))
		if err != nil {
			return nil, fmt.Errorf("built-in rule %s: %w", name, err)
		}
		var b bytes.Buffer
		if err := t.Execute(&b, data); err != nil {
			return nil, fmt.Errorf("built-in rule %s: %w", name, err)
		}
		rules, err := ParseFile(path.Base(name), b.Bytes())
		if err != nil {
			return nil, fmt.Errorf("built-in rule: %w", err)
		}
		for _, r := range rules {
			r.Origin, r.Enabled = medsec.RuleBuiltin, true
		}
		out = append(out, rules...)
	}
	return out, nil
}

// document is one YAML document of a file and the line it starts on.
type document struct {
	text string
	line int
}

// splitDocuments cuts a YAML stream at its "---" lines.
func splitDocuments(data []byte) []document {
	lines := strings.SplitAfter(string(data), "\n")
	var out []document
	cur := document{line: 1}
	var b strings.Builder
	for i, l := range lines {
		if strings.TrimRight(l, " \t\r\n") == "---" {
			if strings.TrimSpace(b.String()) != "" {
				cur.text = b.String()
				out = append(out, cur)
			}
			b.Reset()
			cur = document{line: i + 2}
			continue
		}
		b.WriteString(l)
	}
	if strings.TrimSpace(b.String()) != "" {
		cur.text = b.String()
		out = append(out, cur)
	}
	return out
}

// ParseFile reads the Sigma documents of one file into rule records (one per document,
// the document's own text as YAML). The error is a *medsec.ValidationError naming the
// file and the line of each problem; no rule is returned with it.
func ParseFile(name string, data []byte) ([]*medsec.DetectionRule, error) {
	ve := &medsec.ValidationError{Source: name}
	if len(data) > MaxRuleFileBytes {
		ve.Errors = append(ve.Errors, medsec.FieldError{Key: "err.too_large", Message: fmt.Sprintf("larger than %d KB: one Sigma rule file is a few KB", MaxRuleFileBytes>>10)})
		return nil, ve
	}
	var out []*medsec.DetectionRule
	seen := map[string]int{} // Sigma id -> line of the first document with it
	for _, doc := range splitDocuments(data) {
		// Blank lines before the document keep the parser's line numbers those of the file.
		rules, err := detect.ParseRules(name, []byte(strings.Repeat("\n", doc.line-1)+doc.text))
		if err != nil {
			addParseErrors(ve, err)
			continue
		}
		for _, r := range rules {
			if r.ID == "" {
				ve.Errors = append(ve.Errors, medsec.FieldError{Line: r.Line, Field: "id", Key: "err.required", Message: "a rule needs an id to be stored"})
				continue
			}
			// Two documents with one id would store only the last: refuse the file.
			if first, dup := seen[r.ID]; dup {
				ve.Errors = append(ve.Errors, medsec.FieldError{Line: r.Line, Field: "id", Key: "err.duplicate", Message: fmt.Sprintf("id %s is also the id of the rule at line %d", r.ID, first)})
				continue
			}
			seen[r.ID] = r.Line
			kind := medsec.RuleKindDetection
			if r.IsCorrelation() {
				kind = medsec.RuleKindCorrelation
			}
			tags := r.Tags
			if tags == nil {
				tags = []string{}
			}
			text := strings.TrimLeft(doc.text, "\n")
			out = append(out, &medsec.DetectionRule{Line: doc.line + len(doc.text) - len(text), UID: r.ID, Title: r.Title, Kind: kind, Level: r.Level, Status: r.Status, Description: r.Description,
				Tags: tags, References: r.References, Origin: medsec.RuleImported, FileName: name, YAML: text})
		}
	}
	if len(ve.Errors) > 0 {
		return nil, ve
	}
	return out, nil
}

func addParseErrors(ve *medsec.ValidationError, err error) {
	var list detect.ErrorList
	if el, ok := err.(detect.ErrorList); ok {
		list = el
	} else if pe, ok := err.(*detect.ParseError); ok {
		list = detect.ErrorList{pe}
	}
	if len(list) == 0 {
		ve.Errors = append(ve.Errors, medsec.FieldError{Key: "err.bad_rule", Message: err.Error()})
		return
	}
	for _, pe := range list {
		fe := medsec.FieldError{Line: pe.Line, Field: pe.Field, Key: "err.bad_rule", Message: pe.Msg}
		if pe.Key != "" {
			// The cause, in the reader's language (sigma.err.*).
			fe.Key, fe.Args = pe.Key, pe.Args
		}
		ve.Errors = append(ve.Errors, fe)
	}
}

// MaxRuleFileBytes bounds one YAML file of rules (SigmaHQ's largest rule is 6 KB). Parsing
// YAML costs a few hundred bytes of memory per list item, so a 2 MB rule of one-letter items
// took 490 MB: without this bound a small zip could exhaust the server's memory.
const MaxRuleFileBytes = 256 << 10

// MaxImportBytes bounds an import (a zip of the SigmaHQ repository is about 20 MB).
const MaxImportBytes = 64 << 20

// ReadImport reads rules from an uploaded file: a Sigma YAML file, or a zip holding YAML
// files (such as a download of SigmaHQ's repository: files under rules*/ directories are
// read, other YAML files too unless they lie under tests/, deprecated/ or .github/). A
// problem in any file refuses the whole import: a *medsec.ValidationError whose Source is name and whose
// problems name the file inside the zip, the line and the field.
func ReadImport(name string, data []byte) ([]*medsec.DetectionRule, error) {
	if len(data) > MaxImportBytes {
		return nil, &medsec.ValidationError{Source: name, Errors: []medsec.FieldError{{Key: "err.too_large", Message: fmt.Sprintf("larger than %d MB", MaxImportBytes>>20)}}}
	}
	if !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return ParseFile(name, data)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, &medsec.ValidationError{Source: name, Errors: []medsec.FieldError{{Key: "err.bad_zip", Message: "not a zip file: " + err.Error()}}}
	}
	files := map[string][]byte{}
	var total int64
	for _, f := range zr.File {
		if f.FileInfo().IsDir() || !wantedRuleFile(f.Name) {
			continue
		}
		total += int64(f.UncompressedSize64)
		if total > 4*MaxImportBytes {
			return nil, &medsec.ValidationError{Source: name, Errors: []medsec.FieldError{{Key: "err.too_large", Message: "the zip's rule files are larger than 256 MB"}}}
		}
		rc, err := f.Open()
		if err != nil {
			return nil, &medsec.ValidationError{Source: name, Errors: []medsec.FieldError{{File: f.Name, Key: "err.bad_zip", Message: err.Error()}}}
		}
		b, err := io.ReadAll(io.LimitReader(rc, MaxImportBytes))
		rc.Close()
		if err != nil {
			return nil, &medsec.ValidationError{Source: name, Errors: []medsec.FieldError{{File: f.Name, Key: "err.bad_zip", Message: err.Error()}}}
		}
		files[f.Name] = b
	}
	return readFiles(name, files)
}

// ReadDir reads every Sigma YAML file under a directory (a checkout of SigmaHQ's
// repository or the hospital's own rules), with ReadImport's choice of files.
func ReadDir(name string, fsys fs.FS) ([]*medsec.DetectionRule, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !wantedRuleFile(p) {
			return nil
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		files[p] = b
		return nil
	})
	if err != nil {
		return nil, err
	}
	return readFiles(name, files)
}

func wantedRuleFile(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	if ext != ".yml" && ext != ".yaml" {
		return false
	}
	for _, part := range strings.Split(p, "/") {
		switch part {
		case "tests", "deprecated", ".github", "unsupported", "regression_data", "other":
			return false
		}
	}
	return true
}

func readFiles(source string, files map[string][]byte) ([]*medsec.DetectionRule, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []*medsec.DetectionRule
	ve := &medsec.ValidationError{Source: source}
	seen := map[string]string{}
	for _, n := range names {
		rules, err := ParseFile(n, files[n])
		if err != nil {
			for _, fe := range err.(*medsec.ValidationError).Errors {
				fe.File = n
				ve.Errors = append(ve.Errors, fe)
			}
			continue
		}
		for _, r := range rules {
			if other, dup := seen[r.UID]; dup {
				ve.Errors = append(ve.Errors, medsec.FieldError{File: n, Field: "id", Key: "err.duplicate", Value: r.UID, Message: fmt.Sprintf("id %s is also the id of a rule in %s", r.UID, other)})
				continue
			}
			seen[r.UID] = n
			out = append(out, r)
		}
	}
	if len(ve.Errors) > 0 {
		return nil, ve
	}
	return out, nil
}
