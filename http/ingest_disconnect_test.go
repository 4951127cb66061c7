package http_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"medsec"
	"medsec/eventbus"
	mhttp "medsec/http"
	"medsec/logs"
	"medsec/sqlstore"
)

// ctxSink stores records with their indexes and hands the context of each Append to
// appended, so a test knows which request's store call it is in.
type ctxSink struct {
	mu       sync.Mutex
	recs     []logs.Record
	appended chan context.Context
}

func (s *ctxSink) Append(ctx context.Context, recs []logs.Record) error {
	s.mu.Lock()
	for i := range recs {
		recs[i].Index = int64(len(s.recs))
		s.recs = append(s.recs, recs[i])
	}
	s.mu.Unlock()
	s.appended <- ctx
	return nil
}

// TestIngestDisconnectWhileHeldStillPublishes sends JSON lines over HTTPS while detection
// holds the event stream (its handler busy, its queue full: Publish pushes back), and
// the client goes away after its records were stored, before they could be queued.
// Every stored record still reaches detection once the stream moves again [issue 13: the
// publication gave up with the request's context, so stored records raised no alert].
func TestIngestDisconnectWhileHeldStillPublishes(t *testing.T) {
	db := openEngine(t, "sqlite")
	ctx := medsec.NewContextWithUser(context.Background(), medsec.SystemUser)
	sources := sqlstore.NewLogSourceService(db)
	bus := eventbus.New(1, slog.New(slog.NewTextHandler(io.Discard, nil)))
	release := make(chan struct{})
	var mu sync.Mutex
	seen := map[string]bool{}
	sub, err := bus.Subscribe("detection", func(ctx context.Context, events []medsec.Event) error {
		<-release
		mu.Lock()
		defer mu.Unlock()
		for _, e := range events {
			seen[e.ID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	sink := &ctxSink{appended: make(chan context.Context, 4)}
	pub := &logs.Publisher{Next: sink, Bus: bus}
	services := mhttp.Services{Org: sqlstore.NewOrgService(db), Users: sqlstore.NewUserService(db), Audit: sqlstore.NewAuditService(db),
		Assets: sqlstore.NewAssetService(db), LogSources: sources, LogSink: pub}
	site := &medsec.Site{Code: "BR", Name: "分院"}
	if err := services.Org.CreateSite(ctx, site); err != nil {
		t.Fatal(err)
	}
	token, err := sources.CreateLogSource(ctx, &medsec.LogSource{SiteID: site.ID, Name: "EMR", Transport: "https"}, true)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mhttp.NewServer(mhttp.Config{Services: services, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()

	// Hold the stream: one batch in the handler, one filling the queue.
	for i := range 2 {
		e := medsec.Event{ID: fmt.Sprintf("audit:%d", i+1), Time: time.Now().UTC(), Ref: medsec.EventRef{Type: medsec.EventRefAudit, ID: int64(i + 1)}}
		if err := bus.Publish(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond) // the handler has taken the first batch

	var lines strings.Builder
	for i := range 3 {
		fmt.Fprintf(&lines, `{"@timestamp":"2026-12-01T03:00:0%dZ","event":{"category":["authentication"],"outcome":"failure"},"user":{"name":"admin"},"source":{"ip":"198.18.9.9"}}`+"\n", i)
	}
	cctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(cctx, "POST", ts.URL+"/api/v1/logs/ingest", strings.NewReader(lines.String()))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/x-ndjson")
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	var reqCtx context.Context
	select {
	case reqCtx = <-sink.appended:
	case <-time.After(10 * time.Second):
		t.Fatal("the records were not stored")
	}
	cancel() // the client disconnects, its records stored and not yet queued
	<-done
	select {
	case <-reqCtx.Done(): // the server saw it
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not see the client go")
	}
	close(release)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := 0
		for i := range 3 {
			if seen[fmt.Sprintf("%s:%d:%d", medsec.EventRefLog, site.ID, i)] {
				n++
			}
		}
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			sink.mu.Lock()
			stored := len(sink.recs)
			sink.mu.Unlock()
			t.Fatalf("%d records stored, %d published to detection after the client went away", stored, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
