package poller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// switchAPI fails with 502 while down is set, else serves body.
type switchAPI struct {
	down atomic.Bool
	body atomic.Value // string
}

func (a *switchAPI) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	if a.down.Load() {
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	b, _ := a.body.Load().(string)
	_, _ = w.Write([]byte(b))
}

func TestPoll_HealthEvents(t *testing.T) {
	t.Parallel()
	api := &switchAPI{}
	api.body.Store(`[{"id":1}]`)
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	clock := testkit.NewFakeClock(t0)
	cfg := parseConfig(t, watchTables(1, srv.URL, `key = "id"`), nil)
	w := cfg.Watches[0]
	newP := func() *Poller { return pollerWith(t, db, func(o *Options) { o.Clock = clock }) }
	p := newP()
	ctx := context.Background()

	mustPoll(t, p, w) // baseline
	api.down.Store(true)
	firstFailure := t0.Add(time.Minute)
	var failing *event.Event
	for i := 1; i <= 5; i++ {
		clock.AdvanceTo(t0.Add(time.Duration(i) * time.Minute))
		out, err := p.Poll(ctx, w, PollOptions{})
		if err == nil {
			t.Fatal("poll succeeded against a failing API")
		}
		if (out != nil && out.Health != nil) != (i == 3) {
			t.Errorf("failure %d: health event %v, want one at the 3rd only", i, out)
		}
		if i == 3 {
			failing = out.Health
		}
		if i == 4 {
			// A restart in the middle of the outage: the alert is not repeated.
			p = newP()
			if s := p.State(w.Name); !s.Alerted || s.Failures != 4 {
				t.Fatalf("state after restart = %+v, want alerted with 4 failures", s)
			}
		}
	}
	evs := queued(t, db, "hook", w.Name)
	if len(evs) != 1 {
		t.Fatalf("queued %d events during the outage, want 1", len(evs))
	}
	ev := evs[0]
	if ev.Type != event.TypeFailing || ev.ID != failing.ID || ev.Data.Seq != 1 || ev.Data.Failures != 3 ||
		ev.Data.Since == nil || !ev.Data.Since.Equal(firstFailure) || !strings.Contains(ev.Data.Error, "HTTP 502: bad gateway") {
		t.Errorf("failing event = %+v", ev)
	}

	// Recovery with a change: watch.recovered, then watch.changed.
	api.down.Store(false)
	api.body.Store(`[{"id":1},{"id":2}]`)
	clock.AdvanceTo(t0.Add(10 * time.Minute))
	out := mustPoll(t, p, w)
	if out.Health == nil || out.Health.Type != event.TypeRecovered || out.Event == nil {
		t.Fatalf("recovery poll = %+v, want recovered and changed", out)
	}
	mustPoll(t, p, w)
	evs = queued(t, db, "hook", w.Name)
	if len(evs) != 3 {
		t.Fatalf("queued %d events, want failing, recovered, changed", len(evs))
	}
	rec, chg := evs[1], evs[2]
	if rec.Type != event.TypeRecovered || rec.Data.Seq != 2 || rec.Data.Failures != 5 ||
		rec.Data.Since == nil || !rec.Data.Since.Equal(firstFailure) || rec.Data.Error != "" {
		t.Errorf("recovered event = %+v", rec)
	}
	if chg.Type != event.TypeChanged || chg.Data.Seq != 3 {
		t.Errorf("change event = %s seq %d, want watch.changed seq 3", chg.Type, chg.Data.Seq)
	}
	if s := storedState(t, db, w.Name); s.Alerted || s.Failures != 0 || s.Seq != 3 {
		t.Errorf("stored state = %+v", s)
	}

	// A second outage is a second pair.
	api.down.Store(true)
	for range 3 {
		_, _ = p.Poll(ctx, w, PollOptions{})
	}
	api.down.Store(false)
	mustPoll(t, p, w)
	evs = queued(t, db, "hook", w.Name)
	if len(evs) != 5 || evs[3].Type != event.TypeFailing || evs[4].Type != event.TypeRecovered {
		t.Errorf("after a second outage: %d events", len(evs))
	}
}

// TestPoll_HealthRestartBeforeAlert checks that failures counted before
// a restart count after it: one alert, at the third failure overall.
func TestPoll_HealthRestartBeforeAlert(t *testing.T) {
	t.Parallel()
	api := &switchAPI{}
	api.down.Store(true)
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	w := parseConfig(t, watchTables(1, srv.URL), nil).Watches[0]
	p := pollerWith(t, db, nil)
	for range 2 {
		_, _ = p.Poll(context.Background(), w, PollOptions{})
	}
	p = pollerWith(t, db, nil)
	out, _ := p.Poll(context.Background(), w, PollOptions{})
	if out == nil || out.Health == nil || out.Health.Data.Failures != 3 {
		t.Fatalf("third failure, after a restart = %+v, want watch.failing", out)
	}
}

