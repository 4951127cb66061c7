package logstore

import (
	"hash/maphash"
	"strconv"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
)

// Stream grouping (issue 12). A row's stream in the search storage is its site, its
// sending host and a group of field names (FieldGroup) of its format: a fixed small set,
// not one stream per distinct set of field names, so that a sender whose records carry
// varying fields (CEF extensions, JSON keys present or not) stays in one stream per format
// (formats kept apart, a block holds rows alike, which compress better).
//
// The group is needed because VictoriaLogs skips, with only a warning, the rows of a block
// (one stream's rows of one day, up to a few MiB, also when parts are merged) beyond
// maxColumnsPerBlock = 2,000 distinct field names: sealed records would be lost and verify
// would report them deleted (TestManyFieldNamesFromOneSender). So each sender's rows of a
// day and format are packed into groups whose union of field names stays within maxGroupNames, first
// fit: a sender with a stable vocabulary, however its records vary, has one group; a sender
// whose field names are made of data gets a new group per maxGroupNames names, at most
// maxSenderGroups a day, and past that one stream per name set (shapeOf), as before.
//
// The groups live in memory. Their names start with a generation, the time the day's
// groups were created, so that groups made again (after a restart, or for a day whose
// groups were dropped as older than the newest maxGroupDays days) never share a stream
// with rows of an earlier generation, whose names they do not know.

// FieldGroup names the group of a row's stream (streamGroups).
const FieldGroup = "medsec.group"

const (
	// maxGroupNames bounds the union of field names of one stream group: with the store's
	// own eight fields and _msg, well within the storage's 2,000 names per block.
	maxGroupNames = 1500
	// maxSenderGroups bounds the groups of one sender (site and host) in a day.
	maxSenderGroups = 32
	// maxGroupDays is how many days' groups are kept, the newest.
	maxGroupDays = 3
	// maxShapeCache bounds the remembered name sets of a day; past it they are forgotten
	// and found again by their names.
	maxShapeCache = 1 << 16
)

// streamGroups assigns rows to stream groups. Guarded by Store.mu (commit), or used by one
// goroutine (recover).
type streamGroups struct {
	seed maphash.Seed
	days map[int64]*dayGroups // by day number since the Unix epoch
	last int64                // the last generation handed out, Unix nanoseconds
}

// dayGroups is one day's groups.
type dayGroups struct {
	gen     string
	next    int // groups made this day, for the next one's name
	senders map[senderKey][]*nameGroup
	shapes  map[shapeKey]string // a name set's group, by its hash
}

type senderKey struct {
	site   int64
	host   string
	format string
}

type shapeKey struct {
	senderKey
	hash uint64
}

// nameGroup is one group: its name and the union of its rows' field names.
type nameGroup struct {
	id    string
	names map[string]struct{}
}

func newStreamGroups() *streamGroups {
	return &streamGroups{seed: maphash.MakeSeed(), days: map[int64]*dayGroups{}}
}

// assign returns the stream group of e's row; host is its sending host (peerHost).
func (g *streamGroups) assign(e *entry, host string) string {
	dayNum := e.Received / int64(24*time.Hour)
	d := g.days[dayNum]
	if d == nil {
		d = g.newDay(dayNum)
	}
	var h maphash.Hash
	h.SetSeed(g.seed)
	for _, f := range e.Fields {
		h.WriteString(f.Name)
		h.WriteByte(0)
	}
	sk := senderKey{e.Site, host, e.Format}
	key := shapeKey{sk, h.Sum64()}
	if id, ok := d.shapes[key]; ok {
		return id
	}
	id := d.place(sk, e.Fields)
	if len(d.shapes) >= maxShapeCache {
		clear(d.shapes)
	}
	d.shapes[key] = id
	return id
}

// newDay makes the groups of a day, dropping the oldest day's beyond maxGroupDays.
func (g *streamGroups) newDay(dayNum int64) *dayGroups {
	gen := max(time.Now().UnixNano(), g.last+1)
	g.last = gen
	d := &dayGroups{gen: strconv.FormatInt(gen, 36), senders: map[senderKey][]*nameGroup{}, shapes: map[shapeKey]string{}}
	g.days[dayNum] = d
	for len(g.days) > maxGroupDays {
		oldest := dayNum
		for n := range g.days {
			oldest = min(oldest, n)
		}
		delete(g.days, oldest)
	}
	return d
}

// place finds the first group of the sender that holds every name of fs, or can take the
// new ones within maxGroupNames, and adds them; it makes a new group when none can.
func (d *dayGroups) place(sk senderKey, fs []logstorage.Field) string {
	groups := d.senders[sk]
	for _, grp := range groups {
		missing := 0
		for _, f := range fs {
			if _, ok := grp.names[f.Name]; !ok {
				missing++
			}
		}
		if len(grp.names)+missing <= maxGroupNames {
			for _, f := range fs {
				grp.names[f.Name] = struct{}{}
			}
			return grp.id
		}
	}
	if len(groups) >= maxSenderGroups {
		return shapeOf(fs)
	}
	grp := &nameGroup{id: d.gen + "." + strconv.Itoa(d.next), names: make(map[string]struct{}, len(fs))}
	d.next++
	for _, f := range fs {
		grp.names[f.Name] = struct{}{}
	}
	d.senders[sk] = append(groups, grp)
	return grp.id
}
