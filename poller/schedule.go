package poller

import (
	"context"
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
)

// Run polls every watch on its schedule until ctx ends, then waits for the
// polls in flight. Polls run under work, which the caller cancels to cut
// them short when shutdown takes too long.
func (p *Poller) Run(ctx, work context.Context, watches []*config.Watch) {
	var wg sync.WaitGroup
	for _, w := range watches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.loop(ctx, work, w)
		}()
	}
	wg.Wait()
}

// loop runs one watch: wait for its next time, poll, repeat. Polls of one
// watch never overlap: a poll that outlasts the interval makes the loop
// skip the runs it missed instead of stacking them.
func (p *Poller) loop(ctx, work context.Context, w *config.Watch) {
	log := p.log.With("watch", w.Name)
	for {
		now := p.clock.Now()
		next := p.nextRun(w, now)
		log.Debug("next poll", "at", next.Format(time.RFC3339))
		select {
		case <-ctx.Done():
			return
		case <-p.clock.After(next.Sub(now)):
		}
		if ctx.Err() != nil {
			return
		}
		if _, err := p.Poll(work, w, false); err != nil {
			continue // Poll logged it
		}
	}
}

// nextRun is when a watch polls next.
func (p *Poller) nextRun(w *config.Watch, now time.Time) time.Time {
	return w.Schedule.Next(now)
}
