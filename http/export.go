package http

import (
	"bufio"
	"io"
	"net/http"
)

// streamExport sends a download written by write as it is produced. Nothing is sent until
// write has produced its first 64 KiB or finished, so an error found early (a refused
// filter, a denied permission) is still an ordinary error response. An error after that
// aborts the response: the client sees an incomplete transfer, never a shorter file that
// looks whole.
func (s *Server) streamExport(w http.ResponseWriter, r *http.Request, contentType, filename string, write func(io.Writer) error) error {
	sw := &startWriter{w: w, contentType: contentType, filename: filename}
	bw := bufio.NewWriterSize(sw, 64<<10)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		if sw.started {
			s.logger.Error("export cut short", "path", r.URL.Path, "err", err)
			panic(http.ErrAbortHandler)
		}
		return err
	}
	if !sw.started {
		sw.start()
	}
	return nil
}

// startWriter sets the download headers on the first write.
type startWriter struct {
	w                     http.ResponseWriter
	contentType, filename string
	started               bool
}

func (sw *startWriter) start() {
	sw.started = true
	sw.w.Header().Set("Content-Type", sw.contentType)
	sw.w.Header().Set("Content-Disposition", `attachment; filename="`+sw.filename+`"`)
	sw.w.Header().Set("Cache-Control", "no-store")
}

func (sw *startWriter) Write(p []byte) (int, error) {
	if !sw.started {
		sw.start()
	}
	return sw.w.Write(p)
}

// abortOnError turns an error in writing a response body into an aborted response: the
// headers have gone, so the only honest signal left is to cut the connection.
func (s *Server) abortOnError(r *http.Request, err error) error {
	if err != nil {
		s.logger.Error("export cut short", "path", r.URL.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
