package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// TestRun_DrainsAForeignWatch: a watch the database holds state and a
// pending delivery for, but that this shard no longer owns, is not
// polled, is logged at start, and its delivery is still made: an event
// committed is delivered by the process that committed it.
func TestRun_DrainsAForeignWatch(t *testing.T) {
	dir := t.TempDir()
	got := make(chan string, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("webhook-id")
	}))
	defer hook.Close()
	var polledMu sync.Mutex
	polled := map[string]int{}
	first := make(chan struct{}, 1)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polledMu.Lock()
		polled[r.URL.Path]++
		polledMu.Unlock()
		select {
		case first <- struct{}{}:
		default:
		}
		fmt.Fprint(w, `{"v":1}`)
	}))
	defer api.Close()
	// Two watches by name; find a name shard 1 of 2 owns and one it does not.
	var mine, theirs string
	for i := 0; mine == "" || theirs == ""; i++ {
		name := fmt.Sprintf("w%d", i)
		cfg := parse(t, dir, fmt.Sprintf("[[watch]]\nname = %q\nurl = \"http://x/\"\nshard_key = \"name\"\n", name))
		if err := cfg.SelectShard(config.ShardSources{Flag: "1/2"}); err != nil {
			t.Fatal(err)
		}
		if len(cfg.Watches) == 1 && mine == "" {
			mine = name
		} else if len(cfg.Watches) == 0 && theirs == "" {
			theirs = name
		}
	}
	src := fmt.Sprintf(`db = "state.db"
listen = ""
[[target]]
name = "hook"
url = %q
retry = ["1s"]
[defaults]
schedule = "@every 1h"
shard_key = "name"
[[watch]]
name = %q
url = "%s/%s"
notify = ["hook"]
[[watch]]
name = %q
url = "%s/%s"
notify = ["hook"]
`, hook.URL, mine, api.URL, mine, theirs, api.URL, theirs)

	// What the old owner left: the foreign watch's state and a pending
	// delivery of its event.
	db, err := store.Open(parse(t, dir, src).DB, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = db.CommitEvent(context.Background(), store.Commit{Watch: theirs, State: store.WatchState{Baseline: true, Seq: 3},
		EventID: "evt_left", Payload: []byte(`{"type":"watch.changed"}`), Time: now, Targets: []string{"hook"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	cfg := parse(t, dir, src)
	if err := cfg.SelectShard(config.ShardSources{Flag: "1/2"}); err != nil {
		t.Fatal(err)
	}
	var logs testkit.SyncBuffer
	d, err := Open(context.Background(), cfg, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	select {
	case id := <-got:
		if id != "evt_left" {
			t.Errorf("delivered %q, want evt_left", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the foreign watch's pending delivery was not made")
	}
	select {
	case <-first: // the start's poll of the own watch
	case <-time.After(30 * time.Second):
		t.Fatal("nothing was polled")
	}
	<-d.Started()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	polledMu.Lock()
	defer polledMu.Unlock()
	if polled["/"+theirs] != 0 {
		t.Errorf("the foreign watch was polled %d times", polled["/"+theirs])
	}
	if polled["/"+mine] == 0 {
		t.Errorf("the shard's own watch was not polled")
	}
	if l := logs.String(); !strings.Contains(l, "does not own") || !strings.Contains(l, "first="+theirs) || !strings.Contains(l, "count=1") {
		t.Errorf("start did not log the foreign watch:\n%s", l)
	}
}
