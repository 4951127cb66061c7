package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Crosswalk links controls of different catalogs that address the same subject (log
// retention, backups, two-factor authentication, ...). It is kept as data in
// data/crosswalk.json.
type Crosswalk struct {
	Version  string    `json:"version"`
	Remarks  string    `json:"remarks,omitempty"`
	Subjects []Subject `json:"subjects"`
}

// Subject is one subject of the crosswalk and the controls that address it.
type Subject struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Labels holds the subject's name by language tag (zh-TW, zh-CN, ja).
	Labels  map[string]string `json:"labels,omitempty"`
	Entries []CrosswalkEntry  `json:"entries"`
}

// CrosswalkEntry is one control in a subject.
type CrosswalkEntry struct {
	Catalog string `json:"catalog"`
	Control string `json:"control"`
	// Relation is "equivalent" (same requirement), "partial" (covers part of the
	// subject) or "related" (same subject, different requirement).
	Relation string `json:"relation"`
	Note     string `json:"note,omitempty"`
}

// LoadCrosswalk parses the embedded crosswalk. Check it against the loaded catalogs
// with Crosswalk.Check.
func LoadCrosswalk() (*Crosswalk, error) {
	data, err := dataFS.ReadFile("data/" + crosswalkFile)
	if err != nil {
		return nil, fmt.Errorf("load crosswalk: %w", err)
	}
	return ParseCrosswalk(data)
}

// ParseCrosswalk decodes a crosswalk document (JSON).
func ParseCrosswalk(data []byte) (*Crosswalk, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var x Crosswalk
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("parse crosswalk: %w", err)
	}
	return &x, nil
}

// Check returns every problem of the crosswalk against the catalogs cs: unknown
// catalogs or controls, bad relations, duplicate subject ids, and subjects that do not
// link at least two catalogs.
func (x *Crosswalk) Check(cs []*Catalog) []error {
	var errs []error
	seen := map[string]bool{}
	for _, s := range x.Subjects {
		if s.ID == "" || !tokenRE.MatchString(s.ID) {
			errs = append(errs, fmt.Errorf("crosswalk subject %q: id is not a token", s.ID))
		}
		if seen[s.ID] {
			errs = append(errs, fmt.Errorf("crosswalk subject %q: duplicate id", s.ID))
		}
		seen[s.ID] = true
		if s.Title == "" {
			errs = append(errs, fmt.Errorf("crosswalk subject %q: title is required", s.ID))
		}
		catalogs := map[string]bool{}
		for _, e := range s.Entries {
			catalogs[e.Catalog] = true
			c, err := Find(cs, e.Catalog)
			if err != nil {
				errs = append(errs, fmt.Errorf("crosswalk subject %q: %w", s.ID, err))
				continue
			}
			if _, err := c.Control(e.Control); err != nil {
				errs = append(errs, fmt.Errorf("crosswalk subject %q: %w", s.ID, err))
			}
			switch e.Relation {
			case "equivalent", "partial", "related":
			default:
				errs = append(errs, fmt.Errorf("crosswalk subject %q: %s: relation %q is not equivalent, partial or related", s.ID, e.Control, e.Relation))
			}
		}
		if len(catalogs) < 2 {
			errs = append(errs, fmt.Errorf("crosswalk subject %q: links %d catalog(s), want at least 2", s.ID, len(catalogs)))
		}
	}
	return errs
}

// SubjectsOf returns the subjects that include the given control.
func (x *Crosswalk) SubjectsOf(catalogID, controlID string) []Subject {
	var out []Subject
	for _, s := range x.Subjects {
		for _, e := range s.Entries {
			if e.Catalog == catalogID && e.Control == controlID {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
