// Package poller runs each watch on its schedule: it fetches the API,
// hands the response to diff, and commits any change event, with the new
// snapshot and its outbox entries, in one store transaction.
package poller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/store"
)

// Store is what the poller needs from the database.
type Store interface {
	WatchStates(ctx context.Context) (map[string]store.WatchState, error)
	Snapshot(ctx context.Context, watch string) ([]byte, error)
	SaveState(ctx context.Context, watch string, s store.WatchState, snapshot []byte) error
	CommitEvent(ctx context.Context, c store.Commit) error
}

var _ Store = (*store.DB)(nil)

// Clock tells the time and waits; tests replace it.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }

// After waits for d.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Options configure a Poller.
type Options struct {
	Store  Store
	Client *http.Client
	Logger *slog.Logger
	Clock  Clock
	// Version goes into the User-Agent.
	Version string
	// Committed is called after an event was committed to the outbox, so
	// the dispatcher can pick it up at once.
	Committed func()
}

// Poller polls watches and commits what changed.
type Poller struct {
	store     Store
	client    *http.Client
	log       *slog.Logger
	clock     Clock
	version   string
	committed func()

	mu      sync.Mutex
	states  map[string]*store.WatchState
	running map[string]bool
}

// New returns a Poller. Load must be called before polling.
func New(o Options) *Poller {
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Client == nil {
		o.Client = &http.Client{}
	}
	if o.Committed == nil {
		o.Committed = func() {}
	}
	return &Poller{
		store: o.Store, client: o.Client, log: o.Logger, clock: o.Clock,
		version: o.Version, committed: o.Committed,
		states: map[string]*store.WatchState{}, running: map[string]bool{},
	}
}

// Load reads every watch's state from the store.
func (p *Poller) Load(ctx context.Context) error {
	states, err := p.store.WatchStates(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for name, s := range states {
		s := s
		p.states[name] = &s
	}
	return nil
}

// State returns a copy of a watch's state.
func (p *Poller) State(name string) store.WatchState {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s := p.states[name]; s != nil {
		return *s
	}
	return store.WatchState{}
}

// Outcome is the result of one poll.
type Outcome struct {
	// Baseline: the first successful poll (or one after the watch's shape
	// changed) stored a snapshot and sent nothing.
	Baseline bool
	// Event is the change event committed (or, in a dry run, that would
	// have been), or nil.
	Event *notify.Event
	// Skipped: the watch was already being polled.
	Skipped bool
}

// ErrBusy means a poll of the watch is already running.
var ErrBusy = errors.New("a poll of this watch is already running")

// Poll polls a watch once. With dryRun nothing is stored. A failed poll
// leaves the snapshot as it was.
func (p *Poller) Poll(ctx context.Context, w *config.Watch, dryRun bool) (*Outcome, error) {
	p.mu.Lock()
	if p.running[w.Name] {
		p.mu.Unlock()
		return &Outcome{Skipped: true}, nil
	}
	p.running[w.Name] = true
	state := store.WatchState{}
	if s := p.states[w.Name]; s != nil {
		state = *s
	}
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.running, w.Name)
		p.mu.Unlock()
	}()

	log := p.log.With("watch", w.Name)
	start := p.clock.Now()
	out, next, err := p.poll(ctx, w, state, start, dryRun, log)
	next.LastPoll = start
	if err != nil {
		next.Failures++
		if next.FailingSince.IsZero() {
			next.FailingSince = start
		}
		next.LastError = err.Error()
		log.Warn("poll failed", "err", err, "failures", next.Failures)
	} else {
		next.Failures, next.FailingSince, next.LastError = 0, time.Time{}, ""
		next.LastSuccess = start
	}
	if !dryRun {
		p.mu.Lock()
		p.states[w.Name] = &next
		p.mu.Unlock()
	}
	return out, err
}

