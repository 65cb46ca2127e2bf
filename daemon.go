package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
	"github.com/pollhook/pollhook/store"
)

// shutdownGrace bounds how long in-flight polls and deliveries may take to
// finish after a stop signal.
const shutdownGrace = 10 * time.Second

// cliLockTimeout is how long a CLI command waits for the database before
// concluding that a daemon holds it and asking the daemon instead.
const cliLockTimeout = 300 * time.Millisecond

// loadConfig loads the configuration, printing every problem on failure.
func loadConfig(path string, stderr io.Writer) (*config.Config, error) {
	cfg, err := loadChecked(path)
	if err != nil {
		return nil, printConfigErrors(err, stderr)
	}
	return cfg, nil
}

// printConfigErrors prints a configuration's problems, one per line, and
// returns the error that makes the command exit 1.
func printConfigErrors(err error, stderr io.Writer) error {
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		return exitError{1}
	}
	return err
}

func cmdCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check", stderr)
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("check", pos); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: ok (%d watches, %d targets)\n", *cfgPath, len(cfg.Watches), len(cfg.Targets))
	return nil
}

// loadChecked loads a configuration and checks what only rendering can
// check: that every target's template renders.
func loadChecked(path string) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// daemon is the wiring of one running pollhook: the store, the poller and
// the dispatcher.
type daemon struct {
	// cfg is the configuration in force; a reload swaps it. Read it with
	// config().
	cfg    atomic.Pointer[config.Config]
	log    *slog.Logger
	db     *store.DB
	poller *poller.Poller
	disp   *notify.Dispatcher
	obs    *observer
	// running is set while the scheduler runs (for /readyz).
	running atomic.Bool
	// level is the log level a reload may change; sd talks to systemd.
	level    *slog.LevelVar
	sd       *sdNotifier
	reloadMu sync.Mutex
	// hup receives SIGHUP; cmdRun subscribes before anything else, so a
	// reload asked for during start-up does not kill the process.
	hup chan os.Signal
}

// newDaemon opens the store and builds the poller and the dispatcher.
func newDaemon(ctx context.Context, cfg *config.Config, log *slog.Logger, lockTimeout time.Duration) (*daemon, error) {
	db, err := store.Open(cfg.DB, store.Options{LockTimeout: lockTimeout})
	if err != nil {
		return nil, err
	}
	d := &daemon{log: log, db: db, sd: newSDNotifier(os.Getenv, log)}
	d.cfg.Store(cfg)
	d.obs = newObserver(d)
	d.disp = notify.NewDispatcher(notify.DispatcherOptions{
		Outbox: db, Targets: cfg.Targets, Logger: log, Version: buildVersion(),
		Observe: d.obs.attempt,
	})
	d.poller = poller.New(poller.Options{
		Store: db, Client: newAPIClient(), Logger: log, Version: buildVersion(),
		Committed: d.disp.Wake, MaxPerHost: cfg.MaxPerHost, MaxConcurrent: cfg.MaxConcurrent,
		Observe: d.obs.poll,
	})
	if err := d.poller.Load(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// pruneEvery is how often the daemon applies retention.
const pruneEvery = time.Hour

// pruneLoop applies retention and history limits at start and hourly.
func (d *daemon) pruneLoop(ctx context.Context) {
	for {
		stats, err := d.db.Prune(ctx, time.Now(), d.config().Retention, d.config().History)
		switch {
		case err != nil && ctx.Err() == nil:
			d.log.Error("prune", "err", err)
		case stats.Events > 0:
			d.log.Info("pruned old events", "events", stats.Events, "deliveries", stats.Deliveries)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pruneEvery):
		}
	}
}

// config is the configuration in force.
func (d *daemon) config() *config.Config { return d.cfg.Load() }

// newAPIClient is the client polls use. Redirects are followed (APIs move),
// proxies come from the environment.
func newAPIClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}}
}

// serve runs the daemon until ctx ends, then stops scheduling, lets
// in-flight work finish within shutdownGrace, and closes the store.
func (d *daemon) serve(ctx context.Context) error {
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()

	srv, ln, err := d.listen()
	if err != nil {
		d.db.Close()
		return err
	}
	if srv != nil {
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.log.Error("local API stopped", "err", err)
			}
		}()
		d.log.Info("local API listening", "addr", ln.Addr().String())
	}

	var wg sync.WaitGroup
	var dispErr error
	wg.Add(3)
	go func() {
		defer wg.Done()
		d.pruneLoop(ctx)
	}()
	go func() {
		defer wg.Done()
		dispErr = d.disp.Run(ctx, work)
	}()
	go func() {
		defer wg.Done()
		d.running.Store(true)
		defer d.running.Store(false)
		d.poller.Run(ctx, work, d.config().Watches)
	}()
	d.log.Info("pollhook running", "version", buildVersion(), "watches", len(d.config().Watches),
		"targets", len(d.config().Targets), "db", d.db.Path())
	d.sd.send(fmt.Sprintf("READY=1\nSTATUS=polling %d watches", len(d.config().Watches)))
	go d.sd.watchdogLoop(ctx, func() bool { return d.running.Load() && d.db.Ping(ctx) == nil })

	hup := d.hup
	if hup == nil {
		hup = make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				d.log.Info("SIGHUP: reloading the configuration")
				_, _ = d.reload() // reload logs its outcome
			}
		}
	}()

	<-ctx.Done()
	d.sd.send("STOPPING=1")
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
	if srv != nil {
		shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = srv.Shutdown(shutCtx)
		cancel()
	}
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	d.log.Info("stopped")
	return dispErr
}

