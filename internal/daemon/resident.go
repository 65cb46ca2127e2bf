package daemon

import (
	"context"
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
