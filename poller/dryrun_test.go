package poller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/testkit"
)

// dryRunAPI serves body (with etag, answering 304 when the request
// carries it) or, while down, fails with 502.
type dryRunAPI struct {
	mu   sync.Mutex
	down bool
	body string
	etag string
}

func (a *dryRunAPI) set(down bool, body, etag string) {
	a.mu.Lock()
	a.down, a.body, a.etag = down, body, etag
	a.mu.Unlock()
}

func (a *dryRunAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	down, body, etag := a.down, a.body, a.etag
	a.mu.Unlock()
	if down {
		http.Error(w, "bad gateway", http.StatusBadGateway)
		return
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(body))
}

// TestPoll_DryRunWritesNothing checks, in every way a poll can end, that
// a dry run writes nothing to the store, wakes no dispatcher and leaves
// the watch's state in memory as it was, while still saying what a real
// poll would have done.
func TestPoll_DryRunWritesNothing(t *testing.T) {
	t.Parallel()
	const (
		one    = `[{"id":1,"v":"a"}]`
		edited = `[{"id":1,"v":"b"}]`
		added  = `[{"id":1,"v":"a"},{"id":2,"v":"a"}]`
	)
	// step is one real poll of a case's set-up.
	type step struct {
		down       bool
		body, etag string
	}
	baseline := step{body: one}
	down := step{down: true}
	tests := []struct {
		name  string
		extra string // watch settings
		setup []step
		dry   step // what the API answers the dry run
		check func(t *testing.T, out *Outcome, err error)
	}{
		{"first poll (baseline)", "", nil, step{body: one}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || !out.Baseline || out.Event != nil {
				t.Errorf("dry run = %+v, %v; want a baseline", out, err)
			}
			// What the baseline would be, for pollhook once to describe.
			if out != nil && (string(out.Value) != one || out.Format != diff.JSON) {
				t.Errorf("dry run's value = %s %q, want the prepared value %s", out.Format, out.Value, one)
			}
		}},
		{"unchanged", "", []step{baseline}, step{body: one}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || out.Baseline || out.Event != nil || out.NotModified || !out.Unchanged || string(out.Value) != one {
				t.Errorf("dry run = %+v, %v; want no change, with the value", out, err)
			}
		}},
		{"confirm pending", "confirm = 2", []step{baseline}, step{body: edited}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || out.Event != nil || out.Seen != 1 || out.Unchanged {
				t.Errorf("dry run = %+v, %v; want no event before confirmation, seen once", out, err)
			}
		}},
		{"confirmed change", "confirm = 2", []step{baseline, {body: edited}}, step{body: edited}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || out.Event == nil || out.Event.Data.Seq != 1 {
				t.Errorf("dry run = %+v, %v; want the confirmed event, seq 1", out, err)
			}
		}},
		{"change", "", []step{baseline}, step{body: edited}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || out.Event == nil || out.Event.Data.Seq != 1 || out.Health != nil {
				t.Errorf("dry run = %+v, %v; want the event, seq 1", out, err)
			}
		}},
		{"change that does not fire", `on = ["removed"]`, []step{baseline}, step{body: added}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || out.Event != nil || out.Baseline || out.Unchanged || out.Seen != 0 || string(out.Value) != added {
				t.Errorf("dry run = %+v, %v; want nothing fired, with the value", out, err)
			}
		}},
		{"not modified", "", []step{{body: one, etag: `"e1"`}}, step{body: one, etag: `"e1"`}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || !out.NotModified || out.Health != nil || out.Value != nil {
				t.Errorf("dry run = %+v, %v; want not modified, without a value", out, err)
			}
		}},
		{"recovered", "", []step{baseline, down, down, down}, step{body: one}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || out.Health != nil || out.Event != nil {
				t.Errorf("dry run = %+v, %v; want success, Health nil", out, err)
			}
		}},
		{"recovered with a change", "", []step{baseline, down, down, down}, step{body: edited}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || out.Health != nil || out.Event == nil {
				t.Errorf("dry run = %+v, %v; want the change, Health nil", out, err)
			}
		}},
		{"recovered, not modified", "", []step{{body: one, etag: `"e1"`}, down, down, down}, step{body: one, etag: `"e1"`}, func(t *testing.T, out *Outcome, err error) {
			if err != nil || out == nil || !out.NotModified || out.Health != nil {
				t.Errorf("dry run = %+v, %v; want not modified, Health nil", out, err)
			}
		}},
		{"failed", "", []step{baseline}, down, func(t *testing.T, out *Outcome, err error) {
			if err == nil || out != nil {
				t.Errorf("dry run = %+v, %v; want the error alone", out, err)
			}
		}},
		{"failed at alert_after", "", []step{baseline, down, down}, down, func(t *testing.T, out *Outcome, err error) {
			if err == nil || out != nil {
				t.Errorf("dry run = %+v, %v; want the error and no watch.failing", out, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &dryRunAPI{}
			srv := httptest.NewServer(api)
			defer srv.Close()
			db := openStore(t)
			st := &countingStore{DB: db}
			clock := testkit.NewFakeClock(t0)
			p := pollerWith(t, st, func(o *Options) { o.Clock = clock })
			w := newTestWatch(t, srv.URL, `key = "id"`+"\n"+tt.extra)
			ctx := context.Background()
			for _, s := range tt.setup {
				clock.Advance(time.Minute)
				api.set(s.down, s.body, s.etag)
				_, _ = p.Poll(ctx, w, PollOptions{})
			}

			mem, stored := p.State(w.Name), storedState(t, db, w.Name)
			if fails := len(tt.setup) - 1; fails > 0 && tt.setup[fails].down &&
				(mem.Failures != fails || mem.Alerted != (fails >= config.DefaultAlertAfter)) {
				t.Fatalf("set-up left %+v, want %d failures", mem, fails)
			}
			snap, _ := db.AppendSnapshot(ctx, nil, w.Name)
			events := len(queued(t, db, "hook", w.Name))
			writes, woken := st.writes(), st.commits.Load()

			// Two hours on: a real poll would also store the poll times.
			clock.Advance(2 * time.Hour)
			api.set(tt.dry.down, tt.dry.body, tt.dry.etag)
			out, err := p.Poll(ctx, w, PollOptions{DryRun: true})
			tt.check(t, out, err)

			if n := st.writes() - writes; n != 0 {
				t.Errorf("dry run made %d database writes, want 0", n)
			}
			if n := st.commits.Load() - woken; n != 0 {
				t.Errorf("dry run woke the dispatcher %d times", n)
			}
			if got := p.State(w.Name); !reflect.DeepEqual(got, mem) {
				t.Errorf("dry run changed the state in memory:\n got %+v\nwant %+v", got, mem)
			}
			if got := storedState(t, db, w.Name); !reflect.DeepEqual(got, stored) {
				t.Errorf("dry run changed the stored state:\n got %+v\nwant %+v", got, stored)
			}
			if got, _ := db.AppendSnapshot(ctx, nil, w.Name); string(got) != string(snap) {
				t.Errorf("dry run replaced the snapshot: %s, want %s", got, snap)
			}
			if got := len(queued(t, db, "hook", w.Name)); got != events {
				t.Errorf("dry run queued %d events", got-events)
			}
		})
	}
}
