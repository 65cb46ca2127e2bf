package notify

import (
	"container/heap"
	"context"
	"time"

	"github.com/pollhook/pollhook/store"
)

// The dispatcher keeps, in memory, the queues that have work: what the
// committing code announced (Committed), what a scan of the outbox found
// (at start, on Wake, and every rescan as a safety net), and what it is
// delivering or waiting to retry. A queue nobody announced is not read, so
// a storm of W changes reads W queues, not W queues W times.
//
// A queue is in one of three states while it has work. Once a pass has
// delivered all it read (less than a full batch), or its target cannot be
// sent to, it is forgotten until the next announcement or scan: what was
// committed after the pass read the queue was announced while it ran.
//
//   - ready: in its target's line, waiting for one of the target's
//     workers;
//   - running: a worker delivers from it, or the results of that are
//     being stored. Only one worker has a queue at a time, which keeps
//     its order; an announcement meanwhile marks it to be read again;
//   - parked: its head waits for a retry time.

// queueState is the state of one queue with work.
type queueState int

const (
	queueReady queueState = iota + 1
	queueRunning
	queueParked
)

// tracked is a queue with work.
type tracked struct {
	state queueState
	// again: announced while running; read it again once its results are
	// stored, whatever the worker found.
	again bool
	// until: when a parked queue's head is due.
	until time.Time
}

// line is one target's ready queues, in the order they became ready, and
// the number of its workers running.
type line struct {
	ready   []store.Queue
	workers int
}

// outcome is what a worker's pass over a queue left to do, once its
// results are stored.
type outcome struct {
	// more: the pass stopped at the end of a full batch; read on.
	more bool
	// until, when set, is when the head's next attempt is due.
	until time.Time
	// forget: the pass's results could not be stored; the queue is left
	// to the next scan rather than read (and sent) again at once.
	forget bool
}

// parkedQueue is an entry of the retry heap. Entries are not removed when
// a queue leaves the parked state early (a Wake); one that no longer
// matches its queue's state is skipped.
type parkedQueue struct {
	at time.Time
	q  store.Queue
}

// parkHeap orders parked queues by due time, the earliest first.
type parkHeap []parkedQueue

var _ heap.Interface = (*parkHeap)(nil)

func (h parkHeap) Len() int           { return len(h) }
func (h parkHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h parkHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *parkHeap) Push(x any)        { *h = append(*h, x.(parkedQueue)) }
func (h *parkHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// announce notes that q has work: a queue not tracked becomes ready, a
// running one is read again after its pass; with poke, a parked one is
// read now (a redelivery or an enabled target may have changed its head).
// Queues of a target that cannot be sent to are not tracked: enabling it
// wakes the dispatcher, which scans them in. d.mu must be held.
func (d *Dispatcher) announce(q store.Queue, poke bool) {
	// A deleted endpoint's queue is read too: its deliveries are dropped.
	t, vanished := d.lookup(q.Target)
	if !vanished && (t == nil || d.isDisabled(t)) {
		return
	}
	st := d.queues[q]
	switch {
	case st == nil:
		d.queues[q] = &tracked{state: queueReady}
		d.enqueue(q)
	case st.state == queueRunning:
		st.again = true
	case st.state == queueParked && poke:
		st.state = queueReady
		d.enqueue(q)
	}
}

// enqueue puts q at the end of its target's line. d.mu must be held.
func (d *Dispatcher) enqueue(q store.Queue) {
	l := d.lines[q.Target]
	if l == nil {
		l = &line{}
		d.lines[q.Target] = l
	}
	l.ready = append(l.ready, q)
}

// take gives a worker of target the next ready queue, which is running
// from then on; false when there is none (or the dispatcher stops), and
// the worker ends.
func (d *Dispatcher) take(ctx context.Context, target string) (store.Queue, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.lines[target]
	if d.stopped || ctx.Err() != nil || len(l.ready) == 0 {
		l.workers--
		return store.Queue{}, false
	}
	q := l.ready[0]
	l.ready[0] = store.Queue{}
	l.ready = l.ready[1:]
	st := d.queues[q]
	st.state, st.again = queueRunning, false
	return q, true
}

// settle applies a pass's outcome once its results are stored: read the
// queue again, park it until its head is due, or forget it.
func (d *Dispatcher) settle(q store.Queue, o outcome) {
	d.mu.Lock()
	defer d.mu.Unlock()
	st := d.queues[q]
	if d.stopped || st == nil || st.state != queueRunning {
		return
	}
	switch {
	case o.forget:
		delete(d.queues, q)
	case o.more || st.again:
		st.state = queueReady
		d.enqueue(q)
	case !o.until.IsZero():
		st.state, st.until = queueParked, o.until
		d.park(q, o.until)
	default:
		delete(d.queues, q)
	}
	d.kick()
}

// park puts q on the retry heap until at. Entries of queues a Wake made
// ready stay behind; when they outnumber the queues, the heap is rebuilt
// without them. d.mu must be held.
func (d *Dispatcher) park(q store.Queue, at time.Time) {
	if len(d.parked) > 2*len(d.queues)+64 {
		kept := d.parked[:0]
		for _, p := range d.parked {
			if st := d.queues[p.q]; st != nil && st.state == queueParked && st.until.Equal(p.at) {
				kept = append(kept, p)
			}
		}
		clear(d.parked[len(kept):])
		d.parked = kept
		heap.Init(&d.parked)
	}
	heap.Push(&d.parked, parkedQueue{at: at, q: q})
}

// unpark makes the parked queues due by now ready, and returns when the
// next one is due (zero when none is parked). d.mu must be held.
func (d *Dispatcher) unpark(now time.Time) time.Time {
	for len(d.parked) > 0 {
		p := d.parked[0]
		st := d.queues[p.q]
		if st != nil && st.state == queueParked && st.until.Equal(p.at) {
			if p.at.After(now) {
				return p.at
			}
			st.state = queueReady
			d.enqueue(p.q)
		}
		heap.Pop(&d.parked)
	}
	return time.Time{}
}

// kick tells the loop of Run or Drain to look at the queues again: one
// became ready, was parked, or was forgotten.
func (d *Dispatcher) kick() {
	select {
	case d.kicked <- struct{}{}:
	default:
	}
}

// idle reports whether no queue has work the dispatcher knows of.
func (d *Dispatcher) idle() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.queues) == 0
}
