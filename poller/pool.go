package poller

import (
	"context"
	"iter"
	"slices"
	"sync"

	"github.com/pollhook/pollhook/config"
)

// PollAll polls each of watches once, now (pollhook once), and calls done
// with each poll's index in watches and what Poll returned, from the
// goroutine that polled it, in the order the polls end. It returns when
// every poll has ended. What done is given is its own until it returns:
// then the answer's memory, which out's Value and events may share, goes
// to the next polls' answers (done copies what it keeps). It is PollSeq
// of the slice.
func (p *Poller) PollAll(ctx context.Context, watches []*config.Watch, o PollOptions, done func(i int, out *Outcome, err error)) {
	p.PollSeq(ctx, len(watches), slices.Values(watches), o, func(i int, _ *config.Watch, out *Outcome, err error) {
		done(i, out, err)
	})
}

// PollSeq polls each watch of watches once, as PollAll does, and calls
// done with each one's index in watches, the watch and what Poll
// returned. n is about how many watches there are (it sizes the pool).
// Watches are taken from the sequence only as the polls need them, so
// that a sequence that makes each watch as it goes (config.Watches) holds
// the watches in flight, not all of them: up to max_concurrent watches
// wait beyond those running, more while a goroutine would be idle (the
// watches waiting are all of hosts out of request slots, and the reading
// goes on to other hosts'), and never more than maxQueued. Once ctx ends
// no more are taken, and those not taken get no done.
//
// The polls run on a pool of at most max_concurrent goroutines, not one
// per watch, as the scheduler's do: those do the work of every poll, and
// their stacks grow once. A watch is handed to one only when its host has
// a request slot free (max_per_host), hosts taking turns: the watches of a
// slow host wait in their queue, not on a goroutine, and cannot hold up
// the watches of the other hosts. The slots are the ones the scheduler's
// polls take, so that once and a running daemon share the limits.
func (p *Poller) PollSeq(ctx context.Context, n int, watches iter.Seq[*config.Watch], o PollOptions, done func(i int, w *config.Watch, out *Outcome, err error)) {
	pl := p.newPool(ctx, max(min(cap(p.limits.polls), n), 1))
	var polled sync.WaitGroup
	i := 0
	for w := range watches {
		if ctx.Err() != nil {
			break
		}
		pl.waitHungry()
		polled.Add(1)
		at := i
		pl.add(&job{w: w, o: o, done: func(out *Outcome, err error) {
			done(at, w, out, err)
			polled.Done()
		}})
		i++
	}
	polled.Wait()
	pl.stop()
}

// A job is one poll for a pool to run.
type job struct {
	w    *config.Watch
	o    PollOptions
	host string // p.info(w).host: the key of its request slots
	// done is called with what Poll returned, from the goroutine that
	// polled, before it takes another job; once it returns, the answer's
	// pages are read into again.
	done func(out *Outcome, err error)
}

// A pool runs jobs on at most max goroutines, started as the jobs need
// them, and hands a job to one only when its host has a request slot
// free. A goroutine that ends a poll takes the next job itself: a burst
// of polls due at once does not wait on the goroutine that adds them.
type pool struct {
	p    *Poller
	ctx  context.Context
	max  int
	jobs chan *job // to the idle workers
	wg   sync.WaitGroup

	mu sync.Mutex
	// workers are the goroutines started; idle, those waiting for a job.
	workers, idle int
	queues        *hostQueues[*job]
	stopped       bool
	// ended is signalled as each job ends (waitHungry).
	ended *sync.Cond
}

// newPool returns a pool whose polls run under ctx on up to max
// goroutines.
func (p *Poller) newPool(ctx context.Context, max int) *pool {
	pl := &pool{p: p, ctx: ctx, max: max, jobs: make(chan *job), queues: newHostQueues[*job](p.limits.perHost)}
	pl.ended = sync.NewCond(&pl.mu)
	return pl
}

// waitHungry waits until the pool wants another job: fewer than max are
// queued, or a goroutine could take one (every job queued waits for its
// host's slots), and fewer than maxQueued are.
func (pl *pool) waitHungry() {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	for !pl.stopped && (pl.queues.queued >= maxQueued(pl.max) ||
		pl.queues.queued >= pl.max && pl.idle == 0 && pl.workers >= pl.max) {
		pl.ended.Wait()
	}
}

// maxQueued bounds the jobs PollSeq queues in a pool of that many
// goroutines. The watches of a host out of request slots wait in its
// queue while the reading goes on to other hosts', for the goroutines it
// leaves idle; but a file of one host's watches, polled 4 at a time by 64
// goroutines, would be read whole. Past the bound, the other hosts'
// watches wait for that host's to move.
func maxQueued(goroutines int) int { return max(16*goroutines, 256) }

// add queues jobs behind those of their hosts, and hands what can run to
// idle workers, starting new ones up to max.
func (pl *pool) add(jobs ...*job) {
	for _, j := range jobs {
		j.host = pl.p.info(j.w).host
	}
	var hand []*job
	pl.mu.Lock()
	for _, j := range jobs {
		pl.queues.add(j.host, j)
	}
	for !pl.stopped && (pl.idle > 0 || pl.workers < pl.max) {
		j, ok := pl.queues.next()
		if !ok {
			break
		}
		if pl.idle > 0 {
			pl.idle--
			hand = append(hand, j)
			continue
		}
		pl.workers++
		pl.wg.Add(1)
		go pl.work(j)
	}
	pl.mu.Unlock()
	for _, j := range hand {
		pl.jobs <- j // an idle worker takes it
	}
}

// stop forgets the jobs queued, waits for those being polled, and ends
// the workers.
func (pl *pool) stop() {
	pl.mu.Lock()
	pl.stopped = true
	pl.mu.Unlock()
	close(pl.jobs)
	pl.wg.Wait()
}

// work polls j, then the next job whose host has a slot free, until none
// has; then it waits for add to hand it one.
func (pl *pool) work(j *job) {
	defer pl.wg.Done()
	for {
		for j != nil {
			out, err := pl.p.Poll(pl.ctx, j.w, j.o)
			j.done(out, err)
			if out != nil {
				// Committed (or, in a dry run, described): nothing holds
				// the answer now.
				pl.p.recycle(out.pages)
			}
			pl.mu.Lock()
			pl.queues.done(j.host)
			j = nil
			if !pl.stopped {
				j, _ = pl.queues.next()
			}
			if j == nil {
				pl.idle++
			}
			pl.ended.Signal()
			pl.mu.Unlock()
		}
		var ok bool
		if j, ok = <-pl.jobs; !ok {
			return
		}
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
	queued  int // items waiting, over all hosts
}

type hostQueue[T any] struct {
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
		h = &hostQueue[T]{}
		q.hosts[host] = h
	}
	h.items = append(h.items, x)
	q.queued++
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
		q.queued--
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
