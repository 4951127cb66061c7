package medsec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// Event is one thing that happened, as detection sees it: a log record received from a
// device or server (M7), or something medsec itself saw or did — a login, a discovery
// run's new or changed host, a flow that no conduit allows, a vulnerability match. Every
// event passes through one detection pipeline (package detect, Sigma rules and
// correlations) whatever its source [003 §3.2.1: SIEM correlation rules].
//
// The shape is the same in one process (EventBus in memory) and at group scale (NATS
// JetStream, DESIGN.md): an Event marshals to JSON and back without loss, its ID is the
// idempotent key a durable consumer deduplicates on, and it carries no pointer into
// medsec's state, only references (Ref, SiteID, AssetID).
type Event struct {
	// ID identifies the event across retries and redeliveries: publishing the same
	// occurrence twice gives the same ID ("audit:1234", "log:3:981"). Build it with
	// EventRef.Key when the event comes from a stored record.
	ID string `json:"id"`
	// Time is when the event happened (ECS @timestamp), in UTC.
	Time time.Time `json:"@timestamp"`
	// SiteID is the site the event belongs to; 0 for the organisation (a login to medsec).
	SiteID int64 `json:"site_id,omitempty"`
	// AssetID is the inventory asset the event is about, when known; 0 otherwise.
	AssetID int64 `json:"asset_id,omitempty"`
	// Ref names the stored record the event was read from: a sealed log record, an audit
	// row, a discovery run, a flow, a finding.
	Ref EventRef `json:"ref"`
	// Fields are the event's data under Elastic Common Schema names, dotted and flat
	// ("event.action", "source.ip", "user.name", "destination.port"). Values are strings,
	// numbers (int64 or float64), booleans or lists of strings; nothing else, so that JSON
	// keeps them. ECS reference: https://www.elastic.co/guide/en/ecs/current/.
	Fields map[string]any `json:"fields"`
}

// EventRef points at the stored record an event came from.
type EventRef struct {
	// Type is one of the EventRef* constants.
	Type string `json:"type"`
	// ID is the record's ID in its own store (log store, audit trail, discovery runs...).
	ID int64 `json:"id"`
}

// Kinds of record an event can come from.
const (
	// EventRefLog: a sealed record of the log store (M7); ID is the record's ID there.
	EventRefLog = "log"
	// EventRefAudit: a row of medsec's audit trail (logins, failed logins).
	EventRefAudit = "audit"
	// EventRefDiscovery: a discovery run (new or changed hosts).
	EventRefDiscovery = "discovery_run"
	// EventRefFlow: a flow of a site's zone model (a flow that no conduit allows).
	EventRefFlow = "flow"
	// EventRefFinding: a vulnerability finding (a match of an advisory to an asset).
	EventRefFinding = "finding"
	// EventRefEvent: an event kept in medsec's own event table; ID is its row there.
	EventRefEvent = "event"
)

// Key returns the idempotent key of the record ("audit:1234").
func (r EventRef) Key() string { return r.Type + ":" + strconv.FormatInt(r.ID, 10) }

// String returns the key, for logs and messages.
func (r EventRef) String() string { return r.Key() }

// Values of ECS event.dataset for medsec's own events. Sigma rules reach them with
// logsource product "medsec" and the service named after the dot (auth, discovery,
// zone, vuln); the detection pipeline maps that logsource to this field.
const (
	DatasetAuth      = "medsec.auth"
	DatasetDiscovery = "medsec.discovery"
	DatasetZone      = "medsec.zone"
	DatasetVuln      = "medsec.vuln"
)

// Event actions (ECS event.action) of medsec's own events.
const (
	// EventLoginSucceeded and EventLoginFailed: a login to medsec (event.category
	// authentication, event.outcome success or failure, user.name, source.ip).
	EventLoginSucceeded = "login"
	EventLoginFailed    = "login.failed"
	// EventHostNew: a discovery run saw a host that is not in the inventory
	// (event.category host, source.ip, source.mac, host.*); EventHostChanged: a known
	// asset showed a new address or identity.
	EventHostNew     = "host.new"
	EventHostChanged = "host.changed"
	// EventFlowNotAllowed: a flow between zones that no conduit allows (event.category
	// network, source.ip, destination.ip, destination.port, network.transport,
	// medsec.zone.source, medsec.zone.destination).
	EventFlowNotAllowed = "flow.not_allowed"
	// EventVulnMatched: an advisory matched an asset (event.category vulnerability,
	// vulnerability.id, vulnerability.score.base).
	EventVulnMatched = "vuln.matched"
)

// UnmarshalJSON reads an event as MarshalJSON wrote it, giving its fields the types
// Validate accepts: integers as int64, other numbers as float64, lists of strings as
// []string. It is what a NATS consumer decodes a message with.
func (e *Event) UnmarshalJSON(b []byte) error {
	type plain Event
	var p struct {
		plain
		Fields json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = Event(p.plain)
	var err error
	e.Fields, err = DecodeEventFields(p.Fields)
	return err
}

// DecodeEventFields reads an event's fields from a JSON object with the types Validate
// accepts (see UnmarshalJSON); empty input or null gives nil.
func DecodeEventFields(b []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null" {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var raw map[string]any
	if err := d.Decode(&raw); err != nil {
		return nil, fmt.Errorf("event fields: %w", err)
	}
	fields := make(map[string]any, len(raw))
	for k, v := range raw {
		fields[k] = fieldValue(v)
	}
	return fields, nil
}

// fieldValue turns a decoded JSON value into an event field value.
func fieldValue(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]string, len(x))
		for i, y := range x {
			if s, ok := y.(string); ok {
				out[i] = s
			} else {
				out[i] = fmt.Sprint(fieldValue(y))
			}
		}
		return out
	case map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return v
}

