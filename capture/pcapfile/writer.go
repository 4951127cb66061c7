package pcapfile

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// Writer writes a classic little-endian pcap file with nanosecond timestamps.
// It exists for tests and for the benchmark's capture generator.
type Writer struct {
	w   *bufio.Writer
	hdr [16]byte
}

// NewWriter writes the pcap file header for linkType to w and returns a
// Writer for its packets. Call Flush when done.
func NewWriter(w io.Writer, linkType int) (*Writer, error) {
	bw := bufio.NewWriterSize(w, 1<<20)
	var h [24]byte
	binary.LittleEndian.PutUint32(h[0:], 0xa1b23c4d)
	binary.LittleEndian.PutUint16(h[4:], 2)
	binary.LittleEndian.PutUint16(h[6:], 4)
	binary.LittleEndian.PutUint32(h[16:], 262144)
	binary.LittleEndian.PutUint32(h[20:], uint32(linkType))
	if _, err := bw.Write(h[:]); err != nil {
		return nil, fmt.Errorf("write pcap header: %w", err)
	}
	return &Writer{w: bw}, nil
}

// WritePacket appends one packet captured at timeNanos with wire length
// origLen (at least len(data)).
func (w *Writer) WritePacket(timeNanos int64, data []byte, origLen int) error {
	if origLen < len(data) {
		origLen = len(data)
	}
	binary.LittleEndian.PutUint32(w.hdr[0:], uint32(timeNanos/1e9))
	binary.LittleEndian.PutUint32(w.hdr[4:], uint32(timeNanos%1e9))
	binary.LittleEndian.PutUint32(w.hdr[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(w.hdr[12:], uint32(origLen))
	if _, err := w.w.Write(w.hdr[:]); err != nil {
		return fmt.Errorf("write packet header: %w", err)
	}
	if _, err := w.w.Write(data); err != nil {
		return fmt.Errorf("write packet data: %w", err)
	}
	return nil
}

// Flush writes buffered data to the underlying writer.
func (w *Writer) Flush() error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("flush pcap: %w", err)
	}
	return nil
}
