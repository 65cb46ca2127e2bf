package poller

import (
	"context"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/store"
)

// Run polls every watch on its schedule until ctx ends, then waits for the
// polls in flight. Polls run under work, which the caller cancels to cut
// them short when shutdown takes too long. Apply changes the watches
// while Run runs.
func (p *Poller) Run(ctx, work context.Context, watches []*config.Watch) {
	p.sched.Lock()
	p.sched.ctx, p.sched.work = ctx, work
	p.sched.Unlock()
	p.Apply(watches)
	<-ctx.Done()
	p.sched.wg.Wait()
}

// scheduler is the set of watch loops Run started.
type scheduler struct {
	sync.Mutex
	ctx, work context.Context
	loops     map[string]*watchLoop
	wg        sync.WaitGroup
}

type watchLoop struct {
	w           *config.Watch
	fingerprint string
	cancel      context.CancelFunc
	next        time.Time
}

// Apply makes the running schedule match watches (a reload): new watches
// start (their first poll takes a baseline), removed ones stop (their
// state and history stay in the database), and changed ones restart with
// their new settings. A poll in flight finishes under the settings it
// started with. Before Run, Apply does nothing.
func (p *Poller) Apply(watches []*config.Watch) {
	p.dropClients() // TLS files are read again on every load: use what was read now
	p.dropInfos()   // the watches of the old configuration are gone
	for _, w := range watches {
		p.clientFor(w) // build TLS transports now, and warn about insecure ones at once
	}
	p.sched.Lock()
	defer p.sched.Unlock()
	if p.sched.ctx == nil || p.sched.ctx.Err() != nil {
		return
	}
	if p.sched.loops == nil {
		p.sched.loops = map[string]*watchLoop{}
	}
	want := make(map[string]*config.Watch, len(watches))
	for _, w := range watches {
		want[w.Name] = w
	}
	for name, l := range p.sched.loops {
		if w, ok := want[name]; !ok || w.Fingerprint() != l.fingerprint {
			l.cancel()
			delete(p.sched.loops, name)
		}
	}
	for _, w := range watches {
		if _, ok := p.sched.loops[w.Name]; ok {
			continue
		}
		ctx, cancel := context.WithCancel(p.sched.ctx)
		l := &watchLoop{w: w, fingerprint: w.Fingerprint(), cancel: cancel}
		p.sched.loops[w.Name] = l
		p.sched.wg.Add(1)
		go func() {
			defer p.sched.wg.Done()
			defer cancel()
			p.loop(ctx, p.sched.work, l)
		}()
	}
}

// NextRun is when the scheduler polls a watch next; zero when it is not
// scheduled.
func (p *Poller) NextRun(name string) time.Time {
	p.sched.Lock()
	defer p.sched.Unlock()
	if l := p.sched.loops[name]; l != nil {
		return l.next
	}
	return time.Time{}
}

// loop runs one watch: wait for its next time, poll, repeat. Polls of one
// watch never overlap: a poll that outlasts the interval makes the loop
// skip the runs it missed instead of stacking them.
func (p *Poller) loop(ctx, work context.Context, l *watchLoop) {
	w := l.w
	log := p.log.With("watch", w.Name)
	for {
		now := p.clock.Now()
		state := p.State(w.Name)
		next := p.nextRun(w, now, state)
		if next.IsZero() {
			log.Error("the schedule never fires again", "schedule", w.ScheduleSpec)
			return
		}
		if !p.needsBaseline(w, state) {
			next = next.Add(jitter(w.Jitter)) // the first poll is spread already
		}
		p.sched.Lock()
		l.next = next
		p.sched.Unlock()
		log.Debug("next poll", "at", next.Format(time.RFC3339))
		select {
		case <-ctx.Done():
			return
		case <-p.clock.After(next.Sub(now)):
		}
		if ctx.Err() != nil {
			return
		}
		_, _ = p.Poll(work, w, PollOptions{Due: next}) // Poll logged any failure
	}
}

// startSpread is how long after the daemon starts (or a reload adds
// them) the watches that need a baseline are all polled once, each at its
// own moment in it.
const startSpread = 5 * time.Second

// startOffset is a watch's moment in startSpread: fixed by its name, so
// that a hundred new watches do not hit at the same instant.
func startOffset(name string) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(startSpread))
}

// nextRun is when a watch polls next, before jitter: the schedule's next
// time after now, but no earlier than the failure backoff allows
// (LastPoll + backoff) nor before the time the API asked to wait until
// (PausedUntil). A watch that needs a baseline (never polled, or whose
// url, select, key… changed) is polled within startSpread of now,
// whatever its schedule: `*/10 * * * *` must not mean nothing for ten
// minutes and the first change after twenty. The zero time means never.
func (p *Poller) nextRun(w *config.Watch, now time.Time, state store.WatchState) time.Time {
	next := w.Schedule.Next(now)
	if next.IsZero() {
		return next
	}
	if p.needsBaseline(w, state) {
		if first := now.Add(startOffset(w.Name)); first.Before(next) {
			next = first
		}
	}
	if state.Failures > 0 && !state.LastPoll.IsZero() {
		if t := state.LastPoll.Add(backoff(w.Schedule, state.LastPoll, state.Failures)); t.After(next) {
			next = t
		}
	}
	if state.PausedUntil.After(next) {
		next = state.PausedUntil
	}
	return next
}

// backoff is how long after a failed poll the next may start, after n
// consecutive failures: interval·2^n, capped at max(1h, interval), where
// interval is the schedule's gap after lastPoll, Next(Next(t)) - Next(t).
// With no failures it is 0 (the schedule alone decides).
func backoff(s cron.Schedule, lastPoll time.Time, n int) time.Duration {
	if n <= 0 {
		return 0
	}
	t1 := s.Next(lastPoll)
	t2 := s.Next(t1)
	if t1.IsZero() || t2.IsZero() {
		return 0
	}
	interval := t2.Sub(t1)
	limit := max(time.Hour, interval)
	d := interval
	for range n {
		if d >= limit {
			break
		}
		d *= 2
	}
	return min(d, limit)
}

// jitter is a random delay in [0, limit].
func jitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return rand.N(limit + 1)
}

// needsBaseline reports whether a watch's next successful poll stores a
// baseline without having failed since it was set up: it was never polled,
// or its snapshot was taken with settings that changed (Identity). A watch
// whose polls fail keeps its backoff instead.
func (p *Poller) needsBaseline(w *config.Watch, state store.WatchState) bool {
	if state.Baseline {
		return state.Identity != p.info(w).identity && state.Failures == 0
	}
	return state.LastPoll.IsZero()
}
