package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"medsec/detect"
)

// sigmaUsage is printed for "medsec sigma -h" and a bad command line.
const sigmaUsage = `usage:
  medsec sigma test --rules PATH... --events FILE... [--json] [--pipeline FILE] [--lateness DURATION]

Runs Sigma detection and correlation rules (files, or directories searched for
*.yml and *.yaml) over events and prints each rule's matches and each
correlation's alerts with their events. Events are JSON: one object per line,
objects one after another, or an array; Windows event-log JSON ({"Event":
{"System", "EventData"}}) is read as Sigma names its fields. Fields may be named
as the rules name them or as ECS: the built-in ECS pipeline maps one to the other
(--pipeline gives another, in pySigma's manner, see docs/DETECTION.md). Events
are correlated in time order; --lateness (default 0) lets them arrive that much
out of order. An event without a time (@timestamp, timestamp, time, or System.TimeCreated of
Windows event-log JSON) is given 1970-01-01T00:00:00Z plus 1 ms per event read
before it, across all files: such events keep their input order and, being
milliseconds apart, fall into the same correlation windows. Events are read
one at a time (a file of any size; one event at most 16 MiB). Each event is
named FILE:LINE, the line its JSON starts on, or FILE:LINE:COLUMN when it does
not start its line (in an array). A rule that does not parse or compile, or an
event file that does not read, is named with its file and line, and the exit
status is 1.
`

// sigmaEventJSON is one event in the output.
type sigmaEventJSON struct {
	// ID is FILE:LINE (or FILE:LINE:COLUMN), where the event's JSON starts.
	ID     string         `json:"id"`
	Time   time.Time      `json:"time"`
	Rule   string         `json:"rule,omitempty"`
	Fields map[string]any `json:"fields,omitempty"`
}

// sigmaRuleJSON is one detection rule and its matches.
type sigmaRuleJSON struct {
	File    string           `json:"file"`
	Line    int              `json:"line"`
	ID      string           `json:"id,omitempty"`
	Name    string           `json:"name,omitempty"`
	Title   string           `json:"title"`
	Level   string           `json:"level,omitempty"`
	Matches []sigmaEventJSON `json:"matches"`
}

// sigmaAlertJSON is one alert of a correlation.
type sigmaAlertJSON struct {
	Group  map[string]string `json:"group"`
	Start  time.Time         `json:"start"`
	End    time.Time         `json:"end"`
	Value  int64             `json:"value"`
	Events []sigmaEventJSON  `json:"events"`
}

// sigmaCorrelationJSON is one correlation rule and its alerts.
type sigmaCorrelationJSON struct {
	File   string           `json:"file"`
	Line   int              `json:"line"`
	ID     string           `json:"id,omitempty"`
	Name   string           `json:"name,omitempty"`
	Title  string           `json:"title"`
	Type   string           `json:"type"`
	Alerts []sigmaAlertJSON `json:"alerts"`
}

// sigmaResultJSON is the whole output of "medsec sigma test --json".
type sigmaResultJSON struct {
	Events       int                    `json:"events"`
	Rules        []sigmaRuleJSON        `json:"rules"`
	Correlations []sigmaCorrelationJSON `json:"correlations"`
	// Late counts matches that arrived beyond --lateness and were not correlated.
	Late int64 `json:"late"`
}

