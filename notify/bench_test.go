package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

func plainTarget(tb testing.TB, url string) *config.Target {
	tb.Helper()
	cfg, err := config.Parse("b.toml", []byte(fmt.Sprintf("[[target]]\nname = \"hook\"\nurl = %q\nsecret = %q\n", url, testkit.Secret)),
		func(string) (string, bool) { return "", false })
	if err != nil {
		tb.Fatal(err)
	}
	return cfg.Targets[0]
}

// BenchmarkDispatchThroughput measures durable delivery to a local
// receiver: every delivery's outcome is committed (fsync on) before the
// benchmark counts it, results batched into few transactions.
func BenchmarkDispatchThroughput(b *testing.B) {
	for _, watches := range []int{1, 8, 1000} {
		b.Run(fmt.Sprintf("watches=%d", watches), func(b *testing.B) {
			const events = 2000
			var got atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				got.Add(1)
				w.WriteHeader(http.StatusNoContent)
			}))
			defer srv.Close()
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				elapsed += drainOutbox(b, plainTarget(b, srv.URL), events, watches)
			}
			b.ReportMetric(float64(events*b.N)/elapsed.Seconds(), "events/s")
		})
	}
}

// drainOutbox fills an outbox with events deliveries to t from watches
// watches and runs a dispatcher until every queue is empty: the time
// that took, the only time the benchmark's timer counts.
func drainOutbox(b *testing.B, t *config.Target, events, watches int) time.Duration {
	b.Helper()
	b.StopTimer()
	path := filepath.Join(b.TempDir(), "bench.db")
	testkit.FillOutbox(b, path, events, watches, t.Name)
	db, err := store.Open(path, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	d := NewDispatcher(DispatcherOptions{Outbox: db, Targets: []*config.Target{t}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	b.StartTimer()
	start := time.Now()
	go func() { done <- d.Run(ctx, ctx) }()
	for {
		queues, err := db.Queues(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(queues) == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	cancel()
	<-done
	return elapsed
}

// pendingHeap fills an outbox with n deliveries for a target that keeps
// failing, runs a dispatcher until every queue's head has been tried, and
// returns the heap in use then, after a GC.
func pendingHeap(tb testing.TB, n int) uint64 {
	tb.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	const watches = 100
	path := filepath.Join(tb.TempDir(), "bench.db")
	testkit.FillOutbox(tb, path, n, watches, "hook")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	d := NewDispatcher(DispatcherOptions{Outbox: db, Targets: []*config.Target{plainTarget(tb, srv.URL)}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	for w := 0; w < watches; w++ {
		q := store.Queue{Target: "hook", Watch: fmt.Sprintf("watch-%03d", w)}
		for {
			head, err := db.Pending(context.Background(), q, 1)
			if err != nil {
				tb.Fatal(err)
			}
			if len(head) == 1 && head[0].Attempts > 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// BenchmarkPendingHeap measures the daemon's heap with 100,000 deliveries
// pending for a target that keeps failing: the outbox stays on disk, only
// each queue's head batch is in memory.
func BenchmarkPendingHeap(b *testing.B) {
	var peak uint64
	for i := 0; i < b.N; i++ {
		peak = max(peak, pendingHeap(b, 100_000))
	}
	b.ReportMetric(float64(peak)/(1<<20), "heap-MiB")
}

// TestDispatcher_PendingHeapBound keeps the benchmark's promise in the
// test suite: 100,000 pending deliveries stay under 50 MiB of heap. It runs
// beside the package's other tests; what they hold at the moment of the
// measurement is a few MiB, well inside the margin.
func TestDispatcher_PendingHeapBound(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("fills an outbox with 100,000 deliveries")
	}
	heap := float64(pendingHeap(t, 100_000)) / (1 << 20)
	t.Logf("100,000 pending deliveries: %.1f MiB heap in use", heap)
	if heap >= 50 {
		t.Errorf("heap %.1f MiB with 100,000 pending deliveries, want < 50 MiB", heap)
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.RemoveBinary() // filloutbox
	os.Exit(code)
}
