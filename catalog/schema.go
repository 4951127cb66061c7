package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// completeSchema is NIST's OSCAL 1.1.2 complete JSON schema (every model: catalog,
// profile, component definition, SSP, assessment plan, assessment results, POA&M), as
// go-oscal v0.7.1 ships it; see schema/README.md for its origin and licence.
//
//go:embed schema/oscal_complete_schema.json
var completeSchema []byte

// Models whose documents ValidateSchema checks: the root property of the document.
const (
	ModelCatalog           = "catalog"
	ModelAssessmentPlan    = "assessment-plan"
	ModelAssessmentResults = "assessment-results"
)

// compileSchema compiles the schema of one OSCAL model: the complete schema with its
// root narrowed to the one model, so that a document is checked as NIST's per-model
// schema (oscal_catalog_schema.json, oscal_assessment-results_schema.json, ...) checks it
// and errors point into the model instead of at a failed oneOf.
func compileSchema(model string) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(completeSchema))
	if err != nil {
		return nil, fmt.Errorf("oscal schema: %w", err)
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("oscal schema: not an object")
	}
	branches, _ := root["oneOf"].([]any)
	var branch any
	for _, b := range branches {
		if props, _ := b.(map[string]any)["properties"].(map[string]any); props != nil && props[model] != nil {
			branch = b
		}
	}
	if branch == nil {
		return nil, fmt.Errorf("oscal schema: no model %q", model)
	}
	root["oneOf"] = []any{branch}
	url := "oscal_" + model + "_schema.json"
	c := jsonschema.NewCompiler()
	// OSCAL's patterns use Unicode classes (\p{L}, \p{N}) that Go's regexp package
	// supports; the engine is named so that it stays Go's RE2, which runs in linear time
	// on untrusted documents.
	c.UseRegexpEngine(nil)
	if err := c.AddResource(url, root); err != nil {
		return nil, fmt.Errorf("oscal schema %s: %w", model, err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("oscal schema %s: %w", model, err)
	}
	return sch, nil
}

// schemas compiles each model's schema once, on first use.
var schemas = map[string]func() (*jsonschema.Schema, error){
	ModelCatalog:           sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema(ModelCatalog) }),
	ModelAssessmentPlan:    sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema(ModelAssessmentPlan) }),
	ModelAssessmentResults: sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema(ModelAssessmentResults) }),
}

// SchemaError is one place where a document breaks the OSCAL JSON schema.
type SchemaError struct {
	// Path is the JSON location of the offending value, its keys and array indexes joined
	// by '/' ("catalog/groups/0/controls/0"); empty for the document itself.
	Path string
	// Problem says what is wrong ("additional property not allowed").
	Problem string
	// Detail names the offending keys or values, when there are any ("parmas").
	Detail string
}

// Error implements the error interface: "additional property not allowed at
// catalog/groups/0/controls/0: parmas".
func (e *SchemaError) Error() string {
	s := "schema: " + e.Problem + " at " + cmpOr(e.Path, "/")
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func cmpOr(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ValidateSchema checks a JSON document against the OSCAL 1.1.2 JSON schema of model
// (ModelCatalog, ModelAssessmentPlan or ModelAssessmentResults) and returns every place
// it breaks the schema, each a *SchemaError naming its JSON path, in document order. A
// document that is not JSON is one error. An unknown model is an error too.
func ValidateSchema(model string, data []byte) []error {
	get, ok := schemas[model]
	if !ok {
		return []error{fmt.Errorf("validate oscal: unknown model %q", model)}
	}
	sch, err := get()
	if err != nil {
		return []error{fmt.Errorf("validate oscal %s: %w", model, err)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var inst any
	if err := dec.Decode(&inst); err != nil {
		return []error{fmt.Errorf("validate oscal %s: not JSON: %w", model, err)}
	}
	err = sch.Validate(inst)
	var ve *jsonschema.ValidationError
	if err == nil {
		return nil
	} else if !errors.As(err, &ve) {
		return []error{fmt.Errorf("validate oscal %s: %w", model, err)}
	}
	var out []*SchemaError
	leaves(ve, &out)
	slices.SortStableFunc(out, func(a, b *SchemaError) int { return strings.Compare(a.Path, b.Path) })
	out = slices.CompactFunc(out, func(a, b *SchemaError) bool { return *a == *b })
	errs := make([]error, len(out))
	for i, e := range out {
		errs[i] = e
	}
	return errs
}

// leaves collects the innermost errors of a validation error tree: those are the
// concrete problems; the outer ones only say that a $ref, allOf or property failed.
func leaves(ve *jsonschema.ValidationError, out *[]*SchemaError) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			leaves(c, out)
		}
		return
	}
	e := &SchemaError{Path: strings.Join(ve.InstanceLocation, "/")}
	switch k := ve.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		e.Problem, e.Detail = "additional property not allowed", strings.Join(k.Properties, ", ")
	case *kind.Required:
		e.Problem, e.Detail = "required property missing", strings.Join(k.Missing, ", ")
	case *kind.Pattern:
		e.Problem, e.Detail = "value does not match the pattern "+k.Want, fmt.Sprintf("%q", k.Got)
	default:
		e.Problem = ve.ErrorKind.LocalizedString(message.NewPrinter(language.English))
	}
	*out = append(*out, e)
}

// ValidateEmbeddedSchema checks every embedded catalog document, as stored, against the
// OSCAL 1.1.2 JSON schema, returning each problem prefixed with its file name.
func ValidateEmbeddedSchema() []error {
	entries, err := dataFS.ReadDir("data")
	if err != nil {
		return []error{fmt.Errorf("validate embedded catalogs: %w", err)}
	}
	var errs []error
	for _, e := range entries {
		if e.Name() == crosswalkFile {
			continue
		}
		data, err := dataFS.ReadFile("data/" + e.Name())
		if err != nil {
			return append(errs, fmt.Errorf("validate embedded catalogs: %w", err))
		}
		for _, err := range ValidateSchema(ModelCatalog, data) {
			errs = append(errs, fmt.Errorf("%s: %w", e.Name(), err))
		}
	}
	return errs
}
