package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "test.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestOpen_SecondOpenerGetsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	_, err = Open(path, Options{LockTimeout: 300 * time.Millisecond})
	if !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("second open took %v", time.Since(start))
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("db file mode %v, want 0600", perm)
	}
}

func TestCommitEvent_IsAtomicAndQueued(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Now()
	if err := db.SaveState(ctx, "w", WatchState{Baseline: true, Sum: 1}, []byte(`[1]`)); err != nil {
		t.Fatal(err)
	}
	c := Commit{
		Watch: "w", State: WatchState{Baseline: true, Sum: 2, Seq: 1}, Snapshot: []byte(`[1,2]`),
		EventID: "msg_1", Payload: []byte(`{"id":"msg_1"}`), Time: now, Targets: []string{"a", "b"},
	}
	if err := db.CommitEvent(ctx, c); err != nil {
		t.Fatal(err)
	}
	states, _ := db.WatchStates(ctx)
	if s := states["w"]; s.Seq != 1 || s.Sum != 2 {
		t.Errorf("state = %+v", s)
	}
	if snap, _ := db.AppendSnapshot(ctx, nil, "w"); string(snap) != `[1,2]` {
		t.Errorf("snapshot = %s", snap)
	}
	queues, _ := db.Queues(ctx)
	if len(queues) != 2 {
		t.Fatalf("queues = %+v, want one per target", queues)
	}
	for _, q := range queues {
		p, err := db.Pending(ctx, q, 10)
		if err != nil || len(p) != 1 || string(p[0].Payload) != `{"id":"msg_1"}` || p[0].State != StatePending {
			t.Errorf("pending of %+v = %+v, %v", q, p, err)
		}
	}
	hist, _ := db.History(ctx, "w", 0)
	if len(hist) != 1 {
		t.Errorf("history = %d events", len(hist))
	}

	// A commit that cannot be complete stores nothing.
	bad := c
	bad.EventID, bad.Snapshot = "", []byte(`garbage`)
	if err := db.CommitEvent(ctx, bad); err == nil {
		t.Fatal("commit without an id accepted")
	}
	if snap, _ := db.AppendSnapshot(ctx, nil, "w"); string(snap) != `[1,2]` {
		t.Errorf("snapshot changed by a failed commit: %s", snap)
	}
}

