// Command logseal-check verifies a medsec log bundle without medsec: it needs only the Go
// team's transparency-log packages golang.org/x/mod/sumdb/tlog (RFC 6962 / RFC 9162 tree
// hashing and proofs) and golang.org/x/mod/sumdb/note (signed notes, Ed25519).
//
//	go run logseal-check.go --key 'medsec-log-seal+...' bundle.json
//
// It prints each problem with its site, record index and receive time, and exits 1 if
// there is any.
package main

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type record struct {
	Index    int64             `json:"index"`
	Received time.Time         `json:"received"`
	Source   string            `json:"source"`
	Format   string            `json:"format"`
	Parser   string            `json:"parser"`
	Fields   map[string]string `json:"fields"`
	Raw      []byte            `json:"raw"` // base64 in the JSON
	Proof    []tlog.Hash       `json:"proof"`
}

type bundle struct {
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Sites []struct {
		Site        int64    `json:"site"`
		Checkpoint  string   `json:"checkpoint"`
		Records     []record `json:"records"`
		Before      *record  `json:"before"`
		After       *record  `json:"after"`
		Checkpoints []struct {
			Note  string      `json:"note"`
			Proof []tlog.Hash `json:"proof"`
		} `json:"checkpoints"`
	} `json:"sites"`
}

// leaf is the record's leaf hash: SHA-256(0x00 || site "\n" source "\n" received "\n"
// format "\n" parser "\n" N "\n" fields raw), the N non-empty fields in name order, each
// as LEN ":" NAME LEN ":" VALUE.
func leaf(site int64, r *record) tlog.Hash {
	names := make([]string, 0, len(r.Fields))
	for k, v := range r.Fields {
		if v != "" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	b := fmt.Appendf(nil, "%d\n%s\n%s\n%s\n%s\n%d\n", site, r.Source, r.Received.UTC().Format(time.RFC3339Nano), r.Format, r.Parser, len(names))
	for _, k := range names {
		b = fmt.Appendf(b, "%d:%s%d:%s", len(k), k, len(r.Fields[k]), r.Fields[k])
	}
	return tlog.RecordHash(append(b, r.Raw...))
}

// openCheckpoint checks a checkpoint's signature and returns its origin, size and root.
func openCheckpoint(msg string, v note.Verifier) (string, int64, tlog.Hash, error) {
	n, err := note.Open([]byte(msg), note.VerifierList(v))
	if err != nil {
		return "", 0, tlog.Hash{}, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		return "", 0, tlog.Hash{}, fmt.Errorf("checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return "", 0, tlog.Hash{}, err
	}
	var root tlog.Hash
	if b, err := base64.StdEncoding.DecodeString(lines[2]); err != nil || len(b) != len(root) {
		return "", 0, tlog.Hash{}, fmt.Errorf("bad root hash %q", lines[2])
	} else {
		copy(root[:], b)
	}
	return lines[0], size, root, nil
}

func main() {
	key := flag.String("key", "", "the log's public key (verifier key) you were given")
	flag.Parse()
	if *key == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: logseal-check --key VERIFIER-KEY BUNDLE")
		os.Exit(2)
	}
	v, err := note.NewVerifier(*key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "key:", err)
		os.Exit(2)
	}
	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var b bundle
	if err := json.Unmarshal(data, &b); err != nil {
		fmt.Fprintln(os.Stderr, "bundle:", err)
		os.Exit(2)
	}
	problems, checked := 0, 0
	bad := func(site, index int64, at time.Time, format string, args ...any) {
		problems++
		fmt.Printf("site %d record %d (received %s): %s\n", site, index, at.UTC().Format(time.RFC3339Nano), fmt.Sprintf(format, args...))
	}
	for _, s := range b.Sites {
		origin, size, root, err := openCheckpoint(s.Checkpoint, v)
		if err != nil || !strings.HasSuffix(origin, fmt.Sprintf("/site/%d", s.Site)) {
			bad(s.Site, -1, time.Time{}, "checkpoint not signed by this key for this site: %v", err)
			continue
		}
		inTree := func(r *record) bool {
			return r.Index >= 0 && r.Index < size && tlog.CheckRecord(r.Proof, size, root, r.Index, leaf(s.Site, r)) == nil
		}
		recs := s.Records
		sort.SliceStable(recs, func(i, j int) bool { return recs[i].Index < recs[j].Index })
		for i := range recs {
			r := &recs[i]
			switch {
			case !inTree(r):
				bad(s.Site, r.Index, r.Received, "not the sealed record (changed or inserted)")
			case i > 0 && r.Index == recs[i-1].Index:
				bad(s.Site, r.Index, r.Received, "appears twice (inserted)")
			case r.Received.Before(b.From) || !r.Received.Before(b.To):
				bad(s.Site, r.Index, r.Received, "received outside the bundle's range")
			default:
				checked++
			}
			if i > 0 && r.Index > recs[i-1].Index+1 {
				bad(s.Site, recs[i-1].Index+1, recs[i-1].Received, "records %d-%d missing (deleted)", recs[i-1].Index+1, r.Index-1)
			}
		}
		if len(recs) > 0 {
			first, last := recs[0], recs[len(recs)-1]
			if first.Index > 0 && (s.Before == nil || s.Before.Index != first.Index-1 || !inTree(s.Before) || !s.Before.Received.Before(b.From)) {
				bad(s.Site, first.Index-1, first.Received, "cannot show that the record before the first one lies outside the range (deleted?)")
			}
			if last.Index < size-1 && (s.After == nil || s.After.Index != last.Index+1 || !inTree(s.After) || s.After.Received.Before(b.To)) {
				bad(s.Site, last.Index+1, last.Received, "cannot show that the record after the last one lies outside the range (deleted?)")
			}
		}
		for _, c := range s.Checkpoints {
			o, n, h, err := openCheckpoint(c.Note, v)
			if err != nil || o != origin || tlog.CheckTree(c.Proof, size, root, n, h) != nil {
				bad(s.Site, n, time.Time{}, "older checkpoint not consistent with the newest: %v", err)
			}
		}
	}
	if problems > 0 {
		fmt.Printf("%d problem(s)\n", problems)
		os.Exit(1)
	}
	fmt.Printf("OK: %d records verified\n", checked)
}
