package daemon

import (
	"context"
	"sync/atomic"
	"time"
)

// releaseEvery is how often the daemon gives back the pages of the
// database file that its reads have mapped (store.DB.Release): at
// 10,000 watches, the polls at start map some 60 MiB of snapshots that
// no-change polls never read again.
const releaseEvery = time.Minute

// releaseLoop releases the mapped database every releaseEvery (Open
// has released it once already, after reading the states), until ctx
// ends or a release fails.
func (d *Daemon) releaseLoop(ctx context.Context) {
	t := time.NewTicker(releaseEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := d.db.Release(ctx); err != nil {
			if ctx.Err() == nil {
				d.log.Warn("the database file stays mapped in memory", "err", err)
			}
			return
		}
	}
}

// releaseOnceEvery is after how many polls a daemon opened with
// Options.Once gives back the pages of the database file its polls
// mapped. Each poll reads its watch's state, and the kernel maps the
// pages around it too (snapshots, mostly): at 10,000 watches, 15 MiB of
// pollhook once's peak, had it released them only at its end.
const releaseOnceEvery = 128

// releaseEach returns what PollStream calls after each poll: with
// Options.Once, every releaseOnceEvery calls it releases the mapped
// database (until a release fails, which it logs, or ctx ends);
// otherwise nothing.
func (d *Daemon) releaseEach(ctx context.Context) func() {
	if !d.opts.Once {
		return func() {}
	}
	var polls atomic.Int64
	var failed atomic.Bool
	return func() {
		if polls.Add(1)%releaseOnceEvery != 0 || failed.Load() || ctx.Err() != nil {
			// Once the polls are called off (a signal), what is left of
			// them ends at once, and so does the process.
			return
		}
		if err := d.db.Release(ctx); err != nil && !failed.Swap(true) {
			d.log.Warn("the database file stays mapped in memory", "err", err)
		}
	}
}
