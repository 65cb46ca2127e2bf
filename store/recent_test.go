package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/event"
)

// commitAt commits a change event of watch made at t, as the poller does,
// and returns its id.
func commitAt(t *testing.T, db *DB, watch string, seq uint64, at time.Time) string {
	t.Helper()
	ev := event.Event{ID: event.NewID(at), Type: event.TypeChanged, Timestamp: event.Now(at),
		Data: event.Data{Watch: watch, URL: "https://api.example/" + watch, Seq: seq}}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	err = db.CommitEvent(context.Background(), Commit{Watch: watch, State: WatchState{Baseline: true, Seq: seq},
		EventID: ev.ID, Payload: payload, Time: at, Targets: []string{"hook"}})
	if err != nil {
		t.Fatal(err)
	}
	return ev.ID
}

// ids are the ids of payloads, joined.
func ids(t *testing.T, payloads [][]byte) string {
	t.Helper()
	var out []string
	for _, p := range payloads {
		ev, err := event.Decode(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev.ID)
	}
	return strings.Join(out, " ")
}

func TestRecent(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	start := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	// Three watches take turns; "gone" (not configured any more) made the
	// newest events.
	var want []string // newest first, of a and b
	seqs := map[string]uint64{}
	for i, w := range []string{"a", "b", "a", "a", "b", "gone", "gone"} {
		seqs[w]++
		id := commitAt(t, db, w, seqs[w], start.Add(time.Duration(i)*time.Second))
		if w != "gone" {
			want = append([]string{id}, want...)
		}
	}
	configured := func(w string) bool { return w == "a" || w == "b" }
	for _, c := range []struct {
		name string
		o    RecentOptions
		want []string
	}{
		{"every event of the configured watches", RecentOptions{Watch: configured}, want},
		{"the newest three", RecentOptions{Watch: configured, Limit: 3}, want[:3]},
		// The two newest events are of gone: reading four finds two.
		{"a bounded scan", RecentOptions{Watch: configured, Limit: 3, Scan: 4}, want[:2]},
		{"every watch", RecentOptions{Limit: 1}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := db.Recent(ctx, c.o)
			if err != nil {
				t.Fatal(err)
			}
			if c.want == nil {
				if len(got) != 1 || !strings.Contains(string(got[0]), `"watch":"gone"`) {
					t.Errorf("got %s, want the newest event, of gone", got)
				}
				return
			}
			if g, w := ids(t, got), strings.Join(c.want, " "); g != w {
				t.Errorf("got  %s\nwant %s", g, w)
			}
		})
	}

	// Pruned events are gone from it too: keep one event per watch.
	if err := db.Record(ctx, deliveredAll(t, db)...); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Prune(ctx, start.Add(time.Hour), 365*24*time.Hour, 1); err != nil {
		t.Fatal(err)
	}
	got, err := db.Recent(ctx, RecentOptions{Watch: configured})
	if err != nil {
		t.Fatal(err)
	}
	if g, w := ids(t, got), want[0]+" "+want[1]; g != w {
		t.Errorf("after pruning to one event per watch: %s, want %s", g, w)
	}
}

// deliveredAll is a delivered result for every pending delivery.
func deliveredAll(t *testing.T, db *DB) []Result {
	t.Helper()
	ds, err := db.Deliveries(context.Background(), Filter{State: StatePending})
	if err != nil {
		t.Fatal(err)
	}
	var rs []Result
	for i, d := range ds {
		rs = append(rs, Result{EventID: d.EventID, Target: d.Target, State: StateDelivered,
			Attempt: Attempt{At: time.Unix(int64(i), 0), Status: 204}})
	}
	if len(rs) == 0 {
		t.Fatal("nothing pending")
	}
	return rs
}
