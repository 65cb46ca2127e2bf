// Package poller runs each watch on its schedule: it fetches the API
// (politely: conditional requests, rate limits, backoff, jitter and
// connection limits), hands the pages to diff, and commits any change
// event, with the new snapshot and its outbox entries, in one store
// transaction. It also tells a watch's targets when the watch starts and
// stops failing.
package poller

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/clock"
	"github.com/pollhook/pollhook/internal/httpclient"
	"github.com/pollhook/pollhook/internal/redact"
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

// Options configure a Poller.
type Options struct {
	Store Store
	// Client makes the requests. Watches with their own TLS settings get
	// a copy of it with a clone of its *http.Transport (of
	// http.DefaultTransport if it has another RoundTripper), one per
	// distinct setting. nil: NewClient.
	Client *http.Client
	Logger *slog.Logger
	Clock  clock.Clock
	// Version goes into the User-Agent.
	Version string
	// Committed is called after an event was committed to the outbox, so
	// the dispatcher can pick it up at once.
	Committed func()
	// Observe, when set, hears about every finished poll (metrics).
	Observe func(PollReport)
	// MaxPerHost bounds the requests in flight to one host (host:port);
	// 0 means config.DefaultMaxPerHost. The configuration's max_per_host.
	MaxPerHost int
	// MaxConcurrent bounds the polls running at once; 0 means
	// config.DefaultMaxConcurrent. The configuration's max_concurrent.
	MaxConcurrent int
}

// Poller polls watches and commits what changed.
type Poller struct {
	store     Store
	client    *http.Client
	log       *slog.Logger
	clock     clock.Clock
	version   string
	committed func()
	observe   func(PollReport)
	limits    *limits

	sched scheduler

	mu      sync.Mutex
	states  map[string]*store.WatchState
	running map[string]bool
	// savedSuccess is the LastSuccess each watch's stored state holds.
	savedSuccess map[string]time.Time

	tmu     sync.Mutex
	clients map[string]*http.Client // by config.TLS.Key
	warned  map[string]bool         // watches warned about insecure_skip_verify
}

// New returns a Poller. Load must be called before polling.
func New(o Options) *Poller {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Client == nil {
		o.Client = NewClient()
	}
	client := *o.Client // ours to change: the redirect policy below
	if client.CheckRedirect == nil {
		client.CheckRedirect = redirectPolicy
	}
	o.Client = &client
	if o.Committed == nil {
		o.Committed = func() {}
	}
	return &Poller{
		store: o.Store, client: o.Client, log: o.Logger, clock: o.Clock,
		version: o.Version, committed: o.Committed, observe: o.Observe,
		limits: newLimits(o.MaxConcurrent, o.MaxPerHost),
		states: map[string]*store.WatchState{}, running: map[string]bool{}, savedSuccess: map[string]time.Time{},
		clients: map[string]*http.Client{}, warned: map[string]bool{},
	}
}

// NewClient returns the client polls use: redirects are followed (APIs
// move; see redirectPolicy for what crosses to another host), proxies come
// from the environment.
func NewClient() *http.Client {
	return httpclient.New(httpclient.Options{MaxIdleConnsPerHost: 8})
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
		p.states[name] = &s
		p.savedSuccess[name] = s.LastSuccess
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
	Event *event.Event
	// Health is the watch.failing or watch.recovered event this poll
	// committed, or nil.
	Health *event.Event
	// NotModified: the API answered 304 to a conditional request.
	NotModified bool
	// Pages is how many pages were fetched.
	Pages int
	// Skipped: the watch was already being polled.
	Skipped bool
}

// PausedError means the API asked pollhook to wait (Retry-After, or a
// rate limit with nothing remaining) and the time has not come: no
// request was made. It is not a failure of the watch.
type PausedError struct {
	Until time.Time
}

// Error says until when the API asked to wait.
func (e *PausedError) Error() string {
	return "the API asked to wait: no request before " + e.Until.UTC().Format(time.RFC3339)
}

// pollError is a failed poll's error with the watch's secrets scrubbed
// from its text.
type pollError struct {
	msg string
	err error
}

// Error is the scrubbed message.
func (e *pollError) Error() string { return e.msg }

// Unwrap returns the original error.
func (e *pollError) Unwrap() error { return e.err }

