// Package daemon is one running pollhook: it owns the store, the poller
// and the dispatcher, and in service mode the local API, the status page,
// the metrics and the talk with systemd. Its lifecycle is Open, Run until
// the context ends, then Close; Reload applies a new configuration file
// without a restart, and Poll polls now (pollhook once). It prints nothing:
// it logs, and returns what the CLI prints.
package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/internal/metrics"
	"github.com/pollhook/pollhook/internal/subs"
	"github.com/pollhook/pollhook/internal/systemd"
	"github.com/pollhook/pollhook/internal/web"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
	"github.com/pollhook/pollhook/store"
)

// shutdownGrace bounds how long in-flight polls and deliveries may take to
// finish after Run's context ends.
const shutdownGrace = 10 * time.Second

// Options configure a Daemon.
type Options struct {
	// Logger is what every part logs to; Level, when set, is its level,
	// which a reload changes to the new log_level.
	Logger *slog.Logger
	Level  *slog.LevelVar
	// Version is the running version: User-Agent, /api/info, metrics.
	Version string
	// LockTimeout is how long Open waits for the database; 0 means
	// store.DefaultLockTimeout.
	LockTimeout time.Duration
	// VerifyAtFirstWrite checks the database's pages before its first
	// write rather than in Open (store.Options): for once, which often
	// writes nothing.
	VerifyAtFirstWrite bool
	// Once: the daemon polls by Poll, PollEach or PollStream, and is not
	// Run (pollhook once). Its poller reads each watch's state as its poll
	// starts and keeps none between polls (poller.Options.Once), and
	// PollStream gives back the pages of the file those reads map as it
	// goes (releaseEach).
	Once bool
	// Service is pollhook run: Run serves the local API, the status page
	// and the metrics on listen, and speaks sd_notify. Without it (once,
	// demo) none of them is built.
	Service bool
	// Getenv reads the environment systemd gives the service; nil means
	// os.Getenv.
	Getenv func(string) string
	// Shard is where the shard comes from besides the file (--shard, the
	// environment): a reload selects the new file's watches with it.
	Shard config.ShardSources
}

// Daemon is the wiring of one running pollhook.
type Daemon struct {
	// cfg is the configuration in force; a reload swaps it.
	cfg    atomic.Pointer[config.Config]
	opts   Options
	log    *slog.Logger
	db     *store.DB
	poller *poller.Poller
	disp   *notify.Dispatcher
	// outbox is the inspection of the store, with the dispatcher's hooks.
	outbox *inspect.Outbox
	// subs is the subscription API and endpoint verifier, when
	// [subscriptions] is set.
	subs *subs.Server
	// consumer is the SSRF-guarded client of consumers' endpoints.
	consumer *http.Client
	// metrics and sd exist in service mode only; nonce, while the local
	// API serves.
	metrics *metrics.Metrics
	sd      *systemd.Notifier
	nonce   *api.Nonce
	// running is set while the scheduler runs (for /readyz); started is
	// closed once Run has started everything.
	running  atomic.Bool
	started  chan struct{}
	ran      atomic.Bool
	reloadMu sync.Mutex
	close    func() error
}

