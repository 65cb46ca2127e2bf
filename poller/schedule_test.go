package poller

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
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
	clock.WaitWaiters(t, 1) // scheduled
	var at []time.Time
	for _, w := range cfg.Watches {
		at = append(at, p.NextRun(w.Name))
	}
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
	clock.WaitWaiters(t, 1) // scheduled
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

// TestPoller_RunIdleWatchesHoldNoGoroutine: a thousand watches waiting
// for their time cost entries in the scheduler's heap, not a goroutine
// each. Not parallel: it counts the process's goroutines.
func TestPoller_RunIdleWatchesHoldNoGoroutine(t *testing.T) {
	clock := testkit.NewFakeClock(t0)
	cfg := parseConfig(t, watchTables(1000, "https://api.example/", `schedule = "@every 1m"`), nil)
	p := pollerWith(t, openStore(t), func(o *Options) { o.Clock = clock })
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, ctx, cfg.Watches)
	}()
	clock.WaitWaiters(t, 1) // scheduled, none due yet
	for _, w := range cfg.Watches {
		if p.NextRun(w.Name).IsZero() {
			t.Fatalf("%s is not scheduled", w.Name)
		}
	}
	if n := runtime.NumGoroutine() - before; n > 10 {
		t.Errorf("1,000 idle watches hold %d goroutines, want a few", n)
	}
	cancel()
	<-done
}

// blockingAPI answers each request once release is closed, and sends its
// path on hits as it arrives.
func blockingAPI(t *testing.T) (srv *httptest.Server, hits chan string, release func()) {
	t.Helper()
	hits = make(chan string, 100)
	gate := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	release = sync.OnceFunc(func() { close(gate) })
	t.Cleanup(srv.Close)
	t.Cleanup(release) // before the server closes: it waits for its handlers
	return srv, hits, release
}

// TestPoller_RunShutdown: once ctx ends, Run returns only after the
// polls in flight have ended (the baseline of the one blocked is
// stored); cancelling work cuts them short.
func TestPoller_RunShutdown(t *testing.T) {
	t.Parallel()
	for _, cut := range []bool{false, true} {
		t.Run(map[bool]string{false: "polls in flight end", true: "work cancelled"}[cut], func(t *testing.T) {
			t.Parallel()
			srv, hits, release := blockingAPI(t)
			db := openStore(t)
			clock := testkit.NewFakeClock(t0)
			p := pollerWith(t, db, func(o *Options) { o.Clock = clock })
			w := newTestWatch(t, srv.URL+"/a", "")
			ctx, cancel := context.WithCancel(context.Background())
			work, cancelWork := context.WithCancel(context.Background())
			defer cancelWork()
			done := make(chan struct{})
			go func() {
				defer close(done)
				p.Run(ctx, work, []*config.Watch{w})
			}()
			clock.AdvanceTo(clock.WaitWaiters(t, 1)[0])
			<-hits // the poll is in flight
			cancel()
			if cut {
				cancelWork()
				<-done
				if st := storedState(t, db, "w"); st.Baseline || st.Failures != 0 {
					t.Errorf("a poll cut short by shutdown stored %+v", st)
				}
				return
			}
			release()
			<-done
			if st := storedState(t, db, "w"); !st.Baseline {
				t.Errorf("Run returned before its poll in flight ended: stored %+v", st)
			}
		})
	}
}

