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
// The polls run on at most max_concurrent goroutines, not one per watch:
// those do the work of every poll, and their stacks grow once. A watch is
// handed to one only when its host has a request slot free (max_per_host),
// hosts taking turns: the watches of a slow host wait in their queue, not
// on a goroutine, and cannot hold up the watches of the other hosts.
func (p *Poller) PollAll(ctx context.Context, watches []*config.Watch, o PollOptions, done func(i int, out *Outcome, err error)) {
	workers := min(cap(p.limits.polls), len(watches))
	jobs := make(chan int)
	finished := make(chan int, workers) // never blocks a worker
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out, err := p.Poll(ctx, watches[i], o)
				done(i, out, err)
				finished <- i
			}
		}()
	}
	hosts := make([]string, len(watches))
	for i, w := range watches {
		hosts[i] = p.info(w).host
	}
	q := newHostQueues(p.limits.perHost, hosts)
	idle := workers
	for left := len(watches); left > 0; {
		if idle > 0 {
			if i, ok := q.next(); ok {
				jobs <- i // an idle worker takes it
				idle--
				continue
			}
		}
		q.done(<-finished)
		idle++
		left--
	}
	close(jobs)
	wg.Wait()
}

// hostQueues are the watches waiting to be polled by PollAll, one queue
// per host, and the polls of each host running.
type hostQueues struct {
	perHost int
	// waiting are the hosts with watches waiting, taking turns from turn.
	waiting []*hostQueue
	turn    int
	of      []*hostQueue // by watch
}

type hostQueue struct {
	watches []int
	running int
}

// newHostQueues queues watches by their host, in order.
func newHostQueues(perHost int, hosts []string) *hostQueues {
	q := &hostQueues{perHost: perHost, of: make([]*hostQueue, len(hosts))}
	byHost := map[string]*hostQueue{}
	for i, host := range hosts {
		h := byHost[host]
		if h == nil {
			h = &hostQueue{}
			byHost[host] = h
			q.waiting = append(q.waiting, h)
		}
		h.watches = append(h.watches, i)
		q.of[i] = h
	}
	return q
}

// next takes the first watch of the next host in turn that has a request
// slot free; ok is false when none has.
func (q *hostQueues) next() (i int, ok bool) {
	for range q.waiting {
		q.turn %= len(q.waiting)
		h := q.waiting[q.turn]
		if h.running >= q.perHost {
			q.turn++
			continue
		}
		i, h.watches = h.watches[0], h.watches[1:]
		h.running++
		if len(h.watches) == 0 {
			// Out of the turns: the last host takes its place.
			last := len(q.waiting) - 1
			q.waiting[q.turn], q.waiting = q.waiting[last], q.waiting[:last]
		} else {
			q.turn++
		}
		return i, true
	}
	return 0, false
}

// done frees the request slot of watch i's host.
func (q *hostQueues) done(i int) {
	q.of[i].running--
}
