package daemon

import (
	"context"
	"time"
)

// pruneEvery is how often the daemon applies retention.
const pruneEvery = time.Hour

// pruneLoop applies retention and history limits at start and hourly,
// until ctx ends.
func (d *Daemon) pruneLoop(ctx context.Context) {
	for {
		cfg := d.Config()
		stats, err := d.db.Prune(ctx, time.Now(), cfg.Retention, cfg.History)
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
