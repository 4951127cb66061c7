package medsec

import (
	"context"
	"io"
	"time"
)

// LogQuery selects stored log records (issue 12): a receive-time range, From included and
// To excluded, and a LogsQL filter (words, "phrases", field:value, field:>N, or, -word;
// no pipes). Limit is the most records returned, 1-10000 (0 means 100).
type LogQuery struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Query string    `json:"query"`
	Limit int       `json:"limit"`
}

// LogHit is one stored record: its place in its site's sealed log (SiteID, Index), the
// server's receive time, the sender (Source), the raw record as received, and its parsed
// fields under ECS names.
type LogHit struct {
	SiteID   int64             `json:"site_id"`
	Index    int64             `json:"index"`
	Received time.Time         `json:"received"`
	Source   string            `json:"source"`
	Format   string            `json:"format"`
	Raw      string            `json:"raw"`
	Fields   map[string]string `json:"fields"`
}

// LogEventPage is a page of records read by event time: Hits are every record of the
// range whose event time is before Until, oldest first; Time holds each one's event time.
type LogEventPage struct {
	Hits  []LogHit
	Times []time.Time
	Until time.Time
}

// MaxLogDelay is how long after its own time (@timestamp) a log record may be received
// and still be read by a hunt, or a re-correlation of late matches, over the range of
// that time: a batch sender, a relay's buffer or a sensor's spool delivers records
// minutes or hours late. A record received later still is found by no hunt (live
// detection counted it as late and told rule admins).
const MaxLogDelay = 24 * time.Hour

// LogBucket is one bar of a search's time histogram: the records received in
// [Start, Start+step).
type LogBucket struct {
	Start time.Time `json:"start"`
	Count int64     `json:"count"`
}

// LogSearchResult is a search's answer: the newest matching records, how many match, and
// a histogram with StepSeconds-wide bars over the whole range.
type LogSearchResult struct {
	Hits        []LogHit    `json:"hits"`
	Total       int64       `json:"total"`
	Histogram   []LogBucket `json:"histogram"`
	StepSeconds int64       `json:"step_seconds"`
	TookMS      int64       `json:"took_ms"`
}

// LogSealSite is the seal of one site's log: how many records it holds and its newest
// signed checkpoint (C2SP tlog-checkpoint text with its Ed25519 signature line).
type LogSealSite struct {
	SiteID         int64     `json:"site_id"`
	Size           int64     `json:"size"`
	Checkpoint     string    `json:"checkpoint"`
	CheckpointSize int64     `json:"checkpoint_size"`
	CheckpointTime time.Time `json:"checkpoint_time,omitzero"`
	RootHash       string    `json:"root_hash"`
}

// LogSealStatus is the seal of every site log the caller may read, with the public key
// (a signed-note verifier key, "name+hash+base64") an auditor checks checkpoints with.
type LogSealStatus struct {
	PublicKey string        `json:"public_key"`
	Sites     []LogSealSite `json:"sites"`
	// Capacity is the store's disk use and forecast.
	Capacity LogCapacity `json:"capacity"`
	// Retention is each source class's retention; the store keeps every day for the
	// longest of them (Capacity.RetentionDays).
	Retention []LogRetention `json:"retention"`
}

// LogCapacity is the log store's disk use: bytes used and free, the mean size of a
// recent day, the days left at that rate (-1: not known yet), the retention in days, and a
// Level, "ok", "warning" (fewer days left than the retention) or "critical" (fewer than 7).
type LogCapacity struct {
	UsedBytes     int64  `json:"used_bytes"`
	FreeBytes     int64  `json:"free_bytes"`
	BytesPerDay   int64  `json:"bytes_per_day"`
	DaysLeft      int    `json:"days_left"`
	RetentionDays int    `json:"retention_days"`
	Level         string `json:"level"`
}

// LogRecordProof is one sealed record with what an auditor needs to check it offline,
// without medsec: its place in its site's log (SiteID, Index), what was received, its
// RFC 6962 leaf hash as docs/LOG-SEAL.md defines it, the signed checkpoint (C2SP
// tlog-checkpoint note) its inclusion is proven against with that checkpoint's tree size
// and root, hashes in standard base64; Bundle is the proof itself, a one-record
// verification bundle (format medsec-log-bundle/2, JSON) that `medsec logs verify --key
// KEY FILE` and docs/logseal-check check.
type LogRecordProof struct {
	SiteID         int64     `json:"site_id"`
	Index          int64     `json:"index"`
	Received       time.Time `json:"received"`
	Source         string    `json:"source"`
	Format         string    `json:"format"`
	Raw            string    `json:"raw"`
	LeafHash       string    `json:"leaf_hash"`
	CheckpointSize int64     `json:"checkpoint_size"`
	RootHash       string    `json:"root_hash"`
	Checkpoint     string    `json:"checkpoint"`
	Bundle         []byte    `json:"-"`
}

