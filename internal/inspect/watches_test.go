package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/store"
)

func TestHealth(t *testing.T) {
	now := time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)
	tests := []struct {
		name   string
		st     store.WatchState
		state  string
		detail string
	}{
		{"ok", store.WatchState{Baseline: true}, WatchOK, ""},
		{"waiting", store.WatchState{}, WatchWaiting, "The first successful poll stores a snapshot and sends nothing."},
		{"failing", store.WatchState{Baseline: true, Failures: 3, FailingSince: now.Add(-15 * time.Minute), LastError: "HTTP 500:\n  internal trouble"},
			WatchFailing, "3 failed polls in a row, since 15m ago: HTTP 500: internal trouble"},
		{"failing before any baseline", store.WatchState{Failures: 1}, WatchFailing, "1 failed poll in a row"},
		// The API's wait comes first: the failures stay, but no request
		// is made before then.
		{"paused", store.WatchState{Baseline: true, Failures: 1, PausedUntil: now.Add(time.Hour)},
			WatchPaused, "The API asked to wait (Retry-After or rate limit): no request before 2026-11-27 15:30:00 UTC."},
		{"pause over", store.WatchState{Baseline: true, PausedUntil: now.Add(-time.Second)}, WatchOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			state, detail := Health(tt.st, now)
			if state != tt.state || detail != tt.detail {
				t.Errorf("Health = %q, %q; want %q, %q", state, detail, tt.state, tt.detail)
			}
		})
	}
	if StateLabel(WatchWaiting) != "waiting for baseline" || StateLabel(WatchFailing) != "failing" {
		t.Error("StateLabel")
	}
}

func TestOutbox_Watches(t *testing.T) {
	o, _, _, _ := setup(t, 2)
	ctx := context.Background()
	rows, err := o.Watches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Watch w has a baseline and two events queued for hook and gone.
	if len(rows) != 1 || rows[0].Name != "w" || rows[0].State != WatchOK || rows[0].Pending != 4 || !rows[0].NextRun.IsZero() {
		t.Errorf("Watches = %+v", rows)
	}
	if _, err := json.Marshal(rows); err != nil {
		t.Fatal(err)
	}
}

func TestWatches(t *testing.T) {
	cfg, err := config.Parse("pollhook.toml", []byte("[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\n"),
		func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 14, 30, 0, 0, time.UTC)
	states := map[string]store.WatchState{"a": {Baseline: true, LastPoll: now.Add(-time.Minute), LastChange: now.Add(-time.Hour)}, "b": {Failures: 2, LastError: "boom"}}
	rows := Watches(cfg, func(n string) store.WatchState { return states[n] }, func(n string) time.Time {
		if n == "a" {
			return now.Add(time.Minute)
		}
		return time.Time{}
	}, map[string]int{"b": 3}, now)
	want := []Watch{
		{Name: "a", State: WatchOK, LastPoll: now.Add(-time.Minute), LastChange: now.Add(-time.Hour), NextRun: now.Add(time.Minute)},
		{Name: "b", State: WatchFailing, Detail: "2 failed polls in a row: boom", Failures: 2, LastError: "boom", Pending: 3},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("Watches =\n %+v\nwant\n %+v", rows, want)
	}
}

// TestOutbox_Recent: pollhook history without a watch is the newest
// events of the configured watches, newest first.
func TestOutbox_Recent(t *testing.T) {
	o, db, _, ids := setup(t, 3)
	ctx := context.Background()
	// The newest event is of a watch no longer configured.
	if err := db.CommitEvent(ctx, store.Commit{Watch: "gone", State: store.WatchState{Seq: 1}, EventID: "msg_999",
		Payload: []byte(`{"id":"msg_999","data":{"watch":"gone"}}`), Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		limit int
		want  []string
	}{{2, []string{ids[2], ids[1]}}, {0, []string{ids[2], ids[1], ids[0]}}} {
		got, err := o.Recent(ctx, c.limit)
		var gotIDs []string
		for _, raw := range got {
			var e struct{ ID string }
			_ = json.Unmarshal(raw, &e)
			gotIDs = append(gotIDs, e.ID)
		}
		if err != nil || strings.Join(gotIDs, " ") != strings.Join(c.want, " ") {
			t.Errorf("Recent(%d) = %v, %v; want %v", c.limit, gotIDs, err, c.want)
		}
	}
}

func TestPolled_Summary(t *testing.T) {
	shape := &diff.Shape{Format: diff.JSON, Type: "array", Len: 30, Of: "objects", Key: "id"}
	for _, tt := range []struct {
		p    Polled
		want string
	}{
		{Polled{Result: PollUnchanged, Shape: shape}, "no change (30 elements)"},
		{Polled{Result: PollUnchanged, Shape: &diff.Shape{Type: "array", Len: 1}}, "no change (1 element)"},
		{Polled{Result: PollUnchanged, Shape: &diff.Shape{Type: "object", Len: 4}}, "no change (4 members)"},
		{Polled{Result: PollUnchanged, Shape: &diff.Shape{Type: "text", Len: 12}}, "no change (12 lines)"},
		{Polled{Result: PollUnchanged, Shape: &diff.Shape{Type: "string"}}, "no change"},
		{Polled{Result: PollNotModified}, "no change (304 Not Modified)"},
		{Polled{Result: PollBaseline, Shape: shape}, "baseline stored, nothing sent (array of 30 objects keyed by id)"},
		{Polled{Result: PollBaseline, DryRun: true, Shape: shape}, "no baseline yet: this poll would store one and send nothing (array of 30 objects keyed by id)"},
		{Polled{Result: PollChanged, Counts: &diff.Counts{Added: 1, Changed: 2}}, "changed: 1 added, 0 removed, 2 changed"},
		{Polled{Result: PollChanged, DryRun: true, Counts: &diff.Counts{Removed: 1}}, "changed: 0 added, 1 removed, 0 changed (dry run: nothing stored or sent)"},
		{Polled{Result: PollConfirming, Seen: 1, Confirm: 2}, "a change seen on 1 of 2 polls in a row: waiting for confirmation, nothing sent"},
		{Polled{Result: PollQuiet}, "changed, but no change fires (on, when): nothing sent"},
		{Polled{Result: PollFailed, Error: "HTTP 500"}, "failed: HTTP 500"},
		{Polled{Result: PollPaused, Error: "the API asked to wait: no request before 2026-11-27T15:30:00Z"}, "not polled: the API asked to wait: no request before 2026-11-27T15:30:00Z"},
		{Polled{Result: PollSkipped}, "not polled: a poll of it is already running (its changes are delivered as usual)"},
	} {
		if got := tt.p.Summary(); got != tt.want {
			t.Errorf("Summary(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}
