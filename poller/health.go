package poller

import (
	"context"
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

// failed persists the state of a watch whose poll just failed, and
// commits watch.failing when the failures reach alert_after.
func (p *Poller) failed(ctx context.Context, w *config.Watch, state store.WatchState, now time.Time, log *slog.Logger) (store.WatchState, *event.Event) {
	alertAfter := w.AlertAfter
	if alertAfter <= 0 {
		alertAfter = config.DefaultAlertAfter
	}
	targets := w.AlertTargets()
	if state.Failures == alertAfter {
		log.Error("watch is failing", "failures", state.Failures,
			"failing_since", state.FailingSince.UTC().Format(time.RFC3339), "err", state.LastError)
	}
	if state.Failures >= alertAfter && !state.Alerted && len(targets) > 0 {
		next := state
		next.Alerted = true
		next.Seq++
		ev := healthEvent(w, event.TypeFailing, next.Seq, now, state.Failures, state.FailingSince)
		ev.Data.Error = state.LastError
		if err := p.commit(ctx, w, next, nil, ev, targets); err != nil {
			log.Error("commit watch.failing event", "err", err)
			return state, nil
		}
		log.Info("watch.failing event committed", "event_id", ev.ID, "seq", next.Seq)
		return next, ev
	}
	// Failures are persisted so that backoff and the failure count
	// survive a restart; a failing watch polls rarely, so this is cheap.
	if err := p.store.SaveState(ctx, w.Name, state, nil); err != nil {
		log.Error("save watch state", "err", err)
	}
	return state, nil
}

// recovered resets the failures of a watch whose poll just succeeded
// and, when its outage was alerted, commits watch.recovered (before any
// change event of the same poll). The validators stay those of the stored
// snapshot. It stores nothing for a watch that was not failing.
func (p *Poller) recovered(ctx context.Context, w *config.Watch, state store.WatchState, now time.Time, dryRun bool, log *slog.Logger) (store.WatchState, *event.Event, error) {
	if state.Failures == 0 && !state.Alerted {
		return state, nil, nil
	}
	next := state
	next.Failures, next.FailingSince, next.LastError, next.Alerted = 0, time.Time{}, "", false
	log.Info("poll succeeded again", "failures", state.Failures)
	targets := w.AlertTargets()
	if dryRun || !state.Alerted || len(targets) == 0 {
		return next, nil, nil
	}
	next.Seq++
	ev := healthEvent(w, event.TypeRecovered, next.Seq, now, state.Failures, state.FailingSince)
	if err := p.commit(ctx, w, next, nil, ev, targets); err != nil {
		return state, nil, err
	}
	log.Info("watch.recovered event committed", "event_id", ev.ID, "seq", next.Seq)
	return next, ev, nil
}

func healthEvent(w *config.Watch, typ string, seq uint64, now time.Time, failures int, since time.Time) *event.Event {
	since = since.UTC()
	return &event.Event{
		ID:        event.NewID(now),
		Type:      typ,
		Timestamp: now.UTC().Truncate(time.Millisecond),
		Data: event.Data{
			Watch: w.Name, URL: redact.PublicURL(w.URL), Seq: seq,
			Failures: failures, Since: &since,
		},
	}
}
