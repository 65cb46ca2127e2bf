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
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
	"github.com/pollhook/pollhook/store"
)

// shutdownGrace bounds how long in-flight polls and deliveries may take to
// finish after a stop signal.
const shutdownGrace = 10 * time.Second

// loadConfig loads the configuration, printing every problem on failure.
func loadConfig(path string, stderr io.Writer) (*config.Config, error) {
	cfg, err := config.Load(path)
	if err == nil {
		return cfg, nil
	}
	var errs config.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(stderr, e)
		}
		return nil, exitError{1}
	}
	return nil, err
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

// daemon is the wiring of one running pollhook: the store, the poller and
// the dispatcher.
type daemon struct {
	cfg    *config.Config
	log    *slog.Logger
	db     *store.DB
	poller *poller.Poller
	disp   *notify.Dispatcher
}

// newDaemon opens the store and builds the poller and the dispatcher.
func newDaemon(ctx context.Context, cfg *config.Config, log *slog.Logger) (*daemon, error) {
	db, err := store.Open(cfg.DB, store.Options{})
	if err != nil {
		return nil, err
	}
	d := &daemon{cfg: cfg, log: log, db: db}
	d.disp = notify.NewDispatcher(notify.DispatcherOptions{
		Outbox: db, Targets: cfg.Targets, Logger: log, Version: buildVersion(),
	})
	d.poller = poller.New(poller.Options{
		Store: db, Client: newAPIClient(), Logger: log, Version: buildVersion(),
		Committed: d.disp.Wake,
	})
	if err := d.poller.Load(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

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

	var wg sync.WaitGroup
	var dispErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		dispErr = d.disp.Run(ctx, work)
	}()
	go func() {
		defer wg.Done()
		d.poller.Run(ctx, work, d.cfg.Watches)
	}()
	d.log.Info("pollhook running", "version", buildVersion(), "watches", len(d.cfg.Watches),
		"targets", len(d.cfg.Targets), "db", d.db.Path())

	<-ctx.Done()
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
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	d.log.Info("stopped")
	return dispErr
}

func cmdRun(ctx context.Context, args []string, stderr io.Writer) error {
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
	log := newLogger(stderr, slog.LevelInfo)
	d, err := newDaemon(ctx, cfg, log)
	if err != nil {
		return err
	}
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
	cfg, err := loadConfig(*cfgPath, stderr)
	if err != nil {
		return err
	}
	watches := cfg.Watches
	if *watchName != "" {
		w := cfg.Watch(*watchName)
		if w == nil {
			return fmt.Errorf("no watch named %q in %s", *watchName, *cfgPath)
		}
		watches = []*config.Watch{w}
	}
	log := newLogger(stderr, slog.LevelInfo)
	d, err := newDaemon(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.db.Close()
	return d.once(ctx, watches, *dryRun, stdout)
}

// once polls watches concurrently, prints each change event as one JSON
// line, and (unless dryRun) makes one delivery attempt for everything
// due in the outbox; what fails stays queued for the daemon's retries.
func (d *daemon) once(ctx context.Context, watches []*config.Watch, dryRun bool, stdout io.Writer) error {
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

	enc := json.NewEncoder(stdout)
	var failed []string
	for i, r := range results {
		if r.err != nil {
			failed = append(failed, watches[i].Name)
			continue
		}
		if r.out.Event != nil {
			if err := enc.Encode(r.out.Event); err != nil {
				return err
			}
		}
	}
	if !dryRun {
		if err := d.disp.Drain(ctx); err != nil {
			return err
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d of %d watches failed: %v", len(failed), len(watches), failed)
	}
	return nil
}
