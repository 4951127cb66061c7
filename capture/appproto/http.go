package appproto

import (
	"bytes"
	"errors"
)

// HTTPHead is the identifying part of an HTTP/1.x request or response head.
type HTTPHead struct {
	// Request is set for a request, clear for a response.
	Request bool
	// Method is the request method.
	Method string
	// Status is the response status code text ("200").
	Status string
	// Host is the request's Host header.
	Host string
	// UserAgent is the request's User-Agent header.
	UserAgent string
	// Server is the response's Server header.
	Server string
}

// ParseHTTPHead decodes an HTTP/1.x head (start line and headers, up to the
// blank line or the end of b).
func ParseHTTPHead(b []byte) (HTTPHead, error) {
	var h HTTPHead
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimRight(line, "\r")
	f := bytes.SplitN(line, []byte(" "), 3)
	if len(f) < 2 {
		return h, errors.New("http: bad start line")
	}
	switch {
	case bytes.HasPrefix(f[0], []byte("HTTP/1.")):
		h.Status = printable(f[1])
	case bytes.HasPrefix(f[len(f)-1], []byte("HTTP/1.")) && len(f) == 3:
		h.Request = true
		h.Method = printable(f[0])
	default:
		return h, errors.New("http: not an HTTP/1.x start line")
	}
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		v = bytes.TrimSpace(v)
		if len(v) > 256 {
			v = v[:256]
		}
		switch {
		case bytes.EqualFold(k, []byte("host")):
			h.Host = printable(v)
		case bytes.EqualFold(k, []byte("user-agent")):
			h.UserAgent = printable(v)
		case bytes.EqualFold(k, []byte("server")):
			h.Server = printable(v)
		}
	}
	return h, nil
}

// HTTPStream collects the first message head sent in one direction of a
// connection.
type HTTPStream struct {
	buf  []byte
	done bool
}

// maxHead bounds the bytes buffered for one head.
const maxHead = 8192

// Write adds stream bytes. Once a head is complete (or the bound is reached)
// it is decoded and passed to emit, and Write returns false: no more bytes
// are needed.
func (s *HTTPStream) Write(b []byte, emit func(HTTPHead)) bool {
	if s.done {
		return false
	}
	room := maxHead - len(s.buf)
	if len(b) > room {
		b = b[:room]
	}
	s.buf = append(s.buf, b...)
	end := bytes.Index(s.buf, []byte("\r\n\r\n"))
	if end < 0 && len(s.buf) < maxHead {
		return true
	}
	if end >= 0 {
		s.buf = s.buf[:end+2]
	}
	if h, err := ParseHTTPHead(s.buf); err == nil {
		emit(h)
	}
	s.done = true
	s.buf = nil
	return false
}
