// Package catalog holds medsec's control catalogs: the Taiwan MOHW medical-device
// baseline (000 附表一), the mainland China NHC 2022 measures (002), the Japanese MHLW
// guideline 6.0 system-operation volume (004) and the hospital incident response plan
// (003) as a policy profile. Each is a NIST OSCAL 1.1 catalog document (JSON) embedded in
// the binary, loaded and validated at start-up. See README.md for the conventions used in
// the JSON (original text beside an English rendering, props, params).
//
// The package imports nothing of medsec: callers give it targets, levels, reference
// patterns or an organisation profile, and it answers which controls apply and why.
package catalog

// NS is the namespace of every prop that medsec defines (domain, level, target, ...).
// Props without a namespace are OSCAL's own (label, sort-id).
const NS = "urn:medsec:catalog"

// document is the top-level object of an OSCAL catalog file.
type document struct {
	Catalog *Catalog `json:"catalog"`
}

// Catalog is an OSCAL catalog: metadata, groups of controls and back-matter.
type Catalog struct {
	UUID       string      `json:"uuid"`
	Metadata   Metadata    `json:"metadata"`
	Params     []Param     `json:"params,omitempty"`
	Controls   []*Control  `json:"controls,omitempty"`
	Groups     []*Group    `json:"groups,omitempty"`
	BackMatter *BackMatter `json:"back-matter,omitempty"`

	// index maps every control id to its control; built by Parse.
	index map[string]*Control
	// order lists every control in document order; built by Parse.
	order []*Control
}

// Metadata is the OSCAL metadata of a catalog.
type Metadata struct {
	Title        string `json:"title"`
	Published    string `json:"published,omitempty"`
	LastModified string `json:"last-modified"`
	Version      string `json:"version"`
	OSCALVersion string `json:"oscal-version"`
	Props        []Prop `json:"props,omitempty"`
	Remarks      string `json:"remarks,omitempty"`
}

// Group is an OSCAL group: here a control domain (TW), a chapter (CN, JP) or a section
// (003); the TW baseline nests one group per control objective inside its domain.
type Group struct {
	ID       string     `json:"id,omitempty"`
	Class    string     `json:"class,omitempty"`
	Title    string     `json:"title"`
	Params   []Param    `json:"params,omitempty"`
	Props    []Prop     `json:"props,omitempty"`
	Parts    []Part     `json:"parts,omitempty"`
	Groups   []*Group   `json:"groups,omitempty"`
	Controls []*Control `json:"controls,omitempty"`
}

// Control is an OSCAL control: one level row of the TW baseline, one obligation of the
// CN measures, one 遵守事項 item of the JP guideline, one requirement of the plan.
type Control struct {
	ID       string     `json:"id"`
	Class    string     `json:"class,omitempty"`
	Title    string     `json:"title"`
	Params   []Param    `json:"params,omitempty"`
	Props    []Prop     `json:"props,omitempty"`
	Links    []Link     `json:"links,omitempty"`
	Parts    []Part     `json:"parts,omitempty"`
	Controls []*Control `json:"controls,omitempty"`

	// groups is the chain of groups from the catalog down to the control; set by Parse.
	groups []*Group
	// includes are the rows of the same TW objective whose measures this row takes in
	// with 「等級「X」之所有控制措施」; set by Parse.
	includes []*Control
}

// Prop is an OSCAL property: a name/value pair, in namespace NS when medsec defines it.
type Prop struct {
	Name    string `json:"name"`
	NS      string `json:"ns,omitempty"`
	Value   string `json:"value"`
	Class   string `json:"class,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

// Param is an OSCAL parameter; the plan profile (003) uses it for machine-readable
// values such as durations ("PT10M") and counts.
type Param struct {
	ID      string   `json:"id"`
	Class   string   `json:"class,omitempty"`
	Props   []Prop   `json:"props,omitempty"`
	Label   string   `json:"label,omitempty"`
	Usage   string   `json:"usage,omitempty"`
	Values  []string `json:"values,omitempty"`
	Remarks string   `json:"remarks,omitempty"`
}

// Part is an OSCAL part. Controls carry their text in "statement" parts: one in the
// original language and one in English, told apart by the prop lang (see README.md).
type Part struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	NS    string `json:"ns,omitempty"`
	Class string `json:"class,omitempty"`
	Title string `json:"title,omitempty"`
	Props []Prop `json:"props,omitempty"`
	Prose string `json:"prose,omitempty"`
	Parts []Part `json:"parts,omitempty"`
	Links []Link `json:"links,omitempty"`
}

// Link is an OSCAL link; controls link to the back-matter resource of their source.
type Link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel,omitempty"`
	MediaType string `json:"media-type,omitempty"`
	Text      string `json:"text,omitempty"`
}

// BackMatter holds the resources a catalog cites.
type BackMatter struct {
	Resources []Resource `json:"resources,omitempty"`
}

// Resource is a back-matter resource: here the source document of a catalog.
type Resource struct {
	UUID        string    `json:"uuid"`
	Title       string    `json:"title,omitempty"`
	Description string    `json:"description,omitempty"`
	Props       []Prop    `json:"props,omitempty"`
	Citation    *Citation `json:"citation,omitempty"`
	RLinks      []RLink   `json:"rlinks,omitempty"`
	Remarks     string    `json:"remarks,omitempty"`
}

// Citation is the bibliographic citation of a resource.
type Citation struct {
	Text string `json:"text"`
}

// RLink is a resource's link to the document itself.
type RLink struct {
	Href      string `json:"href"`
	MediaType string `json:"media-type,omitempty"`
}
