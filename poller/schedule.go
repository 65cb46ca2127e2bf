package poller

import (
	"container/heap"
	"context"
	"hash/fnv"
	"log/slog"
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
//
// One goroutine keeps the watches in a heap by their next run and sleeps
// until the first is due; the polls due are handed, hosts taking turns,
// to a pool of at most max_concurrent goroutines (as PollAll's are). An
// idle watch costs an entry in the heap, not a goroutine.
func (p *Poller) Run(ctx, work context.Context, watches []*config.Watch) {
	p.Plan(ctx, watches)
	p.schedule(ctx, work)
}

// Plan works out every watch's next run under ctx, Run's, without
// polling: from its return NextRun answers for each and Apply changes
// them. Run plans as it starts; a caller that answers NextRun before
// Run's goroutine gets going (the daemon's API) plans first, and Run
// then keeps that plan: a second Plan under the same ctx does nothing.
func (p *Poller) Plan(ctx context.Context, watches []*config.Watch) {
	s := &p.sched
	s.mu.Lock()
	if s.ctx == ctx {
		s.mu.Unlock()
		return
	}
	s.ctx, s.entries, s.heap = ctx, map[string]*entry{}, nil
	s.wake = make(chan struct{}, 1)
	s.mu.Unlock()
	p.Apply(watches)
}

// scheduler is what Run schedules: an entry per watch, and the heap of
// those waiting for their next run.
type scheduler struct {
	mu      sync.Mutex
	ctx     context.Context // Plan's (Run plans too); nil before
	entries map[string]*entry
	heap    entryHeap
	// wake tells Run's goroutine that the heap has an entry due before
	// the time it sleeps until.
	wake chan struct{}
}

// An entry is one watch of the schedule.
type entry struct {
	w           *config.Watch
	fingerprint string
	// next is when the watch is polled next (or was, while it is
	// polled); zero when its schedule never fires again.
	next time.Time
	// index is the entry's place in the heap; -1 while it is out of it
	// (being polled, or not scheduled).
	index   int
	polling bool
	// gone: Apply removed or replaced the watch; a poll of it in flight
	// ends, and the entry is not scheduled again.
	gone bool
	// successor replaces a gone entry polled: it is planned once that
	// poll ends, so that the polls of a watch never overlap. behind is
	// the gone entry a successor waits for.
	successor, behind *entry
}

// entryHeap orders entries by their next run, and those due at the same
// moment by watch name (container/heap). A storm of watches on one
// schedule is then polled, and its commits written, in the order of the
// database's keys: bbolt's commit of a batch in random key order costs
// about twice one in key order.
type entryHeap []*entry

func (h entryHeap) Len() int { return len(h) }
func (h entryHeap) Less(i, j int) bool {
	if a, b := h[i].next, h[j].next; !a.Equal(b) {
		return a.Before(b)
	}
	return h[i].w.Name < h[j].w.Name
}
func (h entryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

// Push adds an entry (heap.Push).
func (h *entryHeap) Push(x any) {
	e := x.(*entry)
	e.index = len(*h)
	*h = append(*h, e)
}

// Pop takes the last entry (heap.Pop).
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.index = -1
	return e
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
	s := &p.sched
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx == nil || s.ctx.Err() != nil {
		return
	}
	want := make(map[string]*config.Watch, len(watches))
	for _, w := range watches {
		want[w.Name] = w
	}
	polled := map[string]*entry{} // gone, and polled still
	for name, e := range s.entries {
		if w, ok := want[name]; !ok || w.Fingerprint() != e.fingerprint {
			if e.index >= 0 {
				heap.Remove(&s.heap, e.index)
			}
			e.gone = true
			delete(s.entries, name)
			switch {
			case e.polling:
				polled[name] = e
			case e.behind != nil:
				polled[name] = e.behind
			}
		}
	}
	now := p.clock.Now()
	for _, w := range watches {
		if _, ok := s.entries[w.Name]; ok {
			continue
		}
		e := &entry{w: w, fingerprint: w.Fingerprint(), index: -1}
		s.entries[w.Name] = e
		if prev := polled[w.Name]; prev != nil {
			prev.successor, e.behind = e, prev
			continue
		}
		p.plan(e, now)
	}
	s.poke()
}

// NextRun is when the scheduler polls a watch next; zero when it is not
// scheduled (nor while a reload's new settings wait for a poll under the
// old ones to end).
func (p *Poller) NextRun(name string) time.Time {
	p.sched.mu.Lock()
	defer p.sched.mu.Unlock()
	if e := p.sched.entries[name]; e != nil {
		return e.next
	}
	return time.Time{}
}

// plan works out an entry's next run from the watch's state and puts it
// in the heap. p.sched.mu must be held.
func (p *Poller) plan(e *entry, now time.Time) {
	w := e.w
	state := p.State(w.Name)
	log := p.info(w).logger()
	e.next = p.nextRun(w, now, state)
	if e.next.IsZero() {
		log.Error("the schedule never fires again", "schedule", w.ScheduleSpec)
		return
	}
	if !p.needsBaseline(w, state) {
		e.next = e.next.Add(jitter(w.Jitter)) // the first poll is spread already
	}
	if log.Enabled(context.Background(), slog.LevelDebug) {
		log.Debug("next poll", "at", e.next.Format(time.RFC3339))
	}
	heap.Push(&p.sched.heap, e)
}

// schedule is Run's goroutine: it sleeps until the first entry is due
// and hands the entries due to the pool, whose goroutines plan each again
// once its poll has ended. Polls of one watch never overlap: an entry is
// out of the heap while it is polled, and a poll that outlasts the
// interval makes the watch skip the runs it missed instead of stacking
// them (its next run is planned from the time the poll ended).
func (p *Poller) schedule(ctx, work context.Context) {
	s := &p.sched
	pl := p.newPool(work, cap(p.limits.polls))
	defer pl.stop()
	var timer <-chan time.Time
	var timerAt time.Time // when timer fires
	for {
		now := p.clock.Now()
		var due []*job
		s.mu.Lock()
		for len(s.heap) > 0 && !s.heap[0].next.After(now) {
			e := heap.Pop(&s.heap).(*entry)
			e.polling = true
			due = append(due, &job{w: e.w, o: PollOptions{Due: e.next}, done: func(*Outcome, error) { p.polled(e) }})
		}
		var first time.Time
		if len(s.heap) > 0 {
			first = s.heap[0].next
		}
		s.mu.Unlock()
		pl.add(due...)
		// A timer set for later than the first entry is left to fire
		// for nothing: the clock has no way to stop one.
		if !first.IsZero() && (timer == nil || first.Before(timerAt)) {
			timer, timerAt = p.clock.After(first.Sub(now)), first
		}
		select {
		case <-ctx.Done():
			return
		case <-timer:
			timer = nil
		case <-s.wake:
		}
	}
}

// polled plans an entry again once its poll has ended, or, if Apply
// replaced it meanwhile, its successor.
func (p *Poller) polled(e *entry) {
	s := &p.sched
	s.mu.Lock()
	defer s.mu.Unlock()
	e.polling = false
	if e.gone {
		e = e.successor
	}
	if e == nil || e.gone {
		return
	}
	e.behind = nil
	p.plan(e, p.clock.Now())
	if e.index == 0 {
		s.poke() // it is due before the timer Run's goroutine sleeps on
	}
}

// poke wakes Run's goroutine. s.mu must be held.
func (s *scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default: // woken already
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