// Poll polls a watch once. With dryRun nothing is stored. A failed poll
// leaves the snapshot as it was, counts a failure, and after the watch's
// alert_after failures in a row commits one watch.failing event; the next
// success commits watch.recovered. A watch the API asked to wait is not
// polled before the time it gave (PausedError).
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
	if now := p.clock.Now(); now.Before(state.PausedUntil) {
		err := &PausedError{Until: state.PausedUntil}
		log.Info("not polled: the API asked to wait", "until", state.PausedUntil.UTC().Format(time.RFC3339))
		return nil, err
	}
	// The slot of the watch's host first, then a poll slot: polls queued
	// behind a slow host hold no poll slot, so they cannot starve the
	// watches of other hosts.
	releaseHost, err := p.limits.host(ctx, hostOf(w.RequestURL))
	if err != nil {
		return nil, fmt.Errorf("waiting for a request slot: %w", err)
	}
	defer releaseHost()
	release, err := p.limits.poll(ctx)
	if err != nil {
		return nil, fmt.Errorf("waiting for a poll slot: %w", err)
	}
	defer release()

	start := p.clock.Now()
	state.LastPoll = start
	out, next, err := p.safePoll(ctx, w, state, start, dryRun, log)
	if !dryRun { // a dry run is not a poll the metrics should count
		defer func() { p.report(w.Name, start, out, err) }()
	}
	if err != nil {
		if ctx.Err() != nil {
			// Cut short by shutdown: not the API's failure.
			return nil, err
		}
		if msg := watchSecrets(w).Replace(err.Error()); msg != err.Error() {
			err = &pollError{msg: msg, err: err}
		}
		next.Failures++
		if next.FailingSince.IsZero() {
			next.FailingSince = start
		}
		next.LastError = err.Error()
		log.Warn("poll failed", "err", err.Error(), "failures", next.Failures)
		if !dryRun {
			var ev *event.Event
			next, ev = p.failed(ctx, w, next, start, log)
			if ev != nil {
				out = &Outcome{Health: ev}
			}
		}
	} else {
		next.LastSuccess = start
		p.persistTimes(ctx, w.Name, next, dryRun)
	}
	if !dryRun {
		p.mu.Lock()
		p.states[w.Name] = &next
		p.mu.Unlock()
	}
	return out, err
}

// timesSavedEvery is how stale the stored last poll and last success of
// an unchanged watch may get: often enough that the status page and the
// last-success metric are right after a restart, rarely enough that an
// unchanged poll almost never costs a write.
const timesSavedEvery = time.Hour

// persistTimes stores a successful watch's state when its stored
// LastSuccess is older than timesSavedEvery.
func (p *Poller) persistTimes(ctx context.Context, name string, state store.WatchState, dryRun bool) {
	p.mu.Lock()
	due := state.LastSuccess.Sub(p.savedSuccess[name]) >= timesSavedEvery
	p.mu.Unlock()
	if dryRun || !due {
		return
	}
	if err := p.store.SaveState(ctx, name, state, nil); err != nil {
		p.log.Warn("save watch state", "watch", name, "err", err)
		return
	}
	p.mu.Lock()
	p.savedSuccess[name] = state.LastSuccess
	p.mu.Unlock()
}

// safePoll is poll, with a panic turned into a failed poll: a bug
// triggered by one API's answer must not end the daemon.
func (p *Poller) safePoll(ctx context.Context, w *config.Watch, state store.WatchState, now time.Time, dryRun bool, log *slog.Logger) (out *Outcome, next store.WatchState, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("internal error while polling (please report it)", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			out, next, err = nil, state, fmt.Errorf("internal error: %v", r)
		}
	}()
	return p.poll(ctx, w, state, now, dryRun, log)
}

// Poll results, as PollReport.Result names them.
const (
	ResultChanged     = "changed"
	ResultUnchanged   = "unchanged"
	ResultBaseline    = "baseline"
	ResultNotModified = "not_modified"
	ResultFailed      = "failed"
)

// PollReport tells an Observer about one finished poll.
type PollReport struct {
	Watch    string
	Result   string
	Duration time.Duration
	// Counts are the changes of the event the poll committed, if any.
	Counts diff.Counts
}

func (p *Poller) report(watch string, start time.Time, out *Outcome, err error) {
	if p.observe == nil {
		return
	}
	r := PollReport{Watch: watch, Duration: p.clock.Now().Sub(start), Result: ResultUnchanged}
	switch {
	case err != nil:
		r.Result = ResultFailed
	case out == nil:
	case out.Baseline:
		r.Result = ResultBaseline
	case out.Event != nil:
		r.Result = ResultChanged
		if c := out.Event.Data.Counts; c != nil {
			r.Counts = *c
		}
	case out.NotModified:
		r.Result = ResultNotModified
	}
	p.observe(r)
}

