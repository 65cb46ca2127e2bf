package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
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
