package http

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"medsec"
	"medsec/logs"
)

// logAPIRoutes are the log collection routes (issue 12): log sources, and JSON lines
// over HTTPS from a source that holds a token.
func logAPIRoutes(s *Server) []apiRoute {
	return []apiRoute{
		{Method: "GET", Path: "/api/v1/logs/sources", Perm: medsec.PermLogRead, Handler: s.apiLogSourceList},
		{Method: "POST", Path: "/api/v1/logs/sources", Perm: medsec.PermLogAdmin, Handler: s.apiLogSourceCreate},
		{Method: "GET", Path: "/api/v1/logs/sources/{id}", Perm: medsec.PermLogRead, Handler: s.apiLogSourceGet},
		{Method: "PUT", Path: "/api/v1/logs/sources/{id}", Perm: medsec.PermLogAdmin, Handler: s.apiLogSourceUpdate},
		{Method: "DELETE", Path: "/api/v1/logs/sources/{id}", Perm: medsec.PermLogAdmin, Handler: s.apiLogSourceDelete},
		{Method: "POST", Path: "/api/v1/logs/ingest", Perm: medsec.PermLogIngest, SourceToken: true, Handler: s.apiLogIngest},
	}
}

// logSourceView is a log source as the API and UI show it: the source plus whether it is
// silent now and whether its clock is off beyond its class's limit (each an open log
// alert; without the alert service, silence against the source's own interval).
type logSourceView struct {
	*medsec.LogSource
	Silent bool `json:"silent"`
	Skewed bool `json:"clock_skewed"`
}

func (s *Server) logSourceViews(ctx context.Context, srcs []*medsec.LogSource) []logSourceView {
	now := s.now()
	out := make([]logSourceView, len(srcs))
	open := map[string]bool{}
	if s.LogAlerts != nil {
		if as, err := s.LogAlerts.FindLogAlerts(ctx, medsec.LogAlertFilter{Active: true, Limit: 1000}); err == nil {
			for _, a := range as {
				open[string(a.Kind)+":"+strconv.FormatInt(a.SourceID, 10)] = true
			}
		}
	}
	for i, src := range srcs {
		out[i] = logSourceView{LogSource: src, Silent: src.Silent(now)}
		if s.LogAlerts != nil {
			id := strconv.FormatInt(src.ID, 10)
			out[i].Silent, out[i].Skewed = open[string(medsec.KindLogSourceSilent)+":"+id], open[string(medsec.KindLogClockSkew)+":"+id]
		}
	}
	return out
}