func TestPoll_HealthTargets(t *testing.T) {
	t.Parallel()
	const targets = `
[[target]]
name = "hook"
url = "https://receiver.example/hook"

[[target]]
name = "ops"
url = "https://ops.example/hook"
`
	tests := []struct {
		name  string
		src   string
		queue map[string]int // target -> events queued
	}{
		{"notify by default", `notify = ["hook"]`, map[string]int{"hook": 1, "ops": 0}},
		{"errors_to", `notify = ["hook"]` + "\nerrors_to = [\"ops\"]", map[string]int{"hook": 0, "ops": 1}},
		{"errors_to in defaults", `notify = ["hook"]`, map[string]int{"hook": 0, "ops": 1}},
		{"errors_to = [] sends none", `notify = ["hook"]` + "\nerrors_to = []", map[string]int{"hook": 0, "ops": 0}},
		{"no targets at all", ``, map[string]int{"hook": 0, "ops": 0}},
		{"alert_after 1", `notify = ["hook"]` + "\nalert_after = 1", map[string]int{"hook": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &switchAPI{}
			api.down.Store(true)
			srv := httptest.NewServer(api)
			defer srv.Close()
			src := targets
			if tt.name == "errors_to in defaults" {
				src = "[defaults]\nerrors_to = [\"ops\"]\n" + src
			}
			src += "\n[[watch]]\nname = \"w\"\nurl = \"" + srv.URL + "\"\n" + tt.src + "\n"
			w := parseConfig(t, src, nil).Watches[0]
			db := openStore(t)
			p := pollerWith(t, db, nil)
			polls := 3
			if w.AlertAfter == 1 {
				polls = 1
			}
			for range polls {
				_, _ = p.Poll(context.Background(), w, PollOptions{})
			}
			for target, n := range tt.queue {
				if got := len(queued(t, db, target, "w")); got != n {
					t.Errorf("%s got %d events, want %d", target, got, n)
				}
			}
			// Recovery goes to the same targets.
			api.down.Store(false)
			api.body.Store(`{}`)
			mustPoll(t, p, w)
			for target, n := range tt.queue {
				if got := len(queued(t, db, target, "w")); got != 2*n {
					t.Errorf("%s got %d events after recovery, want %d", target, got, 2*n)
				}
			}
		})
	}
}

// TestPoll_NoFailureOnShutdown checks that a poll cut short by its
// context is not counted against the API.
func TestPoll_NoFailureOnShutdown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	w := parseConfig(t, watchTables(1, srv.URL), nil).Watches[0]
	p := pollerWith(t, openStore(t), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := p.Poll(ctx, w, PollOptions{}); err == nil {
		t.Fatal("cancelled poll succeeded")
	}
	if f := p.State("w0").Failures; f != 0 {
		t.Errorf("failures = %d after a cancelled poll, want 0", f)
	}
}

// brokenStore fails every write while broken is set, as a full disk does;
// while big is set, only the writes that carry a snapshot (as a disk with
// room for small records only).
type brokenStore struct {
	*store.DB
	broken, big atomic.Bool
}

var errNoSpace = errors.New("write state.db: no space left on device")

func (b *brokenStore) SaveState(ctx context.Context, watch string, s store.WatchState, snapshot []byte) error {
	if b.broken.Load() || b.big.Load() && snapshot != nil {
		return errNoSpace
	}
	return b.DB.SaveState(ctx, watch, s, snapshot)
}

func (b *brokenStore) CommitEvents(ctx context.Context, cs ...store.Commit) error {
	if b.broken.Load() {
		return errNoSpace
	}
	for _, c := range cs {
		if b.big.Load() && c.Snapshot != nil {
			return errNoSpace
		}
	}
	return b.DB.CommitEvents(ctx, cs...)
}

// TestPoll_FailuresCountWhenTheStoreFails: a poll whose answer is fine but
// whose commit fails has failed. Its failures add up, so backoff grows and
// watch.failing comes at alert_after, as for an API that fails.
func TestPoll_FailuresCountWhenTheStoreFails(t *testing.T) {
	t.Parallel()
	api := &switchAPI{}
	api.body.Store(`[{"id":1}]`)
	srv := httptest.NewServer(api)
	defer srv.Close()
	st := &brokenStore{DB: openStore(t)}
	cfg := parseConfig(t, watchTables(1, srv.URL, `key = "id"`), nil)
	w := cfg.Watches[0]
	p := pollerWith(t, st, nil)
	mustPoll(t, p, w) // baseline
	st.broken.Store(true)
	for i := 1; i <= 4; i++ {
		api.body.Store(fmt.Sprintf(`[{"id":1,"v":%d}]`, i)) // a change every time
		if _, err := p.Poll(context.Background(), w, PollOptions{}); !errors.Is(err, errNoSpace) {
			t.Fatalf("poll %d: %v, want the store's error", i, err)
		}
		if s := p.State(w.Name); s.Failures != i {
			t.Fatalf("after %d failed commits: %d failures in a row, want %d", i, s.Failures, i)
		}
	}
	// The disk has room again: the next poll commits the change. The
	// watch.failing of the outage could not be committed, so no
	// watch.recovered follows it.
	st.broken.Store(false)
	out := mustPoll(t, p, w)
	if s := p.State(w.Name); s.Failures != 0 || out.Event == nil || out.Health != nil {
		t.Errorf("after the store came back: state %+v, outcome %+v", s, out)
	}
}

