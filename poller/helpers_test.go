package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/store"
)

// countingStore counts the writes that reach the database.
type countingStore struct {
	*store.DB
	saves, commits atomic.Int64
}

func (c *countingStore) SaveState(ctx context.Context, watch string, s store.WatchState, snapshot []byte) error {
	c.saves.Add(1)
	return c.DB.SaveState(ctx, watch, s, snapshot)
}

func (c *countingStore) CommitEvents(ctx context.Context, cms ...store.Commit) error {
	c.commits.Add(1)
	return c.DB.CommitEvents(ctx, cms...)
}

func (c *countingStore) writes() int64 { return c.saves.Load() + c.commits.Load() }

// pollerWith builds a loaded Poller on db with options adjusted by opt.
func pollerWith(t testing.TB, st Store, opt func(*Options)) *Poller {
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
func parseConfig(t testing.TB, src string, env map[string]string) *config.Config {
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
func queued(t *testing.T, db *store.DB, target, watch string) []event.Event {
	t.Helper()
	pending, err := db.Pending(context.Background(), store.Queue{Target: target, Watch: watch}, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]event.Event, len(pending))
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
	out, err := p.Poll(context.Background(), w, PollOptions{})
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return out
}
