package daemon

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/internal/testkit"
)

// oneHookConfig is one watch (its URL second) that notifies one target
// (its URL first).
const oneHookConfig = `db = "state.db"
listen = ""

[[target]]
name = "hook"
url = %q

[[watch]]
name = "w"
url = %q
schedule = "@every 1h"
key = "id"
notify = ["hook"]
`

// TestRun_DeliversWhatPollCommits: a change a poll commits while the
// daemon runs is delivered at once: the commit tells the dispatcher,
// which does not wait for its next scan of the outbox.
func TestRun_DeliversWhatPollCommits(t *testing.T) {
	var version, hooks atomic.Int64
	apiSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `[{"id":1,"v":%d}]`, version.Load())
	}))
	defer apiSrv.Close()
	hookSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hooks.Add(1)
		w.WriteHeader(http.StatusNoContent)
	}))
	defer hookSrv.Close()
	cfg := parse(t, t.TempDir(), fmt.Sprintf(oneHookConfig, hookSrv.URL, apiSrv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	d, err := Open(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	<-d.Started()
	testkit.WaitUntil(t, 10*time.Second, "the baseline at start", func() bool {
		states, err := d.db.WatchStates(ctx)
		return err == nil && states["w"].Baseline
	})
	version.Add(1)
	var p inspect.Polled
	testkit.WaitUntil(t, 10*time.Second, "a poll not skipped (the one at start has finished)", func() bool {
		p = d.Poll(ctx, cfg.Watches, api.PollOptions{}).Watches[0]
		return p.Result != inspect.PollSkipped
	})
	if p.Result != inspect.PollChanged {
		t.Fatalf("poll = %+v, want a change", p)
	}
	// Well within the dispatcher's scan every 30 s.
	testkit.WaitUntil(t, 10*time.Second, "the webhook", func() bool { return hooks.Load() == 1 })
}
