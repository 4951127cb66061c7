package detect

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// regexTimeout bounds one regexp2 (backtracking) match, so that a rule cannot stall the
// stream.
const regexTimeout = 100 * time.Millisecond

// Pipeline is a processing pipeline in the manner of pySigma's: it maps the field names
// rules use (Sigma's Windows names such as "CommandLine") to the event fields medsec has
// (ECS names such as "process.command_line"), turns a rule's logsource into conditions on
// events, and gives the values of expand placeholders.
type Pipeline struct {
	// Name names the pipeline in messages.
	Name string
	// FieldMappings maps a rule's field name to the event fields tried in order; the
	// rule's own name is always tried last, so events may carry either form.
	FieldMappings map[string][]string
	// Logsources turn logsources into conditions: every entry whose set keys equal the
	// rule's logsource (case-insensitively) adds its conditions (ANDed between entries).
	Logsources []LogsourceMapping
	// FieldPrefixes are tried after the mapped names and the rule's own name, each
	// followed by the rule's name ("winlog.event_data." finds "winlog.event_data.LogonType").
	FieldPrefixes []string
	// Placeholders gives the values of %name% in values with the expand modifier.
	Placeholders map[string][]string
}

// LogsourceMapping is one logsource entry of a pipeline.
type LogsourceMapping struct {
	// Product, Category and Service select rules; an empty one matches any value.
	Product  string
	Category string
	Service  string
	// Conditions are alternatives (ORed), each a Sigma selection (field items ANDed, with
	// modifiers) read with the pipeline's field mappings: e.g. [{EventID: 1, Channel:
	// "Microsoft-Windows-Sysmon/Operational"}, {"event.category": process, "event.type": start}].
	Conditions []SearchAlt
	// Source is the medsec source the logsource stands for (information for the
	// caller: which stored logs a rule reads), e.g. "windows", "linux", "medsec".
	Source string
}

// ParsePipeline reads a pipeline from YAML:
//
//	name: ecs
//	field_mappings:
//	  CommandLine: process.command_line          # or a list of candidates
//	logsources:
//	  - category: process_creation
//	    product: windows
//	    source: windows
//	    conditions:
//	      - {EventID: 1, Channel: Microsoft-Windows-Sysmon/Operational}
//	      - {event.category: process, event.type: start}
//	placeholders:
//	  Admins_Workstations: [ws-admin-01, ws-admin-02]
//
// Errors are an ErrorList with the file and line of each problem.
func ParsePipeline(file string, data []byte) (*Pipeline, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line, msg := yamlErr(err, data)
		return nil, ErrorList{{File: file, Line: line, Msg: "YAML: " + msg}}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, ErrorList{{File: file, Line: 1, Msg: "a pipeline must be a YAML mapping"}}
	}
	root := doc.Content[0]
	p := &Pipeline{FieldMappings: map[string][]string{}, Placeholders: map[string][]string{}}
	rp := &ruleParser{file: file}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "name":
			p.Name = rp.str(v, "name")
		case "field_mappings":
			if v.Kind != yaml.MappingNode {
				rp.fail(v, "field_mappings", "must be a mapping of rule field to event field(s)")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				p.FieldMappings[v.Content[j].Value] = rp.strs(v.Content[j+1], "field_mappings."+v.Content[j].Value)
			}
		case "field_prefixes":
			p.FieldPrefixes = rp.strs(v, "field_prefixes")
		case "placeholders":
			if v.Kind != yaml.MappingNode {
				rp.fail(v, "placeholders", "must be a mapping of name to values")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				p.Placeholders[v.Content[j].Value] = rp.strs(v.Content[j+1], "placeholders."+v.Content[j].Value)
			}
		case "logsources":
			if v.Kind != yaml.SequenceNode {
				rp.fail(v, "logsources", "must be a list")
				continue
			}
			for j, e := range v.Content {
				f := fmt.Sprintf("logsources[%d]", j)
				if e.Kind != yaml.MappingNode {
					rp.fail(e, f, "must be a mapping")
					continue
				}
				m := LogsourceMapping{
					Product:  rp.str(mapGet(e, "product"), f+".product"),
					Category: rp.str(mapGet(e, "category"), f+".category"),
					Service:  rp.str(mapGet(e, "service"), f+".service"),
					Source:   rp.str(mapGet(e, "source"), f+".source"),
				}
				for q := 0; q+1 < len(e.Content); q += 2 {
					switch e.Content[q].Value {
					case "product", "category", "service", "source", "conditions":
					default:
						rp.fail(e.Content[q], f+"."+e.Content[q].Value, "unknown key")
					}
				}
				if c := mapGet(e, "conditions"); c != nil {
					s := rp.search(f+".conditions", c)
					for _, alt := range s.Alternatives {
						if alt.IsKeywords {
							rp.fail(c, f+".conditions", "conditions must be selections (mappings), not keywords")
						}
					}
					m.Conditions = s.Alternatives
				}
				p.Logsources = append(p.Logsources, m)
			}
		default:
			rp.fail(k, k.Value, "unknown key (want name, field_mappings, field_prefixes, logsources, placeholders)")
		}
	}
	if len(rp.errs) > 0 {
		return nil, rp.errs
	}
	// Check that every condition compiles.
	if _, _, err := p.logsourceNodeAll(newFieldTable()); err != nil {
		return nil, ErrorList{{File: file, Msg: err.Error()}}
	}
	return p, nil
}

