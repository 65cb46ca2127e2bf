package poller

import (
	"log/slog"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/store"
)

// A watch's health events go through the outbox like its change events,
// numbered in the same sequence, so each target gets them in order. A
// dead API is two messages, not one per poll: watch.failing once the
// failures in a row reach alert_after, watch.recovered on the next
// success. State.Alerted, committed with each, makes that exactly once
// per outage, across restarts too.
//
// failed and recovered only decide; apply, the one step of a poll that
// writes, commits what they decided (or, in a dry run, does not).

// health is what a poll decided about a watch's health: the state it
// moves the watch to and, when the watch's targets are to hear of it,
// the watch.failing or watch.recovered event to commit with that state.
type health struct {
	// from is the state before: what the watch keeps when the event
	// cannot be committed.
	from store.WatchState
	// state is the watch's state after. Its Seq is from's: apply numbers
	// the event as it commits it.
	state store.WatchState
	// event is committed with state, queued for targets; nil: there is
	// nothing to tell (no alerted outage, or no targets).
	event   *event.Event
	targets []string
	// note is said whether or not anything is written (dry runs too);
	// alarm is said before writing, so a dry run does not say it.
	note, alarm logLine
}

// failed decides what a failed poll leads to: one more failure in a row,
// which is stored (so that backoff and the failure count survive a
// restart; a failing watch polls rarely, so this is cheap), and once the
// failures reach alert_after, watch.failing, committed with them.
func failed(w *config.Watch, state store.WatchState, err error, now time.Time) *health {
	state.Failures++
	if state.FailingSince.IsZero() {
		state.FailingSince = now
	}
	state.LastError = err.Error()
	h := &health{from: state, state: state,
		note: logLine{slog.LevelWarn, "poll failed", []any{"err", err.Error(), "failures", state.Failures}}}
	alertAfter := w.AlertAfter
	if alertAfter <= 0 {
		alertAfter = config.DefaultAlertAfter
	}
	if state.Failures == alertAfter {
		h.alarm = logLine{slog.LevelError, "watch is failing", []any{"failures", state.Failures,
			"failing_since", state.FailingSince.UTC().Format(time.RFC3339), "err", state.LastError}}
	}
	if targets := w.AlertTargets(); state.Failures >= alertAfter && !state.Alerted && len(targets) > 0 {
		h.state.Alerted = true
		h.event = healthEvent(w, event.TypeFailing, now, state.Failures, state.FailingSince)
		h.event.Data.Error = state.LastError
		h.targets = targets
	}
	return h
}

// recovered decides what a usable answer means for a watch that was
// failing: its failures are forgotten and, when its outage was alerted,
// watch.recovered is committed (before any change event of the same
// poll). The validators stay those of the stored snapshot. nil: the watch
// was not failing, and there is nothing to store for it.
func recovered(w *config.Watch, state store.WatchState, now time.Time) *health {
	if state.Failures == 0 && !state.Alerted {
		return nil
	}
	h := &health{from: state, state: state,
		note: logLine{slog.LevelInfo, "poll succeeded again", []any{"failures", state.Failures}}}
	h.state.Failures, h.state.FailingSince, h.state.LastError, h.state.Alerted = 0, time.Time{}, "", false
	if targets := w.AlertTargets(); state.Alerted && len(targets) > 0 {
		h.event = healthEvent(w, event.TypeRecovered, now, state.Failures, state.FailingSince)
		h.targets = targets
	}
	return h
}

// healthEvent returns a watch.failing or watch.recovered event, without
// its seq: apply numbers it as it commits it.
func healthEvent(w *config.Watch, typ string, now time.Time, failures int, since time.Time) *event.Event {
	since = since.UTC()
	return &event.Event{
		ID:        event.NewID(now),
		Type:      typ,
		Timestamp: event.Now(now),
		Data: event.Data{
			Watch: w.Name, URL: redact.PublicURL(w.URL),
			Failures: failures, Since: &since,
		},
	}
}