// Open opens the store and builds the poller and the dispatcher for cfg.
// The Daemon owns the store from then on: Close closes it. When Open
// fails it has closed what it opened.
func Open(ctx context.Context, cfg *config.Config, o Options) (*Daemon, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LockTimeout == 0 {
		o.LockTimeout = store.DefaultLockTimeout
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	// Every page is checked before anything is written: a daemon, once
	// or demo never writes to a damaged file.
	db, err := store.Open(cfg.DB, store.Options{LockTimeout: o.LockTimeout, Verify: true, VerifyAtFirstWrite: o.VerifyAtFirstWrite})
	if err != nil {
		return nil, err
	}
	d := &Daemon{opts: o, log: o.Logger, db: db, started: make(chan struct{})}
	d.close = sync.OnceValue(func() error {
		err := db.Close()
		if d.ran.Load() {
			d.log.Info("stopped")
		}
		return err
	})
	d.cfg.Store(cfg)
	d.consumer = d.consumerClient()
	var observePoll func(poller.PollReport)
	var observeAttempt func(notify.AttemptReport)
	if o.Service {
		d.metrics = metrics.New(o.Version, pageSource{d})
		d.sd = systemd.New(o.Getenv, os.Getpid(), d.log)
		observePoll, observeAttempt = d.metrics.Poll, d.metrics.Attempt
	}
	d.disp = notify.NewDispatcher(notify.DispatcherOptions{
		Outbox: db, Targets: cfg.Targets, Logger: d.log, Version: o.Version, Observe: observeAttempt,
		ConsumerClient: d.consumer,
	})
	d.poller = poller.New(poller.Options{
		Store: committer{db: db, disp: d.disp}, Logger: d.log, Version: o.Version,
		MaxPerHost: cfg.MaxPerHost, MaxConcurrent: cfg.MaxConcurrent, Observe: observePoll,
		Once: o.Once,
	})
	d.outbox = inspect.New(db, d.Config).WithDispatcher(d.disp.Wake, d.disp.Enable)
	if err := d.openSubs(ctx, cfg); err != nil {
		_ = d.Close()
		return nil, err
	}
	if err := d.poller.Load(ctx); err != nil {
		_ = d.Close()
		return nil, err
	}
	// Reading the states mapped the pages around them too, snapshots
	// mostly (a third of once's memory at 10,000 watches): the states are
	// in memory now, and a poll that finds nothing new reads none of it.
	if err := db.Release(ctx); err != nil {
		d.log.Warn("the database file stays mapped in memory", "err", err)
	}
	return d, nil
}

// Config is the configuration in force.
func (d *Daemon) Config() *config.Config { return d.cfg.Load() }

// Close closes the store, once; later calls return the first result. A
// daemon that ran logs "stopped" then: the store is closed last.
func (d *Daemon) Close() error {
	if err := d.close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Run polls on schedule and delivers until ctx ends, then stops
// scheduling and lets the polls and deliveries in flight finish within
// shutdownGrace (cancelling them after). In service mode it serves the
// local API meanwhile. It does not close the store: Close does.
func (d *Daemon) Run(ctx context.Context) error {
	if d.opts.Once {
		return errors.New("a daemon opened to poll once is not run")
	}
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	if d.opts.Service {
		d.logOpenFiles()
	}

	// Every watch has its next run before the API can be asked for it.
	d.poller.Plan(ctx, d.Config().Watches)
	srv, err := d.serve(ctx)
	if err != nil {
		return err
	}

	var wg sync.WaitGroup
	subsSrv, err := d.serveSubs(ctx, &wg)
	if err != nil {
		if srv != nil {
			_ = srv.Close()
		}
		return err
	}
	var dispErr error
	wg.Add(4)
	go func() {
		defer wg.Done()
		d.pruneLoop(ctx)
	}()
	go func() {
		defer wg.Done()
		d.releaseLoop(ctx)
	}()
	go func() {
		defer wg.Done()
		dispErr = d.disp.Run(ctx, work)
	}()
	go func() {
		defer wg.Done()
		d.running.Store(true)
		defer d.running.Store(false)
		d.poller.Run(ctx, work, d.Config().Watches)
	}()
	cfg := d.Config()
	for _, w := range cfg.Warnings {
		d.log.Warn("configuration warning", "warning", w.Error())
	}
	d.log.Info("pollhook running", "version", d.opts.Version, "watches", len(cfg.Watches),
		"targets", len(cfg.Targets), "db", d.db.Path(), "shard", cfg.Sharding.Spec.String())
	d.logForeign()
	d.sd.Ready(fmt.Sprintf("polling %d watches", len(cfg.Watches)))
	go d.sd.Watchdog(ctx, func() bool { return d.ready(ctx) == nil })
	d.ran.Store(true)
	close(d.started)

	<-ctx.Done()
	d.sd.Stopping()
	d.log.Info("stopping: finishing polls and deliveries in flight", "grace", shutdownGrace.String())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(shutdownGrace):
		d.log.Warn("grace period over, cancelling work in flight")
		cancelWork()
		<-done
	}
	if subsSrv != nil {
		shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = subsSrv.Shutdown(shutCtx)
		cancel()
	}
	if srv != nil {
		shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(shutCtx)
		cancel()
		if err := d.nonce.Remove(); err != nil {
			d.log.Warn("stopping: the nonce file stays (the next start replaces it)", "err", err)
		}
	}
	return dispErr
}

// maxNamed bounds the watch names a log line lists.
const maxNamed = 5

// logForeign logs the watches the database holds state for that this
// process does not poll: another shard's (after a change of shards), or
// no longer configured. Their pending deliveries are still delivered
// (the outbox's queues do not depend on the watch being configured), and
// pollhook export and forget move or drop their state.
func (d *Daemon) logForeign() {
	names := d.poller.Held()
	cfg := d.Config()
	owned := make(map[string]bool, len(cfg.Watches))
	for _, w := range cfg.Watches {
		owned[w.Name] = true
	}
	var foreign []string
	for _, n := range names {
		if !owned[n] {
			foreign = append(foreign, n)
		}
	}
	if len(foreign) == 0 {
		return
	}
	sort.Strings(foreign)
	first := foreign[:min(len(foreign), maxNamed)]
	d.log.Warn("holding state for watches this process does not own (another shard's, or no longer configured): their pending deliveries drain; pollhook export moves their state, pollhook forget drops it",
		"count", len(foreign), "first", strings.Join(first, ","), "shard", cfg.Sharding.Spec.String())
}

// Started is closed once Run has started polling, delivering and serving:
// from then on Reload may be called.
func (d *Daemon) Started() <-chan struct{} { return d.started }

// serve starts the local API on listen, in service mode and when listen
// is set, and returns its server (nil when there is none).
func (d *Daemon) serve(ctx context.Context) (*http.Server, error) {
	cfg := d.Config()
	if !d.opts.Service || cfg.Listen == "" {
		return nil, nil
	}
	page, err := web.New(pageSource{d}, d.opts.Version, d.log)
	if err != nil {
		return nil, err
	}
	ln, err := api.Listen(ctx, cfg.Listen)
	if err != nil {
		return nil, err
	}
	// The CLI sends its token only to a listener that proves it knows
	// this start's nonce.
	if d.nonce, err = api.CreateNonce(cfg.DB); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("local API: %w", err)
	}
	srv := api.NewServer(api.NewHandler(apiSource{Outbox: d.outbox, d: d}, d.opts.Version, map[string]http.Handler{
		"GET /{$}":           page,
		"POST /ui/redeliver": http.HandlerFunc(page.Redeliver),
		"POST /ui/poll":      http.HandlerFunc(page.Poll),
		"GET /metrics":       d.metrics,
	}))
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.log.Error("local API stopped", "err", err)
		}
	}()
	d.log.Info("local API listening", "addr", ln.Addr().String(), "max_conns", api.MaxConns)
	return srv, nil
}

