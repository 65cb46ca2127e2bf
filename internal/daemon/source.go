package daemon

import (
	"context"
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

func (s apiSource) Config() *config.Config { return s.d.Config() }

func (s apiSource) Poll(ctx context.Context, watches []*config.Watch, dryRun bool) api.OnceResponse {
	return s.d.Poll(ctx, watches, dryRun)
}

func (s apiSource) Reload() (api.ReloadReport, error) { return s.d.Reload() }

func (s apiSource) Ready(ctx context.Context) error { return s.d.ready(ctx) }

// pageSource is the daemon as the status page and the metrics see it:
// the poller's state and the store as it is.
type pageSource struct{ d *Daemon }

var (
	_ web.Source     = pageSource{}
	_ metrics.Source = pageSource{}
)

func (s pageSource) Config() *config.Config { return s.d.Config() }

func (s pageSource) WatchState(name string) store.WatchState { return s.d.poller.State(name) }

func (s pageSource) NextRun(name string) time.Time { return s.d.poller.NextRun(name) }

func (s pageSource) History(ctx context.Context, watch string, limit int) ([][]byte, error) {
	return s.d.db.History(ctx, watch, limit)
}

func (s pageSource) Deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	return s.d.db.Deliveries(ctx, f)
}

func (s pageSource) TargetStates(ctx context.Context) (map[string]store.TargetState, error) {
	return s.d.db.TargetStates(ctx)
}

func (s pageSource) OutboxCounts(ctx context.Context) (map[string]store.OutboxCount, error) {
	return s.d.db.OutboxCounts(ctx)
}

func (s pageSource) Redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	return s.d.outbox.Redeliver(ctx, f)
}
