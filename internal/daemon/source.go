package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/internal/metrics"
	"github.com/pollhook/pollhook/internal/web"
	"github.com/pollhook/pollhook/store"
)

// apiSource is the daemon as the local API sees it: the outbox's
// inspection (with the dispatcher's hooks), polling now, reloading and
// readiness.
type apiSource struct {
	*inspect.Outbox
	d *Daemon
}

var _ api.Source = apiSource{}

// Config is the configuration in force.
func (s apiSource) Config() *config.Config { return s.d.Config() }

// Nonce is what the daemon proves itself with (GET /api/hello).
func (s apiSource) Nonce() *api.Nonce { return s.d.nonce }

// Poll polls now (POST /api/once).
func (s apiSource) Poll(ctx context.Context, watches []*config.Watch, o api.PollOptions) api.OnceResponse {
	return s.d.Poll(ctx, watches, o)
}

// Watches is a row per watch (GET /api/watches): its state as the poller
// has it in memory, and its next run.
func (s apiSource) Watches(ctx context.Context) ([]inspect.Watch, error) { return s.d.watches(ctx) }

// Reload reloads the configuration file (POST /-/reload).
func (s apiSource) Reload(ctx context.Context) (api.ReloadReport, error) { return s.d.Reload(ctx) }

// Ready says why the daemon is not ready (/readyz).
func (s apiSource) Ready(ctx context.Context) error { return s.d.ready(ctx) }

// Database is the store (pollhook db check and db backup).
func (s apiSource) Database() api.Database { return s.d.db }

// pageSource is the daemon as the status page and the metrics see it:
// the poller's state and the store as it is.
type pageSource struct{ d *Daemon }

var (
	_ web.Source     = pageSource{}
	_ metrics.Source = pageSource{}
)

// Config is the configuration in force.
func (s pageSource) Config() *config.Config { return s.d.Config() }

// WatchState is the poller's state of a watch.
func (s pageSource) WatchState(name string) store.WatchState { return s.d.poller.State(name) }

// NextRun is when a watch is polled next.
func (s pageSource) NextRun(name string) time.Time { return s.d.poller.NextRun(name) }

// History is a watch's newest events, as stored.
func (s pageSource) History(ctx context.Context, watch string, limit int) ([][]byte, error) {
	return s.d.db.History(ctx, watch, limit)
}

// Recent is the newest events of all watches, as stored.
func (s pageSource) Recent(ctx context.Context, o store.RecentOptions) ([][]byte, error) {
	return s.d.db.Recent(ctx, o)
}

// Deliveries are the stored deliveries f matches.
func (s pageSource) Deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	return s.d.db.Deliveries(ctx, f)
}

// TargetStates are the stored states of targets (a 410 disabled).
func (s pageSource) TargetStates(ctx context.Context) (map[string]store.TargetState, error) {
	return s.d.db.TargetStates(ctx)
}

// OutboxCounts are the pending and failed deliveries per target.
func (s pageSource) OutboxCounts(ctx context.Context) (map[string]store.OutboxCount, error) {
	return s.d.db.OutboxCounts(ctx)
}

// Subscriptions lists the consumer applications and their endpoints.
func (s pageSource) Subscriptions(ctx context.Context) ([]store.App, []store.Endpoint, error) {
	apps, err := s.d.db.Apps(ctx)
	if err != nil {
		return nil, nil, err
	}
	eps, err := s.d.db.Endpoints(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	return apps, eps, nil
}

// Poll polls a watch now (the page's poll now button), as once does.
func (s pageSource) Poll(ctx context.Context, watch string) (inspect.Polled, error) {
	w := s.d.Config().Watch(watch)
	if w == nil {
		return inspect.Polled{}, fmt.Errorf("no watch named %q: %w", watch, store.ErrNotFound)
	}
	res := s.d.Poll(ctx, []*config.Watch{w}, api.PollOptions{})
	return res.Watches[0], nil
}

// Redeliver queues deliveries again and wakes the dispatcher.
func (s pageSource) Redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	return s.d.outbox.Redeliver(ctx, f)
}

// watches is a row per watch of the configuration in force, from the
// poller's state and schedule.
func (d *Daemon) watches(ctx context.Context) ([]inspect.Watch, error) {
	pending, err := d.db.PendingByWatch(ctx)
	if err != nil {
		return nil, err
	}
	return inspect.Watches(d.Config(), d.poller.State, d.poller.NextRun, pending, time.Now()), nil
}