// TestPoll_NoRecoveryUntilCommitted: an alerted watch whose API answers
// again, but whose commit fails, has not recovered: no watch.recovered is
// committed (to be followed by a new watch.failing, on and on), and its
// failures go on adding up from the outage's.
func TestPoll_NoRecoveryUntilCommitted(t *testing.T) {
	t.Parallel()
	api := &switchAPI{}
	api.body.Store(`[{"id":1}]`)
	srv := httptest.NewServer(api)
	defer srv.Close()
	st := &brokenStore{DB: openStore(t)}
	w := parseConfig(t, watchTables(1, srv.URL, `key = "id"`), nil).Watches[0]
	p := pollerWith(t, st, nil)
	ctx := context.Background()
	mustPoll(t, p, w) // baseline
	api.down.Store(true)
	for range 3 {
		_, _ = p.Poll(ctx, w, PollOptions{})
	}
	if s := p.State(w.Name); !s.Alerted || s.Failures != 3 {
		t.Fatalf("after the outage: %+v, want alerted with 3 failures", s)
	}
	api.down.Store(false)
	st.big.Store(true) // room for a health event, not for a snapshot
	for i := 1; i <= 3; i++ {
		api.body.Store(fmt.Sprintf(`[{"id":1,"v":%d}]`, i))
		out, err := p.Poll(ctx, w, PollOptions{})
		if !errors.Is(err, errNoSpace) {
			t.Fatalf("poll %d: %v, want the store's error", i, err)
		}
		if out != nil && out.Health != nil {
			t.Errorf("poll %d committed %s", i, out.Health.Type)
		}
		if s := p.State(w.Name); !s.Alerted || s.Failures != 3+i {
			t.Errorf("after failed commit %d: %+v, want alerted with %d failures", i, s, 3+i)
		}
	}
	if evs := queued(t, st.DB, "hook", w.Name); len(evs) != 1 || evs[0].Type != event.TypeFailing {
		t.Fatalf("queued %d events while the commits failed, want the one watch.failing", len(evs))
	}
	st.big.Store(false)
	out := mustPoll(t, p, w)
	if out.Health == nil || out.Health.Type != event.TypeRecovered || out.Event == nil {
		t.Fatalf("poll once the disk has room: %+v, want recovered and changed", out)
	}
	evs := queued(t, st.DB, "hook", w.Name)
	if len(evs) != 3 || evs[1].Type != event.TypeRecovered || evs[1].Data.Seq != 2 || evs[1].Data.Failures != 6 ||
		evs[2].Type != event.TypeChanged || evs[2].Data.Seq != 3 {
		t.Errorf("queued after the recovery: %d events %+v", len(evs), evs)
	}
	if s := storedState(t, st.DB, w.Name); s.Alerted || s.Failures != 0 || s.Seq != 3 {
		t.Errorf("stored state = %+v", s)
	}
}

// TestPoll_MarkupInsteadOfJSON: a JSON watch that gets a login page with
// status 200 fails the poll, saying what the page is (its title), not
// showing its markup; the snapshot stays.
func TestPoll_MarkupInsteadOfJSON(t *testing.T) {
	t.Parallel()
	api := &switchAPI{}
	api.body.Store(`[{"id":1}]`)
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	w := parseConfig(t, watchTables(1, srv.URL, `key = "id"`), nil).Watches[0]
	p := pollerWith(t, db, nil)
	mustPoll(t, p, w) // baseline
	api.body.Store("\n<!DOCTYPE html><html><head><script>" + strings.Repeat("x", 2000) +
		"</script><title>Login required &ndash; Example</title></head><body><form></form></body></html>")
	_, err := p.Poll(context.Background(), w, PollOptions{})
	if err == nil {
		t.Fatal("a JSON watch took an HTML page")
	}
	msg := err.Error()
	if !strings.Contains(msg, "not valid JSON (the answer is a page of markup: Login required – Example)") || strings.Contains(msg, "<title") || strings.Contains(msg, "script") {
		t.Errorf("error = %q", msg)
	}
	if snap, err := db.AppendSnapshot(context.Background(), nil, w.Name); err != nil || !strings.Contains(string(snap), `"id":1`) {
		t.Errorf("snapshot after the page = %q, %v", snap, err)
	}
}
