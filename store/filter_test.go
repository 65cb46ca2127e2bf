package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestDeliveries_IndexesAgreeWithScan: a filter that an index answers
// (pending ones from the queues, a watch's from its history) lists what a
// scan of every delivery lists, in the same order, to the same limit.
func TestDeliveries_IndexesAgreeWithScan(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Now()
	// Three watches, two targets; of each queue the oldest events were
	// delivered, one failed, the rest are pending.
	for _, w := range []string{"a", "b", "c"} {
		for seq := uint64(1); seq <= 6; seq++ {
			id := fmt.Sprintf("msg_%d_%s", seq, w)
			if err := db.CommitEvent(ctx, Commit{Watch: w, State: WatchState{Seq: seq}, EventID: id,
				Payload: []byte(`{}`), Time: now, Targets: []string{"t", "u"}}); err != nil {
				t.Fatal(err)
			}
			for _, tg := range []string{"t", "u"} {
				state := ""
				switch {
				case seq <= 2:
					state = StateDelivered
				case seq == 3 && tg == "u":
					state = StateFailed
				}
				if state == "" {
					continue
				}
				if err := db.Record(ctx, Result{EventID: id, Target: tg, State: state, Attempt: Attempt{At: now}}); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	all, err := db.Deliveries(ctx, Filter{})
	if err != nil || len(all) != 36 {
		t.Fatalf("every delivery: %d, %v; want 36", len(all), err)
	}
	tests := []Filter{
		{State: StatePending},
		{State: StatePending, Limit: 4},
		{State: StatePending, Target: "u"},
		{State: StatePending, Watch: "b"},
		{State: StatePending, Watch: "b", Target: "t"},
		{State: StatePending, Watch: "nope"},
		{State: StatePending, Targets: map[string]bool{"t": true}},
		{Watch: "a"},
		{Watch: "a", Limit: 3},
		{Watch: "a", Target: "u"},
		{Watch: "c", State: StateDelivered},
		{Watch: "nope"},
	}
	for _, f := range tests {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			var want []Delivery
			for i := range all {
				if f.match(&all[i]) && (f.Limit == 0 || len(want) < f.Limit) {
					want = append(want, all[i])
				}
			}
			got, err := db.Deliveries(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(want) == 0 {
				return
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %d deliveries:\n%v\nwant %d:\n%v", len(got), keysOf(got), len(want), keysOf(want))
			}
		})
	}
}

func keysOf(ds []Delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.EventID+"/"+d.Target+"/"+d.State)
	}
	return out
}
