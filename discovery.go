package medsec

import (
	"context"
	"encoding/json"
	"time"
)

// DiscoveryRun is one passive discovery: a network capture from a site, analysed for
// devices, identities and flows, and matched against the site's inventory (stocktake)
// [M1, M2, M3].
type DiscoveryRun struct {
	ID       int64  `json:"id"`
	SiteID   int64  `json:"site_id"`
	SiteName string `json:"site_name,omitempty"`
	// Source is the capture's file name; SHA256 its content hash.
	Source  string `json:"source"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	Format  string `json:"format"`
	Packets int64  `json:"packets"`
	Hosts   int    `json:"hosts"`
	Flows   int    `json:"flows"`
	// Matched, ProposedNew and NotSeen count the stocktake: inventory assets seen, hosts
	// not in the inventory, and inventory assets not seen.
	Matched     int `json:"matched"`
	ProposedNew int `json:"proposed_new"`
	NotSeen     int `json:"not_seen"`
	// Error says where reading stopped when the capture broke off; the packets before it
	// were analysed.
	Error     string    `json:"error,omitempty"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Result is the whole discovery and stocktake as JSON (package capture's Result and
	// Stocktake). It holds no patient data: the decoders never keep it.
	Result json.RawMessage `json:"result,omitempty"`
	// CaptureID names the site sensor's capture the run was made of (issue 17:
	// "<site>/<sensor>/<file hash, or interface and window start>"); empty for a run made
	// at the server. A capture makes one run: CreateDiscoveryRun stores it once.
	CaptureID string `json:"capture_id,omitempty"`
	// ObservedFlows are the run's conversations as the zone model sees them (client to
	// server port); storing the run adds them to the site's flows, so that they are
	// checked against the conduits and feed the class proposals.
	ObservedFlows []Flow `json:"-"`
}

// DiscoveryService stores discovery runs. Creating one needs PermInventoryWrite at the
// run's site; reading needs PermInventoryRead and the site.
type DiscoveryService interface {
	// CreateDiscoveryRun stores a run and sets its ID. A run whose CaptureID is stored
	// already is not stored again: run.ID is set to the stored run's and nothing else is
	// written (a redelivered sensor message); the capture's parts are removed with the run.
	CreateDiscoveryRun(ctx context.Context, run *DiscoveryRun) error
	// AddDiscoveryPart keeps one part of a site sensor's discovery (PermInventoryWrite at
	// its site) until all its parts have come; a part received again is kept once. It
	// returns every part of the capture, in order, once all are kept, and nil before, or
	// when a run of the capture is stored already.
	AddDiscoveryPart(ctx context.Context, p DiscoveryPart) ([]DiscoveryPart, error)
	// FindDiscoveryRuns lists the runs of the sites the caller may see, newest first,
	// without their Result.
	FindDiscoveryRuns(ctx context.Context) ([]*DiscoveryRun, error)
	// FindDiscoveryRunByID returns a run with its Result, or ENOTFOUND.
	FindDiscoveryRunByID(ctx context.Context, id int64) (*DiscoveryRun, error)
}

// DiscoveryPart is one part of a site sensor's discovery of one capture (issue 17): the
// sensor cuts a capture's result into parts small enough for a NATS message, and central
// makes one discovery run of them once every part has come, whatever order and
// redeliveries they come in.
type DiscoveryPart struct {
	// CaptureID names the capture (DiscoveryRun.CaptureID); SiteID is its sensor's site.
	CaptureID string
	SiteID    int64
	// Part is the part's number, 1 to Parts.
	Part, Parts int
	// Data is the part's result as the sensor encoded it (package capture's SensorPart).
	Data string
}