// poll does the work of Poll and returns the watch's next state. It
// persists whatever must be persisted itself. On an error the state
// returned is what is stored, plus any pause the API asked for.
func (p *Poller) poll(ctx context.Context, w *config.Watch, state store.WatchState, now time.Time, dryRun bool, log *slog.Logger) (*Outcome, store.WatchState, error) {
	identity := Identity(w)
	var cond request
	if w.Conditional && state.Baseline && state.Identity == identity && state.Format != "" && state.PendingCount == 0 {
		// Validators describe the snapshot's response; a candidate change
		// waiting for confirmation must be fetched whole.
		cond.etag, cond.lastModified = state.ETag, state.LastModified
	}
	saved := state // the persisted fields, as stored

	res, err := p.fetchAll(ctx, w, cond, log)
	if pa := res.pause; pa.until.After(state.PausedUntil) {
		state.PausedUntil = pa.until
		until := pa.until.UTC().Format(time.RFC3339)
		switch {
		case pa.capped:
			log.Warn("the API asked to wait more than 24h: waiting 24h", "until", until)
		case pa.retryAfter:
			log.Info("the API asked to wait (Retry-After)", "until", until)
		default:
			log.Info("rate limit exhausted: waiting for its reset", "until", until)
		}
	}
	if err != nil {
		return nil, state, err
	}

	if res.notModified {
		next, ev, err := p.recovered(ctx, w, state, now, dryRun, log)
		if err != nil {
			return nil, state, err
		}
		if ev != nil {
			saved = next
		}
		log.Debug("not modified")
		if err := p.saveIfChanged(ctx, w, saved, next, dryRun); err != nil {
			return nil, state, err
		}
		return &Outcome{NotModified: true, Health: ev, Pages: 1}, next, nil
	}

	format := diff.Format(state.Format)
	if state.Identity != identity || format == diff.Auto {
		format = w.Diff.Format
		if format == diff.Auto {
			format = diff.Detect(res.contentType, res.pages[0])
		}
	}
	val, err := w.Differ.Prepare(format, res.pages...)
	if err != nil {
		return nil, state, fmt.Errorf("%s response: %w", format, err)
	}

	// The API answered and the answer is usable: the watch works again.
	state, health, err := p.recovered(ctx, w, state, now, dryRun, log)
	if err != nil {
		return nil, state, err
	}
	if health != nil {
		saved = state
	}
	next := state
	if w.Conditional {
		next.ETag, next.LastModified = res.etag, res.lastModified
	}
	pages := len(res.pages)

	if !state.Baseline || state.Identity != identity {
		reason := "first successful poll"
		if state.Baseline {
			reason = "url, select, key, keys, ignore, format, paginate or graphql changed"
		}
		next.Baseline, next.Identity, next.Format, next.Sum = true, identity, string(format), val.Sum
		next.PendingSum, next.PendingCount = 0, 0
		if !dryRun {
			if err := p.store.SaveState(ctx, w.Name, next, val.Data); err != nil {
				return nil, state, err
			}
		}
		if dryRun {
			log.Info("dry run: a baseline would be stored, nothing sent", "reason", reason, "bytes", len(val.Data), "pages", pages)
		} else {
			log.Info("baseline stored, nothing sent", "reason", reason, "bytes", len(val.Data), "pages", pages)
		}
		return &Outcome{Baseline: true, Health: health, Pages: pages}, next, nil
	}

	if val.Sum == state.Sum {
		log.Debug("no change", "pages", pages)
		// A candidate change that went away before it was confirmed is
		// forgotten.
		next.PendingSum, next.PendingCount = 0, 0
		if err := p.saveIfChanged(ctx, w, saved, next, dryRun); err != nil {
			return nil, state, err
		}
		return &Outcome{Health: health, Pages: pages}, next, nil
	}

	if confirm := max(w.Confirm, 1); confirm > 1 {
		if next.PendingSum == val.Sum {
			next.PendingCount++
		} else {
			next.PendingSum, next.PendingCount = val.Sum, 1
		}
		if next.PendingCount < confirm {
			// These validators are the candidate's, not the snapshot's.
			next.ETag, next.LastModified = "", ""
			log.Info("change seen, waiting for confirmation", "seen", next.PendingCount, "confirm", confirm)
			if !dryRun {
				if err := p.store.SaveState(ctx, w.Name, next, nil); err != nil {
					return nil, state, err
				}
			}
			return &Outcome{Health: health, Pages: pages}, next, nil
		}
	}
	next.PendingSum, next.PendingCount = 0, 0

	old, err := p.store.Snapshot(ctx, w.Name)
	if err != nil {
		return nil, state, err
	}
	res2, err := w.Differ.Diff(format, old, val.Data)
	if err != nil {
		return nil, state, fmt.Errorf("diff: %w", err)
	}
	next.Sum = val.Sum
	if res2.Counts.Total() == 0 {
		// Something changed, but nothing that fires (on, when, or a change
		// that canonical form hides): keep the new value, send nothing.
		log.Info("changed, but no change fires", "watch_on", w.Diff.On)
		if !dryRun {
			if err := p.store.SaveState(ctx, w.Name, next, val.Data); err != nil {
				return nil, state, err
			}
		}
		return &Outcome{Health: health, Pages: pages}, next, nil
	}

	next.Seq++
	next.LastChange = now
	counts := res2.Counts
	ev := &event.Event{
		ID:        event.NewID(now),
		Type:      event.TypeChanged,
		Timestamp: now.UTC().Truncate(time.Millisecond),
		Data: event.Data{
			Watch: w.Name, URL: redact.PublicURL(w.URL), Seq: next.Seq, Format: format,
			Changes: res2.Changes, Counts: &counts, Truncated: res2.Truncated,
			Patch: res2.Patch, Document: res2.Document, Previous: res2.Previous,
		},
	}
	if dryRun {
		return &Outcome{Event: ev, Pages: pages}, next, nil
	}
	if err := p.commit(ctx, w, next, val.Data, ev, w.Notify); err != nil {
		return nil, state, err
	}
	log.Info("change detected", "event_id", ev.ID, "seq", ev.Data.Seq,
		"added", counts.Added, "removed", counts.Removed, "changed", counts.Changed)
	return &Outcome{Event: ev, Health: health, Pages: pages}, next, nil
}

