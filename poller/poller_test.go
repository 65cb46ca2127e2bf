package poller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/store"
)

// fakeAPI serves whatever its handler says, counting requests.
type fakeAPI struct {
	mu      sync.Mutex
	handler http.HandlerFunc
	hits    atomic.Int64
}

func (a *fakeAPI) set(h http.HandlerFunc) {
	a.mu.Lock()
	a.handler = h
	a.mu.Unlock()
}

func (a *fakeAPI) json(body string) {
	a.set(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	})
}

func (a *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.hits.Add(1)
	a.mu.Lock()
	h := a.handler
	a.mu.Unlock()
	h(w, r)
}

func newTestWatch(t *testing.T, url, extra string) *config.Watch {
	t.Helper()
	src := `[[target]]
name = "hook"
url = "https://receiver.example/hook"

[[watch]]
name = "w"
url = "` + url + `"
notify = ["hook"]
timeout = "2s"
max_body = "1KiB"
` + extra
	cfg, err := config.Parse("test.toml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg.Watches[0]
}

func openStore(t testing.TB) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "test.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newTestPoller is a loaded Poller on db, with the count of its commits.
func newTestPoller(t *testing.T, db *store.DB) (*Poller, *atomic.Int64) {
	t.Helper()
	st := &countingStore{DB: db}
	return pollerWith(t, st, nil), &st.commits
}

func TestPoll_BaselineThenChange(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p, commits := newTestPoller(t, db)
	w := newTestWatch(t, srv.URL, `key = "id"`+"\n"+`ignore = ["#.updated_at"]`)
	ctx := context.Background()

	api.json(`[{"id":1,"name":"a","updated_at":"t1"},{"id":2,"name":"b","updated_at":"t1"}]`)
	out, err := p.Poll(ctx, w, PollOptions{})
	if err != nil || !out.Baseline || out.Event != nil {
		t.Fatalf("first poll = %+v, %v; want a silent baseline", out, err)
	}

	// Reordered, reformatted, and only an ignored field moved: no change.
	api.json(`[ {"updated_at":"t2","name":"b","id":2}, {"id":1.0,"name":"a","updated_at":"t2"} ]`)
	out, err = p.Poll(ctx, w, PollOptions{})
	if err != nil || out.Event != nil || out.Baseline {
		t.Fatalf("no-change poll = %+v, %v; want nothing", out, err)
	}

	api.json(`[{"id":1,"name":"a2","updated_at":"t3"},{"id":3,"name":"c","updated_at":"t3"}]`)
	out, err = p.Poll(ctx, w, PollOptions{})
	if err != nil || out.Event == nil {
		t.Fatalf("change poll = %+v, %v; want an event", out, err)
	}
	ev := out.Event
	if ev.Data.Seq != 1 || ev.Type != "watch.changed" || !strings.HasPrefix(ev.ID, "msg_") {
		t.Errorf("event header = %s seq %d id %s", ev.Type, ev.Data.Seq, ev.ID)
	}
	got := map[string]diff.Change{}
	for _, c := range ev.Data.Changes {
		got[c.Path] = c
	}
	want := []diff.Change{
		{Op: diff.Changed, Path: "#(id==1).name", Key: "1", Old: json.RawMessage(`"a"`), New: json.RawMessage(`"a2"`)},
		{Op: diff.Added, Path: "#(id==3)", Key: "3"},
		{Op: diff.Removed, Path: "#(id==2)", Key: "2"},
	}
	if len(ev.Data.Changes) != len(want) {
		t.Fatalf("changes = %+v, want %d", ev.Data.Changes, len(want))
	}
	for _, w := range want {
		g, ok := got[w.Path]
		if !ok || g.Op != w.Op || g.Key != w.Key {
			t.Errorf("change at %s = %+v, want %+v", w.Path, g, w)
		}
		if w.Old != nil && string(g.Old) != string(w.Old) || w.New != nil && string(g.New) != string(w.New) {
			t.Errorf("change at %s old/new = %s/%s, want %s/%s", w.Path, g.Old, g.New, w.Old, w.New)
		}
	}
	if commits.Load() != 1 {
		t.Errorf("dispatcher woken %d times, want 1", commits.Load())
	}

	// The event, its delivery and the new snapshot are in the store.
	pending, err := db.Pending(ctx, store.Queue{Target: "hook", Watch: "w"}, 10)
	if err != nil || len(pending) != 1 || pending[0].EventID != ev.ID {
		t.Fatalf("outbox = %+v, %v; want the event queued for hook", pending, err)
	}
	snap, _ := db.AppendSnapshot(ctx, nil, "w")
	if !strings.Contains(string(snap), `"a2"`) {
		t.Errorf("snapshot not replaced: %s", snap)
	}

	// Same data again: nothing more.
	out, err = p.Poll(ctx, w, PollOptions{})
	if err != nil || out.Event != nil {
		t.Fatalf("repeat poll = %+v, %v; want nothing", out, err)
	}
}

// TestPoll_FailuresKeepSnapshot checks that no bad answer replaces the
// snapshot, and that the API coming back with the old data is no change.
func TestPoll_FailuresKeepSnapshot(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p, commits := newTestPoller(t, db)
	w := newTestWatch(t, srv.URL, `key = "id"`)
	ctx := context.Background()

	good := `[{"id":1,"name":"a"}]`
	api.json(good)
	if _, err := p.Poll(ctx, w, PollOptions{}); err != nil {
		t.Fatal(err)
	}
	failures := []struct {
		name    string
		handler http.HandlerFunc
		want    string
	}{
		{"server error", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "upstream down", http.StatusBadGateway)
		}, "HTTP 502: upstream down"},
		{"not found", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
		}, "HTTP 404"},
		{"not JSON", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>maintenance</html>"))
		}, "json response"},
		{"truncated", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte(`[{"id":1,"na`))
		}, "read body"},
		{"garbled but complete", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`[{"id":1,"name":"a"}`))
		}, "json response"},
		{"over max_body", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`[{"id":1,"name":"` + strings.Repeat("x", 2000) + `"}]`))
		}, "larger than max_body"},
		{"late", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(3 * time.Second):
			case <-r.Context().Done():
			}
		}, "no answer within 2s"},
	}
	for _, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			api.set(f.handler)
			out, err := p.Poll(ctx, w, PollOptions{})
			if err == nil {
				t.Fatalf("poll succeeded: %+v", out)
			}
			if !strings.Contains(err.Error(), f.want) {
				t.Errorf("error %q does not say %q", err, f.want)
			}
			snap, _ := db.AppendSnapshot(ctx, nil, "w")
			if string(snap) != good {
				t.Errorf("snapshot replaced by a failed poll: %s", snap)
			}
		})
	}
	if got := p.State("w").Failures; got != len(failures) {
		t.Errorf("failures counted = %d, want %d", got, len(failures))
	}
	api.json(good)
	out, err := p.Poll(ctx, w, PollOptions{})
	if err != nil || out.Event != nil {
		t.Fatalf("API back with the same data: %+v, %v; want no change", out, err)
	}
	// Two commits: watch.failing after the third failure, and
	// watch.recovered now; no change event.
	if commits.Load() != 2 || p.State("w").Failures != 0 {
		t.Errorf("commits %d, failures %d after recovery; want 2 (failing, recovered), 0", commits.Load(), p.State("w").Failures)
	}
}

