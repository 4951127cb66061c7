// Package logstore keeps received log records (issue 12): it stores them, searchable and
// compressed, in VictoriaLogs' embeddable storage (lib/logstorage), and seals each record
// into a per-site append-only log whose Merkle tree hashes as RFC 6962 / RFC 9162 do
// (golang.org/x/mod/sumdb/tlog), with signed checkpoints in the C2SP tlog-checkpoint format
// (golang.org/x/mod/sumdb/note, Ed25519). Store implements logs.Sink: Append returns only
// once each record and its leaf hash are on disk (fsync).
package logstore

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/VictoriaLogs/lib/logstorage"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ParserVersion names the parsers whose fields a record's leaf seals: it changes whenever
// the fields medsec's parsers (package logs) give for the same input change.
const ParserVersion = "medsec-logs/1"

// Canonical returns a record's canonical bytes, the data its Merkle leaf hashes
// (LeafHash), each part ended by a line feed except the last: the site ID in decimal; the
// source (the peer that sent the record); the receive time in RFC 3339 with nanoseconds in
// UTC; the format; the parser version; the number of parsed fields in decimal; then the
// fields in byte order of their names, each as netstring-like "LEN:NAME" "LEN:VALUE"
// (lengths in bytes, decimal), with no separator; and last the raw bytes exactly as
// received. Fields with an empty value are left out (the search storage does not keep
// them). Source, format and parser must not contain a line feed (CanonicalSource replaces
// one). docs/LOG-SEAL.md states this layout for auditors.
func Canonical(site int64, source string, received time.Time, format, parser string, fields map[string]string, raw []byte) []byte {
	fs := make([]logstorage.Field, 0, len(fields))
	for k, v := range fields {
		fs = append(fs, logstorage.Field{Name: k, Value: v})
	}
	sortFields(fs)
	return appendCanonical(nil, site, source, received.UnixNano(), format, parser, fs, raw)
}

// appendCanonical appends Canonical's bytes to dst; fields are sorted by name.
func appendCanonical(dst []byte, site int64, source string, received int64, format, parser string, fields []logstorage.Field, raw []byte) []byte {
	dst = strconv.AppendInt(dst, site, 10)
	dst = append(dst, '\n')
	dst = append(dst, source...)
	dst = append(dst, '\n')
	dst = time.Unix(0, received).UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '\n')
	dst = append(dst, format...)
	dst = append(dst, '\n')
	dst = append(dst, parser...)
	dst = append(dst, '\n')
	n := 0
	for _, f := range fields {
		if f.Value != "" {
			n++
		}
	}
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, '\n')
	for _, f := range fields {
		if f.Value == "" {
			continue
		}
		dst = strconv.AppendInt(dst, int64(len(f.Name)), 10)
		dst = append(dst, ':')
		dst = append(dst, f.Name...)
		dst = strconv.AppendInt(dst, int64(len(f.Value)), 10)
		dst = append(dst, ':')
		dst = append(dst, f.Value...)
	}
	return append(dst, raw...)
}

// CanonicalSource returns source with line feeds and carriage returns replaced by
// spaces, so that it fits on one line of Canonical.
func CanonicalSource(source string) string {
	if !strings.ContainsAny(source, "\n\r") {
		return source
	}
	return canonicalSourceReplacer.Replace(source)
}

var canonicalSourceReplacer = strings.NewReplacer("\n", " ", "\r", " ")

// LeafHash returns the RFC 6962 §2.1 leaf hash of a record, SHA-256(0x00 || Canonical(...)),
// as tlog.RecordHash computes it.
func LeafHash(site int64, source string, received time.Time, format, parser string, fields map[string]string, raw []byte) tlog.Hash {
	return tlog.RecordHash(Canonical(site, source, received, format, parser, fields, raw))
}

// Checkpoint is one signed statement of a site log's size and root hash.
type Checkpoint struct {
	// Origin names the log: "<key name>/site/<site ID>".
	Origin string `json:"origin"`
	// Size is the number of records in the tree.
	Size int64 `json:"size"`
	// Root is the RFC 6962 Merkle tree hash of the first Size records.
	Root tlog.Hash `json:"-"`
	// Time is the server's clock when the checkpoint was signed (an extension line).
	Time time.Time `json:"time"`
	// Note is the whole signed note, exactly as signed (C2SP signed-note).
	Note string `json:"note"`
}

