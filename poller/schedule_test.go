package poller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

func TestPoller_nextRun(t *testing.T) {
	t.Parallel()
	noon := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	midnight := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		schedule string
		last     time.Time // LastPoll; now is one second later
		failures int
		paused   time.Time
		want     time.Time
	}{
		{"healthy: the schedule", "*/5 * * * *", noon, 0, time.Time{}, noon.Add(5 * time.Minute)},
		{"1 failure: 2 intervals", "*/5 * * * *", noon, 1, time.Time{}, noon.Add(10 * time.Minute)},
		{"2 failures: 4 intervals", "*/5 * * * *", noon, 2, time.Time{}, noon.Add(20 * time.Minute)},
		{"3 failures: 8 intervals", "*/5 * * * *", noon, 3, time.Time{}, noon.Add(40 * time.Minute)},
		{"4 failures: capped at 1h", "*/5 * * * *", noon, 4, time.Time{}, noon.Add(time.Hour)},
		{"60 failures: still 1h", "*/5 * * * *", noon, 60, time.Time{}, noon.Add(time.Hour)},
		{"@every 30s, 3 failures", "@every 30s", noon, 3, time.Time{}, noon.Add(4 * time.Minute)},
		{"@every 30s, 10 failures: 1h", "@every 30s", noon, 10, time.Time{}, noon.Add(time.Hour)},
		{"hourly, 1 failure: capped at the interval", "@hourly", noon, 1, time.Time{}, noon.Add(time.Hour)},
		{"daily: backoff never beyond the interval", "@daily", midnight, 5, time.Time{}, midnight.Add(24 * time.Hour)},
		{"every 2h: cap is the interval", "0 */2 * * *", noon, 3, time.Time{}, noon.Add(2 * time.Hour)},
		{"paused beyond the schedule", "*/5 * * * *", noon, 0, noon.Add(17 * time.Minute), noon.Add(17 * time.Minute)},
		{"paused less than the backoff", "*/5 * * * *", noon, 2, noon.Add(7 * time.Minute), noon.Add(20 * time.Minute)},
		{"pause already over", "*/5 * * * *", noon, 0, noon.Add(-time.Hour), noon.Add(5 * time.Minute)},
	}
	p := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newTestWatch(t, "https://api.example/", `schedule = "`+tt.schedule+`"`)
			st := store.WatchState{LastPoll: tt.last, Failures: tt.failures, PausedUntil: tt.paused}
			if got := p.nextRun(w, tt.last.Add(time.Second), st); !got.Equal(tt.want) {
				t.Errorf("next run = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestPoller_loopBackoff runs the scheduler against a failing API on a
// fake clock: the gaps between polls double up to 1h, and the first
// success brings back the schedule.
func TestPoller_loopBackoff(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var hits []time.Time
	failing := true
	clock := testkit.NewFakeClock(t0)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		hits = append(hits, clock.Now())
		if failing {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	db := openStore(t)
	w := newTestWatch(t, srv.URL, `schedule = "@every 1m"`)
	hasBaseline(t, db, w, Identity(w)) // else its first poll comes at start
	p := pollerWith(t, db, func(o *Options) { o.Clock = clock })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, ctx, []*config.Watch{w})
	}()
	defer func() { cancel(); <-done }()

	// Each step: the loop waits; fire its timer; the poll happens.
	step := func() time.Time {
		at := clock.WaitWaiters(t, 1)[0]
		clock.AdvanceTo(at)
		return at
	}
	// Polls at +1m (fails: 1), +3m (2), +7m (3), +15m (4), +31m (5),
	// +63m (6), then capped 1h: +123m (7), +183m (8).
	wantMin := []int{1, 3, 7, 15, 31, 63, 123, 183}
	for i, m := range wantMin {
		if at := step(); !at.Equal(t0.Add(time.Duration(m) * time.Minute)) {
			t.Fatalf("poll %d at +%v, want +%dm", i+1, at.Sub(t0), m)
		}
	}
	// The API is back: the poll after the next waits only for the schedule.
	clock.WaitWaiters(t, 1)
	mu.Lock()
	failing = false
	mu.Unlock()
	if at := step(); !at.Equal(t0.Add(243 * time.Minute)) {
		t.Fatalf("poll 9 at +%v, want +243m", at.Sub(t0))
	}
	if at := step(); !at.Equal(t0.Add(244 * time.Minute)) {
		t.Fatalf("after a success, next poll at +%v, want +244m (the schedule again)", at.Sub(t0))
	}
	clock.WaitWaiters(t, 1)
	mu.Lock()
	n := len(hits)
	mu.Unlock()
	if n != 10 {
		t.Errorf("API hit %d times, want 10", n)
	}
	if f := p.State("w").Failures; f != 0 {
		t.Errorf("failures = %d after success, want 0", f)
	}
}

// TestPoller_loopReportsLag: a scheduled poll's report says how long
// after it was due it started; a poll by hand's says it was not scheduled.
func TestPoller_loopReportsLag(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	db := openStore(t)
	w := newTestWatch(t, srv.URL, `schedule = "@every 1m"`)
	hasBaseline(t, db, w, Identity(w))
	clock := testkit.NewFakeClock(t0)
	reports := make(chan PollReport, 10)
	p := pollerWith(t, db, func(o *Options) {
		o.Clock = clock
		o.Observe = func(r PollReport) { reports <- r }
	})

	mustPoll(t, p, w)
	if r := <-reports; r.Scheduled || r.Late != 0 {
		t.Errorf("a poll by hand reported %+v, want no schedule", r)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, ctx, []*config.Watch{w})
	}()
	defer func() { cancel(); <-done }()
	due := clock.WaitWaiters(t, 1)[0]
	clock.AdvanceTo(due.Add(5 * time.Second))
	if r := <-reports; !r.Scheduled || r.Late != 5*time.Second {
		t.Errorf("a scheduled poll started 5s late reported %+v", r)
	}
}

