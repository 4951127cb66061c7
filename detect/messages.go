package detect

import (
	"errors"
	"fmt"
	"sort"
)

// messageKeys names each problem the rule parser and compiler report, by the English
// format that states it, for translation: a ParseError carries the key and the values
// its message puts in (Args, as text), so that a user interface says the problem in the
// reader's language (i18n keys sigma.err.*; those of condition errors put the character
// position first).
var messageKeys = map[string]string{
	"YAML: %s":                      "sigma.err.yaml",
	"a rule must be a YAML mapping": "sigma.err.rule_not_mapping",
	"\"repeat\" is not supported":   "sigma.err.repeat",
	"must be a text":                "sigma.err.text",
	"must be a list of texts":       "sigma.err.texts",
	"appears twice":                 "sigma.err.twice",
	"must be a UUID such as 929a690e-bef0-4204-a928-ef5e620d6fcc, not %q": "sigma.err.uuid",
	"must be informational, low, medium, high or critical, not %q":        "sigma.err.level",
	"must be a mapping": "sigma.err.mapping",
	"is required":       "sigma.err.required",
	"is required (or correlation, for a correlation rule)":                     "sigma.err.detection_required",
	"a rule has either detection or correlation, not both":                     "sigma.err.both",
	"must be a text or a list of texts":                                        "sigma.err.text_or_texts",
	"a list of selections must hold only mappings (or only keywords)":          "sigma.err.mixed_list",
	"must be a mapping, a list or a keyword":                                   "sigma.err.selection_shape",
	"unknown modifier %q":                                                      "sigma.err.unknown_modifier",
	"values must be scalars":                                                   "sigma.err.scalars",
	"an empty list matches nothing; remove the item":                           "sigma.err.empty_list",
	"must be a value or a list of values":                                      "sigma.err.value_or_values",
	"a keyword item (\"|modifier\") must stand alone in its selection":         "sigma.err.keyword_alone",
	"must be event_count, value_count, temporal or temporal_ordered, not %q":   "sigma.err.corr_type",
	"must be true or false":                                                    "sigma.err.bool",
	"must be a mapping of alias to {rule: field}":                              "sigma.err.aliases",
	"must be a mapping of rule to field":                                       "sigma.err.alias_map",
	"unknown key":                                                              "sigma.err.unknown_key",
	"must be a mapping such as {gte: 10}":                                      "sigma.err.cond_mapping",
	"must be a whole number, not %q":                                           "sigma.err.whole_number",
	"unknown key (want gt, gte, lt, lte, eq or field)":                         "sigma.err.cond_key",
	"is required for %s":                                                       "sigma.err.required_for",
	"is required for value_count":                                              "sigma.err.required_value_count",
	"modifier %q appears twice":                                                "sigma.err.modifier_twice",
	"modifiers %s cannot be combined":                                          "sigma.err.modifiers_combined",
	"flags i, m and s need the re modifier":                                    "sigma.err.flags_need_re",
	"base64 and base64offset cannot be combined":                               "sigma.err.base64_both",
	"modifier %q needs base64 or base64offset after it":                        "sigma.err.utf16_needs_base64",
	"exists takes true or false":                                               "sigma.err.exists_bool",
	"%s needs a number, not %q":                                                "sigma.err.needs_number",
	"fieldref needs field names":                                               "sigma.err.fieldref_names",
	"timespan %q: want a number and a unit s, m, h, d, w, M or y (\"5m\")":     "sigma.err.timespan_form",
	"timespan %q: the number must be positive":                                 "sigma.err.timespan_positive",
	"timespan %q: longer than 100 years":                                       "sigma.err.timespan_long",
	"needs one of gt, gte, lt, lte, eq (or a range: gt or gte with lt or lte)": "sigma.err.bound_needed",
	"eq cannot be combined with another bound":                                 "sigma.err.eq_alone",
	"gt and gte cannot be combined (two lower bounds)":                         "sigma.err.two_lower",
	"lt and lte cannot be combined (two upper bounds)":                         "sigma.err.two_upper",
	"no count satisfies %s %d and %s %d":                                       "sigma.err.empty_range",
	"%q is not a search identifier of this rule":                               "sigma.err.not_identifier",
	"%q matches no search identifier":                                          "sigma.err.pattern_matches_none",
	"regular expression %q backtracks: %s on a %d-character text (the limit is %s); rewrite it without nested repetition or backreferences": "sigma.err.regex_backtracks",
	"bad regular expression %q: %v": "sigma.err.bad_regex",
	"bad CIDR %q":                   "sigma.err.bad_cidr",
	"placeholder %%%s%% has no values in the pipeline's placeholders":              "sigma.err.placeholder_missing",
	"placeholders expand to more than 4096 values":                                 "sigma.err.placeholders_many",
	"a correlation rule has no detection to compile":                               "sigma.err.corr_no_detection",
	"%q is also the name or id of the rule at %s:%d":                               "sigma.err.dup_name",
	"correlations refer to each other in a cycle":                                  "sigma.err.corr_cycle",
	"no rule has the name or id %q":                                                "sigma.err.no_such_rule",
	"aggregations (\"| count() ...\") belong to correlation rules, not conditions": "sigma.err.cond.aggregation",
	"unexpected character %q":                                                      "sigma.err.cond.char",
	"condition longer than 64 KiB":                                                 "sigma.err.cond.long",
	"empty condition":                                                              "sigma.err.cond.empty",
	"unexpected %q":                                                                "sigma.err.cond.unexpected",
	"nested too deeply":                                                            "sigma.err.cond.deep",
	"condition ends too early":                                                     "sigma.err.cond.early_end",
	"missing \")\"":                                                                "sigma.err.cond.missing_paren",
	"unexpected \")\"":                                                             "sigma.err.cond.extra_paren",
	"%q before \"of\": want \"all\" or a positive number":                          "sigma.err.cond.quantifier",
	"\"of\" needs a pattern or \"them\"":                                           "sigma.err.cond.of_target",
	"bad pattern %q":                                                               "sigma.err.cond.bad_pattern",
	"wildcard identifier %q needs \"1 of\" or \"all of\"":                          "sigma.err.cond.wildcard",
}