// CheckpointBody returns the text a checkpoint signs, in the C2SP tlog-checkpoint format:
// the origin line, the tree size in decimal, the root hash in standard base64, and one
// extension line "time <RFC 3339 UTC>", each ended by a line feed.
func CheckpointBody(origin string, size int64, root tlog.Hash, at time.Time) string {
	return fmt.Sprintf("%s\n%d\n%s\ntime %s\n", origin, size, base64.StdEncoding.EncodeToString(root[:]), at.UTC().Format(time.RFC3339Nano))
}

// ParseCheckpointBody reads the text of a checkpoint (CheckpointBody's format; extension
// lines other than "time" are ignored). Errors name the line that is wrong.
func ParseCheckpointBody(text string) (*Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, errors.New("checkpoint: fewer than three lines")
	}
	c := &Checkpoint{Origin: lines[0]}
	n, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("checkpoint: line 2: tree size %q is not a number", lines[1])
	}
	c.Size = n
	h, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(h) != tlog.HashSize {
		return nil, fmt.Errorf("checkpoint: line 3: root hash %q is not 32 bytes of base64", lines[2])
	}
	copy(c.Root[:], h)
	for i, l := range lines[3:] {
		if t, ok := strings.CutPrefix(l, "time "); ok {
			if c.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
				return nil, fmt.Errorf("checkpoint: line %d: time %q: %w", i+4, t, err)
			}
		}
	}
	return c, nil
}

// OpenCheckpoint verifies a signed checkpoint note against the verifier key (a
// note verifier key "name+hash+base64") and returns its content. Errors say whether the
// signature or the text is wrong.
func OpenCheckpoint(msg []byte, verifierKey string) (*Checkpoint, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: public key: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return nil, fmt.Errorf("checkpoint: signature: %w", err)
	}
	c, err := ParseCheckpointBody(n.Text)
	if err != nil {
		return nil, err
	}
	c.Note = string(msg)
	return c, nil
}

// Key is the seal's Ed25519 signing key and its public (verifier) key, note-encoded.
type Key struct {
	// Name is the key name, also the first part of every origin.
	Name string
	// Public is the note verifier key "name+hash+base64" an auditor checks with.
	Public string
	signer note.Signer
}

// KeyName is the name of a new seal key.
const KeyName = "medsec-log-seal"

// LoadOrCreateKey reads the seal key from dir/seal.key, creating it (and dir/seal.pub)
// when there is none. The private key file is written with mode 0600.
func LoadOrCreateKey(dir string) (*Key, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	skPath, pkPath := filepath.Join(dir, "seal.key"), filepath.Join(dir, "seal.pub")
	sk, err := os.ReadFile(skPath)
	if errors.Is(err, os.ErrNotExist) {
		skey, vkey, gerr := note.GenerateKey(rand.Reader, KeyName)
		if gerr != nil {
			return nil, fmt.Errorf("seal key: %w", gerr)
		}
		if err := writeFileSync(skPath, []byte(skey+"\n"), 0o600); err != nil {
			return nil, fmt.Errorf("seal key: %w", err)
		}
		if err := writeFileSync(pkPath, []byte(vkey+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("seal key: %w", err)
		}
		sk = []byte(skey)
	} else if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(sk)))
	if err != nil {
		return nil, fmt.Errorf("seal key %s: %w", skPath, err)
	}
	pk, err := os.ReadFile(pkPath)
	if err != nil {
		return nil, fmt.Errorf("seal public key: %w", err)
	}
	k := &Key{Name: signer.Name(), Public: strings.TrimSpace(string(pk)), signer: signer}
	if _, err := note.NewVerifier(k.Public); err != nil {
		return nil, fmt.Errorf("seal public key %s: %w", pkPath, err)
	}
	return k, nil
}

// Origin returns the origin line of a site's log.
func (k *Key) Origin(site int64) string { return fmt.Sprintf("%s/site/%d", k.Name, site) }

// Sign returns the signed checkpoint of a site's tree.
func (k *Key) Sign(site, size int64, root tlog.Hash, at time.Time) (*Checkpoint, error) {
	body := CheckpointBody(k.Origin(site), size, root, at)
	msg, err := note.Sign(&note.Note{Text: body}, k.signer)
	if err != nil {
		return nil, fmt.Errorf("sign checkpoint: %w", err)
	}
	return &Checkpoint{Origin: k.Origin(site), Size: size, Root: root, Time: at.UTC(), Note: string(msg)}, nil
}

func writeFileSync(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
