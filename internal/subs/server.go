package subs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/clock"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/internal/ssrf"
	"github.com/pollhook/pollhook/store"
)

// Options are the dependencies of a Server.
type Options struct {
	DB     *store.DB
	Config *config.Subscriptions
	Logger *slog.Logger
	// Clock is the time source of the verifier and the API; nil: the
	// system's.
	Clock clock.Clock
	// Endpoints is called with the full endpoint target list (Targets) at
	// start and after every change; nil: nobody listens.
	Endpoints func([]*config.Target)
	// Wake tells the dispatcher that deliveries are due (after a recover
	// or a sample event); nil: nobody listens.
	Wake func()
	// Client runs the handshakes; nil: the SSRF-guarded client with the
	// configuration's allow_cidrs (as in force at each dial).
	Client *http.Client
	// Resolver resolves endpoint host names when their URL is checked;
	// nil: the system's.
	Resolver *net.Resolver
}

// handshakeTimeout bounds one validation handshake.
const handshakeTimeout = 30 * time.Second

// Server is the consumers' API and the endpoint verifier.
type Server struct {
	db        *store.DB
	log       *slog.Logger
	clock     clock.Clock
	endpoints func([]*config.Target)
	wake      func()
	resolver  *net.Resolver
	client    *http.Client

	cfg  atomic.Pointer[config.Subscriptions]
	kick chan struct{}
	mu   sync.Mutex // serialises refresh so the last list wins
}

// New returns a Server; Run starts its verifier.
func New(o Options) *Server {
	s := &Server{
		db: o.DB, log: o.Logger, clock: o.Clock, endpoints: o.Endpoints, wake: o.Wake,
		resolver: o.Resolver, client: o.Client, kick: make(chan struct{}, 1),
	}
	if s.client == nil {
		s.client = ssrf.New(ssrf.Options{Allow: func() []netip.Prefix { return s.config().AllowCIDRs }, Timeout: handshakeTimeout})
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.clock == nil {
		s.clock = clock.System{}
	}
	s.SetConfig(o.Config)
	return s
}

// SetConfig replaces the configuration (on reload): the API and the
// verifier use the new one from their next request or handshake.
func (s *Server) SetConfig(c *config.Subscriptions) {
	if c == nil {
		c = &config.Subscriptions{}
	}
	if old := s.cfg.Swap(c); old != nil && !slices.Equal(old.AllowCIDRs, c.AllowCIDRs) {
		s.client.CloseIdleConnections() // no kept-alive connection to a range closed now
	}
	s.poke()
}

func (s *Server) config() *config.Subscriptions { return s.cfg.Load() }

// poke wakes the verifier: an endpoint may be due.
func (s *Server) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Refresh hands the endpoint targets to the dispatcher (Options.Endpoints).
// The API calls it after every change; the daemon at start and on reload.
func (s *Server) Refresh(ctx context.Context) error {
	if s.endpoints == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	eps, err := s.db.Endpoints(ctx, "")
	if err != nil {
		return fmt.Errorf("list endpoints: %w", err)
	}
	s.endpoints(Targets(eps, s.clock.Now()))
	return nil
}

// refresh is Refresh after a change, logging rather than failing: the
// change is stored, and the next one or a reload hands the list again.
func (s *Server) refresh(ctx context.Context) {
	if err := s.Refresh(ctx); err != nil {
		s.log.Error("subscriptions: hand endpoints to the dispatcher", "err", err)
	}
}

// Targets builds the dispatcher's targets for endpoints: webhook kind,
// named by the endpoint id, consumer, signed with the current secret and
// the rotated ones until they expire. An endpoint that is disabled or not
// verified (pending, failed) is a disabled target: its queued deliveries
// wait rather than go to an unverified URL. RateLimit is per second, the
// smaller of rateLimit and the handshake's allowed rate (per minute,
// rounded up to one a second: the dispatcher counts whole seconds).
func Targets(eps []store.Endpoint, now time.Time) []*config.Target {
	out := make([]*config.Target, 0, len(eps))
	for i := range eps {
		e := &eps[i]
		t := &config.Target{
			Name:     e.ID,
			Kind:     config.KindWebhook,
			URL:      e.URL,
			Consumer: true,
			Disabled: e.Disabled || e.Status != store.EndpointActive,
		}
		t.RateLimit = e.RateLimit
		if e.AllowedRate > 0 {
			perSec := max(1, e.AllowedRate/60)
			if t.RateLimit == 0 || perSec < t.RateLimit {
				t.RateLimit = perSec
			}
		}
		for _, sec := range e.Secrets {
			if !sec.Expires.IsZero() && !now.Before(sec.Expires) {
				continue
			}
			if key, err := config.DecodeSecret(sec.Key); err == nil {
				t.Secrets = append(t.Secrets, key)
			}
		}
		out = append(out, t)
	}
	return out
}

// Run verifies pending endpoints until ctx ends: each due one gets the
// handshake, and the loop sleeps until the next is due or an endpoint
// changes.
func (s *Server) Run(ctx context.Context) {
	for {
		next := s.verifyDue(ctx)
		var wait <-chan time.Time
		if !next.IsZero() {
			wait = s.clock.After(max(0, next.Sub(s.clock.Now())))
		}
		select {
		case <-ctx.Done():
			return
		case <-wait:
		case <-s.kick:
		}
	}
}

// verifyDue runs the handshake of every pending endpoint that is due, and
// returns when the next one is (zero: none pending).
func (s *Server) verifyDue(ctx context.Context) time.Time {
	eps, err := s.db.Endpoints(ctx, "")
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("subscriptions: list endpoints to verify", "err", err)
		}
		return s.clock.Now().Add(time.Minute)
	}
	var (
		mu      sync.Mutex
		next    time.Time
		changed bool
		wg      sync.WaitGroup
	)
	sooner := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	// The due handshakes run side by side, up to verifyParallel at once:
	// a receiver that takes its whole timeout to answer holds up no
	// other endpoint's verification.
	slots := make(chan struct{}, verifyParallel)
	for _, e := range eps {
		if e.Status != store.EndpointPending || e.Disabled {
			continue
		}
		if now := s.clock.Now(); e.NextVerify.After(now) {
			mu.Lock()
			sooner(e.NextVerify)
			mu.Unlock()
			continue
		}
		select {
		case <-ctx.Done():
		case slots <- struct{}{}:
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			e2, ok := s.verify(ctx, e)
			mu.Lock()
			defer mu.Unlock()
			if ok && e2.Status == store.EndpointActive {
				changed = true
			}
			if ok && e2.Status == store.EndpointPending {
				sooner(e2.NextVerify)
			}
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return time.Time{}
	}
	if changed {
		s.refresh(ctx)
	}
	return next
}