func (s *Server) apiLogSourceList(w http.ResponseWriter, r *http.Request) error {
	srcs, err := s.LogSources.FindLogSources(r.Context(), medsec.LogSourceFilter{SiteID: int64(queryInt(r, "site_id", 0))})
	if err != nil {
		return err
	}
	views := s.logSourceViews(r.Context(), srcs)
	body := struct {
		list[logSourceView]
		Listeners *logs.ListenerCounts `json:"listeners,omitempty"`
	}{list: list[logSourceView]{Items: views, Total: len(views), Limit: len(views)}}
	if s.LogListeners != nil {
		c := s.LogListeners()
		body.Listeners = &c
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (s *Server) apiLogSourceGet(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	src, err := s.LogSources.FindLogSource(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.logSourceViews(r.Context(), []*medsec.LogSource{src})[0])
	return nil
}

// logSourceInput is the body of POST and PUT /api/v1/logs/sources.
type logSourceInput struct {
	SiteID           int64  `json:"site_id"`
	Name             string `json:"name"`
	Address          string `json:"address"`
	Transport        string `json:"transport"`
	AssetID          int64  `json:"asset_id"`
	ExpectedInterval int64  `json:"expected_interval_seconds"`
	// Class is the source's class for retention; "" derives it from the linked asset.
	Class string `json:"class"`
	// WithToken issues a token for JSON over HTTPS (create only).
	WithToken bool `json:"with_token"`
}

func (s *Server) apiLogSourceCreate(w http.ResponseWriter, r *http.Request) error {
	var in logSourceInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	src := &medsec.LogSource{SiteID: in.SiteID, Name: in.Name, Address: in.Address, Transport: in.Transport,
		AssetID: in.AssetID, ExpectedInterval: in.ExpectedInterval}
	token, err := s.LogSources.CreateLogSource(r.Context(), src, in.WithToken)
	if err != nil {
		return err
	}
	body := map[string]any{"source": src}
	if token != "" {
		body["token"] = token
	}
	writeJSON(w, http.StatusCreated, body)
	return nil
}

func (s *Server) apiLogSourceUpdate(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	var in logSourceInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	src := &medsec.LogSource{ID: id, Name: in.Name, AssetID: in.AssetID, ExpectedInterval: in.ExpectedInterval, ChosenClass: in.Class}
	if err := s.LogSources.UpdateLogSource(r.Context(), src); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.logSourceViews(r.Context(), []*medsec.LogSource{src})[0])
	return nil
}

func (s *Server) apiLogSourceDelete(w http.ResponseWriter, r *http.Request) error {
	id, err := parseID(r, "id")
	if err != nil {
		return err
	}
	if err := s.LogSources.DeleteLogSource(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// maxIngestBody is the largest body POST /api/v1/logs/ingest takes (16 MiB).
const maxIngestBody = 16 << 20

// apiLogIngest takes JSON lines from a source authenticated by its token; a time without
// a zone is read in the zone of the source's site (logs.Parser.Location). The body is
// all or nothing: a line that is not a JSON object is 400 naming the line, and nothing is
// stored. 200 means every record is durable; when the store fails the answer is 503 with
// Retry-After, so the sender keeps the records and retries (push back, never a drop).
func (s *Server) apiLogIngest(w http.ResponseWriter, r *http.Request) error {
	src := logSourceFrom(r.Context())
	if src == nil {
		return medsec.ErrForbidden()
	}
	if s.LogSink == nil {
		w.Header().Set("Retry-After", "60")
		return &medsec.Error{Code: medsec.EUNAVAILABLE, Message: "Log collection is not enabled on this server.", Key: "err.log_collection_off"}
	}
	// A body announced too large is refused before it is sent (curl waits for
	// "100 Continue"), so the sender reads the answer rather than a reset connection.
	if r.ContentLength > maxIngestBody {
		return errIngestTooLarge()
	}
	body := &readErr{r: http.MaxBytesReader(w, r.Body, maxIngestBody)}
	// Times without a zone are the wall clock of the source's site, as syslog's are.
	p := &logs.Parser{Format: logs.FormatJSON, Location: s.zoneOfSite(medsec.NewContextWithUser(r.Context(), medsec.SystemUser), src.SiteID)}
	now := s.now().UTC()
	var recs []logs.Record
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), logs.MaxRecordSize)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if strings.TrimSpace(string(raw)) == "" {
			continue
		}
		rec, err := p.Parse(append([]byte(nil), raw...), now, src.Name)
		var tooBig *http.MaxBytesError
		if err != nil && errors.As(body.err, &tooBig) {
			return errIngestTooLarge() // the last line was cut at the limit
		}
		if err != nil {
			return &medsec.ValidationError{Source: "body", Errors: []medsec.FieldError{{Line: line, Field: "record",
				Key: "err.log_json_line", Message: "Not a JSON object: " + strings.TrimPrefix(err.Error(), "json: ")}}}
		}
		rec.SiteID = src.SiteID
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errIngestTooLarge()
		}
		return &medsec.Error{Code: medsec.EINVALID, Key: "err.log_ingest_line_too_long", Args: []any{line + 1, logs.MaxRecordSize >> 20},
			Message: fmt.Sprintf("Line %d is longer than the %d MiB a record may have.", line+1, logs.MaxRecordSize>>20)}
	}
	if len(recs) > 0 {
		ctx := logs.SourceIDContext(r.Context(), src.ID, "https")
		if err := s.LogSink.Append(ctx, recs); err != nil {
			s.logger.Error("log ingest: store failed, sender told to retry", "source", src.ID, "records", len(recs), "err", err)
			w.Header().Set("Retry-After", "5")
			return &medsec.Error{Code: medsec.EUNAVAILABLE, Message: "The log store cannot take records now; retry later.", Key: "err.log_store_busy"}
		}
	}
	writeJSON(w, http.StatusOK, map[string]int{"accepted": len(recs)})
	return nil
}

