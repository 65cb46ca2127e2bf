package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/store"
)

// disableEvery is how often the daemon looks for endpoints that have
// failed for disable_after.
const disableEvery = time.Minute

// disableFailing disables every enabled endpoint whose deliveries have
// failed, without a success, for sub.DisableAfter, each with its
// subscription.disabled event to sub.ErrorsTo in the same transaction,
// and tells announce of each event's deliveries. It returns the
// endpoints it disabled.
func disableFailing(ctx context.Context, db *store.DB, sub *config.Subscriptions, now time.Time,
	announce func(watch string, targets []string)) ([]store.Endpoint, error) {
	eps, err := db.Endpoints(ctx, "")
	if err != nil {
		return nil, err
	}
	var out []store.Endpoint
	for _, ep := range eps {
		if ep.Disabled || ep.FailingSince.IsZero() || now.Sub(ep.FailingSince) < sub.DisableAfter {
			continue
		}
		since := event.Now(ep.FailingSince)
		reason := fmt.Sprintf("its deliveries failed for %s (disable_after)", sub.DisableAfter)
		notice := func(e store.Endpoint) (store.Notice, error) {
			ev := event.Event{ID: event.NewID(now), Type: event.TypeSubscriptionDisabled, Timestamp: event.Now(now),
				Data: event.Data{Watch: e.ID, URL: e.URL, Seq: e.Seq, Endpoint: e.ID, App: e.App, Error: reason, Since: &since}}
			payload, err := json.Marshal(ev)
			if err != nil {
				return store.Notice{}, err
			}
			return store.Notice{EventID: ev.ID, Payload: payload, Time: ev.Timestamp, Targets: sub.ErrorsTo}, nil
		}
		e, ok, err := db.DisableEndpoint(ctx, ep.ID, reason, notice)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, e)
			announce(e.ID, sub.ErrorsTo)
		}
	}
	return out, nil
}
