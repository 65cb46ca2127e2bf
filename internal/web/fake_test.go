package web

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/store"
)

// The fake daemon's secrets, which the page must never show.
const (
	watchSecret = "watch-api-key-s3cret"
	hookSecret  = "hook-token-s3cret"
	// htmlWatch is a watch name the page must escape.
	htmlWatch = `<b>bad</b> "api"`
	// eventID is the one change event, of watch releases.
	eventID = "msg_01M8EPKYN9X0S6YSYE5EHEAXS0"
)

// fakeSource is a daemon as the page sees it: four watches (ok, failing,
// paused with a long URL, waiting for a baseline), one change event of
// releases whose delivery to hook failed for good after attempts
// attempts, a Redeliver that delivers at once (as the dispatcher would,
// later), and a Poll that finds no change in releases and fails the
// others.
type fakeSource struct {
	cfg  *config.Config
	now  time.Time
	fail error // when set, every outbox read fails with it
	// changes, when set, are the change event's changes instead of its
	// three unlabeled ones.
	changes []diff.Change
	// states, when set, are the watches' states (newFleetSource).
	states map[string]store.WatchState
	// apps and endpoints are the subscriptions.
	apps      []store.App
	endpoints []store.Endpoint

	mu          sync.Mutex
	deliveries  []store.Delivery
	redelivered []store.Filter
	polled      []string
	// views counts the page's views.
	views atomic.Int64
}

func newFakeSource(t *testing.T, watchName, token string, attempts int) *fakeSource {
	t.Helper()
	auth := ""
	if token != "" {
		auth = fmt.Sprintf("auth_token = %q\nlisten = \"0.0.0.0:9180\"\n", token)
	}
	src := fmt.Sprintf(`%s
[[target]]
name = "hook"
url = "https://hooks.example/hook?token=%s"

[[watch]]
name = "releases"
url = "https://api.example/releases?api_key=%s"
schedule = "@every 1h"
select = "data.items"
key = "id"
notify = ["hook"]

[[watch]]
name = %q
url = "https://bad.example/api"
notify = ["hook"]

[[watch]]
name = "limited"
url = "https://limited.example/api/v3/organizations/a-long-organization-name/repositories/a-long-repository-name/releases?per_page=100&page=1"
notify = ["hook"]

[[watch]]
name = "fresh"
url = "http://127.0.0.1:1/never-polled"
notify = ["hook"]
`, auth, hookSecret, watchSecret, watchName)
	cfg, err := config.Parse("pollhook.toml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)
	return &fakeSource{cfg: cfg, now: now, deliveries: []store.Delivery{{
		EventID: eventID, Watch: "releases", Seq: 1, Target: "hook", State: store.StateFailed,
		Attempts: attempts, LastStatus: 500, LastError: "HTTP 500", Done: now.Add(-time.Minute),
	}}}
}

// newFleetSource is the fake daemon with releases (its one event) and
// n-1 more watches w001, w002, …: every tenth (from w003) failing, w007
// paused, the others ok.
func newFleetSource(t *testing.T, n int) *fakeSource {
	t.Helper()
	f := newFakeSource(t, htmlWatch, "fleet-token", 1)
	var src strings.Builder
	src.WriteString("auth_token = \"fleet-token\"\n\n[[target]]\nname = \"hook\"\nurl = \"https://hooks.example/hook\"\n\n")
	src.WriteString("[[watch]]\nname = \"releases\"\nurl = \"https://api.example/releases\"\nnotify = [\"hook\"]\n\n")
	f.states = map[string]store.WatchState{"releases": {Baseline: true, LastPoll: f.now.Add(-time.Minute)}}
	for i := 1; i < n; i++ {
		name := fmt.Sprintf("w%03d", i)
		fmt.Fprintf(&src, "[[watch]]\nname = %q\nurl = \"https://api.example/%s\"\nnotify = [\"hook\"]\n\n", name, name)
		st := store.WatchState{Baseline: true, LastPoll: f.now.Add(-time.Minute)}
		switch {
		case i%10 == 3:
			st.Failures, st.LastError = 1, "HTTP 502"
		case i == 7:
			st.PausedUntil = f.now.Add(time.Hour)
		}
		f.states[name] = st
	}
	cfg, err := config.Parse("fleet.toml", []byte(src.String()), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	f.cfg = cfg
	return f
}

func (f *fakeSource) Config() *config.Config { return f.cfg }

// polledWatches names the watches polled, in order.
func (f *fakeSource) polledWatches() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.polled, " ")
}

func (f *fakeSource) WatchState(name string) store.WatchState {
	if f.states != nil {
		return f.states[name]
	}
	switch name {
	case "releases":
		return store.WatchState{Baseline: true, LastPoll: f.now.Add(-2 * time.Minute), LastChange: f.now.Add(-2 * time.Minute)}
	case "limited":
		return store.WatchState{Baseline: true, LastPoll: f.now.Add(-time.Minute), PausedUntil: f.now.Add(time.Hour)}
	case "fresh":
		return store.WatchState{}
	}
	return store.WatchState{Failures: 1, FailingSince: f.now.Add(-5 * time.Minute), LastPoll: f.now.Add(-5 * time.Minute),
		LastError: "HTTP 500:\n  internal trouble"}
}