// readErr keeps the error its reader returned, so that a line cut by the body limit is
// reported as the limit rather than as a broken line.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// errIngestTooLarge names the body limit of the ingest route.
func errIngestTooLarge() error {
	return &medsec.Error{Code: medsec.ETOOLARGE, Key: "err.log_ingest_too_large", Args: []any{maxIngestBody >> 20},
		Message: fmt.Sprintf("The body is larger than the %d MiB one request may carry; send the records in smaller parts.", maxIngestBody>>20)}
}

type logSourceKey struct{}

// withLogSource returns r carrying the log source its token authenticated.
func withLogSource(r *http.Request, src *medsec.LogSource) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), logSourceKey{}, src))
}

// logSourceFrom returns the log source a request's token authenticated, or nil.
func logSourceFrom(ctx context.Context) *medsec.LogSource {
	src, _ := ctx.Value(logSourceKey{}).(*medsec.LogSource)
	return src
}

// logSourceByToken returns the log source the request's bearer token belongs to, or nil.
func (s *Server) logSourceByToken(r *http.Request) *medsec.LogSource {
	if s.LogSources == nil {
		return nil
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !strings.HasPrefix(strings.TrimSpace(token), "mls_") {
		return nil
	}
	src, err := s.LogSources.LogSourceByToken(r.Context(), strings.TrimSpace(token))
	if err != nil {
		if medsec.ErrorCode(err) != medsec.EUNAUTHORIZED {
			s.logIfInternal(r, fmt.Errorf("log source token: %w", err))
		}
		return nil
	}
	return src
}

// noLogSources stands in when the server has no log source service: no sources, and
// registering one is EUNAVAILABLE.
type noLogSources struct{}

func (noLogSources) FindLogSources(ctx context.Context, f medsec.LogSourceFilter) ([]*medsec.LogSource, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermLogRead); err != nil {
		return nil, err
	}
	return []*medsec.LogSource{}, nil
}

func (noLogSources) FindLogSource(ctx context.Context, id int64) (*medsec.LogSource, error) {
	if _, err := medsec.Authorize(ctx, medsec.PermLogRead); err != nil {
		return nil, err
	}
	return nil, &medsec.Error{Code: medsec.ENOTFOUND, Message: "Log source not found.", Key: "err.log_source_not_found"}
}

func (n noLogSources) CreateLogSource(ctx context.Context, s *medsec.LogSource, withToken bool) (string, error) {
	return "", n.unavailable(ctx)
}

func (n noLogSources) UpdateLogSource(ctx context.Context, s *medsec.LogSource) error {
	_, err := n.FindLogSource(ctx, s.ID)
	return err
}

func (n noLogSources) DeleteLogSource(ctx context.Context, id int64) error {
	_, err := n.FindLogSource(ctx, id)
	return err
}

func (n noLogSources) RecordLogSourceActivity(ctx context.Context, siteID int64, acts []medsec.LogSourceActivity) error {
	return n.unavailable(ctx)
}

func (noLogSources) LogSourceByToken(ctx context.Context, token string) (*medsec.LogSource, error) {
	return nil, medsec.ErrorWithKey(medsec.EUNAUTHORIZED, "err.invalid_source_token", "Invalid log source token.")
}

func (noLogSources) unavailable(ctx context.Context) error {
	if _, err := medsec.Authorize(ctx, medsec.PermLogAdmin); err != nil {
		return err
	}
	return &medsec.Error{Code: medsec.EUNAVAILABLE, Message: "Log collection is not enabled on this server.", Key: "err.log_collection_off"}
}
