package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// dbSource is the daemon as the page sees it, over a real database: the
// stored watch states stand for the poller's, every hundredth watch
// failing.
type dbSource struct {
	cfg    *config.Config
	db     *store.DB
	states map[string]store.WatchState
	now    time.Time
}

func (s *dbSource) Config() *config.Config { return s.cfg }

func (s *dbSource) WatchState(name string) store.WatchState { return s.states[name] }

func (s *dbSource) NextRun(string) time.Time { return s.now.Add(time.Minute) }

func (s *dbSource) History(ctx context.Context, watch string, limit int) ([][]byte, error) {
	return s.db.History(ctx, watch, limit)
}

func (s *dbSource) Recent(ctx context.Context, o store.RecentOptions) ([][]byte, error) {
	return s.db.Recent(ctx, o)
}

func (s *dbSource) Deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	return s.db.Deliveries(ctx, f)
}

func (s *dbSource) TargetStates(ctx context.Context) (map[string]store.TargetState, error) {
	return s.db.TargetStates(ctx)
}

func (s *dbSource) OutboxCounts(ctx context.Context) (map[string]store.OutboxCount, error) {
	return s.db.OutboxCounts(ctx)
}

func (s *dbSource) Subscriptions(context.Context) ([]store.App, []store.Endpoint, error) {
	return nil, nil, nil
}

func (s *dbSource) Redeliver(context.Context, store.Filter) ([]store.Delivery, error) {
	return nil, errors.New("not in the benchmark")
}

func (s *dbSource) Poll(context.Context, string) (inspect.Polled, error) {
	return inspect.Polled{}, errors.New("not in the benchmark")
}

// fleet is a database of watches watches with events change events in
// all (as testkit.FillOutbox writes them, outside the race detector, a
// few thousand a transaction), every one delivered to hook but the newest
// of every tenth watch, and the configuration of those watches.
func fleet(b *testing.B, watches, events int) *dbSource {
	b.Helper()
	path := filepath.Join(b.TempDir(), "fleet.db")
	testkit.FillOutbox(b, path, events, watches, "hook")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ctx := context.Background()
	pending, err := db.Deliveries(ctx, store.Filter{State: store.StatePending})
	if err != nil {
		b.Fatal(err)
	}
	newest := map[string]uint64{}
	for _, d := range pending {
		newest[d.Watch] = max(newest[d.Watch], d.Seq)
	}
	now := time.Now()
	var rs []store.Result
	for i, d := range pending {
		var n int
		fmt.Sscanf(d.Watch, "watch-%d", &n)
		if n%10 == 0 && d.Seq == newest[d.Watch] {
			continue
		}
		rs = append(rs, store.Result{EventID: d.EventID, Target: "hook", State: store.StateDelivered,
			Attempt: store.Attempt{At: now.Add(time.Duration(i)), Status: 204}})
		if len(rs) == 5000 {
			if err := db.Record(ctx, rs...); err != nil {
				b.Fatal(err)
			}
			rs = rs[:0]
		}
	}
	if err := db.Record(ctx, rs...); err != nil {
		b.Fatal(err)
	}

	var src strings.Builder
	src.WriteString("[[target]]\nname = \"hook\"\nurl = \"https://hooks.example/hook\"\n")
	for w := range watches {
		fmt.Fprintf(&src, "\n[[watch]]\nname = \"watch-%03d\"\nurl = \"https://api.example/watch-%03d\"\nschedule = \"@every 1m\"\nnotify = [\"hook\"]\n", w, w)
	}
	cfg, err := config.Parse("fleet.toml", []byte(src.String()), func(string) (string, bool) { return "", false })
	if err != nil {
		b.Fatal(err)
	}
	states, err := db.WatchStates(ctx)
	if err != nil {
		b.Fatal(err)
	}
	for w := 0; w < watches; w += 100 {
		name := fmt.Sprintf("watch-%03d", w)
		st := states[name]
		st.Failures, st.FailingSince, st.LastError = 3, now.Add(-time.Hour), "HTTP 503"
		states[name] = st
	}
	for name, st := range states {
		st.LastPoll = now.Add(-30 * time.Second)
		states[name] = st
	}
	return &dbSource{cfg: cfg, db: db, states: states, now: now}
}

// BenchmarkStatusPage renders the status page's first view (GET /) of a
// fleet of 10,000 watches and 100,000 events: ns/op, and its size in
// html-bytes.
func BenchmarkStatusPage(b *testing.B) {
	src := fleet(b, 10_000, 100_000)
	p, err := New(src, "dev", slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	size := 0
	for b.Loop() {
		w := httptest.NewRecorder()
		p.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 200 || strings.Contains(w.Body.String(), `class="problem"`) {
			b.Fatalf("GET /: %d\n%.2000s", w.Code, w.Body.String())
		}
		size = w.Body.Len()
	}
	b.ReportMetric(float64(size), "html-bytes")
}
