package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/store"
)

// A watch's states, as the status page and pollhook watches show them.
const (
	WatchOK      = "ok"
	WatchFailing = "failing"
	WatchPaused  = "paused"
	// WatchWaiting: no poll has worked yet, so there is no baseline.
	WatchWaiting = "waiting"
)

// Health is a watch's state as people see it, and the sentence that says
// why (none for ok): the one rule of the status page and pollhook watches.
// A pause the API asked for comes first, since no request is made before
// it ends, then failures, then a missing baseline.
func Health(st store.WatchState, now time.Time) (state, detail string) {
	switch {
	case now.Before(st.PausedUntil):
		return WatchPaused, "The API asked to wait (Retry-After or rate limit): no request before " +
			human.Time(st.PausedUntil) + "."
	case st.Failures > 0:
		detail = fmt.Sprintf("%d failed %s in a row", st.Failures, plural(st.Failures, "poll", "polls"))
		if !st.FailingSince.IsZero() {
			detail += ", since " + human.Relative(st.FailingSince, now)
		}
		if st.LastError != "" {
			detail += ": " + human.OneLine(st.LastError, 200)
		}
		return WatchFailing, detail
	case !st.Baseline:
		return WatchWaiting, "The first successful poll stores a snapshot and sends nothing."
	}
	return WatchOK, ""
}

// StateLabel is how a state of Health reads: "waiting for baseline" for
// WatchWaiting, the state itself otherwise.
func StateLabel(state string) string {
	if state == WatchWaiting {
		return "waiting for baseline"
	}
	return state
}

// Watch is one watch as pollhook watches and GET /api/watches show it.
type Watch struct {
	Name string `json:"name"`
	// State and Detail are Health's.
	State  string `json:"state"`
	Detail string `json:"detail,omitempty"`
	// LastPoll and LastChange are as stored (a daemon keeps them in
	// memory and stores the poll time of an unchanged watch hourly).
	LastPoll   time.Time `json:"last_poll,omitzero"`
	LastChange time.Time `json:"last_change,omitzero"`
	// NextRun is when the daemon polls the watch next: known only to a
	// running daemon, zero otherwise.
	NextRun     time.Time `json:"next_run,omitzero"`
	Failures    int       `json:"failures"`
	LastError   string    `json:"last_error,omitempty"`
	PausedUntil time.Time `json:"paused_until,omitzero"`
	// Pending is the deliveries of the watch's events still queued, to
	// any target.
	Pending int `json:"pending"`
}

// Watches is a row per watch of cfg, in its order, from each watch's
// state, its next run (zero when unknown) and its pending deliveries.
func Watches(cfg *config.Config, state func(string) store.WatchState, next func(string) time.Time, pending map[string]int, now time.Time) []Watch {
	out := make([]Watch, 0, len(cfg.Watches))
	for _, w := range cfg.Watches {
		st := state(w.Name)
		h, detail := Health(st, now)
		out = append(out, Watch{
			Name: w.Name, State: h, Detail: detail,
			LastPoll: st.LastPoll, LastChange: st.LastChange, NextRun: next(w.Name),
			Failures: st.Failures, LastError: st.LastError, PausedUntil: st.PausedUntil,
			Pending: pending[w.Name],
		})
	}
	return out
}

// Watches is a row per configured watch, from the database: without a
// daemon nobody knows the next runs.
func (o *Outbox) Watches(ctx context.Context) ([]Watch, error) {
	states, err := o.db.WatchStates(ctx)
	if err != nil {
		return nil, err
	}
	pending, err := o.db.PendingByWatch(ctx)
	if err != nil {
		return nil, err
	}
	return Watches(o.cfg(), func(n string) store.WatchState { return states[n] },
		func(string) time.Time { return time.Time{} }, pending, time.Now()), nil
}

// Recent is the newest events of every configured watch, newest first, at
// most limit (0: all): pollhook history without a watch. It reads the
// store's events from the newest, not each watch's history.
func (o *Outbox) Recent(ctx context.Context, limit int) ([]json.RawMessage, error) {
	cfg := o.cfg()
	configured := make(map[string]bool, len(cfg.Watches))
	for _, w := range cfg.Watches {
		configured[w.Name] = true
	}
	raws, err := o.db.Recent(ctx, store.RecentOptions{Limit: limit, Watch: func(name string) bool { return configured[name] }})
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(raws))
	for i, r := range raws {
		out[i] = r
	}
	return out, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
