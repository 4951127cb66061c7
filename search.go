package medsec

import (
	"context"
	"time"
)

// SearchKind names what a search hit is.
type SearchKind string

// The kinds of record one search box finds, in the order the results page shows them.
const (
	SearchAssets    SearchKind = "asset"
	SearchControls  SearchKind = "control"
	SearchVulns     SearchKind = "vulnerability"
	SearchIncidents SearchKind = "incident"
	SearchDiscovery SearchKind = "discovery"
	SearchAudit     SearchKind = "audit"
)

// MaxSearchQueryRunes bounds a search query, in characters.
const MaxSearchQueryRunes = 200

// SearchKinds lists the kinds in the order the results page shows them.
var SearchKinds = []SearchKind{SearchAssets, SearchControls, SearchVulns, SearchIncidents, SearchDiscovery, SearchAudit}

// SearchHit is one record a search found.
type SearchHit struct {
	Kind SearchKind `json:"kind"`
	// ID is the record's number (asset, finding, incident, discovery run, audit entry); 0
	// for a control, which Ref names.
	ID int64 `json:"id,omitempty"`
	// Ref is the record's own name in its field: a control's id ("tw-si-1.h", "ir-3.2.2-3"),
	// a finding's CVE, a discovered host's address.
	Ref string `json:"ref,omitempty"`
	// Catalog is a control's catalog id.
	Catalog string `json:"catalog,omitempty"`
	// Title is what a person reads first (an asset's name, a control's title in its
	// original language, an incident's title); Detail a second line (site, the
	// English title, what an audit entry changed).
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	// Status is the record's state as a canonical value a user interface translates: a
	// finding's state (finding_state), an incident's status (incident_status), an audit
	// entry's action.
	Status string `json:"status,omitempty"`
	// ObjectID is the number of the object an audit entry is about (Ref names its type).
	ObjectID int64 `json:"object_id,omitempty"`
	// At is when an audit entry was written or an incident detected.
	At     time.Time `json:"at,omitzero"`
	SiteID int64     `json:"site_id,omitempty"`
	// Path is the page that shows the record ("/assets/12").
	Path string `json:"path"`
}

// SearchGroup is the hits of one kind.
type SearchGroup struct {
	Kind SearchKind  `json:"kind"`
	Hits []SearchHit `json:"hits"`
	// Total counts every match of the kind when it is known; More says there are more
	// matches than Hits (Total may then be unknown, -1: the audit trail is read newest
	// first only until a page is full).
	Total int  `json:"total"`
	More  bool `json:"more"`
	// Path is the filtered list of every match, where one exists ("/assets?q=...").
	Path string `json:"path,omitempty"`
}

// SearchResults is what one search found, per kind, only the kinds the caller may read.
type SearchResults struct {
	Query  string        `json:"query"`
	Groups []SearchGroup `json:"groups"`
}

// SearchService finds records of every kind by words: each word (case-insensitive, any
// script) must occur in the record. Assets are found from the engines' trigram indexes;
// controls from the catalogs' texts in their original language and English; findings,
// incidents, discovery hosts and audit entries by substring. Every kind is limited to the
// caller's sites and vendor by the same scope as its own list, and a kind the caller's
// role may not read is left out.
type SearchService interface {
	// Search returns up to perKind hits of each kind. An empty query or one longer than
	// MaxSearchQueryRunes is EINVALID (field q).
	Search(ctx context.Context, query string, perKind int) (*SearchResults, error)
}
