package capture

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"syscall"

	"medsec/capture/pcapfile"
)

// AnalyzeFile reads the capture at path into the analyzer and returns its
// description (also kept for Result). A file that cannot be opened or whose
// header is bad returns an error naming the file. A capture that is
// malformed part-way is analysed up to the bad record: the returned
// FileInfo's Error and StoppedAt say where, and the error is nil.
func (a *Analyzer) AnalyzeFile(path string) (FileInfo, error) {
	fi := FileInfo{Name: path, FirstPacket: a.pktNum + 1}
	f, err := os.Open(path)
	if err != nil {
		return fi, fmt.Errorf("open capture %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fi, fmt.Errorf("stat capture %s: %w", path, err)
	}
	fi.Size = st.Size()
	h := sha256.New()

	var r *pcapfile.Reader
	var hashDone chan struct{}
	var mapped []byte
	if st.Mode().IsRegular() && st.Size() > 0 && st.Size() < 1<<40 {
		mapped, err = syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
		if err != nil {
			mapped = nil
		}
	}
	if mapped != nil {
		defer syscall.Munmap(mapped)
		_ = syscall.Madvise(mapped, syscall.MADV_SEQUENTIAL)
		// Hash on another core while decoding.
		hashDone = make(chan struct{})
		go func() {
			h.Write(mapped)
			close(hashDone)
		}()
		r, err = pcapfile.NewBytesReader(mapped)
	} else {
		r, err = pcapfile.NewReader(io.TeeReader(f, h))
	}
	return a.analyzeReader(fi, f, r, err, h, hashDone)
}

// AnalyzeReader reads a capture from a stream (a pipe, standard input)
// under the given name, like AnalyzeFile.
func (a *Analyzer) AnalyzeReader(name string, rd io.Reader) (FileInfo, error) {
	fi := FileInfo{Name: name, FirstPacket: a.pktNum + 1}
	h := sha256.New()
	cr := &countingReader{r: rd}
	r, err := pcapfile.NewReader(io.TeeReader(cr, h))
	fi, err = a.analyzeReader(fi, cr, r, err, h, nil)
	if err != nil {
		return fi, err
	}
	// analyzeReader recorded fi before the size was known.
	fi.Size = cr.n
	a.files[len(a.files)-1].Size = cr.n
	return fi, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// analyzeReader runs r (opened with error err) to its end; rest is the
// underlying stream, hashed to its end when the reader stops early, unless
// hashDone says the hash is computed elsewhere.
func (a *Analyzer) analyzeReader(fi FileInfo, rest io.Reader, r *pcapfile.Reader, err error, h hash.Hash, hashDone chan struct{}) (FileInfo, error) {
	path := fi.Name
	if err != nil {
		if hashDone != nil {
			<-hashDone
		}
		return fi, fmt.Errorf("read capture %s: %w", path, err)
	}
	fi.Format = string(r.Format())
	fi.Packets, err = a.readAll(r)
	if err != nil {
		fi.Error = fmt.Sprintf("%s: %v", path, err)
		var pe *pcapfile.Error
		if errors.As(err, &pe) {
			fi.StoppedAt = pe.Offset
		}
	}
	if hashDone != nil {
		<-hashDone
	} else {
		// Hash any bytes the reader did not consume.
		io.Copy(h, rest)
	}
	fi.SHA256 = hexSum(h)
	a.addFile(fi)
	return fi, nil
}

func hexSum(h hash.Hash) string { return hex.EncodeToString(h.Sum(nil)) }

func (a *Analyzer) readAll(r *pcapfile.Reader) (int64, error) {
	var n int64
	for {
		p, err := r.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
		a.AddPacket(p.LinkType, p.Data, p.OrigLen, p.TimeNanos)
	}
}

// AnalyzeFiles analyses the captures at paths in order with one analyzer and
// returns the combined result. It stops at the first file that cannot be
// opened or has a bad header.
func AnalyzeFiles(paths []string, opts Options) (*Result, error) {
	a := NewAnalyzer(opts)
	for _, p := range paths {
		if _, err := a.AnalyzeFile(p); err != nil {
			return nil, err
		}
	}
	return a.Result(), nil
}