// TestPoller_ApplyWhilePolling: a watch changed while it is polled
// finishes that poll under its old settings, then polls with its new
// ones; a watch removed is not polled again, and one added is.
func TestPoller_ApplyWhilePolling(t *testing.T) {
	t.Parallel()
	srv, hits, release := blockingAPI(t)
	db := openStore(t)
	clock := testkit.NewFakeClock(t0)
	p := pollerWith(t, db, func(o *Options) { o.Clock = clock })
	old := newTestWatch(t, srv.URL+"/a", `schedule = "@every 1m"`)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, ctx, []*config.Watch{old})
	}()
	defer func() { cancel(); <-done }()
	clock.AdvanceTo(clock.WaitWaiters(t, 1)[0])
	if got := <-hits; got != "/a" {
		t.Fatalf("first poll of %s", got)
	}
	changed := newTestWatch(t, srv.URL+"/b", `schedule = "@every 1m"`)
	p.Apply([]*config.Watch{changed})
	release()
	// The new settings need a baseline: polled within startSpread.
	if next := advanceToRun(t, clock, p, "w"); next.After(t0.Add(2 * startSpread)) {
		t.Errorf("the changed watch is polled at +%v, want a baseline at once", next.Sub(t0))
	}
	if got := <-hits; got != "/b" {
		t.Fatalf("after the change, a poll of %s, want /b", got)
	}
	added := parseConfig(t, watchTables(1, srv.URL+"/c"), nil).Watches[0]
	p.Apply([]*config.Watch{added})
	if !p.NextRun("w").IsZero() {
		t.Errorf("removed watch still scheduled at %v", p.NextRun("w"))
	}
	for range 4 { // w would be due by the third
		advanceToRun(t, clock, p, "w0")
		if got := <-hits; got != "/c" {
			t.Fatalf("removed watch polled (%s)", got)
		}
	}
}

// advanceToRun moves the clock to the next run of a watch, once the
// scheduler has planned it (after any poll of it in flight) and set its
// timer for it, and returns that time.
func advanceToRun(t *testing.T, clock *testkit.FakeClock, p *Poller, name string) time.Time {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if next := p.NextRun(name); next.After(clock.Now()) && slices.ContainsFunc(clock.WaitWaiters(t, 1), next.Equal) {
			clock.AdvanceTo(next)
			return next
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("%s: no timer set for its next run", name)
	return time.Time{}
}

// TestPoller_RunSameMomentInNameOrder: watches due at the same moment
// are polled in the order of their names, whatever their order in the
// file, so that a storm's commits reach the database in its key order.
func TestPoller_RunSameMomentInNameOrder(t *testing.T) {
	t.Parallel()
	clock := testkit.NewFakeClock(t0)
	hits := make(chan string, 100)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits <- r.URL.Path
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(srv.Close)
	const n = 40
	var src strings.Builder
	src.WriteString("[[target]]\nname = \"hook\"\nurl = \"https://receiver.example/hook\"\n")
	var want []string
	for i := range n {
		// The file lists them in an order far from their names'.
		k := (i * 17) % n
		fmt.Fprintf(&src, "\n[[watch]]\nname = \"w%02d\"\nurl = \"%s/w%02d\"\nnotify = [\"hook\"]\nschedule = \"@every 1m\"\n", k, srv.URL, k)
		want = append(want, fmt.Sprintf("/w%02d", i))
	}
	cfg := parseConfig(t, src.String(), nil)
	db := openStore(t)
	for _, w := range cfg.Watches {
		hasBaseline(t, db, w, Identity(w))
	}
	// One poll at a time: the order of the requests is the order of the
	// polls.
	p := pollerWith(t, db, func(o *Options) { o.Clock, o.MaxPerHost, o.MaxConcurrent = clock, 1, 1 })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.Run(ctx, ctx, cfg.Watches)
	}()
	defer func() { cancel(); <-done }()
	clock.WaitWaiters(t, 1)
	for _, w := range cfg.Watches {
		if got := p.NextRun(w.Name); !got.Equal(t0.Add(time.Minute)) {
			t.Fatalf("%s runs at +%v, want +1m like the rest", w.Name, got.Sub(t0))
		}
	}
	clock.Advance(time.Minute)
	var got []string
	for range n {
		select {
		case path := <-hits:
			got = append(got, path)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d polls of %d after 10s: %v", len(got), n, got)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("polled in the order\n%v\nwant the names' order\n%v", got, want)
	}
}