// ready reports why the daemon is not ready: a database that does not
// answer, or a scheduler that does not run (starting, stopping).
func (d *Daemon) ready(ctx context.Context) error {
	if err := d.db.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if !d.running.Load() {
		return errors.New("the scheduler is not running")
	}
	return nil
}

// maxShown bounds a value Poll shows (pollhook once --show): past it, a
// terminal is no place to read it, and the answer of POST /api/once must
// stay well within what the CLI reads of it.
const maxShown = 4 << 20

// Poll polls watches now, concurrently (poller.PollAll). Unless o.DryRun,
// what changed is committed and woken in the dispatcher (Run delivers it;
// without Run, Drain does). Events come back in watch order, with what
// each poll did.
func (d *Daemon) Poll(ctx context.Context, watches []*config.Watch, o api.PollOptions) api.OnceResponse {
	res := api.OnceResponse{Events: []json.RawMessage{}, Watches: make([]inspect.Polled, 0, len(watches))}
	d.PollEach(ctx, watches, o, func(part api.OnceResponse) {
		res.Events = append(res.Events, part.Events...)
		res.Failed = append(res.Failed, part.Failed...)
		res.Errors = append(res.Errors, part.Errors...)
		res.Watches = append(res.Watches, part.Watches...)
	})
	return res
}

// PollEach polls as Poll does, and hands fn each watch's part of the
// answer (its events, what its poll did, its error) in watch order, as
// soon as that watch's poll and those of the watches before it are done,
// instead of keeping every poll's outcome until the last one ends: at
// 10,000 watches those outcomes were a tenth of pollhook once's memory.
// fn is called from one goroutine at a time.
func (d *Daemon) PollEach(ctx context.Context, watches []*config.Watch, o api.PollOptions, fn func(part api.OnceResponse)) {
	d.PollStream(ctx, len(watches), slices.Values(watches), o, fn)
}