// verifyParallel bounds the handshakes that run at once.
const verifyParallel = 8

// verify runs one endpoint's handshake and records the outcome; ok is
// false when nothing was recorded (the endpoint changed or went away
// meanwhile, or ctx ended).
func (s *Server) verify(ctx context.Context, e store.Endpoint) (store.Endpoint, bool) {
	cfg := s.config()
	hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	rate, herr := Handshake(hctx, s.client, e.URL, cfg.Origin, e.RateLimit*60)
	cancel()
	if ctx.Err() != nil {
		return e, false
	}
	now := s.clock.Now()
	log := s.log.With("app", e.App, "endpoint", e.ID, "url", redact.URL(e.URL))
	out, err := s.db.UpdateEndpoint(ctx, e.App, e.ID, func(c *store.Endpoint) error {
		if c.URL != e.URL || c.Status != store.EndpointPending {
			return errStale
		}
		if herr == nil {
			c.Status, c.StatusReason, c.AllowedRate, c.VerifyAttempts, c.NextVerify = store.EndpointActive, "", rate, 0, time.Time{}
			return nil
		}
		c.VerifyAttempts++
		c.StatusReason = herr.Error()
		if wait, again := VerifyRetry(c.VerifyAttempts); again {
			c.NextVerify = now.Add(wait)
		} else {
			c.Status, c.NextVerify = store.EndpointFailed, time.Time{}
		}
		return nil
	})
	switch {
	case errors.Is(err, errStale), errors.Is(err, store.ErrNotFound):
		return e, false
	case err != nil:
		log.Error("subscriptions: record the handshake", "err", err)
		return e, false
	}
	switch out.Status {
	case store.EndpointActive:
		log.Info("subscriptions: endpoint verified", "allowed_rate", rate)
	case store.EndpointFailed:
		log.Warn("subscriptions: endpoint failed verification", "attempts", out.VerifyAttempts, "reason", out.StatusReason)
	default:
		log.Info("subscriptions: endpoint handshake failed, will retry", "attempts", out.VerifyAttempts, "next", out.NextVerify, "reason", out.StatusReason)
	}
	return out, true
}

// errStale aborts an update whose premise no longer holds.
var errStale = errors.New("endpoint changed meanwhile")
