package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/clock"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// countingOutbox is the store, counting the scans of every queue and the
// reads of each.
type countingOutbox struct {
	*store.DB
	mu    sync.Mutex
	scans int
	// scanned counts the scans that returned: a commit after that is
	// found only by its announcement.
	scanned int
	reads   map[store.Queue]int
}

var _ Outbox = (*countingOutbox)(nil)

func (c *countingOutbox) Queues(ctx context.Context) ([]store.Queue, error) {
	c.mu.Lock()
	c.scans++
	c.mu.Unlock()
	qs, err := c.DB.Queues(ctx)
	c.mu.Lock()
	c.scanned++
	c.mu.Unlock()
	return qs, err
}

// scannedOnce reports whether the dispatcher's scan at start returned.
func (c *countingOutbox) scannedOnce() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.scanned >= 1
}

func (c *countingOutbox) Pending(ctx context.Context, q store.Queue, limit int) ([]store.Pending, error) {
	c.mu.Lock()
	c.reads[q]++
	c.mu.Unlock()
	return c.DB.Pending(ctx, q, limit)
}

func (c *countingOutbox) counts() (int, map[store.Queue]int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	reads := make(map[store.Queue]int, len(c.reads))
	for q, n := range c.reads {
		reads[q] = n
	}
	return c.scans, reads
}

// announce commits one change event of watch for targets and tells the
// dispatcher which queues got work, as the daemon does after a poll.
func (h *harness) announce(watch string, targets ...string) *event.Event {
	h.t.Helper()
	ev := h.queue(watch, targets...)
	h.disp.Committed(watch, targets)
	return ev
}

// delivered reports whether every one of evs was delivered to "hook".
func (h *harness) delivered(evs ...*event.Event) func() bool {
	return func() bool {
		for _, ev := range evs {
			if h.delivery(ev, "hook").State != store.StateDelivered {
				return false
			}
		}
		return true
	}
}

// TestDispatcher_CommittedReadsThatQueueOnly: after the scan at start, a
// commit the dispatcher is told of makes it read that queue, not scan
// the outbox, nor read the other queues.
func TestDispatcher_CommittedReadsThatQueueOnly(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&receiver{})
	defer srv.Close()
	var outbox *countingOutbox
	h := startHarness(t, harnessOptions{
		dispatcher: DispatcherOptions{Targets: []*config.Target{webhookTarget(t, "hook", srv.URL, "")}},
		outbox: func(db *store.DB) Outbox {
			outbox = &countingOutbox{DB: db, reads: map[store.Queue]int{}}
			return outbox
		},
	})
	// A commit during the scan at start is found by it and by its
	// announcement, both rightly: announce only once the scan is over.
	testkit.WaitUntil(t, 10*time.Second, "the scan at start", outbox.scannedOnce)
	var evs []*event.Event
	for i := range 20 {
		evs = append(evs, h.announce(fmt.Sprintf("w%02d", i), "hook"))
	}
	testkit.WaitUntil(t, 10*time.Second, "every event delivered", h.delivered(evs...))
	last := h.announce("w07", "hook")
	testkit.WaitUntil(t, 10*time.Second, "the last event delivered", h.delivered(last))
	testkit.WaitUntil(t, 10*time.Second, "idle", h.disp.idle)
	scans, reads := outbox.counts()
	if scans != 1 {
		t.Errorf("%d scans of the outbox, want 1 (at start)", scans)
	}
	if len(reads) != 20 {
		t.Errorf("%d queues read, want the 20 announced", len(reads))
	}
	for q, n := range reads {
		switch {
		case q.Watch == "w07" && n < 2:
			t.Errorf("queue %s read %d times, want 2 (it was announced twice)", q.Watch, n)
		case q.Watch != "w07" && n != 1:
			t.Errorf("queue %s read %d times, want 1", q.Watch, n)
		}
	}
}