// LogProblem is one finding of a log verification: a changed, deleted or inserted record
// (Kind "changed", "deleted", "inserted"), or damaged tree hashes or checkpoints
// ("hashes", "checkpoint"), located by site, record index (End: the index after a run of
// deleted records) and receive time.
type LogProblem struct {
	Kind   string    `json:"kind"`
	SiteID int64     `json:"site_id"`
	Index  int64     `json:"index"`
	End    int64     `json:"end,omitempty"`
	Time   time.Time `json:"time,omitzero"`
	Detail string    `json:"detail"`
}

// LogVerifyReport is the result of verifying the live log store.
type LogVerifyReport struct {
	OK       bool         `json:"ok"`
	Checked  int64        `json:"checked"`
	Problems []LogProblem `json:"problems"`
}

// Audit actions of the log store: every search, export and verification is recorded
// [issue 12: who searched what, when].
const (
	ActionLogSearch = "logs.search"
	ActionLogExport = "logs.export"
	ActionLogVerify = "logs.verify"
)

// LogService searches, exports and verifies the sealed log store. Every method needs
// PermLogRead (EFORBIDDEN otherwise) and sees only the sites of the caller (a user
// limited to sites reads only their logs); each call is written to the audit trail.
type LogService interface {
	// SearchLogs runs a query. A query that does not parse, or a bad range or limit, is
	// EINVALID with a message naming the problem.
	SearchLogs(ctx context.Context, q LogQuery) (*LogSearchResult, error)
	// ReadLogs returns up to limit (1-10000) records received in [from, to) at the
	// caller's sites (siteID 0: all of them), the oldest first: a page of a range read
	// whole, the next page starting at the last record's receive time (retro-hunts).
	ReadLogs(ctx context.Context, from, to time.Time, siteID int64, limit int) ([]LogHit, error)
	// ReadLogsByEventTime returns up to limit (1-10000) records whose event time (their
	// @timestamp, else their receive time; see LogEventPage) is in [from, to), received
	// no later than MaxLogDelay after to, at the caller's sites (siteID 0: all of them),
	// the oldest first: a page of a range read whole by detection's hunts, the next page
	// starting at the page's Until. Audited as ReadLogs.
	ReadLogsByEventTime(ctx context.Context, from, to time.Time, siteID int64, limit int) (*LogEventPage, error)
	// AuditLogRead writes the one audit entry (logs.search) of a range read page by page
	// with ReadLogs under WithLogRead: what read it, the span and the records read.
	AuditLogRead(ctx context.Context, r *LogRead) error
	// ExportLogs writes a verification bundle (docs/LOG-SEAL.md) of the records received
	// in [from, to) to w.
	ExportLogs(ctx context.Context, from, to time.Time, w io.Writer) error
	// LogSeal returns the seal's state and public key.
	LogSeal(ctx context.Context) (*LogSealStatus, error)
	// ProveLogRecord returns one sealed record of a site's log with its proof (a
	// one-record verification bundle), audited as an export. ENOTFOUND for a record the
	// site log does not hold, or a site outside the caller's.
	ProveLogRecord(ctx context.Context, siteID, index int64) (*LogRecordProof, error)
	// VerifyLogs checks the whole store against its seal. A finding is not an error: it is
	// in the report; the result is recorded per site, and the log alert check raises a
	// logs.verify_failed alert for a site whose latest verification found problems.
	VerifyLogs(ctx context.Context) (*LogVerifyReport, error)
}

// LogRead gathers the pages of one range read whole by medsec itself (a restart's replay
// of the stored records): ReadLogs under a context carrying it (WithLogRead) adds each
// page here instead of writing an audit entry per page, and the reader writes one entry
// for the whole read with LogService.AuditLogRead [issue 13 t13: a replay of a day was
// audited as hundreds of system log searches]. Every read stays audited: a reader that
// gathers pages must call AuditLogRead, also when the read fails half-way.
type LogRead struct {
	// Purpose says who read and why ("detection restart replay").
	Purpose string
	// From and To are the span asked for; Records and Pages what was read of it (ReadLogs
	// adds each page's records; the reader may set the records it kept instead).
	From, To       time.Time
	Records, Pages int
}

type logReadKey struct{}

// WithLogRead returns ctx under which ReadLogs adds its pages to r.
func WithLogRead(ctx context.Context, r *LogRead) context.Context {
	return context.WithValue(ctx, logReadKey{}, r)
}

// LogReadFrom returns the LogRead of ctx (nil without one).
func LogReadFrom(ctx context.Context) *LogRead {
	r, _ := ctx.Value(logReadKey{}).(*LogRead)
	return r
}