// poll does the work of Poll and returns the watch's next state. It
// persists whatever must be persisted itself.
func (p *Poller) poll(ctx context.Context, w *config.Watch, state store.WatchState, now time.Time, dryRun bool, log *slog.Logger) (*Outcome, store.WatchState, error) {
	resp, err := p.fetch(ctx, w, w.URL)
	if err != nil {
		return nil, state, err
	}

	format := diff.Format(state.Format)
	identity := Identity(w)
	if state.Identity != identity || format == diff.Auto {
		format = w.Diff.Format
		if format == diff.Auto {
			format = diff.Detect(resp.contentType, resp.body)
		}
	}
	val, err := w.Differ.Prepare(format, resp.body)
	if err != nil {
		return nil, state, fmt.Errorf("%s response: %w", format, err)
	}

	if !state.Baseline || state.Identity != identity {
		reason := "first successful poll"
		if state.Baseline {
			reason = "select, key, keys, ignore or format changed"
		}
		state.Baseline, state.Identity, state.Format, state.Sum = true, identity, string(format), val.Sum
		state.PendingSum, state.PendingCount = 0, 0
		if !dryRun {
			if err := p.store.SaveState(ctx, w.Name, state, val.Data); err != nil {
				return nil, state, err
			}
		}
		log.Info("baseline stored, nothing sent", "reason", reason, "bytes", len(val.Data))
		return &Outcome{Baseline: true}, state, nil
	}

	if val.Sum == state.Sum {
		log.Debug("no change")
		if state.PendingCount > 0 {
			// A candidate change went away before it was confirmed.
			state.PendingSum, state.PendingCount = 0, 0
			if !dryRun {
				if err := p.store.SaveState(ctx, w.Name, state, nil); err != nil {
					return nil, state, err
				}
			}
		}
		return &Outcome{}, state, nil
	}

	if confirm := max(w.Confirm, 1); confirm > 1 {
		if state.PendingSum == val.Sum {
			state.PendingCount++
		} else {
			state.PendingSum, state.PendingCount = val.Sum, 1
		}
		if state.PendingCount < confirm {
			log.Info("change seen, waiting for confirmation", "seen", state.PendingCount, "confirm", confirm)
			if !dryRun {
				if err := p.store.SaveState(ctx, w.Name, state, nil); err != nil {
					return nil, state, err
				}
			}
			return &Outcome{}, state, nil
		}
	}
	state.PendingSum, state.PendingCount = 0, 0

	old, err := p.store.Snapshot(ctx, w.Name)
	if err != nil {
		return nil, state, err
	}
	res, err := w.Differ.Diff(format, old, val.Data)
	if err != nil {
		return nil, state, fmt.Errorf("diff: %w", err)
	}
	state.Sum = val.Sum
	if res.Counts.Total() == 0 {
		// Something changed, but nothing that fires (on, when, or a change
		// that canonical form hides): keep the new value, send nothing.
		log.Info("changed, but no change fires", "watch_on", w.Diff.On)
		if !dryRun {
			if err := p.store.SaveState(ctx, w.Name, state, val.Data); err != nil {
				return nil, state, err
			}
		}
		return &Outcome{}, state, nil
	}

	state.Seq++
	state.LastChange = now
	counts := res.Counts
	ev := &notify.Event{
		ID:        notify.NewID(now),
		Type:      notify.TypeChanged,
		Timestamp: now.UTC().Truncate(time.Millisecond),
		Data: notify.Data{
			Watch: w.Name, URL: w.URL, Seq: state.Seq, Format: format,
			Changes: res.Changes, Counts: &counts, Truncated: res.Truncated,
			Patch: res.Patch, Document: res.Document, Previous: res.Previous,
		},
	}
	if dryRun {
		return &Outcome{Event: ev}, state, nil
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, state, fmt.Errorf("encode event: %w", err)
	}
	err = p.store.CommitEvent(ctx, store.Commit{
		Watch: w.Name, State: state, Snapshot: val.Data,
		EventID: ev.ID, Payload: payload, Time: now, Targets: w.Notify,
	})
	if err != nil {
		return nil, state, err
	}
	log.Info("change detected", "event_id", ev.ID, "seq", ev.Data.Seq,
		"added", counts.Added, "removed", counts.Removed, "changed", counts.Changed)
	p.committed()
	return &Outcome{Event: ev}, state, nil
}

// Identity fingerprints the settings that decide what a watch's snapshot
// holds. When they change, comparing old and new snapshots would report
// differences nobody made, so a new baseline is taken instead.
func Identity(w *config.Watch) string {
	o := w.Diff
	keys := make([]string, 0, len(o.Keys))
	for k, v := range o.Keys {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, part := range []string{string(o.Format), o.Select, o.Key, strings.Join(keys, "\x00"), strings.Join(o.Ignore, "\x00")} {
		h.Write([]byte(part))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
