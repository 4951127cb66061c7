package natsbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of the group's stream.
const (
	// DefaultMaxAge keeps a message in the stream a week after it was stored: a central
	// server may be down that long without a sensor losing anything.
	DefaultMaxAge = 7 * 24 * time.Hour
	// DefaultDuplicates is the stream's duplicate window: a message whose Nats-Msg-Id was
	// stored within it is dropped by the server (the central unique key catches later
	// resends).
	DefaultDuplicates = 10 * time.Minute
)

// Config says how to reach the broker and which group's stream to use.
type Config struct {
	// URL is the broker's address list ("nats://host:4222", comma-separated for a
	// cluster; "tls://" for TLS).
	URL string
	// Group is the hospital group; its stream is StreamName(Group), its subjects
	// medsec.<Group>.>.
	Group string
	// Name is the connection's name on the server (e.g. "medsec sensor TPE-1/span0").
	Name string
	// Creds is a JWT user credentials file (.creds); NKey a file holding an NKEY user
	// seed ("SU..."). At most one of them; neither means no authentication.
	Creds, NKey string
	// CA, Cert and Key configure TLS: the CA bundle the server's certificate must chain to
	// and the client certificate and key (PEM files), each optional.
	CA, Cert, Key string
	// Replicas is the stream's replica count (1, or 3 on a three-node cluster); 0 means 1.
	Replicas int
	// MaxAge and MaxBytes bound the stream (0: DefaultMaxAge and no byte limit).
	MaxAge   time.Duration
	MaxBytes int64
	// OnState, when set, is told each time the connection goes up (true) or down.
	OnState func(up bool)
}

// Check validates the configuration: a URL, a group that makes a subject token, and
// credentials given once.
func (c *Config) Check() error {
	if c.URL == "" {
		return errors.New("nats: the broker URL is required (--nats nats://host:4222)")
	}
	if err := CheckToken("group", c.Group); err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	if c.Creds != "" && c.NKey != "" {
		return errors.New("nats: give --creds (JWT user) or --nkey (NKEY seed), not both")
	}
	if (c.Cert == "") != (c.Key == "") {
		return errors.New("nats: --nats-cert and --nats-key go together")
	}
	return nil
}

// options returns the nats.go options of c. The connection retries for ever, and does not
// buffer publications while it is down (a sensor's spool does that, on disk).
func (c *Config) options() ([]nats.Option, error) {
	opts := []nats.Option{nats.Name(c.Name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		nats.RetryOnFailedConnect(true), nats.ReconnectBufSize(-1)}
	switch {
	case c.Creds != "":
		opts = append(opts, nats.UserCredentials(c.Creds))
	case c.NKey != "":
		o, err := nats.NkeyOptionFromSeed(c.NKey)
		if err != nil {
			return nil, fmt.Errorf("nats: --nkey %s: %w", c.NKey, err)
		}
		opts = append(opts, o)
	}
	if c.CA != "" {
		opts = append(opts, nats.RootCAs(c.CA))
	}
	if c.Cert != "" {
		opts = append(opts, nats.ClientCert(c.Cert, c.Key))
	}
	if c.OnState != nil {
		opts = append(opts,
			nats.ConnectHandler(func(*nats.Conn) { c.OnState(true) }),
			nats.ReconnectHandler(func(*nats.Conn) { c.OnState(true) }),
			nats.DisconnectErrHandler(func(*nats.Conn, error) { c.OnState(false) }))
	}
	return opts, nil
}

// Conn is a connection to the broker with JetStream.
type Conn struct {
	NC  *nats.Conn
	JS  jetstream.JetStream
	cfg Config
}

// Connect connects to the broker. It returns at once even when the broker is unreachable
// (the connection keeps trying); errors are for bad configuration or credentials files.
func Connect(cfg Config) (*Conn, error) {
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	opts, err := cfg.options()
	if err != nil {
		return nil, err
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("nats: connect %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("nats: %w", err)
	}
	return &Conn{NC: nc, JS: js, cfg: cfg}, nil
}

// Close closes the connection.
func (c *Conn) Close() { c.NC.Close() }

// StreamConfig returns the configuration medsec gives a group's stream: file storage,
// subjects medsec.<group>.>, limits retention (consumers keep their own position), the
// duplicate window DefaultDuplicates, and the Config's replicas and bounds.
func (c *Conn) StreamConfig() jetstream.StreamConfig {
	sc := jetstream.StreamConfig{
		Name:        StreamName(c.cfg.Group),
		Description: "medsec events of hospital group " + c.cfg.Group + " (sensors to central)",
		Subjects:    []string{"medsec." + c.cfg.Group + ".>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		Discard:     jetstream.DiscardOld,
		MaxAge:      c.cfg.MaxAge,
		MaxBytes:    c.cfg.MaxBytes,
		Replicas:    max(c.cfg.Replicas, 1),
		Duplicates:  DefaultDuplicates,
	}
	if sc.MaxAge <= 0 {
		sc.MaxAge = DefaultMaxAge
	}
	if sc.MaxBytes <= 0 {
		sc.MaxBytes = -1
	}
	return sc
}

// EnsureStream creates the group's stream, or updates it to StreamConfig.
func (c *Conn) EnsureStream(ctx context.Context) (jetstream.Stream, error) {
	s, err := c.JS.CreateOrUpdateStream(ctx, c.StreamConfig())
	if err != nil {
		return nil, fmt.Errorf("nats: stream %s: %w", StreamName(c.cfg.Group), err)
	}
	return s, nil
}

// Publish publishes envelopes in order and returns once the stream has stored each (or
// recognised it as a duplicate by its ID). On error, the envelopes before the failed one
// are stored: n says how many.
func (c *Conn) Publish(ctx context.Context, envs ...*Envelope) (n int, err error) {
	futures := make([]jetstream.PubAckFuture, 0, len(envs))
	for _, e := range envs {
		msg, err := c.message(e)
		if err != nil {
			return 0, err
		}
		f, err := c.JS.PublishMsgAsync(msg, jetstream.WithMsgID(e.ID), jetstream.WithExpectStream(StreamName(c.cfg.Group)))
		if err != nil {
			break
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return i, fmt.Errorf("nats: publish %s: %w", envs[i].ID, err)
		case <-ctx.Done():
			return i, ctx.Err()
		}
	}
	if len(futures) < len(envs) {
		return len(futures), fmt.Errorf("nats: publish %s: %w", envs[len(futures)].ID, nats.ErrConnectionClosed)
	}
	return len(envs), nil
}

// message builds the NATS message of an envelope.
func (c *Conn) message(e *Envelope) (*nats.Msg, error) {
	if e.Group == "" {
		e.Group = c.cfg.Group
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	data, err := marshal(e)
	if err != nil {
		return nil, err
	}
	return &nats.Msg{Subject: e.Subject(), Data: data, Header: nats.Header{}}, nil
}