func TestRecord_DeliveredLeavesQueue(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Now()
	for seq := uint64(1); seq <= 3; seq++ {
		err := db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: seq},
			EventID: fmt.Sprintf("msg_%d", seq), Payload: []byte(`{}`), Time: now, Targets: []string{"t"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	q := Queue{Target: "t", Watch: "w"}
	res := Result{EventID: "msg_1", Target: "t", State: StateDelivered, Attempt: Attempt{At: now, Status: 200}}
	// Recording twice (bbolt's Batch may retry) counts once.
	if err := db.Record(ctx, res, res); err != nil {
		t.Fatal(err)
	}
	d, attempts, err := db.Delivery(ctx, "msg_1", "t")
	if err != nil || d.State != StateDelivered || d.Attempts != 1 || len(attempts) != 1 {
		t.Fatalf("delivery = %+v %+v %v", d, attempts, err)
	}
	p, _ := db.Pending(ctx, q, 10)
	if len(p) != 2 || p[0].EventID != "msg_2" {
		t.Fatalf("queue after delivery = %+v, want msg_2, msg_3", p)
	}
	if err := db.Record(ctx, Result{EventID: "msg_2", Target: "t", State: StateFailed, Attempt: Attempt{At: now, Status: 500}}); err != nil {
		t.Fatal(err)
	}
	failed, _ := db.Deliveries(ctx, Filter{State: StateFailed})
	if len(failed) != 1 || failed[0].EventID != "msg_2" {
		t.Fatalf("failed = %+v", failed)
	}

	counts, err := db.OutboxCounts(ctx)
	if err != nil || counts["t"] != (OutboxCount{Pending: 1, Failed: 1}) {
		t.Fatalf("outbox counts = %+v, %v; want 1 pending, 1 failed", counts, err)
	}

	// Redeliver puts the dead letter back at its place in the queue.
	again, err := db.Redeliver(ctx, Filter{State: StateFailed}, now)
	if err != nil || len(again) != 1 {
		t.Fatalf("redeliver = %+v, %v", again, err)
	}
	p, _ = db.Pending(ctx, q, 10)
	if len(p) != 2 || p[0].EventID != "msg_2" || p[0].Attempts != 0 {
		t.Fatalf("queue after redeliver = %+v", p)
	}
	if counts, _ := db.OutboxCounts(ctx); counts["t"] != (OutboxCount{Pending: 2}) {
		t.Errorf("outbox counts after redeliver = %+v", counts)
	}
	if err := db.CommitEvent(ctx, Commit{Watch: "v", State: WatchState{Seq: 1}, EventID: "msg_v1", Payload: []byte(`{}`),
		Time: now, Targets: []string{"t", "u"}}); err != nil {
		t.Fatal(err)
	}
	if per, err := db.PendingByWatch(ctx); err != nil || len(per) != 2 || per["w"] != 2 || per["v"] != 2 {
		t.Errorf("pending by watch = %v, %v; want w 2 (to t), v 2 (to t and u)", per, err)
	}
	if dead, _ := db.Deliveries(ctx, Filter{State: StateFailed}); len(dead) != 0 {
		t.Errorf("failed after redeliver = %+v", dead)
	}
}

func TestOpen_RefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchema, u64(SchemaVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(path, Options{}); err == nil {
		t.Fatal("opened a file with a newer schema")
	}
}

func TestPrune(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	// Six events of one watch: 1-3 forty days old, 4-6 new. Event 2 is
	// still pending, event 3 failed; the others were delivered.
	for seq := uint64(1); seq <= 6; seq++ {
		at := now.Add(-40 * 24 * time.Hour)
		if seq > 3 {
			at = now.Add(-time.Hour)
		}
		id := fmt.Sprintf("msg_%d", seq)
		payload := fmt.Sprintf(`{"id":%q,"timestamp":%q}`, id, at.Format(time.RFC3339))
		if err := db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: seq}, EventID: id,
			Payload: []byte(payload), Time: at, Targets: []string{"t"}}); err != nil {
			t.Fatal(err)
		}
		state := StateDelivered
		switch seq {
		case 2:
			continue
		case 3:
			state = StateFailed
		}
		if err := db.Record(ctx, Result{EventID: id, Target: "t", State: state, Attempt: Attempt{At: at}}); err != nil {
			t.Fatal(err)
		}
	}
	stats, err := db.Prune(ctx, now, 30*24*time.Hour, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Events != 1 || stats.Deliveries != 1 {
		t.Errorf("pruned %+v, want only event 1 (old and delivered)", stats)
	}
	if _, err := db.Event(ctx, "msg_1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("event 1 still there: %v", err)
	}
	for _, id := range []string{"msg_2", "msg_3", "msg_4"} {
		if _, err := db.Event(ctx, id); err != nil {
			t.Errorf("%s pruned: %v (pending and failed are kept, new ones too)", id, err)
		}
	}
	// history = 2: the oldest settled events beyond two go, whatever their age.
	if _, err := db.Prune(ctx, now, 30*24*time.Hour, 2); err != nil {
		t.Fatal(err)
	}
	hist, _ := db.History(ctx, "w", 0)
	var ids []string
	for _, h := range hist {
		ids = append(ids, string(h[7:12]))
	}
	if got := fmt.Sprint(ids); got != "[msg_3 msg_2]" {
		t.Errorf("history after a cap of 2 = %v, want only the two unsettled ones (they count, and are never pruned)", got)
	}
}

// TestWatchStates_SkipsABucket: the watches' states are records; a bucket
// among them (pollhook writes none: a damaged or edited file, which db
// check reports) is no state, and does not keep the others from being
// read, so the daemon still starts. WatchState reads one state as
// WatchStates does, and none for a watch never saved or for the bucket.
func TestWatchStates_SkipsABucket(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	want := WatchState{Baseline: true, Seq: 2, ETag: `W/"x"`, AnswerSum: 7, LastSuccess: time.Unix(1700000000, 0).UTC()}
	if err := db.SaveState(ctx, "a", want, nil); err != nil {
		t.Fatal(err)
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		_, err := tx.Bucket(bucketWatches).CreateBucket([]byte("nested"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	states, err := db.WatchStates(ctx)
	if err != nil || len(states) != 1 || states["a"].Seq != 2 || states["a"].ETag != `W/"x"` {
		t.Errorf("WatchStates = %+v, %v; want a's state alone", states, err)
	}
	got, ok, err := db.WatchState(ctx, "a")
	if err != nil || !ok || !reflect.DeepEqual(got, states["a"]) || !got.LastSuccess.Equal(want.LastSuccess) {
		t.Errorf("WatchState(a) = %+v, %v, %v; want %+v", got, ok, err, states["a"])
	}
	for _, name := range []string{"never", "nested"} {
		if got, ok, err := db.WatchState(ctx, name); err != nil || ok || got != (WatchState{}) {
			t.Errorf("WatchState(%s) = %+v, %v, %v; want none", name, got, ok, err)
		}
	}
}