func TestPoll_JSONWatchNeverFlipsToText(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p, _ := newTestPoller(t, db)
	w := newTestWatch(t, srv.URL, "")
	ctx := context.Background()

	api.json(`{"status":"ok"}`)
	if _, err := p.Poll(ctx, w, PollOptions{}); err != nil {
		t.Fatal(err)
	}
	if f := p.State("w").Format; f != "json" {
		t.Fatalf("format = %q, want json decided by the first response", f)
	}
	api.set(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("status: ok\n"))
	})
	if _, err := p.Poll(ctx, w, PollOptions{}); err == nil {
		t.Fatal("a JSON watch accepted a text body")
	}
	if f := p.State("w").Format; f != "json" {
		t.Fatalf("format flipped to %q", f)
	}
}

func TestPoll_DryRunStoresNothing(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p, commits := newTestPoller(t, db)
	w := newTestWatch(t, srv.URL, `key = "id"`)
	ctx := context.Background()
	api.json(`[{"id":1}]`)
	if _, err := p.Poll(ctx, w, PollOptions{}); err != nil {
		t.Fatal(err)
	}
	api.json(`[{"id":1},{"id":2}]`)
	out, err := p.Poll(ctx, w, PollOptions{DryRun: true})
	if err != nil || out.Event == nil {
		t.Fatalf("dry run = %+v, %v; want the event", out, err)
	}
	if commits.Load() != 0 {
		t.Error("dry run committed")
	}
	if snap, _ := db.AppendSnapshot(ctx, nil, "w"); string(snap) != `[{"id":1}]` {
		t.Errorf("dry run replaced the snapshot: %s", snap)
	}
	out, err = p.Poll(ctx, w, PollOptions{})
	if err != nil || out.Event == nil || out.Event.Data.Seq != 1 {
		t.Fatalf("real poll after dry run = %+v, %v; want the event with seq 1", out, err)
	}
}