func TestJitter(t *testing.T) {
	t.Parallel()
	const limit = 30 * time.Second
	lo, hi := limit, time.Duration(0)
	for range 5000 {
		j := jitter(limit)
		if j < 0 || j > limit {
			t.Fatalf("jitter %v out of [0, %v]", j, limit)
		}
		lo, hi = min(lo, j), max(hi, j)
	}
	if lo > 3*time.Second || hi < 27*time.Second {
		t.Errorf("jitter spans [%v, %v]: not spread over [0, %v]", lo, hi, limit)
	}
	if jitter(0) != 0 {
		t.Error("jitter(0) != 0")
	}
}

// TestPoller_loopJitter checks that watches on one schedule are spread
// over the jitter window.
func TestPoller_loopJitter(t *testing.T) {
	t.Parallel()
	clock := testkit.NewFakeClock(t0)
	cfg := parseConfig(t, `
[defaults]
schedule = "*/5 * * * *"
jitter = "30s"
`+watchTables(20, "https://api.example/"), nil)
	db := openStore(t)
	for _, w := range cfg.Watches {
		hasBaseline(t, db, w, Identity(w))
	}
	p := pollerWith(t, db, func(o *Options) { o.Clock = clock })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, ctx, cfg.Watches)
	}()
	at := clock.WaitWaiters(t, 20)
	cancel()
	<-done
	tick := t0.Add(5 * time.Minute)
	distinct := map[time.Time]bool{}
	for _, a := range at {
		if a.Before(tick) || a.After(tick.Add(30*time.Second)) {
			t.Errorf("run at %v, want within [%v, +30s]", a, tick)
		}
		distinct[a] = true
	}
	if len(distinct) < 10 {
		t.Errorf("20 watches on one schedule start at only %d distinct times", len(distinct))
	}
}

// hasBaseline stores a baseline for a watch, as an earlier poll would.
// hasBaseline stores a baseline for w, taken an hour before t0 with the
// settings identity (Identity(w): w's own).
func hasBaseline(t *testing.T, db *store.DB, w *config.Watch, identity string) {
	t.Helper()
	s := store.WatchState{Baseline: true, LastPoll: t0.Add(-time.Hour), Identity: identity}
	if err := db.SaveState(context.Background(), w.Name, s, []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
}

// TestPoller_firstPollAtStart: watches never polled are polled within the
// first seconds, each at its own moment, whatever their schedule, and so
// is one whose baseline was taken with other settings (its url changed):
// a watch with a baseline keeps its schedule.
func TestPoller_firstPollAtStart(t *testing.T) {
	t.Parallel()
	clock := testkit.NewFakeClock(t0)
	cfg := parseConfig(t, `
[defaults]
schedule = "*/10 * * * *"
`+watchTables(20, "https://api.example/"), nil)
	db := openStore(t)
	hasBaseline(t, db, cfg.Watches[0], Identity(cfg.Watches[0]))
	hasBaseline(t, db, cfg.Watches[1], "the settings before the url changed")
	p := pollerWith(t, db, func(o *Options) { o.Clock = clock })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, ctx, cfg.Watches)
	}()
	clock.WaitWaiters(t, 20)
	distinct := map[time.Time]bool{}
	for _, w := range cfg.Watches {
		next := p.NextRun(w.Name)
		if w.Name == "w0" {
			if !next.Equal(t0.Add(10 * time.Minute)) {
				t.Errorf("the watch with a baseline runs at +%v, want its schedule, +10m", next.Sub(t0))
			}
			continue
		}
		if next.Before(t0) || !next.Before(t0.Add(startSpread)) {
			t.Errorf("%s: first poll at +%v, want within %v of the start", w.Name, next.Sub(t0), startSpread)
		}
		distinct[next] = true
	}
	cancel()
	<-done
	if len(distinct) < 15 {
		t.Errorf("19 watches that need a baseline start at only %d distinct times", len(distinct))
	}
}