// saveIfChanged writes the state when a persisted field that a no-change
// poll can move (validators, pause, pending change, health) differs from
// what is stored: an unchanged, healthy watch costs no write.
func (p *Poller) saveIfChanged(ctx context.Context, w *config.Watch, saved, next store.WatchState, dryRun bool) error {
	if dryRun {
		return nil
	}
	if saved.ETag == next.ETag && saved.LastModified == next.LastModified &&
		saved.PausedUntil.Equal(next.PausedUntil) &&
		saved.PendingSum == next.PendingSum && saved.PendingCount == next.PendingCount &&
		saved.Failures == next.Failures && saved.Alerted == next.Alerted {
		return nil
	}
	return p.store.SaveState(ctx, w.Name, next, nil)
}

// commit stores an event with the watch's state (and snapshot, when not
// nil) and queues it for targets.
func (p *Poller) commit(ctx context.Context, w *config.Watch, state store.WatchState, snapshot []byte, ev *event.Event, targets []string) error {
	payload, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	err = p.store.CommitEvent(ctx, store.Commit{
		Watch: w.Name, State: state, Snapshot: snapshot,
		EventID: ev.ID, Payload: payload, Time: ev.Timestamp, Targets: targets,
	})
	if err != nil {
		return err
	}
	p.committed()
	return nil
}

// Identity fingerprints the settings that decide what a watch's snapshot
// holds. When they change, comparing old and new snapshots would report
// differences nobody made, so a new baseline is taken instead (and the
// stored validators are not used).
func Identity(w *config.Watch) string {
	o := w.Diff
	keys := make([]string, 0, len(o.Keys))
	for k, v := range o.Keys {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	// The URL counts (credentials aside): another API's data compared
	// with the old snapshot would be a flood of changes nobody made.
	parts := []string{redact.PublicURL(w.RequestURL), string(o.Format), o.Select, o.Key, strings.Join(keys, "\x00"), strings.Join(o.Ignore, "\x00")}
	// Settings added later join only when set, so that the identity of a
	// watch that does not use them stays what it was.
	if pg := w.Paginate; pg != nil {
		parts = append(parts, "paginate", pg.Next, strconv.FormatBool(pg.LinkHeader), pg.Cursor, pg.Param, strconv.Itoa(pg.MaxPages))
	}
	if w.GraphQL != "" {
		parts = append(parts, "graphql", w.Body)
	} else if w.Method != "GET" || w.Body != "" {
		// Another request body (a different search, another report) is
		// another data set.
		parts = append(parts, "request", w.Method, w.Body)
	}
	h := sha256.New()
	for _, part := range parts {
		h.Write([]byte(part))
		h.Write([]byte{0xff})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