func TestPoll_Confirm(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p, _ := newTestPoller(t, db)
	w := newTestWatch(t, srv.URL, "")
	w.Confirm = 2
	ctx := context.Background()
	api.json(`{"v":1}`)
	mustPoll := func(wantEvent bool) {
		t.Helper()
		out, err := p.Poll(ctx, w, PollOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if (out.Event != nil) != wantEvent {
			t.Fatalf("event = %v, want %v", out.Event, wantEvent)
		}
	}
	mustPoll(false) // baseline
	api.json(`{"v":2}`)
	mustPoll(false) // seen once
	api.json(`{"v":1}`)
	mustPoll(false) // flapped back: forgotten
	api.json(`{"v":2}`)
	mustPoll(false) // seen once again
	mustPoll(true)  // seen twice in a row: fires
}

func TestPoll_ShapeChangeTakesNewBaseline(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p, _ := newTestPoller(t, db)
	ctx := context.Background()
	api.json(`{"a":[{"id":1}],"b":[{"id":9}]}`)
	w := newTestWatch(t, srv.URL, `select = "a"`)
	if _, err := p.Poll(ctx, w, PollOptions{}); err != nil {
		t.Fatal(err)
	}
	w2 := newTestWatch(t, srv.URL, `select = "b"`)
	out, err := p.Poll(ctx, w2, PollOptions{})
	if err != nil || !out.Baseline || out.Event != nil {
		t.Fatalf("after select changed: %+v, %v; want a silent new baseline", out, err)
	}
}

func TestPoll_OverlappingIsSkipped(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	release := make(chan struct{})
	api.set(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		_, _ = w.Write([]byte(`{}`))
	})
	db := openStore(t)
	p, _ := newTestPoller(t, db)
	w := newTestWatch(t, srv.URL, "")
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = p.Poll(context.Background(), w, PollOptions{})
	}()
	for api.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	out, err := p.Poll(context.Background(), w, PollOptions{})
	close(release)
	<-done
	if err != nil || !out.Skipped {
		t.Fatalf("second poll while the first runs = %+v, %v; want skipped", out, err)
	}
	if api.hits.Load() != 1 {
		t.Errorf("API hit %d times, want 1", api.hits.Load())
	}
}

func TestPoll_EventCarriesDiffOptions(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	p, _ := newTestPoller(t, db)
	w := newTestWatch(t, srv.URL, "key = \"id\"\ninclude = [\"patch\", \"document\", \"previous\"]\nmax_changes = 1\non = [\"added\", \"changed\"]\nwhen = 'price<100'")
	ctx := context.Background()
	api.json(`[{"id":1,"price":50},{"id":2,"price":500}]`)
	if _, err := p.Poll(ctx, w, PollOptions{}); err != nil {
		t.Fatal(err)
	}
	// id 1 changes (fires), id 2 changes (price 600: when fails), id 3 added (fires), none removed.
	api.json(`[{"id":1,"price":60},{"id":2,"price":600},{"id":3,"price":10}]`)
	out, err := p.Poll(ctx, w, PollOptions{})
	if err != nil || out.Event == nil {
		t.Fatalf("poll = %+v, %v", out, err)
	}
	d := out.Event.Data
	if d.Counts == nil || *d.Counts != (diff.Counts{Added: 1, Changed: 1}) {
		t.Errorf("counts = %+v, want 1 added and 1 changed (id 2 fails when)", d.Counts)
	}
	if len(d.Changes) != 1 || !d.Truncated {
		t.Errorf("changes %d truncated %v, want 1 listed and truncated", len(d.Changes), d.Truncated)
	}
	if !strings.Contains(string(d.Patch), `"op":"replace"`) || !strings.Contains(string(d.Document), `"price":600`) ||
		!strings.Contains(string(d.Previous), `"price":500`) {
		t.Errorf("patch %s\ndocument %s\nprevious %s", d.Patch, d.Document, d.Previous)
	}
	// Every change filtered out: the snapshot moves on, nothing fires.
	api.json(`[{"id":1,"price":60},{"id":2,"price":700},{"id":3,"price":10}]`)
	out, err = p.Poll(ctx, w, PollOptions{})
	if err != nil || out.Event != nil {
		t.Fatalf("a change that does not fire: %+v, %v", out, err)
	}
	if snap, _ := db.AppendSnapshot(ctx, nil, "w"); !strings.Contains(string(snap), "700") {
		t.Errorf("snapshot not updated: %s", snap)
	}
}

