package poller

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/store"
)

// fakeClock is a Clock whose time moves only on Advance, which fires the
// waiters that are due.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
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

// AdvanceTo moves the time to t and fires every waiter due by then.
func (c *fakeClock) AdvanceTo(t time.Time) {
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
func (c *fakeClock) Advance(d time.Duration) { c.AdvanceTo(c.Now().Add(d)) }

// waitWaiters blocks until n waiters are pending and returns their
// deadlines, earliest first.
func (c *fakeClock) waitWaiters(t *testing.T, n int) []time.Time {
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

// syncBuffer is a bytes.Buffer safe for concurrent writers (log output).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// countingStore counts the writes that reach the database.
type countingStore struct {
	*store.DB
	saves, commits atomic.Int64
}

func (c *countingStore) SaveState(ctx context.Context, watch string, s store.WatchState, snapshot []byte) error {
	c.saves.Add(1)
	return c.DB.SaveState(ctx, watch, s, snapshot)
}

func (c *countingStore) CommitEvent(ctx context.Context, cm store.Commit) error {
	c.commits.Add(1)
	return c.DB.CommitEvent(ctx, cm)
}

func (c *countingStore) writes() int64 { return c.saves.Load() + c.commits.Load() }

// pollerWith builds a loaded Poller on db with options adjusted by opt.
func pollerWith(t *testing.T, st Store, opt func(*Options)) *Poller {
	t.Helper()
	o := Options{Store: st, Version: "test"}
	if opt != nil {
		opt(&o)
	}
	p := New(o)
	if err := p.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// parseWatches parses a configuration and returns it.
func parseConfig(t *testing.T, src string, env map[string]string) *config.Config {
	t.Helper()
	cfg, err := config.Parse("test.toml", []byte(src), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

// queued returns the events queued for a target, in seq order.
func queued(t *testing.T, db *store.DB, target, watch string) []notify.Event {
	t.Helper()
	pending, err := db.Pending(context.Background(), store.Queue{Target: target, Watch: watch}, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]notify.Event, len(pending))
	for i, p := range pending {
		if err := json.Unmarshal(p.Payload, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// storedState reads a watch's state from the database, not memory.
func storedState(t *testing.T, db *store.DB, watch string) store.WatchState {
	t.Helper()
	states, err := db.WatchStates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return states[watch]
}

// watchTables returns n [[watch]] tables named w0... polling url, each
// with the extra lines, after a target named hook.
func watchTables(n int, url string, extra ...string) string {
	var b strings.Builder
	b.WriteString("[[target]]\nname = \"hook\"\nurl = \"https://receiver.example/hook\"\n")
	for i := range n {
		fmt.Fprintf(&b, "\n[[watch]]\nname = \"w%d\"\nurl = %q\nnotify = [\"hook\"]\n", i, url)
		for _, e := range extra {
			b.WriteString(e + "\n")
		}
	}
	return b.String()
}

func mustPoll(t *testing.T, p *Poller, w *config.Watch) *Outcome {
	t.Helper()
	out, err := p.Poll(context.Background(), w, false)
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return out
}
