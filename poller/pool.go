package poller

import (
	"context"
	"sync"

	"github.com/pollhook/pollhook/config"
)

// PollAll polls each of watches once, now (pollhook once), and calls done
// with each poll's index in watches and what Poll returned, from the
// goroutine that polled it, in the order the polls end. It returns when
// every poll has ended.
//
// The polls run on a pool of at most max_concurrent goroutines, not one
// per watch, as the scheduler's do: those do the work of every poll, and
// their stacks grow once. A watch is handed to one only when its host has
// a request slot free (max_per_host), hosts taking turns: the watches of a
// slow host wait in their queue, not on a goroutine, and cannot hold up
// the watches of the other hosts. The slots are the ones the scheduler's
// polls take, so that once and a running daemon share the limits.
func (p *Poller) PollAll(ctx context.Context, watches []*config.Watch, o PollOptions, done func(i int, out *Outcome, err error)) {
	pl := p.newPool(ctx, min(cap(p.limits.polls), len(watches)))
	for i, w := range watches {
		pl.add(&job{w: w, o: o, done: func(out *Outcome, err error) { done(i, out, err) }})
	}
	for range watches {
		pl.dispatch()
		pl.end(<-pl.finished)
	}
	pl.stop()
}

// A job is one poll for a pool to run.
type job struct {
	w    *config.Watch
	o    PollOptions
	host string // p.info(w).host: the key of its request slots
	// done, when set, is called with what Poll returned, from the
	// goroutine that polled.
	done func(out *Outcome, err error)
	// entry is the scheduler's record of the watch, for a scheduled poll.
	entry *entry
}

// A pool runs jobs on at most max goroutines, started as the jobs need
// them, and hands a job to one only when its host has a request slot
// free. One goroutine owns a pool: it adds jobs, dispatches them, and
// ends each that comes back on finished.
type pool struct {
	p   *Poller
	ctx context.Context
	max int
	// workers are the goroutines started; idle, those waiting for a job.
	workers, idle int
	jobs          chan *job
	// finished gets each job once polled; it never blocks a worker.
	finished chan *job
	queues   *hostQueues[*job]
	wg       sync.WaitGroup
}

// newPool returns a pool whose polls run under ctx on up to max
// goroutines.
func (p *Poller) newPool(ctx context.Context, max int) *pool {
	return &pool{
		p: p, ctx: ctx, max: max,
		jobs: make(chan *job), finished: make(chan *job, max),
		queues: newHostQueues[*job](p.limits.perHost),
	}
}

// add queues j behind the jobs of its host.
func (pl *pool) add(j *job) {
	j.host = pl.p.info(j.w).host
	pl.queues.add(j.host, j)
}

// dispatch hands queued jobs to idle workers (starting new ones up to
// max) while one has a host slot free.
func (pl *pool) dispatch() {
	for pl.idle > 0 || pl.workers < pl.max {
		j, ok := pl.queues.next()
		if !ok {
			return
		}
		if pl.idle == 0 {
			pl.workers++
			pl.idle++
			pl.wg.Add(1)
			go pl.work()
		}
		pl.idle--
		pl.jobs <- j
	}
}

// running is how many jobs are being polled.
func (pl *pool) running() int { return pl.workers - pl.idle }

// end takes back a job that came on finished: its worker and its host's
// slot are free.
func (pl *pool) end(j *job) {
	pl.queues.done(j.host)
	pl.idle++
}

// stop waits for the jobs being polled, forgets the queued ones, and ends
// the workers.
func (pl *pool) stop() {
	for pl.running() > 0 {
		pl.end(<-pl.finished)
	}
	close(pl.jobs)
	pl.wg.Wait()
}

func (pl *pool) work() {
	defer pl.wg.Done()
	for j := range pl.jobs {
		out, err := pl.p.Poll(pl.ctx, j.w, j.o)
		if j.done != nil {
			j.done(out, err)
		}
		pl.finished <- j
	}
}

// hostQueues are the items waiting for a request slot of their host, one
// queue per host, and how many of each host's are running: the hosts with
// items waiting take turns, each up to perHost running at once.
type hostQueues[T any] struct {
	perHost int
	hosts   map[string]*hostQueue[T] // with items waiting or running
	// waiting are the hosts with items waiting, taking turns from turn.
	waiting []*hostQueue[T]
	turn    int
}

type hostQueue[T any] struct {
	host    string
	items   []T
	running int
	waiting bool // in hostQueues.waiting
}

func newHostQueues[T any](perHost int) *hostQueues[T] {
	return &hostQueues[T]{perHost: perHost, hosts: map[string]*hostQueue[T]{}}
}

// add queues x behind the items of host.
func (q *hostQueues[T]) add(host string, x T) {
	h := q.hosts[host]
	if h == nil {
		h = &hostQueue[T]{host: host}
		q.hosts[host] = h
	}
	h.items = append(h.items, x)
	if !h.waiting {
		h.waiting = true
		q.waiting = append(q.waiting, h)
	}
}

// next takes the first item of the next host in turn that has a request
// slot free, and counts it running; ok is false when none has.
func (q *hostQueues[T]) next() (x T, ok bool) {
	for range q.waiting {
		q.turn %= len(q.waiting)
		h := q.waiting[q.turn]
		if h.running >= q.perHost {
			q.turn++
			continue
		}
		x = h.items[0]
		var zero T
		h.items[0], h.items = zero, h.items[1:]
		h.running++
		if len(h.items) == 0 {
			// Out of the turns: the last host takes its place.
			h.items, h.waiting = nil, false
			last := len(q.waiting) - 1
			q.waiting[q.turn], q.waiting[last] = q.waiting[last], nil
			q.waiting = q.waiting[:last]
		} else {
			q.turn++
		}
		return x, true
	}
	return x, false
}

// done frees a request slot of host, taken by next.
func (q *hostQueues[T]) done(host string) {
	h := q.hosts[host]
	h.running--
	if h.running == 0 && !h.waiting {
		delete(q.hosts, host)
	}
}
