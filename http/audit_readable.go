package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"medsec"
)

// fieldChange is one field of an audited object that a change set, changed or cleared,
// as a person reads it: the field's translated name and its values before and after.
type fieldChange struct {
	Field, Label  string
	Before, After string
}

// auditNoise are fields every update changes by itself; the diff leaves them out.
var auditNoise = map[string]bool{"version": true, "updated_at": true}

// auditObjectLinks maps an audited object type to the page that shows it (%d is its ID).
var auditObjectLinks = map[string]string{
	"asset": "/assets/%d", "zone": "/zones/%d", "conduit": "/conduits/%d/edit", "discovery_run": "/discovery/%d",
	"site": "/organisation", "department": "/organisation", "person": "/organisation", "vendor": "/organisation",
	"user": "/users/%d/tokens", "webhook": "/notifications", "notify_settings": "/notifications",
	"risk_review": "/risk-reviews/%d", "system": "/systems/%d", "rule": "/rules/%d",
}

// AuditSummary says in the page's language what an entry did, e.g. "changed asset #12
// ECG-1" or 「資産 #12 ECG-1 を変更」: the action's verb and the object's type, ID and name
// (from the entry's after or before state). Actions without a translation show as written.
func (p *page) AuditSummary(e *medsec.AuditEntry) string {
	verb := e.Action
	if key := "audit.act." + e.Action; p.s.i18n.Has(key) {
		verb = p.T(key)
	} else if _, v, ok := strings.Cut(e.Action, "."); ok {
		if key := "audit.verb." + v; p.s.i18n.Has(key) {
			verb = p.T(key)
		}
	}
	if e.ObjectType == "" {
		return verb
	}
	object := p.AuditObject(e.ObjectType)
	if e.ObjectID != 0 {
		object += " #" + strconv.FormatInt(e.ObjectID, 10)
	}
	if name := auditName(e); name != "" {
		object += " " + name
	}
	return p.T("audit.summary", verb, object)
}

// AuditObject translates an audited object type, or returns it as written when it has no
// translation.
func (p *page) AuditObject(objectType string) string {
	if key := "audit.obj." + objectType; p.s.i18n.Has(key) {
		return p.T(key)
	}
	return objectType
}

// auditName returns the name of the entry's object from its after (else before) state: a
// risk review is named by its site and year ("本院 2025").
func auditName(e *medsec.AuditEntry) string {
	for _, raw := range []json.RawMessage{e.After, e.Before} {
		var m map[string]any
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		if site, ok := m["site_name"].(string); ok && e.ObjectType == "risk_review" {
			if year, ok := m["year"].(float64); ok {
				return fmt.Sprintf("%s %d", site, int(year))
			}
		}
		for _, k := range []string{"name", "username", "title", "control_id"} {
			if v, ok := m[k].(string); ok && v != "" {
				return v
			}
		}
	}
	return ""
}

// AuditLink returns the page of an entry's object, "" when it has none: an assessment
// links to its asset's controls (or the organisation's), the others by type and ID.
func (p *page) AuditLink(e *medsec.AuditEntry) string {
	if e.ObjectType == "assessment" {
		var a struct {
			AssetID   int64  `json:"asset_id"`
			CatalogID string `json:"catalog_id"`
			ControlID string `json:"control_id"`
		}
		json.Unmarshal(e.After, &a)
		if a.AssetID != 0 {
			return fmt.Sprintf("/assets/%d/controls?control=%s#%s", a.AssetID, url.QueryEscape(a.ControlID), a.ControlID)
		}
		return "/compliance/organisation?catalog=" + url.QueryEscape(a.CatalogID) + "&control=" + url.QueryEscape(a.ControlID) + "#" + a.ControlID
	}
	f, ok := auditObjectLinks[e.ObjectType]
	if !ok || e.ObjectID == 0 && strings.Contains(f, "%d") {
		return ""
	}
	if strings.Contains(f, "%d") {
		return fmt.Sprintf(f, e.ObjectID)
	}
	return f
}

