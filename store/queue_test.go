package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// queueBucket reports whether the bucket of queue target/watch exists.
func queueBucket(t *testing.T, db *DB, target, watch string) bool {
	t.Helper()
	var found bool
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		tb := tx.Bucket(bucketQueue).Bucket([]byte(target))
		found = tb != nil && tb.Bucket([]byte(watch)) != nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return found
}

func commitSeqs(t *testing.T, db *DB, watch string, from, to uint64, targets ...string) {
	t.Helper()
	for seq := from; seq <= to; seq++ {
		err := db.CommitEvent(context.Background(), Commit{Watch: watch, State: WatchState{Seq: seq},
			EventID: fmt.Sprintf("msg_%s_%d", watch, seq), Payload: []byte(`{}`), Time: time.Now(), Targets: targets})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestRecord_RemovesEmptyQueueBucket: the last delivery of a queue to
// leave it, delivered or dead, takes the queue's bucket with it, so that
// Queues lists the queues with work only; the next commit makes it again.
func TestRecord_RemovesEmptyQueueBucket(t *testing.T) {
	for _, last := range []string{StateDelivered, StateFailed} {
		t.Run(last, func(t *testing.T) {
			db := openTest(t)
			ctx := context.Background()
			commitSeqs(t, db, "w", 1, 2, "t")
			commitSeqs(t, db, "v", 1, 1, "t")
			now := time.Now()
			if err := db.Record(ctx, Result{EventID: "msg_w_1", Target: "t", State: StateDelivered, Attempt: Attempt{At: now}}); err != nil {
				t.Fatal(err)
			}
			if !queueBucket(t, db, "t", "w") {
				t.Fatal("queue t/w removed while it still holds seq 2")
			}
			if err := db.Record(ctx, Result{EventID: "msg_w_2", Target: "t", State: last, Attempt: Attempt{At: now}}); err != nil {
				t.Fatal(err)
			}
			if queueBucket(t, db, "t", "w") {
				t.Error("queue t/w kept after its last delivery left it")
			}
			queues, err := db.Queues(ctx)
			if err != nil || len(queues) != 1 || queues[0] != (Queue{Target: "t", Watch: "v"}) {
				t.Errorf("queues = %+v, %v; want t/v only", queues, err)
			}
			commitSeqs(t, db, "w", 3, 3, "t")
			p, err := db.Pending(ctx, Queue{Target: "t", Watch: "w"}, 10)
			if err != nil || len(p) != 1 || p[0].Seq != 3 {
				t.Errorf("pending after a new commit = %+v, %v; want seq 3", p, err)
			}
		})
	}
}

// TestRecord_SharedBatchKeepsAppend: a delivery that empties its queue and
// a commit that appends to it, in one transaction in either order, leave
// the new entry queued.
func TestRecord_SharedBatchKeepsAppend(t *testing.T) {
	tests := []struct {
		name        string
		commitFirst bool
	}{
		{"commit first", true},
		{"record first", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openTest(t)
			commitSeqs(t, db, "w", 1, 1, "t")
			c := Commit{Watch: "w", State: WatchState{Seq: 2}, EventID: "msg_w_2", Payload: []byte(`{}`),
				Time: time.Now(), Targets: []string{"t"}}
			var e encodedCommit
			if err := e.encode(&c); err != nil {
				t.Fatal(err)
			}
			r := Result{EventID: "msg_w_1", Target: "t", State: StateDelivered, Attempt: Attempt{At: time.Now()}}
			err := db.update(func(tx *bolt.Tx) error {
				if tt.commitFirst {
					if err := e.commit(db, tx); err != nil {
						return err
					}
					return record(tx, r)
				}
				if err := record(tx, r); err != nil {
					return err
				}
				return e.commit(db, tx)
			})
			if err != nil {
				t.Fatal(err)
			}
			p, err := db.Pending(context.Background(), Queue{Target: "t", Watch: "w"}, 10)
			if err != nil || len(p) != 1 || p[0].Seq != 2 {
				t.Errorf("pending = %+v, %v; want seq 2", p, err)
			}
		})
	}
}

// TestPrune_RemovesEmptyQueueBuckets: the empty queue buckets an older
// pollhook kept go at the next prune; queues with work stay.
func TestPrune_RemovesEmptyQueueBuckets(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	commitSeqs(t, db, "busy", 1, 1, "t")
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		for _, w := range []string{"old1", "old2"} {
			if _, err := nested(tx.Bucket(bucketQueue), true, "t", w); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	stats, err := db.Prune(ctx, time.Now(), time.Hour, 100)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Queues != 2 {
		t.Errorf("pruned %d empty queues, want 2", stats.Queues)
	}
	for _, w := range []string{"old1", "old2"} {
		if queueBucket(t, db, "t", w) {
			t.Errorf("empty queue t/%s kept", w)
		}
	}
	if !queueBucket(t, db, "t", "busy") {
		t.Error("queue t/busy, which has work, removed")
	}
}