// PollStream is PollEach of a sequence of about n watches, which it takes
// from as the polls need them (poller.PollSeq): pollhook once's
// config.Watches, decoded as they are polled.
func (d *Daemon) PollStream(ctx context.Context, n int, watches iter.Seq[*config.Watch], o api.PollOptions, fn func(part api.OnceResponse)) {
	var mu sync.Mutex
	waiting := map[int]api.OnceResponse{} // done, waiting for those before them
	next := 0
	release := d.releaseEach(ctx)
	d.poller.PollSeq(ctx, n, watches, poller.PollOptions{DryRun: o.DryRun, Value: o.Show}, func(i int, w *config.Watch, out *poller.Outcome, err error) {
		release()
		// Described at once, so that the outcome and its value are not
		// held longer.
		part := answer(w, out, err, o)
		mu.Lock()
		defer mu.Unlock()
		waiting[i] = part
		for p, ok := waiting[next]; ok; p, ok = waiting[next] {
			delete(waiting, next)
			fn(p)
			next++
		}
	})
}

// answer is one watch's part of a Poll answer.
func answer(w *config.Watch, out *poller.Outcome, err error, o api.PollOptions) api.OnceResponse {
	res := api.OnceResponse{Watches: []inspect.Polled{describe(w, out, err, o)}}
	var paused *poller.PausedError
	switch {
	case errors.As(err, &paused):
		// The API asked us to wait: not polling is not a failure.
		res.Errors = []string{fmt.Sprintf("watch %q: not polled: %v", w.Name, err)}
		return res
	case err != nil:
		res.Failed = []string{w.Name}
		res.Errors = []string{fmt.Sprintf("watch %q: %v", w.Name, err)}
		if out == nil {
			return res
		}
		// The failure committed its watch.failing event: printed as a
		// recovery's is.
	case out.Skipped:
		res.Errors = []string{fmt.Sprintf("watch %q: not polled: a poll of it is already running (its changes are delivered as usual)", w.Name)}
		return res
	}
	for _, ev := range committed(out) {
		data, err := ev.JSON()
		if err != nil {
			res.Errors = append(res.Errors, fmt.Sprintf("watch %q: encode event: %v", w.Name, err))
			continue
		}
		res.Events = append(res.Events, data)
	}
	return res
}

// committed is the events a poll committed: its health event first, if
// any, then its change events.
func committed(out *poller.Outcome) []*event.Event {
	if out.Health == nil {
		return out.Events
	}
	return append([]*event.Event{out.Health}, out.Events...)
}

// describe says what a poll of w did, as pollhook once and the status
// page tell it.
func describe(w *config.Watch, out *poller.Outcome, err error, o api.PollOptions) inspect.Polled {
	p := inspect.Polled{Watch: w.Name, DryRun: o.DryRun}
	var paused *poller.PausedError
	switch {
	case errors.As(err, &paused):
		p.Result, p.Error = inspect.PollPaused, err.Error()
		return p
	case err != nil:
		p.Result, p.Error = inspect.PollFailed, err.Error()
		if out != nil && out.Health != nil {
			p.Events = []string{out.Health.ID}
		}
		return p
	case out.Skipped:
		p.Result = inspect.PollSkipped
		return p
	}
	for _, ev := range committed(out) {
		p.Events = append(p.Events, ev.ID)
	}
	switch {
	case out.Event != nil:
		p.Result, p.Counts = inspect.PollChanged, out.Counts
	case out.Baseline:
		p.Result = inspect.PollBaseline
	case out.NotModified:
		p.Result = inspect.PollNotModified
	case out.Unchanged:
		p.Result = inspect.PollUnchanged
	case out.Seen > 0:
		p.Result, p.Seen, p.Confirm = inspect.PollConfirming, out.Seen, w.Confirm
	default:
		p.Result = inspect.PollQuiet
	}
	if out.Same {
		// Not prepared: the answer was the last one's, whose type and
		// length the poll tells.
		p.Shape = out.Shape
	}
	if out.Value == nil {
		return p
	}
	shape := w.Differ.Describe(out.Format, out.Value)
	p.Shape = &shape
	if o.Show {
		switch {
		case len(out.Value) > maxShown:
			p.ValueBytes = len(out.Value)
		case out.Format == diff.Text:
			p.Value, _ = json.Marshal(string(out.Value))
		default:
			// A copy: the answer's memory goes to the next polls once
			// this one is described.
			p.Value = bytes.Clone(out.Value)
		}
	}
	return p
}

// Drain makes one delivery attempt for everything due in the outbox, as
// pollhook once does without a daemon; what fails stays queued for the
// daemon's retries. Use it instead of Run, not with it.
func (d *Daemon) Drain(ctx context.Context) error { return d.disp.Drain(ctx) }