// AuditChanges returns the fields an entry's change set, changed or cleared, by field
// name, each value as text; nil when before and after are not both JSON objects (or
// absent). Fields that every update changes (version, updated_at) are left out.
func (p *page) AuditChanges(e *medsec.AuditEntry) []fieldChange {
	before, okB := auditObject(e.Before)
	after, okA := auditObject(e.After)
	if !okB || !okA {
		return nil
	}
	keys := make([]string, 0, len(before)+len(after))
	for k := range before {
		keys = append(keys, k)
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []fieldChange
	for _, k := range keys {
		if k == "items" && e.ObjectType == "risk_review" {
			out = append(out, p.riskItemChanges(before[k], after[k])...)
			continue
		}
		b, a := auditValue(before[k]), auditValue(after[k])
		if k == "members" && e.ObjectType == "system" {
			b, a = auditMemberNames(before[k]), auditMemberNames(after[k])
		}
		if b == a || auditNoise[k] {
			continue
		}
		if names := p.auditRefNames(k); names != nil {
			b, a = auditRefName(names, b), auditRefName(names, a)
		}
		// A reference field is labelled as what it refers to: department_id is "Department".
		label := k
		for _, key := range []string{"field." + k, "audit.field." + k, "field." + strings.TrimSuffix(k, "_id")} {
			if p.s.i18n.Has(key) {
				label = p.T(key)
				break
			}
		}
		out = append(out, fieldChange{Field: k, Label: label, Before: b, After: a})
	}
	return out
}

// auditRefs are the fields of audited objects that hold the ID of a site, department,
// vendor or person, which the diff shows by name.
var auditRefs = map[string]string{"site_id": "site", "department_id": "department", "vendor_id": "vendor", "responsible_id": "person"}

// auditRefNames returns the names by ID (as text) of what the field refers to, of the
// records the user may see, read once per page; nil for another field or when they cannot
// be read.
func (p *page) auditRefNames(field string) map[string]string {
	kind, ok := auditRefs[field]
	if !ok || p.ctx == nil || p.s.Org == nil || !p.User.Role.Can(medsec.PermInventoryRead) {
		return nil
	}
	if names, ok := p.refNames[kind]; ok {
		return names
	}
	names := map[string]string{}
	add := func(id int64, name string) { names[strconv.FormatInt(id, 10)] = name }
	var err error
	switch kind {
	case "site":
		var xs []*medsec.Site
		if xs, err = p.s.Org.FindSites(p.ctx); err == nil {
			for _, x := range xs {
				add(x.ID, x.Name)
			}
		}
	case "department":
		var xs []*medsec.Department
		if xs, err = p.s.Org.FindDepartments(p.ctx); err == nil {
			for _, x := range xs {
				add(x.ID, x.Name)
			}
		}
	case "vendor":
		var xs []*medsec.Vendor
		if xs, err = p.s.Org.FindVendors(p.ctx); err == nil {
			for _, x := range xs {
				add(x.ID, x.Name)
			}
		}
	case "person":
		var xs []*medsec.Person
		if xs, err = p.s.Org.FindPeople(p.ctx); err == nil {
			for _, x := range xs {
				add(x.ID, x.Name)
			}
		}
	}
	if err != nil {
		names = nil
	}
	if p.refNames == nil {
		p.refNames = map[string]map[string]string{}
	}
	p.refNames[kind] = names
	return names
}

// auditRefName shows an ID by the name it has, with the ID ("加護病房 (#3)"); "" and 0 (no
// reference) as ""; an ID without a name (deleted, or not visible) as "#ID".
func auditRefName(names map[string]string, id string) string {
	if id == "" || id == "0" {
		return ""
	}
	if n, ok := names[id]; ok {
		return n + " (#" + id + ")"
	}
	return "#" + id
}

// auditObject reads an audited state: a JSON object, or nothing (absent or null).
func auditObject(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	m := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null" {
		return m, true
	}
	if json.Unmarshal(raw, &m) != nil {
		return nil, false
	}
	return m, true
}

// auditValue writes a JSON value as a person reads it: strings as they are, lists joined
// with commas, null and empty lists as "", objects as compact JSON.
func auditValue(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool, float64:
		return strings.TrimSpace(string(raw))
	case []any:
		parts := make([]string, 0, len(x))
		for _, el := range x {
			b, _ := json.Marshal(el)
			parts = append(parts, auditValue(b))
		}
		return strings.Join(parts, ", ")
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return string(raw)
	}
	return buf.String()
}

// auditMemberNames shows a clinical system's member assets by name ("PACS-APP, PACS-DB").
func auditMemberNames(raw json.RawMessage) string {
	var ms []medsec.SystemMember
	if json.Unmarshal(raw, &ms) != nil {
		return auditValue(raw)
	}
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, ", ")
}

// riskItemChanges returns the risks of a risk review whose decision a change set or
// changed, one row each labelled "Decision 3" and valued as the reviewers read it (the
// decision in the page's language, the reason, the owner and the due date), instead of the
// whole list of risks as JSON.
func (p *page) riskItemChanges(before, after json.RawMessage) []fieldChange {
	read := func(raw json.RawMessage) map[int]medsec.RiskItem {
		var items []medsec.RiskItem
		json.Unmarshal(raw, &items)
		m := map[int]medsec.RiskItem{}
		for _, it := range items {
			m[it.Seq] = it
		}
		return m
	}
	show := func(it medsec.RiskItem) string {
		if it.Decision == "" {
			return ""
		}
		parts := []string{p.Enum("risk_decision", it.Decision)}
		for _, x := range []string{it.Reason, it.Owner} {
			if x != "" {
				parts = append(parts, x)
			}
		}
		if !it.Due.IsZero() {
			parts = append(parts, it.Due.String())
		}
		return strings.Join(parts, p.T("report.list_sep"))
	}
	b, a := read(before), read(after)
	seqs := make([]int, 0, len(a))
	for seq := range a {
		seqs = append(seqs, seq)
	}
	slices.Sort(seqs)
	var out []fieldChange
	for _, seq := range seqs {
		was, now := show(b[seq]), show(a[seq])
		if was == now {
			continue
		}
		out = append(out, fieldChange{Field: fmt.Sprintf("items.%d", seq), Label: p.T("report.risk_decision") + " " + strconv.Itoa(seq) + " (" + a[seq].Subject + ")",
			Before: was, After: now})
	}
	return out
}