func eqFold(want, got string) bool { return want == "" || strings.EqualFold(want, got) }

// Matches returns the mappings that apply to a logsource.
func (p *Pipeline) Matches(ls Logsource) []LogsourceMapping {
	var out []LogsourceMapping
	for _, m := range p.Logsources {
		if m.Product == "" && m.Category == "" && m.Service == "" {
			continue
		}
		if eqFold(m.Product, ls.Product) && eqFold(m.Category, ls.Category) && eqFold(m.Service, ls.Service) {
			out = append(out, m)
		}
	}
	return out
}

// logsourceNode compiles (once per field table) the condition of a logsource; nil when
// no mapping with conditions applies. key identifies the condition for sharing.
func (p *Pipeline) logsourceNode(ls Logsource, ft *fieldTable) (node, string, error) {
	ms := p.Matches(ls)
	var keys []string
	for _, m := range ms {
		if len(m.Conditions) > 0 {
			keys = append(keys, m.Product+"/"+m.Category+"/"+m.Service)
		}
	}
	if len(keys) == 0 {
		return nil, "", nil
	}
	sort.Strings(keys)
	key := strings.Join(keys, "&")
	if n, ok := ft.logsources[lsCacheKey{p, key}]; ok {
		return n, key, nil
	}
	cc := &compiler{rule: &Rule{File: p.Name}, pipe: p, ft: ft}
	var and andNode
	for _, m := range ms {
		if len(m.Conditions) == 0 {
			continue
		}
		var or orNode
		for _, alt := range m.Conditions {
			n, err := cc.alt("logsource "+key, alt)
			if err != nil {
				return nil, "", err
			}
			or = append(or, n)
		}
		and = append(and, or)
	}
	var n node = and
	if len(and) == 1 {
		n = and[0]
	}
	ft.logsources[lsCacheKey{p, key}] = n
	return n, key, nil
}

func (p *Pipeline) logsourceNodeAll(ft *fieldTable) (node, string, error) {
	for _, m := range p.Logsources {
		if _, _, err := p.logsourceNode(Logsource{Product: m.Product, Category: m.Category, Service: m.Service}, ft); err != nil {
			return nil, "", err
		}
	}
	return nil, "", nil
}

//go:embed pipeline_ecs.yml
var defaultPipelineYAML []byte

// DefaultPipeline returns a new copy of medsec's built-in pipeline (pipeline_ecs.yml):
// Sigma's Windows, Linux and network field names mapped to ECS, and the logsources of
// Sysmon, the Windows Security log, Linux auditd and syslog, Zeek and firewalls, and
// medsec's own events mapped to conditions that accept either the native form (Sysmon
// EventID and Channel) or the ECS form (event.category, event.type, event.dataset).
func DefaultPipeline() *Pipeline {
	p, err := ParsePipeline("pipeline_ecs.yml", defaultPipelineYAML)
	if err != nil {
		panic("detect: built-in pipeline: " + err.Error())
	}
	return p
}
