package capture

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"medsec"
)

// A site sensor ("medsec sensor", issue 17) sends what it discovered in a capture (a live
// window or a capture file) to central as events on the group's stream: the result cut into
// parts, each small enough for one NATS message, and central makes one discovery run of the
// capture once every part has come (SensorRuns). The event's fields name the capture and
// the part; the part's data is its share of the result as gzip-compressed JSON, base64.

// Fields of a sensor's discovery part event (dataset medsec.discovery, action
// EventDiscoveryPart).
const (
	// EventDiscoveryPart is the event.action of a part.
	EventDiscoveryPart = "discovery.part"
	// FieldCapture names the capture (DiscoveryRun.CaptureID).
	FieldCapture = "medsec.discovery.capture"
	// FieldSource names what was captured: the file's name or "live:<interface>".
	FieldSource = "medsec.discovery.source"
	// FieldSensor is the sensor's name at its site.
	FieldSensor = "medsec.discovery.sensor"
	// FieldPart and FieldParts number the part (1 to parts).
	FieldPart  = "medsec.discovery.part"
	FieldParts = "medsec.discovery.parts"
	// FieldData is the part's result: gzip-compressed JSON, base64 (RFC 4648 §4).
	FieldData = "medsec.discovery.data"
)

// SensorPartLimit is the most bytes of one part's data: with the envelope around it, far
// under the 1 MiB a NATS server accepts in a message by default.
const SensorPartLimit = 512 << 10

// sensorPart is one part's share of a result: the first part carries the files, summary
// and mirrors; every part carries a run of the hosts and of the flows, in order.
type sensorPart struct {
	Files   []FileInfo `json:"files,omitempty"`
	Summary *Summary   `json:"summary,omitempty"`
	Mirrors []Mirror   `json:"mirrors,omitempty"`
	Hosts   []Host     `json:"hosts,omitempty"`
	Flows   []Flow     `json:"flows,omitempty"`
}

// SensorEvents cuts a capture's result into parts of at most limit bytes of data each
// (SensorPartLimit when limit is 0) and returns one event per part, at time now. The
// events' IDs are "discovery:<capture>:<part>", so that sending the same capture again
// gives the same IDs. An error when one host or flow alone does not fit in a part.
func SensorEvents(captureID, sensor, source string, res *Result, now time.Time, limit int) ([]medsec.Event, error) {
	if limit <= 0 {
		limit = SensorPartLimit
	}
	var parts []string
	var cut func(hosts []Host, flows []Flow, head bool) error
	cut = func(hosts []Host, flows []Flow, head bool) error {
		p := sensorPart{Hosts: hosts, Flows: flows}
		if head {
			p.Files, p.Summary, p.Mirrors = res.Files, &res.Summary, res.Mirrors
		}
		data, err := encodePart(&p)
		if err != nil {
			return err
		}
		if len(data) <= limit {
			parts = append(parts, data)
			return nil
		}
		n := len(hosts) + len(flows)
		if n <= 1 {
			return fmt.Errorf("discovery of %s: one host or flow takes %d bytes, more than a part's %d", source, len(data), limit)
		}
		// Halve the items: hosts first, then flows.
		h := n / 2
		if h <= len(hosts) {
			if err := cut(hosts[:h], nil, head); err != nil {
				return err
			}
			return cut(hosts[h:], flows, false)
		}
		if err := cut(hosts, flows[:h-len(hosts)], head); err != nil {
			return err
		}
		return cut(nil, flows[h-len(hosts):], false)
	}
	// Start from runs of about eight parts' worth of JSON, so that a large result is not
	// compressed whole first; each run is halved until it fits.
	hosts, flows := res.Hosts, res.Flows
	head := true
	for head || len(hosts) > 0 || len(flows) > 0 {
		nh, nf := runOf(hosts, flows, 8*limit)
		if err := cut(hosts[:nh], flows[:nf], head); err != nil {
			return nil, err
		}
		hosts, flows, head = hosts[nh:], flows[nf:], false
	}
	events := make([]medsec.Event, len(parts))
	for i, data := range parts {
		events[i] = medsec.Event{ID: "discovery:" + captureID + ":" + strconv.Itoa(i+1), Time: now.UTC(),
			Ref: medsec.EventRef{Type: medsec.EventRefDiscovery},
			Fields: map[string]any{"event.dataset": medsec.DatasetDiscovery, "event.action": EventDiscoveryPart, "event.kind": "state",
				FieldCapture: captureID, FieldSensor: sensor, FieldSource: source, FieldPart: int64(i + 1), FieldParts: int64(len(parts)), FieldData: data}}
	}
	return events, nil
}

// runOf returns how many of hosts, then of flows, make about budget bytes of JSON.
func runOf(hosts []Host, flows []Flow, budget int) (nh, nf int) {
	size := 0
	for nh < len(hosts) && size < budget {
		b, _ := json.Marshal(&hosts[nh])
		size += len(b)
		nh++
	}
	for nh == len(hosts) && nf < len(flows) && size < budget {
		b, _ := json.Marshal(&flows[nf])
		size += len(b)
		nf++
	}
	return nh, nf
}