// TestPoll_OnceReadsEachStateAndKeepsNone: a poller with Options.Once
// loads no state, reads each watch's from the store as its poll starts
// (an answer as the last one is no change, and a changed one is diffed
// against the stored snapshot), and keeps no state or info once its polls
// end.
func TestPoll_OnceReadsEachStateAndKeepsNone(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	ctx := context.Background()
	src := "\n[[watch]]\nname = \"a\"\nurl = %q\nkey = \"id\"\n\n[[watch]]\nname = \"b\"\nurl = %q\nkey = \"id\"\n"
	cfg := parseConfig(t, fmt.Sprintf(src, srv.URL+"/a", srv.URL+"/b"), nil)
	api.json(`[{"id":1,"v":"x"}]`)
	if _, err := pollerWith(t, db, nil).Poll(ctx, cfg.Watches[0], PollOptions{}); err != nil {
		t.Fatal(err)
	}

	p := pollerWith(t, db, func(o *Options) { o.Once = true })
	kept := func() {
		t.Helper()
		p.mu.Lock()
		defer p.mu.Unlock()
		p.imu.Lock()
		defer p.imu.Unlock()
		if len(p.states)+len(p.savedSuccess)+len(p.infos) != 0 {
			t.Errorf("kept %d states, %d saved times, %d infos; want none", len(p.states), len(p.savedSuccess), len(p.infos))
		}
	}
	kept() // Load read nothing
	outs := map[string]*Outcome{}
	var mu sync.Mutex
	p.PollAll(ctx, cfg.Watches, PollOptions{}, func(i int, out *Outcome, err error) {
		if err != nil {
			t.Errorf("watch %d: %v", i, err)
			return
		}
		mu.Lock()
		outs[cfg.Watches[i].Name] = out
		mu.Unlock()
	})
	if a, b := outs["a"], outs["b"]; a == nil || !a.Unchanged || a.Baseline || b == nil || !b.Baseline {
		t.Fatalf("a = %+v, b = %+v; want a unchanged (its stored state read), b a baseline", a, b)
	}
	kept()

	api.json(`[{"id":1,"v":"y"}]`)
	out, err := p.Poll(ctx, cfg.Watches[0], PollOptions{})
	if err != nil || out.Event == nil || len(out.Event.Data.Changes) != 1 || out.Event.Data.Seq != 1 {
		t.Fatalf("a changed = %+v, %v; want one change, the watch's first event", out, err)
	}
	out, err = p.Poll(ctx, cfg.Watches[0], PollOptions{})
	if err != nil || out.Event != nil || !out.Unchanged {
		t.Fatalf("a as its last poll left it = %+v, %v; want unchanged (the state the change committed)", out, err)
	}
	kept()
}

// stateFails is a store whose state of one watch cannot be read.
type stateFails struct {
	*store.DB
	name string
}

func (s stateFails) WatchState(ctx context.Context, name string) (store.WatchState, bool, error) {
	if name == s.name {
		return store.WatchState{}, false, errors.New("decode: damaged")
	}
	return s.DB.WatchState(ctx, name)
}

// TestPoll_OnceStateUnreadable: with Options.Once, a watch whose state
// cannot be read fails that poll alone, saying so, without a request, a
// failure counted or a state written; the other watches are polled.
func TestPoll_OnceStateUnreadable(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	srv := httptest.NewServer(api)
	defer srv.Close()
	api.json(`{"v":1}`)
	db := openStore(t)
	ctx := context.Background()
	src := "\n[[watch]]\nname = \"bad\"\nurl = %q\n\n[[watch]]\nname = \"good\"\nurl = %q\n"
	cfg := parseConfig(t, fmt.Sprintf(src, srv.URL+"/bad", srv.URL+"/good"), nil)
	p := pollerWith(t, stateFails{DB: db, name: "bad"}, func(o *Options) { o.Once = true })
	errs := make([]error, 2)
	outs := make([]*Outcome, 2)
	p.PollAll(ctx, cfg.Watches, PollOptions{}, func(i int, out *Outcome, err error) { outs[i], errs[i] = out, err })
	if errs[0] == nil || !strings.Contains(errs[0].Error(), "damaged") || outs[0] != nil {
		t.Errorf("bad: %+v, %v; want the read's error", outs[0], errs[0])
	}
	if errs[1] != nil || outs[1] == nil || !outs[1].Baseline {
		t.Errorf("good: %+v, %v; want a baseline", outs[1], errs[1])
	}
	if n := api.hits.Load(); n != 1 {
		t.Errorf("%d requests, want good's alone", n)
	}
	if s, ok, err := db.WatchState(ctx, "bad"); ok || err != nil {
		t.Errorf("bad's state written: %+v, %v", s, err)
	}
}
