package store

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/pollhook/pollhook/internal/testkit"
)

// BenchmarkCommitEvent measures commits of change events, each to its own
// watch with a 5 KB snapshot and one delivery, from 32 goroutines per CPU
// at once (64 on two, the poller's max_concurrent), as a storm of changes
// makes them: ns/op is the time per commit.
func BenchmarkCommitEvent(b *testing.B) {
	db, err := Open(b.TempDir()+"/bench.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	snapshot := make([]byte, 5000)
	payload := make([]byte, 1500)
	var n atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			err := db.CommitEvent(context.Background(), Commit{
				Watch: fmt.Sprintf("w%d", i), State: WatchState{Baseline: true, Seq: 1}, Snapshot: snapshot,
				EventID: fmt.Sprintf("msg_%d", i), Payload: payload, Time: time.Now(), Targets: []string{"hook"},
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRecord measures Record of one result at a time from one
// goroutine, as the dispatcher's recorder calls it when deliveries trickle
// in: ns/op is the time until the result is stored.
func BenchmarkRecord(b *testing.B) {
	db, err := Open(b.TempDir()+"/bench.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for i := range b.N {
		err := db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: uint64(i + 1)},
			EventID: fmt.Sprintf("msg_%d", i), Payload: []byte(`{}`), Time: time.Now(), Targets: []string{"hook"}})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := range b.N {
		err := db.Record(ctx, Result{EventID: fmt.Sprintf("msg_%d", i), Target: "hook", State: StateDelivered,
			Attempt: Attempt{At: time.Now(), Status: 204}})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDeliveries measures what `pollhook deliveries --watch W` (limit
// 100) and `--state pending` (no limit: the CLI decides after which
// pending ones show as disabled) ask of the store, over 100,000 events of
// 1,000 watches to one target, all delivered but the last event of every
// tenth watch.
func BenchmarkDeliveries(b *testing.B) {
	const watches, perWatch = 1000, 100
	db, err := Open(b.TempDir()+"/bench.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	now := time.Now()
	payload := make([]byte, 500)
	for seq := uint64(1); seq <= perWatch; seq++ {
		cs := make([]Commit, 0, watches)
		rs := make([]Result, 0, watches)
		for w := range watches {
			id := fmt.Sprintf("msg_%03d_%04d", seq, w)
			cs = append(cs, Commit{Watch: fmt.Sprintf("w%04d", w), State: WatchState{Seq: seq}, EventID: id,
				Payload: payload, Time: now, Targets: []string{"hook"}})
			if seq < perWatch || w%10 != 0 {
				rs = append(rs, Result{EventID: id, Target: "hook", State: StateDelivered, Attempt: Attempt{At: now, Status: 204}})
			}
		}
		if err := db.CommitEvents(ctx, cs...); err != nil {
			b.Fatal(err)
		}
		if err := db.Record(ctx, rs...); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		f    Filter
		want int
	}{
		{"watch", Filter{Watch: "w0500", Limit: 100}, perWatch},
		{"pending", Filter{State: StatePending}, watches / 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				ds, err := db.Deliveries(ctx, bc.f)
				if err != nil || len(ds) != bc.want {
					b.Fatalf("%d deliveries, %v; want %d", len(ds), err, bc.want)
				}
			}
		})
	}
}

// BenchmarkStorm measures what a change storm asks of the store, per
// change: 10,000 watches with a 5 KB snapshot each, then changes of them
// in turn committed from 64 goroutines at once (the poller's
// max_concurrent), each followed by its delivery's read and result, as
// the dispatcher makes them. ns/op is the store's time per change.
func BenchmarkStorm(b *testing.B) {
	const watches = 10000
	db, err := Open(b.TempDir()+"/bench.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	snapshot := bytes.Repeat([]byte("x"), 5000)
	payload := bytes.Repeat([]byte("y"), 600)
	now := time.Now()
	err = db.update(func(tx *bolt.Tx) error {
		for w := range watches {
			name := []byte(fmt.Sprintf("w%d", w))
			s := WatchState{Baseline: true, Format: "json", Sum: uint64(w), LastPoll: now, LastSuccess: now}
			if err := tx.Bucket(bucketSnapshots).Put(name, snapshot); err != nil {
				return err
			}
			if err := putJSON(tx.Bucket(bucketWatches), name, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.SetParallelism(32)
	b.ReportAllocs()
	cpu := testkit.ProcessCPU(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			watch, id := fmt.Sprintf("w%d", i%watches), fmt.Sprintf("msg_%012d", i)
			s := WatchState{Baseline: true, Format: "json", Sum: uint64(i), Seq: uint64(i/watches + 1),
				LastPoll: now, LastSuccess: now, LastChange: now}
			err := db.CommitEvents(ctx, Commit{Watch: watch, State: s, Snapshot: snapshot,
				EventID: id, Payload: payload, Time: now, Targets: []string{"hook"}})
			if err != nil {
				b.Error(err)
				return
			}
			p, err := db.Pending(ctx, Queue{Target: "hook", Watch: watch}, 64)
			if err != nil || len(p) != 1 {
				b.Errorf("pending: %d, %v", len(p), err)
				return
			}
			err = db.Record(ctx, Result{EventID: id, Target: "hook", State: StateDelivered,
				Attempt: Attempt{At: time.Now(), Status: 204, Latency: time.Millisecond}})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(testkit.ProcessCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
}

// BenchmarkCommitEvent_Endpoints is BenchmarkCommitEvent of a
// subscribable watch, with 0, 10 and 100 active endpoints subscribed to
// every watch: what choosing and queueing the endpoints' deliveries in the
// commit's transaction costs.
func BenchmarkCommitEvent_Endpoints(b *testing.B) {
	for _, n := range []int{0, 10, 100} {
		b.Run(fmt.Sprintf("endpoints=%d", n), func(b *testing.B) {
			db, err := Open(b.TempDir()+"/bench.db", Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ctx := context.Background()
			app, err := db.CreateApp(ctx, App{Name: "bench"})
			if err != nil {
				b.Fatal(err)
			}
			for range n {
				if _, err := db.CreateEndpoint(ctx, Endpoint{App: app.ID, URL: "https://c.example/h", Status: EndpointActive}, 0); err != nil {
					b.Fatal(err)
				}
			}
			snapshot, payload := make([]byte, 5000), make([]byte, 1500)
			var i atomic.Int64
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := i.Add(1)
					err := db.CommitEvent(ctx, Commit{
						Watch: fmt.Sprintf("w%d", k), State: WatchState{Baseline: true, Seq: 1}, Snapshot: snapshot,
						EventID: fmt.Sprintf("msg_%d", k), Payload: payload, Time: time.Now(), Targets: []string{"hook"},
						Type: "watch.changed", Subscribable: true,
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkWatchStates reads the states of 10,000 watches, as a daemon or
// pollhook once does when it opens the database: each as a no-change poll
// leaves it (a baseline, its sums, validators and poll times).
func BenchmarkWatchStates(b *testing.B) {
	db, err := Open(b.TempDir()+"/bench.db", Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	err = db.update(func(tx *bolt.Tx) error {
		for i := range 10_000 {
			s := WatchState{Baseline: true, Format: "json", Sum: uint64(i) * 7919, Identity: "0123456789abcdef", Seq: 3,
				AnswerSum: uint64(i) * 104729, ValueType: "object", ValueLen: 3, ETag: `W/"abc"`, LastPoll: now, LastSuccess: now}
			if err := putRecord(tx.Bucket(bucketWatches), fmt.Appendf(nil, "w%d", i), &s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		states, err := db.WatchStates(context.Background())
		if err != nil || len(states) != 10_000 {
			b.Fatalf("%d states, %v", len(states), err)
		}
	}
}
