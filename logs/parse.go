package logs

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// FormatAuto asks Parse to detect the format of each record (see Detect).
const FormatAuto = "auto"

// ErrEmpty is returned by Parse for a record with no content (an empty line).
var ErrEmpty = errors.New("empty record")

// Parser turns raw records into Records. The zero value detects the format
// of each record and reads RFC 3164 times, which carry no zone, as UTC.
// A Parser is safe for concurrent use when Zone is.
type Parser struct {
	// Format is FormatAuto (or "") to detect each record's format, or one of
	// FormatRFC5424, FormatRFC3164, FormatCEF, FormatJSON to force it.
	Format string
	// Location is the zone of RFC 3164, CEF and JSON times that carry none; nil
	// means UTC. rsyslog uses the receiver's local zone; medsec asks for it
	// explicitly so a server in UTC still reads a Taipei device right.
	Location *time.Location
	// Zone, when set, gives the zone of the sender of a record: the time zone of
	// the site its log source or asset belongs to (SenderZones.Zone). siteID is
	// the site when the receiver knows it (a sensor's), else 0; peer is the
	// sender's "ip:port" or address. A nil result means Location.
	Zone func(siteID int64, peer string) *time.Location
}

// location returns the zone of times without one in records from peer at siteID.
func (p *Parser) location(siteID int64, peer string) *time.Location {
	if p.Zone != nil {
		if loc := p.Zone(siteID, peer); loc != nil {
			return loc
		}
	}
	if p.Location != nil {
		return p.Location
	}
	return time.UTC
}

// Record parses raw as Parse does, but never fails: a message that cannot be parsed is
// still a record, with its raw bytes, "message" and "error.message", so nothing is lost.
// Listeners and the central server's sensor consumer (package natsbus) use it.
func (p *Parser) Record(raw []byte, received time.Time, peer string) Record {
	return p.RecordAtSite(raw, received, peer, 0)
}

// RecordAtSite is Record for a record the receiver knows the site of (a sensor's
// forwarded record): times without a zone are read in that site's zone (Zone).
func (p *Parser) RecordAtSite(raw []byte, received time.Time, peer string, siteID int64) Record {
	rec, err := p.parse(raw, received, peer, siteID)
	if err != nil {
		rec.Fields = map[string]any{"message": string(trimRecord(raw)), "error.message": err.Error()}
	}
	return rec
}

// Parse parses one record (one syslog message without transport framing, or
// one JSON line) received at received from peer. A trailing CR, LF or NUL is
// not part of the record. The returned Record keeps raw unchanged. It
// returns ErrEmpty for an empty record and an error naming the format and
// field for input that cannot be read at all; a syslog message whose header
// is only partly valid is kept with what could be read (never dropped).
func (p *Parser) Parse(raw []byte, received time.Time, peer string) (Record, error) {
	return p.parse(raw, received, peer, 0)
}

// parse is Parse for a record from peer at siteID (0: not known).
func (p *Parser) parse(raw []byte, received time.Time, peer string, siteID int64) (Record, error) {
	rec := Record{Received: received, Raw: raw, Peer: peer}
	line := trimRecord(raw)
	if len(line) == 0 {
		return rec, ErrEmpty
	}
	format := p.Format
	if format == "" || format == FormatAuto {
		format = Detect(line)
	}
	loc := p.location(siteID, peer)
	f, err := parseAs(format, line, received, loc)
	if err != nil && format == FormatCEF && (p.Format == "" || p.Format == FormatAuto) {
		// " CEF:" inside an ordinary syslog message: read it as syslog.
		format = FormatRFC3164
		if isRFC5424(line) {
			format = FormatRFC5424
		}
		f, err = parseAs(format, line, received, loc)
	}
	if err != nil {
		return rec, err
	}
	zeroTimeAbsent(f)
	if format == FormatRFC5424 || format == FormatRFC3164 {
		// CEF inside syslog (the usual way CEF travels).
		if msg, ok := f["message"].(string); ok && strings.HasPrefix(msg, "CEF:") {
			if cf, cerr := parseCEF([]byte(msg), loc); cerr == nil {
				for k, v := range cf {
					if k == "@timestamp" {
						if _, has := f[k]; has {
							continue
						}
					}
					f[k] = v
				}
				if _, ok := cf["message"]; !ok {
					delete(f, "message")
				}
				format = FormatCEF
			}
		}
	}
	zeroTimeAbsent(f)
	authFields(f)
	webFields(f)
	rec.Format = format
	rec.Fields = f
	return rec, nil
}

// zeroTimeAbsent drops an "@timestamp" that is Go's zero time, 0001-01-01T00:00:00Z,
// which some shippers write for "no time": the record is then read at its receive time,
// as one without a time (or with a null one) is, rather than filed in year 1, and
// detection sees it with its batch [bt13h H1: such a record kept its whole batch off
// the event stream, an event's time being required].
func zeroTimeAbsent(f map[string]any) {
	if ts, ok := f["@timestamp"].(time.Time); ok && ts.IsZero() {
		delete(f, "@timestamp")
	}
}