func cmdRun(ctx context.Context, args []string, stderr io.Writer) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	fs := newFlags("run", stderr)
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("run", pos); err != nil {
		return err
	}
	cfg, err := loadConfig(*cfgPath, stderr)
	if err != nil {
		return err
	}
	log, level := configLogger(stderr, cfg)
	d, err := newDaemon(ctx, cfg, log, store.DefaultLockTimeout)
	if err != nil {
		return err
	}
	d.level, d.hup = level, hup
	return d.serve(ctx)
}

func cmdOnce(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("once", stderr)
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	watchName := fs.String("watch", "", "poll only the watch with this `name`")
	dryRun := fs.Bool("dry-run", false, "print changes without storing or sending them")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("once", pos); err != nil {
		return err
	}
	// A daemon running this configuration polls for us: it holds the
	// database, and it has the service's environment and credentials.
	cfg, loadErr := config.LoadPartial(*cfgPath)
	if cfg == nil {
		return printConfigErrors(loadErr, stderr)
	}
	r, err := findDaemon(ctx, cfg)
	if err != nil {
		return err
	}
	if r != nil {
		res, err := r.once(ctx, *watchName, *dryRun)
		if err != nil {
			return err
		}
		return printOnce(res, max(len(cfg.Watches), 1), stdout, stderr)
	}
	// No daemon: we poll ourselves, so the whole configuration must hold.
	if loadErr != nil {
		return printConfigErrors(loadErr, stderr)
	}
	watches := cfg.Watches
	if *watchName != "" {
		w := cfg.Watch(*watchName)
		if w == nil {
			return fmt.Errorf("no watch named %q in %s", *watchName, *cfgPath)
		}
		watches = []*config.Watch{w}
	}
	log, _ := configLogger(stderr, cfg)
	lockTimeout := cliLockTimeout
	if *dryRun && !store.Exists(cfg.DB) {
		// A dry run stores nothing, not even a new database file.
		dir, err := os.MkdirTemp("", "pollhook-dry-run-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		copied := *cfg
		copied.DB = filepath.Join(dir, "dry-run.db")
		cfg = &copied
	}
	d, err := newDaemon(ctx, cfg, log, lockTimeout)
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w, and no daemon for %s answers on listen %q", err, cfg.File, cfg.Listen)
	}
	if err != nil {
		return err
	}
	defer d.db.Close()
	res := d.pollAll(ctx, watches, *dryRun)
	if !*dryRun {
		if err := d.disp.Drain(ctx); err != nil {
			return err
		}
	}
	return printOnce(res, len(watches), stdout, stderr)
}

// pollAll polls watches concurrently and, unless dryRun, makes one
// delivery attempt for everything due in the outbox (in the daemon, the
// dispatcher is woken instead). Events come back in watch order.
func (d *daemon) pollAll(ctx context.Context, watches []*config.Watch, dryRun bool) onceResponse {
	type result struct {
		out *poller.Outcome
		err error
	}
	results := make([]result, len(watches))
	var wg sync.WaitGroup
	for i, w := range watches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := d.poller.Poll(ctx, w, dryRun)
			results[i] = result{out, err}
		}()
	}
	wg.Wait()
	res := onceResponse{Events: []json.RawMessage{}}
	for i, r := range results {
		var paused *poller.PausedError
		if errors.As(r.err, &paused) {
			// The API asked us to wait: not polling is not a failure.
			res.Errors = append(res.Errors, fmt.Sprintf("watch %q: not polled: %v", watches[i].Name, r.err))
			continue
		}
		if r.err != nil {
			res.Failed = append(res.Failed, watches[i].Name)
			res.Errors = append(res.Errors, fmt.Sprintf("watch %q: %v", watches[i].Name, r.err))
			continue
		}
		if r.out.Skipped {
			res.Errors = append(res.Errors, fmt.Sprintf("watch %q: not polled: a poll of it is already running (its changes are delivered as usual)", watches[i].Name))
			continue
		}
		for _, ev := range []*event.Event{r.out.Health, r.out.Event} {
			if ev == nil {
				continue
			}
			data, err := json.Marshal(ev)
			if err != nil {
				res.Errors = append(res.Errors, fmt.Sprintf("watch %q: encode event: %v", watches[i].Name, err))
				continue
			}
			res.Events = append(res.Events, data)
		}
	}
	return res
}

// printOnce prints a once result: events as JSON lines on stdout,
// failures on stderr; it fails when any watch did.
func printOnce(res onceResponse, total int, stdout, stderr io.Writer) error {
	for _, e := range res.Events {
		if _, err := fmt.Fprintf(stdout, "%s\n", e); err != nil {
			return err
		}
	}
	for _, e := range res.Errors {
		fmt.Fprintln(stderr, e)
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("%d of %d watches failed: %s", len(res.Failed), total, strings.Join(res.Failed, ", "))
	}
	return nil
}
