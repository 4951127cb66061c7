package http_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
)

// pageClient posts the pages' forms as one signed-in session (fixture.session) in one
// language, as a browser would: the page tests share it instead of each opening with its
// own request code.
type pageClient struct {
	f    *fixture
	c    *http.Client
	lang string
}

// pages returns the page client of the session of username, in lang.
func (f *fixture) pages(username, lang string) *pageClient {
	return &pageClient{f: f, c: f.session(username), lang: lang}
}

// send posts body of contentType to path and returns the status and the page (redirects
// are not followed: fixture.session stops at them).
func (p *pageClient) send(path, contentType string, body io.Reader) (int, string) {
	p.f.t.Helper()
	req, _ := http.NewRequest("POST", p.f.srv.URL+path, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept-Language", p.lang)
	resp, err := p.c.Do(req)
	if err != nil {
		p.f.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// form posts v as an URL-encoded form.
func (p *pageClient) form(path string, v url.Values) (int, string) {
	p.f.t.Helper()
	return p.send(path, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
}

// upload posts a multipart form of fields and, when file is not "", the file field "file"
// named file holding content.
func (p *pageClient) upload(path string, fields map[string]string, file, content string) (int, string) {
	p.f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != "" {
		w, _ := mw.CreateFormFile("file", file)
		io.WriteString(w, content)
	}
	mw.Close()
	return p.send(path, mw.FormDataContentType(), &body)
}