// TestDispatcher_AnnouncedWhileDelivering: an event committed to a queue
// while its worker delivers the one before, and after the worker read the
// queue, is delivered too, with no scan to find it.
func TestDispatcher_AnnouncedWhileDelivering(t *testing.T) {
	t.Parallel()
	first, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	rc := &receiver{respond: func(n int, _ *http.Request) (int, http.Header, string) {
		if n == 1 {
			once.Do(func() { close(first) })
			<-release
		}
		return http.StatusNoContent, nil, ""
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := startHarness(t, harnessOptions{dispatcher: DispatcherOptions{Targets: []*config.Target{webhookTarget(t, "hook", srv.URL, "")}}})
	a := h.announce("w", "hook")
	<-first
	b := h.announce("w", "hook")
	close(release)
	testkit.WaitUntil(t, 10*time.Second, "both delivered", h.delivered(a, b))
}

// TestDispatcher_AnnouncedAfterIdle: a queue that was emptied and
// forgotten is read again when a commit to it is announced.
func TestDispatcher_AnnouncedAfterIdle(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&receiver{})
	defer srv.Close()
	h := startHarness(t, harnessOptions{dispatcher: DispatcherOptions{Targets: []*config.Target{webhookTarget(t, "hook", srv.URL, "")}}})
	a := h.announce("w", "hook")
	testkit.WaitUntil(t, 10*time.Second, "first delivered", h.delivered(a))
	testkit.WaitUntil(t, 10*time.Second, "idle", h.disp.idle)
	b := h.announce("w", "hook")
	testkit.WaitUntil(t, 10*time.Second, "second delivered", h.delivered(b))
}

// TestDispatcher_RecoversAtStart: what a stopped (or killed) daemon left
// queued is delivered by the next one, which nobody tells of it.
func TestDispatcher_RecoversAtStart(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(&receiver{})
	defer srv.Close()
	var evs []*event.Event
	h := startHarness(t, harnessOptions{
		dispatcher: DispatcherOptions{Targets: []*config.Target{webhookTarget(t, "hook", srv.URL, "")}},
		before: func(h *harness) {
			for i := range 30 {
				evs = append(evs, h.queue(fmt.Sprintf("w%d", i%5), "hook"))
			}
		},
	})
	testkit.WaitUntil(t, 10*time.Second, "everything left queued delivered", h.delivered(evs...))
}

// TestDispatcher_RetryHoldsNoWorker: a queue waiting for a retry leaves
// its target's workers to the other queues.
func TestDispatcher_RetryHoldsNoWorker(t *testing.T) {
	t.Parallel()
	// The target fails every event of watch "bad", and has one worker.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev event.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil || ev.Data.Watch == "bad" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	tg := webhookTarget(t, "hook", srv.URL, "")
	h := startHarness(t, harnessOptions{dispatcher: DispatcherOptions{Targets: []*config.Target{tg}, PerTarget: 1}})
	bad := h.announce("bad", "hook")
	testkit.WaitUntil(t, 10*time.Second, "first attempt", func() bool { return h.delivery(bad, "hook").Attempts == 1 })
	var evs []*event.Event
	for i := range 5 {
		evs = append(evs, h.announce(fmt.Sprintf("good%d", i), "hook"))
	}
	testkit.WaitUntil(t, 10*time.Second, "the other queues delivered while one waits", h.delivered(evs...))
	h.clock.Advance(5 * time.Second)
	testkit.WaitUntil(t, 10*time.Second, "the retry", func() bool { return h.delivery(bad, "hook").Attempts == 2 })
}

// TestDispatcher_WakeReadsParkedQueue: a redelivery into a queue that
// waits for a retry goes at once, not at the old retry time.
func TestDispatcher_WakeReadsParkedQueue(t *testing.T) {
	t.Parallel()
	var fail atomic.Bool
	fail.Store(true)
	rc := &receiver{respond: func(int, *http.Request) (int, http.Header, string) {
		if fail.Load() {
			return http.StatusInternalServerError, nil, ""
		}
		return http.StatusNoContent, nil, ""
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := startHarness(t, harnessOptions{dispatcher: DispatcherOptions{Targets: []*config.Target{webhookTarget(t, "hook", srv.URL, "")}}})
	ev := h.announce("w", "hook")
	testkit.WaitUntil(t, 10*time.Second, "first attempt", func() bool { return h.delivery(ev, "hook").Attempts == 1 })
	fail.Store(false)
	// A second on, well before the retry (5s): attempts are told apart
	// by their time.
	h.clock.Advance(time.Second)
	if _, err := h.db.Redeliver(context.Background(), store.Filter{EventID: ev.ID}, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	h.disp.Wake()
	testkit.WaitUntil(t, 10*time.Second, "redelivered without waiting for the retry", h.delivered(ev))
}

// TestDispatcher_OrderUnderConcurrency: many queues of one target deliver
// at once, never more than PerTarget, each in its order, through failures
// and retries.
func TestDispatcher_OrderUnderConcurrency(t *testing.T) {
	t.Parallel()
	const watches, events, perTarget = 24, 8, 6
	var (
		mu       sync.Mutex
		first    = map[string][]uint64{}
		seen     = map[string]bool{}
		inFlight atomic.Int32
		most     atomic.Int32
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		time.Sleep(time.Millisecond)
		if rand.Float64() < 0.3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ev event.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		if !seen[ev.ID] {
			seen[ev.ID] = true
			first[ev.Data.Watch] = append(first[ev.Data.Watch], ev.Data.Seq)
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	tg := webhookTarget(t, "hook", srv.URL, `retry = ["5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms", "5ms"]`)
	h := startHarness(t, harnessOptions{dispatcher: DispatcherOptions{
		Targets: []*config.Target{tg}, PerTarget: perTarget, Clock: clock.System{},
	}})
	var evs []*event.Event
	for range events {
		for w := range watches {
			evs = append(evs, h.announce(fmt.Sprintf("w%02d", w), "hook"))
		}
	}
	testkit.WaitUntil(t, 30*time.Second, "every event delivered", h.delivered(evs...))
	mu.Lock()
	defer mu.Unlock()
	for w := range watches {
		name := fmt.Sprintf("w%02d", w)
		seqs := first[name]
		for i, s := range seqs {
			if s != uint64(i+1) {
				t.Errorf("watch %s: first arrivals %v, want 1..%d in order", name, seqs, events)
				break
			}
		}
	}
	if m := most.Load(); m > perTarget || m < 2 {
		t.Errorf("at most %d deliveries in flight to the target, want 2..%d", m, perTarget)
	}
}
