package store

import (
	"context"
	"errors"
	"testing"
)

// TestDB_Adopt: an import stores every watch's state and snapshot, or,
// when one would move its seq backwards, none of them.
func TestDB_Adopt(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if err := db.SaveState(ctx, "a", WatchState{Baseline: true, Seq: 5}, []byte(`"a5"`)); err != nil {
		t.Fatal(err)
	}
	err := db.Adopt(ctx, []Held{
		{Watch: "b", State: WatchState{Baseline: true, Seq: 9}, Snapshot: []byte(`"b9"`)},
		{Watch: "a", State: WatchState{Baseline: true, Seq: 4}, Snapshot: []byte(`"a4"`)},
	})
	var se *SeqError
	if !errors.As(err, &se) || se.Watch != "a" || se.Have != 5 || se.Got != 4 {
		t.Fatalf("seq backwards: %v, want a SeqError of a, 5 and 4", err)
	}
	states, err := db.WatchStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := states["b"]; ok || states["a"].Seq != 5 {
		t.Fatalf("a refused import wrote something: %+v", states)
	}
	if err := db.Adopt(ctx, []Held{{Watch: "a", State: WatchState{Baseline: true, Seq: 7, ETag: `"e"`}, Snapshot: []byte(`"a7"`)}}); err != nil {
		t.Fatal(err)
	}
	hs, err := db.Held(ctx, []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || hs[0].State.Seq != 7 || hs[0].State.ETag != `"e"` || string(hs[0].Snapshot) != `"a7"` {
		t.Errorf("after import: %+v", hs)
	}
	if err := db.Forget(ctx, []string{"a", "nope"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("forget of a watch without state: %v, want ErrNotFound", err)
	}
	if hs, err := db.Held(ctx, nil); err != nil || len(hs) != 1 {
		t.Errorf("a refused forget deleted something: %+v %v", hs, err)
	}
	if err := db.Forget(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	if hs, err := db.Held(ctx, nil); err != nil || len(hs) != 0 {
		t.Errorf("after forget: %+v %v", hs, err)
	}
	if snap, _ := db.AppendSnapshot(ctx, nil, "a"); snap != nil {
		t.Errorf("the snapshot stayed: %s", snap)
	}
}