// parseAs parses line as format.
func parseAs(format string, line []byte, received time.Time, loc *time.Location) (map[string]any, error) {
	switch format {
	case FormatRFC5424:
		return parseRFC5424(line)
	case FormatRFC3164:
		return parseRFC3164(line, received.In(loc), loc), nil
	case FormatCEF:
		if bytes.HasPrefix(line, []byte("CEF:")) {
			if f, err := parseCEF(line, loc); err == nil {
				return f, nil
			}
		}
		// CEF inside syslog: the header is syslog, the message is CEF.
		return parseSyslogCEF(line, received, loc)
	case FormatJSON:
		return parseJSON(line, loc)
	}
	return nil, fmt.Errorf("unknown log format %q (want auto, rfc5424, rfc3164, cef or json)", format)
}

// parseSyslogCEF parses a CEF record that travels behind a syslog header.
func parseSyslogCEF(line []byte, received time.Time, loc *time.Location) (map[string]any, error) {
	i := bytes.Index(line, []byte("CEF:"))
	if i < 0 {
		return nil, errors.New("cef: no \"CEF:\" in the record")
	}
	var f map[string]any
	if isRFC5424(line) {
		var err error
		if f, err = parseRFC5424(line); err != nil {
			return nil, err
		}
	} else {
		// Only the header: RFC 3164 would take "CEF" for the TAG.
		f = parseRFC3164(line[:i], received.In(loc), loc)
	}
	cf, err := parseCEF(line[i:], loc)
	if err != nil {
		return nil, err
	}
	// The header's fields but its message, and the CEF fields over them, except that
	// the header's time wins over the extension's.
	for k, v := range f {
		switch _, has := cf[k]; {
		case k == "message":
		case k == "@timestamp" || !has:
			cf[k] = v
		}
	}
	return cf, nil
}

// Detect names the format of one record: FormatJSON for a JSON object,
// FormatCEF for CEF bare or behind a syslog header, FormatRFC5424 for
// "<PRI>1 " (RFC 5424 §6.2: VERSION 1), and FormatRFC3164 for anything else,
// since RFC 3164 §4.3.3 treats any line, even without PRI, as a message.
func Detect(line []byte) string {
	line = trimRecord(line)
	switch {
	case len(line) > 0 && line[0] == '{':
		return FormatJSON
	case bytes.HasPrefix(line, []byte("CEF:")):
		return FormatCEF
	case isRFC5424(line):
		if cefAfterHeader(line) {
			return FormatCEF
		}
		return FormatRFC5424
	}
	if cefAfterHeader(line) {
		return FormatCEF
	}
	return FormatRFC3164
}

// cefAfterHeader reports whether a syslog line carries CEF as its message.
func cefAfterHeader(line []byte) bool {
	i := bytes.Index(line, []byte("CEF:"))
	return i > 0 && (line[i-1] == ' ' || line[i-1] == ':')
}

// isRFC5424 reports whether line starts with "<PRI>1 ".
func isRFC5424(line []byte) bool {
	if len(line) < 4 || line[0] != '<' {
		return false
	}
	i := 1
	for i < len(line) && i <= 4 && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	return i > 1 && i+2 < len(line) && line[i] == '>' && line[i+1] == '1' && line[i+2] == ' '
}

// trimRecord drops a UTF-8 byte order mark before the record and the line
// ending and NULs after it.
func trimRecord(b []byte) []byte {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	return bytes.TrimRight(b, "\r\n\x00")
}

// setHost sets host.ip when s is an IP address and host.name otherwise.
func setHost(f map[string]any, s string) {
	if s == "" || s == "-" {
		return
	}
	// An address has a '.' (IPv4) or a ':' (IPv6); most host names have neither, and
	// skip the parse (whose error allocates).
	if strings.ContainsAny(s, ".:") {
		if a, err := netip.ParseAddr(s); err == nil {
			f["host.ip"] = a.String()
			return
		}
	}
	f["host.name"] = s
}

// facilityNames are the RFC 5424 §6.2.1 facility keywords as rsyslog and
// ECS log.syslog.facility.name write them.
var facilityNames = [...]string{"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}

// severityNames are the RFC 5424 §6.2.1 severity keywords.
var severityNames = [...]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// setPriority sets the log.syslog priority, facility and severity fields.
func setPriority(f map[string]any, pri int) {
	f["log.syslog.priority"] = pri
	f["log.syslog.facility.code"] = pri / 8
	f["log.syslog.facility.name"] = facilityNames[pri/8]
	f["log.syslog.severity.code"] = pri % 8
	f["log.syslog.severity.name"] = severityNames[pri%8]
}