// runSigma implements "medsec sigma" (issue 13).
func runSigma(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "test" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
			fmt.Fprint(stdout, sigmaUsage)
			return nil
		}
		fmt.Fprint(stderr, sigmaUsage)
		return errors.New("sigma: the subcommand is \"test\"")
	}
	var rulePaths, eventFiles []string
	var pipelineFile string
	var lateness time.Duration
	asJSON := false
	var list *[]string
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") {
			if list == nil {
				fmt.Fprint(stderr, sigmaUsage)
				return fmt.Errorf("sigma test: %q: give --rules or --events before paths", a)
			}
			*list = append(*list, a)
			continue
		}
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(rest) {
				return "", fmt.Errorf("sigma test: --%s needs a value", name)
			}
			i++
			return rest[i], nil
		}
		switch name {
		case "rules":
			list = &rulePaths
			if hasVal {
				rulePaths = append(rulePaths, val)
			}
		case "events":
			list = &eventFiles
			if hasVal {
				eventFiles = append(eventFiles, val)
			}
		case "json":
			asJSON = true
			list = nil
		case "pipeline":
			v, err := next()
			if err != nil {
				return err
			}
			pipelineFile, list = v, nil
		case "lateness":
			v, err := next()
			if err != nil {
				return err
			}
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("sigma test: --lateness %q: want a duration such as 30s", v)
			}
			lateness, list = d, nil
		case "h", "help":
			fmt.Fprint(stdout, sigmaUsage)
			return nil
		default:
			fmt.Fprint(stderr, sigmaUsage)
			return fmt.Errorf("sigma test: unknown flag %s", a)
		}
	}
	if len(rulePaths) == 0 || len(eventFiles) == 0 {
		fmt.Fprint(stderr, sigmaUsage)
		return errors.New("sigma test: give --rules PATH... and --events FILE...")
	}
	pipe := detect.DefaultPipeline()
	if pipelineFile != "" {
		data, err := os.ReadFile(pipelineFile)
		if err != nil {
			return fmt.Errorf("sigma test: pipeline: %w", err)
		}
		if pipe, err = detect.ParsePipeline(pipelineFile, data); err != nil {
			return fmt.Errorf("sigma test: pipeline:\n%w", err)
		}
	}
	rules, err := loadSigmaRules(rulePaths)
	if err != nil {
		return fmt.Errorf("sigma test: rules:\n%w", err)
	}
	eng, err := detect.NewEngine(rules, detect.Options{Pipeline: pipe, Lateness: lateness})
	if err != nil {
		return fmt.Errorf("sigma test: rules:\n%w", err)
	}
	res := sigmaResultJSON{Rules: []sigmaRuleJSON{}, Correlations: []sigmaCorrelationJSON{}}
	ruleIdx := map[*detect.Rule]int{}
	corrIdx := map[*detect.Rule]int{}
	for _, r := range rules {
		if r.IsCorrelation() {
			corrIdx[r] = len(res.Correlations)
			res.Correlations = append(res.Correlations, sigmaCorrelationJSON{File: r.File, Line: r.Line, ID: r.ID, Name: r.Name, Title: r.Title, Type: r.Correlation.Type, Alerts: []sigmaAlertJSON{}})
			continue
		}
		ruleIdx[r] = len(res.Rules)
		res.Rules = append(res.Rules, sigmaRuleJSON{File: r.File, Line: r.Line, ID: r.ID, Name: r.Name, Title: r.Title, Level: r.Level, Matches: []sigmaEventJSON{}})
	}
	addAlerts := func(as []detect.Alert) {
		for _, a := range as {
			aj := sigmaAlertJSON{Group: a.Group, Start: a.Start, End: a.End, Value: a.Value}
			if aj.Group == nil {
				aj.Group = map[string]string{}
			}
			for i, e := range a.Events {
				aj.Events = append(aj.Events, sigmaEventJSON{ID: e.ID, Time: e.Time, Rule: a.Rules[i]})
			}
			c := &res.Correlations[corrIdx[a.Rule]]
			c.Alerts = append(c.Alerts, aj)
		}
	}
	// Events are read and evaluated one at a time (detect.EventReader): a file of any
	// size takes the memory of one event, what the correlations hold and the matches.
	base := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range eventFiles {
		r, err := os.Open(f)
		if err != nil {
			return fmt.Errorf("sigma test: events: %w", err)
		}
		er := detect.NewEventReader(f, r, base.Add(time.Duration(res.Events)*time.Millisecond))
		for {
			e, err := er.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				return fmt.Errorf("sigma test: events: %w", err)
			}
			out := eng.Process(e)
			for _, m := range out.Matches {
				r := &res.Rules[ruleIdx[m.Rule]]
				r.Matches = append(r.Matches, sigmaEventJSON{ID: m.Event.ID, Time: m.Event.Time, Fields: m.Event.Fields})
			}
			addAlerts(out.Alerts)
		}
		res.Events += er.Count()
		r.Close()
	}
	addAlerts(eng.Flush())
	res.Late = eng.Stats().Late
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "%d events, %d rules, %d correlations\n", res.Events, len(res.Rules), len(res.Correlations))
	for _, r := range res.Rules {
		fmt.Fprintf(stdout, "%s:%d %s: %d matches\n", r.File, r.Line, r.Title, len(r.Matches))
		for _, m := range r.Matches {
			fmt.Fprintf(stdout, "  %s %s\n", m.Time.Format(time.RFC3339Nano), m.ID)
		}
	}
	for _, c := range res.Correlations {
		fmt.Fprintf(stdout, "%s:%d %s (%s): %d alerts\n", c.File, c.Line, c.Title, c.Type, len(c.Alerts))
		for _, a := range c.Alerts {
			keys := make([]string, 0, len(a.Group))
			for k := range a.Group {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var g []string
			for _, k := range keys {
				g = append(g, k+"="+a.Group[k])
			}
			fmt.Fprintf(stdout, "  %s .. %s [%s] value %d:", a.Start.Format(time.RFC3339Nano), a.End.Format(time.RFC3339Nano), strings.Join(g, " "), a.Value)
			for _, e := range a.Events {
				fmt.Fprintf(stdout, " %s(%s)", e.ID, e.Rule)
			}
			fmt.Fprintln(stdout)
		}
	}
	if res.Late > 0 {
		fmt.Fprintf(stdout, "%d matches arrived later than --lateness and were not correlated\n", res.Late)
	}
	return nil
}

// loadSigmaRules reads rule files and directories (*.yml, *.yaml, in name order). Every
// problem of every file is reported, each with its file and line.
func loadSigmaRules(paths []string) ([]*detect.Rule, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var rules []*detect.Rule
	var errs []error
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rs, err := detect.ParseRules(f, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, r := range rs {
			if !r.IsCorrelation() {
				if _, err := detect.Compile(r, nil); err != nil {
					errs = append(errs, err)
					continue
				}
			}
			rules = append(rules, r)
		}
	}
	if len(files) == 0 {
		errs = append(errs, fmt.Errorf("no *.yml or *.yaml file in %s", strings.Join(paths, ", ")))
	}
	return rules, errors.Join(errs...)
}