// encodePart returns a part's data: its JSON, gzip-compressed, base64.
func encodePart(p *sensorPart) (string, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err := json.NewEncoder(zw).Encode(p); err != nil {
		return "", fmt.Errorf("discovery part: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("discovery part: %w", err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}

// maxPartJSON bounds a part's JSON once decompressed (a part is at most SensorPartLimit
// compressed; JSON of hosts and flows compresses about tenfold).
const maxPartJSON = 32 << 20

// decodePart reads a part's data.
func decodePart(data string) (*sensorPart, error) {
	if len(data) > 2*SensorPartLimit {
		return nil, fmt.Errorf("discovery part: %d bytes, more than %d", len(data), 2*SensorPartLimit)
	}
	z, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return nil, fmt.Errorf("discovery part: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("discovery part: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(zr, maxPartJSON+1))
	if err != nil {
		return nil, fmt.Errorf("discovery part: %w", err)
	}
	if len(b) > maxPartJSON {
		return nil, fmt.Errorf("discovery part: more than %d bytes of JSON", maxPartJSON)
	}
	var p sensorPart
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("discovery part: %w", err)
	}
	return &p, nil
}

// JoinSensorParts makes the result of a capture of its parts' data, in part order.
func JoinSensorParts(data []string) (*Result, error) {
	res := &Result{Hosts: []Host{}, Flows: []Flow{}}
	for i, d := range data {
		p, err := decodePart(d)
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", i+1, err)
		}
		if i == 0 {
			if p.Summary == nil {
				return nil, fmt.Errorf("part 1: discovery part: no summary")
			}
			res.Files, res.Summary, res.Mirrors = p.Files, *p.Summary, p.Mirrors
		}
		res.Hosts = append(res.Hosts, p.Hosts...)
		res.Flows = append(res.Flows, p.Flows...)
	}
	return res, nil
}

// SensorRuns is the central server's event store for what site sensors send (issue 17):
// it keeps the parts of a sensor's discovery (EventDiscoveryPart) until all have come,
// then stores the capture's discovery run at the sensor's site, matched against the site's
// inventory, once whatever the redeliveries (DiscoveryRun.CaptureID); storing the run
// emits its new-host and flow events. Other events go to the embedded store.
type SensorRuns struct {
	medsec.EventStore
	Discovery medsec.DiscoveryService
	Assets    medsec.AssetService
	// Logger gets parts that cannot be read (dropped: a redelivery would not mend them);
	// nil means slog.Default().
	Logger *slog.Logger
}

// AppendEvents stores the sensors' discovery parts as described on SensorRuns and the
// other events in the embedded store. It returns an error, asking for redelivery, only
// when a store fails.
func (s *SensorRuns) AppendEvents(ctx context.Context, events ...medsec.Event) error {
	var rest []medsec.Event
	for _, ev := range events {
		if ev.Fields["event.action"] != EventDiscoveryPart || ev.Fields["event.dataset"] != medsec.DatasetDiscovery {
			rest = append(rest, ev)
			continue
		}
		if err := s.part(ctx, ev); err != nil {
			return err
		}
	}
	if len(rest) == 0 {
		return nil
	}
	return s.EventStore.AppendEvents(ctx, rest...)
}

// part keeps one discovery part and stores the run when it was the last.
func (s *SensorRuns) part(ctx context.Context, ev medsec.Event) error {
	log := s.Logger
	if log == nil {
		log = slog.Default()
	}
	str := func(k string) string { v, _ := ev.Fields[k].(string); return v }
	num := func(k string) int { v, _ := ev.Fields[k].(int64); return int(v) }
	p := medsec.DiscoveryPart{CaptureID: str(FieldCapture), SiteID: ev.SiteID, Part: num(FieldPart), Parts: num(FieldParts), Data: str(FieldData)}
	parts, err := s.Discovery.AddDiscoveryPart(ctx, p)
	if medsec.ErrorCode(err) == medsec.EINVALID {
		log.Error("sensor discovery part dropped", "event", ev.ID, "err", err)
		return nil
	} else if err != nil || parts == nil {
		return err
	}
	data := make([]string, len(parts))
	for i, q := range parts {
		data[i] = q.Data
	}
	res, err := JoinSensorParts(data)
	if err != nil {
		log.Error("sensor discovery dropped: its parts do not make a result", "capture", p.CaptureID, "err", err)
		return nil
	}
	assets, _, err := s.Assets.FindAssets(ctx, medsec.AssetFilter{SiteID: p.SiteID, Status: medsec.StatusActive, Limit: 100000})
	if err != nil {
		return err
	}
	run, err := NewRun(p.SiteID, res, assets)
	if err != nil {
		return err
	}
	run.CaptureID = p.CaptureID
	if src := str(FieldSource); src != "" {
		run.Source = src
	}
	if sensor := str(FieldSensor); sensor != "" {
		run.Source = "sensor " + sensor + ": " + run.Source
	}
	if err := s.Discovery.CreateDiscoveryRun(ctx, run); err != nil {
		return fmt.Errorf("sensor discovery %s: %w", p.CaptureID, err)
	}
	log.Info("sensor discovery stored", "capture", p.CaptureID, "run", run.ID, "hosts", run.Hosts, "flows", run.Flows)
	return nil
}
