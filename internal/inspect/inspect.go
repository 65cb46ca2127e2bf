// Package inspect answers what the inspection commands, the local API and
// the status page ask of the outbox: deliveries with the state people see
// (a pending delivery to a disabled target shows as disabled), an event's
// attempts, redelivery, a watch's history and re-enabling a target. The
// CLI uses it on a database it opened itself; the daemon on its own, with
// the dispatcher's hooks.
package inspect

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/store"
)

// StateDisabled is how a pending delivery to a disabled target is shown.
const StateDisabled = "disabled"

// Detail is one delivery with its attempts.
type Detail struct {
	Delivery store.Delivery  `json:"delivery"`
	Attempts []store.Attempt `json:"attempts"`
}

// Outbox answers from an open database.
type Outbox struct {
	db  *store.DB
	cfg func() *config.Config
	// wake and enable reach the dispatcher in the daemon; nil in the CLI.
	wake   func()
	enable func(ctx context.Context, name string) error
	// endpointsChanged, in the daemon, hands the dispatcher the
	// endpoints again (WithEndpointsChanged).
	endpointsChanged func()
}

// New returns an Outbox over db for the configuration cfg returns (the
// one in force: a reload may change it).
func New(db *store.DB, cfg func() *config.Config) *Outbox {
	return &Outbox{db: db, cfg: cfg}
}

// WithDispatcher returns a copy of o whose redeliveries wake the
// dispatcher and whose EnableTarget goes through it, as the daemon needs.
func (o *Outbox) WithDispatcher(wake func(), enable func(ctx context.Context, name string) error) *Outbox {
	c := *o
	c.wake, c.enable = wake, enable
	return &c
}

// DisabledTargets names the targets nothing is sent to, from their
// stored states: disabled in the configuration or by a 410, and removed
// targets a 410 disabled before they were removed.
func DisabledTargets(cfg *config.Config, states map[string]store.TargetState) map[string]bool {
	out := map[string]bool{}
	for name, s := range states {
		if cfg.Target(name) == nil && s.Disabled {
			out[name] = true
		}
	}
	for _, t := range cfg.Targets {
		if notify.TargetDisabled(t, states[t.Name]) {
			out[t.Name] = true
		}
	}
	return out
}

// Relabel shows pending deliveries to disabled targets as disabled.
func Relabel(ds []store.Delivery, disabled map[string]bool) {
	for i := range ds {
		if ds[i].State == store.StatePending && disabled[ds[i].Target] {
			ds[i].State = StateDisabled
		}
	}
}

// RemovedTargets names, sorted, the targets no longer configured that the
// outbox still holds deliveries for (dead letters, or a queue waiting for
// the target to come back).
func RemovedTargets(cfg *config.Config, counts map[string]store.OutboxCount) []string {
	var out []string
	for name, c := range counts {
		if store.IsEndpoint(name) {
			continue // a consumer's endpoint, not a target
		}
		if cfg.Target(name) == nil && (c.Pending > 0 || c.Failed > 0) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// LastOutcome is the last status or error of a delivery to a target of
// kind, short.
func LastOutcome(d store.Delivery, kind string) string {
	switch {
	case d.LastError != "":
		return human.OneLine(d.LastError, 60)
	case d.LastStatus != 0:
		return Reply(kind, d.LastStatus)
	}
	return "-"
}

// Reply names the status of an attempt's answer for a target of kind:
// "HTTP 503", or the SMTP reply code of an email target, "SMTP 250".
func Reply(kind string, status int) string {
	if kind == config.KindEmail {
		return "SMTP " + strconv.Itoa(status)
	}
	return "HTTP " + strconv.Itoa(status)
}

// Deliveries lists deliveries, newest first, as people see them: f.State
// may be StateDisabled.
func (o *Outbox) Deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	want := f.State
	if want == StateDisabled {
		f.State = store.StatePending
	}
	limit := f.Limit
	if want == store.StatePending || want == StateDisabled {
		// Which pending ones show as disabled is decided below, so the
		// store cannot stop at the limit for these two.
		f.Limit = 0
	}
	all, err := o.db.Deliveries(ctx, f)
	if err != nil {
		return nil, err
	}
	states, err := o.db.TargetStates(ctx)
	if err != nil {
		return nil, err
	}
	Relabel(all, DisabledTargets(o.cfg(), states))
	out := all[:0]
	for _, d := range all {
		if want != "" && d.State != want {
			continue
		}
		out = append(out, d)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// Delivery returns every delivery of an event with its attempts. An
// unknown event is store.ErrNotFound.
func (o *Outbox) Delivery(ctx context.Context, eventID string) ([]Detail, error) {
	ds, err := o.Deliveries(ctx, store.Filter{EventID: eventID})
	if err != nil {
		return nil, err
	}
	if len(ds) == 0 {
		if _, err := o.db.Event(ctx, eventID); err == nil {
			return nil, fmt.Errorf("event %s has no deliveries (its watch notifies no target)", eventID)
		}
		return nil, fmt.Errorf("no event %s: %w", eventID, store.ErrNotFound)
	}
	out := make([]Detail, 0, len(ds))
	for _, d := range ds {
		_, attempts, err := o.db.Delivery(ctx, d.EventID, d.Target)
		if err != nil {
			return nil, err
		}
		out = append(out, Detail{Delivery: d, Attempts: attempts})
	}
	return out, nil
}

// Redeliver queues the matching deliveries again: the same event, the
// same webhook-id, a new round of attempts. Only configured targets are
// queued: a delivery to a removed target would sit pending for ever.
func (o *Outbox) Redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error) {
	cfg := o.cfg()
	if f.Target != "" && cfg.Target(f.Target) == nil {
		return nil, fmt.Errorf("target %q is not in %s: add it back before redelivering to it", f.Target, cfg.File)
	}
	f.Targets = map[string]bool{}
	for _, t := range cfg.Targets {
		f.Targets[t.Name] = true
	}
	queued, err := o.db.Redeliver(ctx, f, time.Now())
	if err != nil {
		return nil, err
	}
	if len(queued) > 0 && o.wake != nil {
		o.wake()
	}
	return queued, nil
}

// History returns a watch's events, newest first, as stored.
func (o *Outbox) History(ctx context.Context, watch string, limit int) ([]json.RawMessage, error) {
	events, err := o.db.History(ctx, watch, limit)
	if err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(events))
	for i, e := range events {
		out[i] = e
	}
	return out, nil
}

// EnableTarget resumes a target a 410 disabled.
func (o *Outbox) EnableTarget(ctx context.Context, name string) error {
	cfg := o.cfg()
	t := cfg.Target(name)
	if t == nil {
		return fmt.Errorf("no target named %q in %s", name, cfg.File)
	}
	if t.Disabled {
		return fmt.Errorf("target %q is disabled in %s (disabled = true): remove that line and reload", name, cfg.File)
	}
	if o.enable != nil {
		return o.enable(ctx, name)
	}
	return o.db.SetTargetState(ctx, name, store.TargetState{})
}