func (f *fakeSource) NextRun(name string) time.Time {
	if name == "fresh" {
		return time.Time{}
	}
	return f.now.Add(58 * time.Minute)
}

func (f *fakeSource) History(_ context.Context, watch string, _ int) ([][]byte, error) {
	if watch != "releases" {
		return nil, nil
	}
	ev := event.Event{ID: eventID, Type: event.TypeChanged, Timestamp: f.now.Add(-2 * time.Minute),
		Data: event.Data{Watch: "releases", URL: "https://api.example/releases", Seq: 1, Format: diff.JSON,
			Counts: &diff.Counts{Added: 1, Removed: 1, Changed: 1},
			Changes: []diff.Change{
				{Op: diff.Added, Path: "#(id==3)", Key: "3", New: json.RawMessage(`{"id":3,"name":"c"}`)},
				{Op: diff.Changed, Path: "#(id==1).name", Key: "1", Old: json.RawMessage(`"a"`), New: json.RawMessage(`"a2"`)},
				{Op: diff.Removed, Path: "#(id==2)", Key: "2", Old: json.RawMessage(`{"id":2,"name":"b"}`)},
			}}}
	if f.changes != nil {
		ev.Data.Changes = f.changes
	}
	data, err := json.Marshal(ev)
	return [][]byte{data}, err
}

// Recent is the events of the configured watches History has, as the
// store gives them: newest first, filtered and cut as o says.
func (f *fakeSource) Recent(ctx context.Context, o store.RecentOptions) ([][]byte, error) {
	var out [][]byte
	for _, w := range f.cfg.Watches {
		if o.Watch != nil && !o.Watch(w.Name) {
			continue
		}
		evs, err := f.History(ctx, w.Name, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
	}
	if o.Limit > 0 && len(out) > o.Limit {
		out = out[:o.Limit]
	}
	return out, nil
}

func (f *fakeSource) Deliveries(_ context.Context, flt store.Filter) ([]store.Delivery, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.Delivery
	for _, d := range f.deliveries {
		if (flt.EventID == "" || d.EventID == flt.EventID) && (flt.State == "" || d.State == flt.State) &&
			(flt.Target == "" || d.Target == flt.Target) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (f *fakeSource) TargetStates(context.Context) (map[string]store.TargetState, error) {
	return map[string]store.TargetState{}, f.fail
}

func (f *fakeSource) OutboxCounts(context.Context) (map[string]store.OutboxCount, error) {
	if f.fail != nil {
		return nil, f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]store.OutboxCount{}
	for _, d := range f.deliveries {
		c := out[d.Target]
		switch d.State {
		case store.StatePending:
			c.Pending++
		case store.StateFailed:
			c.Failed++
		}
		out[d.Target] = c
	}
	return out, nil
}

func (f *fakeSource) Redeliver(_ context.Context, flt store.Filter) ([]store.Delivery, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.redelivered = append(f.redelivered, flt)
	var queued []store.Delivery
	for i, d := range f.deliveries {
		if (flt.EventID == "" || d.EventID == flt.EventID) && d.State == flt.State && (flt.Target == "" || d.Target == flt.Target) {
			queued = append(queued, d)
			f.deliveries[i].State = store.StateDelivered
		}
	}
	return queued, nil
}

func (f *fakeSource) Subscriptions(context.Context) ([]store.App, []store.Endpoint, error) {
	if f.fail != nil {
		return nil, nil, f.fail
	}
	return f.apps, f.endpoints, nil
}

func (f *fakeSource) Poll(_ context.Context, watch string) (inspect.Polled, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.polled = append(f.polled, watch)
	if watch == "releases" {
		return inspect.Polled{Watch: watch, Result: inspect.PollUnchanged, Shape: &diff.Shape{Format: diff.JSON, Type: "array", Len: 2, Of: "objects", Key: "id"}}, nil
	}
	return inspect.Polled{Watch: watch, Result: inspect.PollFailed, Error: "HTTP 500: <b>internal</b> trouble"}, nil
}

// addFailed adds n more failed deliveries to hook.
func (f *fakeSource) addFailed(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range n {
		f.deliveries = append(f.deliveries, store.Delivery{EventID: fmt.Sprintf("msg_extra%03d", i), Watch: "releases",
			Target: "hook", State: store.StateFailed, Attempts: 8, LastStatus: 502})
	}
	sort.SliceStable(f.deliveries, func(i, j int) bool { return f.deliveries[i].EventID > f.deliveries[j].EventID })
}

// serve serves the page the way the local API mounts it, without its
// checks (the api package tests those).
func serve(t *testing.T, src *fakeSource) *httptest.Server {
	t.Helper()
	p, err := New(src, "dev", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	p.Now = func() time.Time { return src.now }
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		src.views.Add(1)
		p.ServeHTTP(w, r)
	}))
	mux.HandleFunc("POST /ui/redeliver", p.Redeliver)
	mux.HandleFunc("POST /ui/poll", p.Poll)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches the page.
func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}