// MessageKeys returns every message key a ParseError may carry, sorted (for tests that
// check each is translated).
func MessageKeys() []string {
	out := make([]string, 0, len(messageKeys))
	for _, k := range messageKeys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// problem is an error stated by a format of messageKeys and its arguments.
type problem struct {
	format string
	args   []any
}

func errorf(format string, args ...any) error { return &problem{format, args} }

func (p *problem) Error() string { return fmt.Sprintf(p.format, p.args...) }

// newParseError states a problem at file:line, field: the English message, and the key
// and argument texts for translation. A "%v" of a problem or *ConditionError takes that
// error's key and arguments.
func newParseError(file string, line int, field, format string, args ...any) *ParseError {
	pe := &ParseError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}
	pe.Key, pe.Args = keyArgs(format, args)
	return pe
}

func keyArgs(format string, args []any) (string, []string) {
	if format == "%v" && len(args) == 1 {
		if err, ok := args[0].(error); ok {
			var p *problem
			var ce *ConditionError
			switch {
			case errors.As(err, &ce) && ce.format != "":
				key, rest := keyArgs(ce.format, ce.args)
				return key, append([]string{fmt.Sprint(ce.Pos)}, rest...)
			case errors.As(err, &p):
				return keyArgs(p.format, p.args)
			}
		}
	}
	key, ok := messageKeys[format]
	if !ok {
		return "", nil
	}
	texts := make([]string, len(args))
	for i, a := range args {
		switch x := a.(type) {
		case rune: // a character, as %q shows it
			texts[i] = string(x)
		case byte:
			texts[i] = string(rune(x))
		default:
			texts[i] = fmt.Sprint(a)
		}
	}
	return key, texts
}
