// Package testkit holds what pollhook's tests share: a clock they move by
// hand, a buffer safe for a daemon's goroutines, fake APIs and receivers,
// free ports, the built binary, and waiting for a condition. It is
// imported by tests only, and imports nothing of pollhook's, so any
// package's tests can use it.
package testkit

import (
	"sort"
	"sync"
	"testing"
	"time"
)

// FakeClock is a clock.Clock whose time moves only on Advance and
// AdvanceTo, which fire the waiters that are due.
type FakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

// NewFakeClock returns a clock stopped at t.
func NewFakeClock(t time.Time) *FakeClock { return &FakeClock{now: t} }

// Now returns the clock's time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After returns a channel that receives the time once the clock reaches
// now + d; at once when d <= 0.
func (c *FakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

// AdvanceTo moves the time to t (never back) and fires every waiter due
// by then.
func (c *FakeClock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// Advance moves the time by d.
func (c *FakeClock) Advance(d time.Duration) { c.AdvanceTo(c.Now().Add(d)) }

// WaitWaiters blocks until n waiters are pending and returns their
// deadlines, earliest first.
func (c *FakeClock) WaitWaiters(t testing.TB, n int) []time.Time {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		if len(c.waiters) >= n {
			out := make([]time.Time, len(c.waiters))
			for i, w := range c.waiters {
				out[i] = w.at
			}
			c.mu.Unlock()
			sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
			return out
		}
		c.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %d clock waiters", n)
		}
		time.Sleep(time.Millisecond)
	}
}