// Get returns the value of an ECS field and whether the event has it.
func (e *Event) Get(field string) (any, bool) {
	v, ok := e.Fields[field]
	return v, ok
}

// Text returns an ECS field as text: a string as it is, a number or boolean in its
// usual form, a list joined by commas, "" when absent.
func (e *Event) Text(field string) string {
	v, ok := e.Fields[field]
	if !ok || v == nil {
		return ""
	}
	switch x := v.(type) {
	case string:
		return x
	case []string:
		s := ""
		for i, p := range x {
			if i > 0 {
				s += ","
			}
			s += p
		}
		return s
	}
	return fmt.Sprint(v)
}

// FirstText returns a field's first value as text: for a list (a repeated CEF extension
// key such as "src" twice, or a repeated RFC 5424 SD-PARAM) its first element, the first
// value the sender wrote; otherwise Text. Fields derived from one value — detection's
// medsec.source.network and medsec.account.name — read it, as correlations group a list
// by its first element (detect's groupText): the joined text "10.0.0.1,10.0.0.2" of Text
// is no address (issue 13).
func (e *Event) FirstText(field string) string {
	switch x := e.Fields[field].(type) {
	case []string:
		if len(x) > 0 {
			return x[0]
		}
		return ""
	case []any:
		if len(x) > 0 && x[0] != nil {
			return fmt.Sprint(x[0])
		}
		return ""
	}
	return e.Text(field)
}

// Set sets an ECS field, creating the map when needed, and returns the event, so that
// events can be built in one expression.
func (e *Event) Set(field string, value any) *Event {
	if e.Fields == nil {
		e.Fields = map[string]any{}
	}
	e.Fields[field] = value
	return e
}

// Validate checks what every consumer relies on: an ID, a time and ECS-typed fields.
func (e *Event) Validate() error {
	var errs []FieldError
	if e.ID == "" {
		errs = append(errs, FieldError{Field: "id", Key: "err.required", Message: "is required"})
	}
	if e.Time.IsZero() {
		errs = append(errs, FieldError{Field: "@timestamp", Key: "err.required", Message: "is required"})
	}
	for k, v := range e.Fields {
		switch v.(type) {
		case string, int, int64, float64, bool, []string, nil:
		default:
			errs = append(errs, FieldError{Field: "fields." + k, Key: "err.unknown_value", Message: fmt.Sprintf("has unsupported type %T", v)})
		}
	}
	if len(errs) > 0 {
		return &ValidationError{Errors: errs}
	}
	return nil
}

// EventPublisher puts events on the event stream. Publishing is at-least-once: a
// consumer may see an event again after a crash or a redelivery, and deduplicates by
// Event.ID.
type EventPublisher interface {
	// Publish hands the events to every subscription. It returns when they are accepted
	// (queued in memory, or stored by the JetStream server); it blocks while a
	// subscriber's queue is full, until ctx ends (then ctx's error). EINVALID for an
	// event that fails Validate; nothing of the batch is published then.
	Publish(ctx context.Context, events ...Event) error
}

// EventHandler processes a batch of events, in publication order. Returning nil
// acknowledges the batch; an error asks for redelivery (JetStream) or, in memory, is
// logged and the batch dropped.
type EventHandler func(ctx context.Context, events []Event) error

// EventBus is the event stream: publishers on one side, named subscriptions on the
// other. Package eventbus has the in-process implementation; a NATS JetStream one
// (durable consumer named after the subscription, Nats-Msg-Id set to Event.ID,
// acknowledge after the handler returns nil) implements the same interface.
type EventBus interface {
	EventPublisher
	// Subscribe delivers every event published after the call to fn, in batches, one
	// batch at a time. Name identifies the consumer (a JetStream durable name); two
	// subscriptions of one name on one bus are a conflict (ECONFLICT).
	Subscribe(name string, fn EventHandler) (Subscription, error)
}

// Subscription is one consumer of the event stream.
type Subscription interface {
	// Close stops delivery and waits for the batch being handled, if any.
	Close() error
}

// EventFilter selects stored events.
type EventFilter struct {
	// Since and Until bound the event time: Since <= time < Until; zero means unbounded.
	Since time.Time
	Until time.Time
	// SiteID keeps one site's events (0: every site of the caller's scope).
	SiteID int64
	// Dataset keeps one event.dataset ("" for all).
	Dataset string
	Offset  int
	Limit   int
}

// EventStore keeps medsec's own events (logins, discovery, zone analysis, vulnerability
// matches) for testing rules and retro-hunting; log records stay in the log store.
type EventStore interface {
	// FindEvents returns a page of stored events, oldest first, of the sites the caller
	// may see (PermInventoryRead), and the total count. EINVALID for a bad limit.
	FindEvents(ctx context.Context, f EventFilter) ([]*Event, int, error)
	// EachEvent calls fn with every stored event the filter selects, oldest first, without
	// scope checks: it serves the detection service, which runs as the system. It stops at
	// fn's first error and returns it.
	EachEvent(ctx context.Context, f EventFilter, fn func(*Event) error) error
	// AppendEvents stores events that come from outside medsec's services (the demo
	// hospital, an import of past events) and publishes them after the transaction
	// commits; an event whose ID is stored already is skipped. Needs PermRuleAdmin.
	// EINVALID for an event that fails Validate; nothing is stored then.
	AppendEvents(ctx context.Context, events ...Event) error
}
