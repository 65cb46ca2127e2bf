// Package poller runs each watch on its schedule: it fetches the API
// (politely: conditional requests, rate limits, backoff, jitter and
// connection limits), hands the pages to diff, and commits any change
// event, with the new snapshot and its outbox entries, in one store
// transaction. It also tells a watch's targets when the watch starts and
// stops failing.
package poller

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"
	"slices"
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
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/store"
)

// Store is what the poller needs from the database.
type Store interface {
	WatchStates(ctx context.Context) (map[string]store.WatchState, error)
	WatchState(ctx context.Context, name string) (store.WatchState, bool, error)
	AppendSnapshot(ctx context.Context, dst []byte, watch string) ([]byte, error)
	SaveState(ctx context.Context, watch string, s store.WatchState, snapshot []byte) error
	CommitEvents(ctx context.Context, cs ...store.Commit) error
}

var _ Store = (*store.DB)(nil)

// Options configure a Poller.
type Options struct {
	Store Store
	// Client makes the requests. Watches with their own TLS settings get
	// a copy of it with a clone of its *http.Transport (of
	// http.DefaultTransport if it has another RoundTripper), one per
	// distinct setting. nil: NewClient(MaxPerHost).
	Client *http.Client
	Logger *slog.Logger
	Clock  clock.Clock
	// Version goes into the User-Agent.
	Version string
	// Observe, when set, hears about every finished poll (metrics).
	Observe func(PollReport)
	// MaxPerHost bounds the requests in flight to one host (host:port);
	// 0 means config.DefaultMaxPerHost. The configuration's max_per_host.
	MaxPerHost int
	// MaxConcurrent bounds the polls running at once; 0 means
	// config.DefaultMaxConcurrent. The configuration's max_concurrent.
	MaxConcurrent int
	// DiffBudget bounds the bytes of answers prepared and diffed at once,
	// over all polls; 0 means DefaultDiffBudget.
	DiffBudget int64
	// Once: the poller keeps no watch's state between polls (pollhook
	// once, which polls each watch once). Load reads no state; each poll
	// reads its watch's from the store as
	// it starts, and lets go of it, and of what it worked out of the
	// watch's settings, when it ends: memory holds the polls in flight,
	// not every watch's state and info (at 10,000 watches, 5 MB of
	// pollhook once's live heap).
	Once bool
}

// Poller polls watches and commits what changed.
type Poller struct {
	store   Store
	client  *http.Client
	log     *slog.Logger
	clock   clock.Clock
	version string
	observe func(PollReport)
	limits  *limits
	budget  *budget
	// plain describes values with no settings of a watch's: their type
	// and length (AnswerSum's ValueType and ValueLen).
	plain *diff.Differ
	// bodies are buffers to read answers into (bodyBuffer, recycle).
	bodies sync.Pool
	// decisions are the decisions of polls carried out (undecided,
	// recycleDecision).
	decisions sync.Pool

	sched scheduler

	mu sync.Mutex
	// states are the watches' states, by value: a poll's new state is
	// copied into its entry, not allocated anew.
	states  map[string]store.WatchState
	running map[string]bool
	// savedSuccess is the LastSuccess each watch's stored state holds.
	savedSuccess map[string]time.Time

	tmu     sync.Mutex
	clients map[string]*http.Client // by config.TLS.Key
	warned  map[string]bool         // watches warned about insecure_skip_verify

	imu   sync.Mutex
	infos map[*config.Watch]*watchInfo

	once bool // Options.Once
}

// New returns a Poller. Load must be called before polling.
func New(o Options) *Poller {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	limits := newLimits(o.MaxConcurrent, o.MaxPerHost)
	if o.Client == nil {
		o.Client = NewClient(limits.perHost)
	}
	client := *o.Client // ours to change: the redirect policy below
	if client.CheckRedirect == nil {
		client.CheckRedirect = redirectPolicy
	}
	o.Client = &client
	// No settings: nothing to reject. Were it ever nil, values would be
	// described without their type and length.
	plain, _ := diff.Compile(diff.Options{})
	return &Poller{
		plain: plain,
		store: o.Store, client: o.Client, log: o.Logger, clock: o.Clock,
		version: o.Version, observe: o.Observe,
		limits: limits, budget: newBudget(o.DiffBudget),
		states: map[string]store.WatchState{}, running: map[string]bool{}, savedSuccess: map[string]time.Time{},
		clients: map[string]*http.Client{}, warned: map[string]bool{},
		infos: map[*config.Watch]*watchInfo{},
		once:  o.Once,
	}
}

// NewClient returns the client polls use: redirects are followed (APIs
// move; see redirectPolicy for what crosses to another host), proxies come
// from the environment, and up to perHost connections to each host are
// kept alive: as many as the requests max_per_host lets run at once, so
// that none of them dials anew.
func NewClient(perHost int) *http.Client {
	return httpclient.New(httpclient.Options{MaxIdleConnsPerHost: perHost})
}

// Load reads every watch's state from the store; with Options.Once,
// none (each poll reads its own).
func (p *Poller) Load(ctx context.Context) error {
	if p.once {
		return nil
	}
	states, err := p.store.WatchStates(ctx)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.states) == 0 {
		p.states = states // ours: the store made it for us
	} else {
		maps.Copy(p.states, states)
	}
	if len(p.savedSuccess) == 0 {
		p.savedSuccess = make(map[string]time.Time, len(states))
	}
	for name, s := range states {
		p.savedSuccess[name] = s.LastSuccess
	}
	return nil
}

// Held names every watch the poller has a state for: those of the
// configuration, and those the store still holds of others.
func (p *Poller) Held() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Collect(maps.Keys(p.states))
}

// State returns a copy of a watch's state.
func (p *Poller) State(name string) store.WatchState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.states[name]
}

// Outcome is the result of one poll.
type Outcome struct {
	// Baseline: the first successful poll (or one after the watch's shape
	// changed) stored a snapshot and sent nothing.
	Baseline bool
	// Event is the change event committed (or, in a dry run, that would
	// have been), or nil. For a split watch it is the first of Events.
	Event *event.Event
	// Events are all the change events of the poll, in the order they
	// were committed: Event alone, or for a split watch one per element
	// and maybe a watch.truncated one. Counts counts the changes that
	// fired, over all of them (nil when none did).
	Events []*event.Event
	Counts *diff.Counts
	// Health is the watch.failing or watch.recovered event this poll
	// committed, or nil.
	Health *event.Event
	// NotModified: the API answered 304 to a conditional request.
	NotModified bool
	// Pages is how many pages were fetched.
	Pages int
	// Skipped: the watch was already being polled.
	Skipped bool
	// Value is the value the poll prepared (selected, in Format), nil
	// when the API answered 304 or the answer was not prepared (Same):
	// what `pollhook once` describes. It may share memory with the
	// answer, which PollAll and the scheduler read the next answers into
	// once their done has returned: a caller that keeps it copies it.
	Value  []byte
	Format diff.Format
	// Same: the answer was, byte for byte and under the same settings, one
	// whose value was the snapshot's, so it was not prepared again: the
	// poll is unchanged, Value is nil, and Shape has the type and length
	// of the value (and nothing else of a diff.Shape).
	Same  bool
	Shape *diff.Shape
	// Unchanged: the value was the snapshot's. Seen: the change found
	// waits for confirm, and has been seen on this many polls in a row.
	// A poll that prepared a value and is neither a baseline, nor
	// unchanged, nor waiting, nor carries an Event, found a change of
	// which nothing fires (on, when).
	Unchanged bool
	Seen      int
	// pages are the answer's pages when the poll kept them (Value, the
	// snapshot it committed, its events' values may share them): the pool
	// gives them to the next answers once done has seen the outcome.
	pages [][]byte
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

// PollOptions say what a poll is for.
type PollOptions struct {
	// DryRun: nothing is stored, and the value is prepared whatever the
	// answer (a preview describes it).
	DryRun bool
	// Value: the caller needs the prepared value (pollhook once --show),
	// so an answer the same as the last one's is prepared too.
	Value bool
	// Due is when the scheduler meant the poll to start (its schedule's
	// time plus its jitter); zero for a poll run by hand. The report of
	// the poll says how late it started (PollReport.Late).
	Due time.Time
}

// Poll polls a watch once. With o.DryRun nothing is stored. A failed poll
// leaves the snapshot as it was, counts a failure, and after the watch's
// alert_after failures in a row commits one watch.failing event; the next
// success commits watch.recovered. A watch the API asked to wait is not
// polled before the time it gave (PausedError).
func (p *Poller) Poll(ctx context.Context, w *config.Watch, o PollOptions) (*Outcome, error) {
	p.mu.Lock()
	if p.running[w.Name] {
		p.mu.Unlock()
		return &Outcome{Skipped: true}, nil
	}
	p.running[w.Name] = true
	state := p.states[w.Name]
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.running, w.Name)
		if p.once {
			delete(p.savedSuccess, w.Name)
		}
		p.mu.Unlock()
		if p.once {
			p.dropInfo(w)
		}
	}()
	if p.once {
		var err error
		if state, err = p.readState(ctx, w.Name); err != nil {
			return nil, err
		}
	}

	in := p.info(w)
	log := in.logger()
	if now := p.clock.Now(); now.Before(state.PausedUntil) {
		err := &PausedError{Until: state.PausedUntil}
		log.Info("not polled: the API asked to wait", "until", state.PausedUntil.UTC().Format(time.RFC3339))
		return nil, err
	}
	// The slot of the watch's host first, then a poll slot: polls queued
	// behind a slow host hold no poll slot, so they cannot starve the
	// watches of other hosts.
	releaseHost, err := p.limits.host(ctx, in.host)
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
	d, err := p.safePoll(ctx, w, in, state, start, o)
	out, err := p.apply(ctx, w, d, err, start, o, log)
	p.recycleDecision(d)
	return out, err
}

// timesSavedEvery is how stale the stored last poll and last success of
// an unchanged watch may get: often enough that the status page and the
// last-success metric are right after a restart, rarely enough that an
// unchanged poll almost never costs a write.
const timesSavedEvery = time.Hour

// persistTimes stores a successful watch's state when its stored
// LastSuccess is older than timesSavedEvery.
func (p *Poller) persistTimes(ctx context.Context, name string, state store.WatchState) {
	p.mu.Lock()
	due := state.LastSuccess.Sub(p.savedSuccess[name]) >= timesSavedEvery
	p.mu.Unlock()
	if !due {
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
// triggered by one API's answer must not end the daemon. Nothing is
// written before apply, so a panic leaves nothing half done: the failure
// counts from the state the poll began with.
func (p *Poller) safePoll(ctx context.Context, w *config.Watch, in *watchInfo, state store.WatchState, now time.Time, o PollOptions) (d *decision, err error) {
	defer func() {
		if r := recover(); r != nil {
			in.logger().Error("internal error while polling (please report it)", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			d, err = p.undecided(state), fmt.Errorf("internal error: %v", r)
		}
	}()
	return p.poll(ctx, w, in, state, now, o)
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
	// Scheduled: the scheduler ran the poll, Late after it was due
	// (PollOptions.Due; negative when early). Late includes the wait for
	// a request slot and a poll slot (max_per_host, max_concurrent).
	Scheduled bool
	Late      time.Duration
}

// report tells the Observer, if there is one, how a poll went.
func (p *Poller) report(watch string, start, due time.Time, out *Outcome, err error) {
	if p.observe == nil {
		return
	}
	r := PollReport{Watch: watch, Duration: p.clock.Now().Sub(start), Result: ResultUnchanged}
	if !due.IsZero() {
		r.Scheduled, r.Late = true, start.Sub(due)
	}
	switch {
	case err != nil:
		r.Result = ResultFailed
	case out == nil:
	case out.Baseline:
		r.Result = ResultBaseline
	case out.Event != nil:
		r.Result = ResultChanged
		if c := out.Counts; c != nil {
			r.Counts = *c
		}
	case out.NotModified:
		r.Result = ResultNotModified
	}
	p.observe(r)
}

// A decision is what one poll should do, worked out by the steps of poll
// without writing anything: apply carries it out. Deciding first and
// writing in one place keeps the writes of a poll (and their absence in
// a dry run) in one function, whichever way the poll went.
type decision struct {
	// next is the watch's state after the poll. Its Seq is the last
	// stored event's: apply numbers the events as it commits them.
	next store.WatchState
	// failFrom is what a failure of the poll counts from: the watch's
	// state before the poll (its failures included), or, once apply has
	// committed a watch.recovered event, that recovered state.
	failFrom store.WatchState
	// recovery is the watch working again after failures (committed
	// first, even when a later step fails), or nil.
	recovery *health
	// changes are the change events to commit with next and snapshot, in
	// order: none, one, or a split watch's (one per element, maybe a
	// watch.truncated one).
	changes []*event.Event
	// snapshot is the new snapshot, stored with next; nil keeps the old one.
	snapshot []byte
	// save: next (and snapshot) is stored though no change event is
	// committed.
	save bool
	// note is said after the recovery, whether or not the poll writes
	// (dry runs too); done once the poll's write is done; dryNote instead
	// of writing, in a dry run.
	note, done, dryNote logLine
	// out is what Poll returns but the events, which apply adds.
	out Outcome
}

// A logLine is a message a step decided on, said by apply when its time
// comes (before or after a write, in a real or a dry run). The zero
// logLine says nothing.
type logLine struct {
	level slog.Level
	msg   string
	args  []any
}

// say logs l, unless it is the zero logLine.
func (l logLine) say(ctx context.Context, log *slog.Logger) {
	if l.msg != "" {
		log.Log(ctx, l.level, l.msg, l.args...)
	}
}

// poll works out what one poll of a watch should do, in steps that each
// decide the poll or hand it on: not modified, the same answer, prepare,
// recovered (usable), baseline, unchanged, confirm, compare (the diff),
// nothing fires, changed. It writes nothing; it reads the snapshot only
// when the data changed. On an error the decision holds what the poll had
// got to: the state its failure counts from, and any recovery to commit
// first.
func (p *Poller) poll(ctx context.Context, w *config.Watch, in *watchInfo, state store.WatchState, now time.Time, o PollOptions) (*decision, error) {
	identity := in.identity
	stored := state // the persisted fields, as stored
	res, err := p.fetchAll(ctx, w, in, validators(w, state, identity))
	state = paused(state, res.pause, in)
	if res.refused {
		// Whatever comes of this poll, the validators are not to be sent
		// again.
		state.ETag, state.LastModified = "", ""
	}
	if err != nil {
		return p.undecided(state), err
	}
	if res.notModified {
		return p.notModified(w, state, stored, now), nil
	}
	format := answerFormat(w, state, identity, res)
	sum := answerSum(in, format, res.pages)
	var val diff.Value
	same := sameAnswer(state, identity, sum) && !o.DryRun && !o.Value
	if same {
		// The value is the snapshot's, as it was when this answer last
		// came: preparing it again would find the same sum. Nothing is
		// to hold the answer: the next ones can be read into it.
		val.Sum = state.Sum
		defer p.recycle(res.pages)
	} else {
		// The answer and the snapshot it may be diffed with, in memory at
		// once with the diff's own: wait for them to fit in the budget.
		release, err := p.budget.acquire(ctx, 2*pagesSize(res.pages))
		if err != nil {
			return p.undecided(state), fmt.Errorf("waiting to diff %d bytes: %w", pagesSize(res.pages), err)
		}
		defer release()
		if val, err = w.Differ.Prepare(format, res.pages...); err != nil {
			return p.undecided(state), fmt.Errorf("%s response: %w%s", format, err, markupSummary(format, res.pages))
		}
	}
	d := p.usable(w, state, now)
	if w.Conditional {
		d.next.ETag, d.next.LastModified = res.etag, res.lastModified
	}
	d.out.Pages = len(res.pages)
	d.out.Value, d.out.Format = val.Data, format
	if same {
		d.out.Same, d.out.Shape = true, &diff.Shape{Format: format, Type: state.ValueType, Len: state.ValueLen}
	} else {
		d.out.pages = res.pages
	}
	d, err = p.decide(ctx, w, d, state, stored, identity, format, val, now)
	if err == nil && d.next.Sum == val.Sum && !same {
		// The snapshot's value is this answer's (not a change waiting for
		// confirm): the next answer like it need not be prepared.
		var shape diff.Shape
		if p.plain != nil {
			shape = p.plain.Describe(format, val.Data)
		}
		d.next.AnswerSum, d.next.ValueType, d.next.ValueLen = sum, shape.Type, shape.Len
	}
	return d, err
}

// decide is the part of poll that follows a usable answer's value: the
// baseline, unchanged, confirm, compare, nothing fires and changed steps.
func (p *Poller) decide(ctx context.Context, w *config.Watch, d *decision, state, stored store.WatchState, identity string, format diff.Format, val diff.Value, now time.Time) (*decision, error) {
	if !state.Baseline || state.Identity != identity {
		return baseline(d, identity, format, val), nil
	}
	if val.Sum == state.Sum {
		return unchanged(d, stored), nil
	}
	if waiting := confirm(w, d, val); waiting {
		return d, nil
	}
	changes, old, err := p.compare(ctx, w, format, val)
	if err != nil {
		return d, err
	}
	// Nothing decided holds the snapshot read for the diff: the diff's
	// values and the elements' labels are copies. Its buffer goes to the
	// next answers.
	defer p.recycle([][]byte{old})
	if changes.Counts.Total() == 0 {
		return nothingFires(w, d, val, changes), nil
	}
	return changed(w, d, format, old, val, changes, now), nil
}

// pagesSize is the bytes of an answer's pages.
func pagesSize(pages [][]byte) int64 {
	var n int64
	for _, p := range pages {
		n += int64(len(p))
	}
	return n
}

// validators returns the validators that make a watch's request
// conditional, or none. They describe the snapshot's response: a watch
// with a new shape, or a candidate change waiting for confirmation, must
// be fetched whole.
func validators(w *config.Watch, state store.WatchState, identity string) request {
	var cond request
	if w.Conditional && state.Baseline && state.Identity == identity && state.Format != "" && state.PendingCount == 0 {
		cond.etag, cond.lastModified = state.ETag, state.LastModified
	}
	return cond
}

// paused adds the pause the API asked for to a watch's state, when it
// ends later than the one the state holds, and says so. It holds whether
// the poll succeeds or fails.
func paused(state store.WatchState, pa pause, in *watchInfo) store.WatchState {
	if !pa.until.After(state.PausedUntil) {
		return state
	}
	state.PausedUntil = pa.until
	log := in.logger()
	until := pa.until.UTC().Format(time.RFC3339)
	switch {
	case pa.capped:
		log.Warn("the API asked to wait more than 24h: waiting 24h", "until", until)
	case pa.retryAfter:
		log.Info("the API asked to wait (Retry-After)", "until", until)
	default:
		log.Info("rate limit exhausted: waiting for its reset", "until", until)
	}
	return state
}

// undecided is the decision of a poll that failed before it decided
// anything: its failure counts from state. It is one a poll before gave
// back (recycleDecision), when there is one.
func (p *Poller) undecided(state store.WatchState) *decision {
	d, ok := p.decisions.Get().(*decision)
	if !ok {
		d = &decision{}
	}
	d.next, d.failFrom = state, state
	return d
}

// recycleDecision gives back the decision of a poll that apply has
// carried out: the outcome it returned is a copy, and nothing else holds
// the decision. A decision is 1 KB, the most a poll that finds nothing
// new allocates but for net/http's request and answer.
func (p *Poller) recycleDecision(d *decision) {
	*d = decision{}
	p.decisions.Put(d)
}

// notModified decides a 304: the snapshot is still the API's data, so
// there is nothing to diff. The watch works again (recovered), and its
// state is stored only when a persisted field moved.
func (p *Poller) notModified(w *config.Watch, state, stored store.WatchState, now time.Time) *decision {
	d := p.usable(w, state, now)
	d.note = logLine{slog.LevelDebug, "not modified", nil}
	d.out = Outcome{NotModified: true, Pages: 1}
	d.save = moved(held(stored, d.recovery), d.next)
	return d
}

// answerFormat is the format an answer's pages are read in: the stored
// one, or for a first poll or a new shape the configured one (detected
// from the first page when auto). An answer that does not parse in it
// fails the poll: it never replaces the snapshot.
func answerFormat(w *config.Watch, state store.WatchState, identity string, res *fetched) diff.Format {
	format := diff.Format(state.Format)
	if state.Identity != identity || format == diff.Auto {
		format = w.Diff.Format
		if format == diff.Auto {
			format = diff.Detect(res.contentType, res.pages[0])
		}
	}
	return format
}

// markupSummary says what a page of markup that a JSON watch got instead
// of JSON is (a login or error page served with status 200): its <title>,
// or first line of text (human.Summary), never the markup.
func markupSummary(format diff.Format, pages [][]byte) string {
	for _, page := range pages {
		page = bytes.TrimSpace(page)
		if format != diff.JSON || !bytes.HasPrefix(page, []byte("<")) {
			continue
		}
		if s := human.Summary(page[:min(len(page), maxErrorBody)], maxSnippet); s != "" {
			return fmt.Sprintf(" (the answer is a page of markup: %s)", s)
		}
	}
	return ""
}

// usable starts the decision of a poll whose answer is usable: the watch
// works again, which for a failing watch is its recovery (recovered). A
// poll counts as succeeded only once it is committed, so a failure of its
// write still counts from the failures before it (failFrom), unless a
// watch.recovered event was committed first.
func (p *Poller) usable(w *config.Watch, state store.WatchState, now time.Time) *decision {
	d := p.undecided(state)
	if h := recovered(w, state, now); h != nil {
		d.recovery, d.next = h, h.state
	}
	return d
}

// baseline decides the first successful poll of a watch, or the first
// after its shape changed: the answer is stored as the snapshot and
// nothing is sent, as comparing it with another shape's snapshot would
// report differences nobody made.
func baseline(d *decision, identity string, format diff.Format, val diff.Value) *decision {
	reason := "first successful poll"
	if d.next.Baseline {
		reason = "url, select, key, keys, ignore, format, paginate or graphql changed"
	}
	next := &d.next
	next.Baseline, next.Identity, next.Format, next.Sum = true, identity, string(format), val.Sum
	next.PendingSum, next.PendingCount = 0, 0
	d.save, d.snapshot = true, val.Data
	args := []any{"reason", reason, "bytes", len(val.Data), "pages", d.out.Pages}
	d.done = logLine{slog.LevelInfo, "baseline stored, nothing sent", args}
	d.dryNote = logLine{slog.LevelInfo, "dry run: a baseline would be stored, nothing sent", args}
	d.out.Baseline = true
	return d
}

// unchanged decides a poll that found the snapshot's data. A candidate
// change that went away before it was confirmed is forgotten.
func unchanged(d *decision, stored store.WatchState) *decision {
	d.next.PendingSum, d.next.PendingCount = 0, 0
	d.out.Unchanged = true
	d.note = logLine{slog.LevelDebug, "no change", []any{"pages", d.out.Pages}}
	d.save = moved(held(stored, d.recovery), d.next)
	return d
}

// confirm counts the sightings of a change of a watch with confirm > 1,
// and decides to wait (true) while the change has been seen fewer than
// confirm polls in a row: the candidate is stored, nothing is sent. A
// change that goes on to be diffed forgets its sightings.
func confirm(w *config.Watch, d *decision, val diff.Value) bool {
	next := &d.next
	if confirm := max(w.Confirm, 1); confirm > 1 {
		if next.PendingSum == val.Sum {
			next.PendingCount++
		} else {
			next.PendingSum, next.PendingCount = val.Sum, 1
		}
		if next.PendingCount < confirm {
			// These validators are the candidate's, not the snapshot's.
			next.ETag, next.LastModified = "", ""
			d.note = logLine{slog.LevelInfo, "change seen, waiting for confirmation", []any{"seen", next.PendingCount, "confirm", confirm}}
			d.out.Seen = next.PendingCount
			d.save = true
			return true
		}
	}
	next.PendingSum, next.PendingCount = 0, 0
	return false
}

// compare diffs an answer with the stored snapshot, which it reads: the
// one read of the store a poll makes, and only when the data changed.
// It returns the snapshot with the diff, read into a buffer of the
// answers' (recycle).
func (p *Poller) compare(ctx context.Context, w *config.Watch, format diff.Format, val diff.Value) (*diff.Result, []byte, error) {
	old, err := p.store.AppendSnapshot(ctx, p.bodyBuffer(), w.Name)
	if err != nil {
		return nil, nil, err
	}
	res, err := w.Differ.Diff(format, old, val.Data)
	if err != nil {
		p.recycle([][]byte{old})
		return nil, nil, fmt.Errorf("diff: %w", err)
	}
	if len(res.WhenErrs) > 0 {
		p.info(w).whenFailed(res)
	}
	return res, old, nil
}

// nothingFires decides a change of which nothing fires (on, when, or a
// change that canonical form hides): the new value is kept, nothing is
// sent, and the log says which it was.
func nothingFires(w *config.Watch, d *decision, val diff.Value, res *diff.Result) *decision {
	d.next.Sum = val.Sum
	d.note = logLine{slog.LevelInfo, "changed, but no change fires",
		[]any{"found", res.Found.Total(), "reason", unfired(w.Diff, res)}}
	d.save, d.snapshot = true, val.Data
	return d
}

// unfired says why none of the changes a diff found fired: on ["added"]
// matched no change (found 2 removed), when "draft==false" matched no
// change, or on left some that when then matched none of.
func unfired(o diff.Options, res *diff.Result) string {
	on := make([]string, len(o.On))
	for i, op := range o.On {
		on[i] = strconv.Quote(string(op))
	}
	onList := "[" + strings.Join(on, ", ") + "]"
	switch {
	case res.Found.Total() == 0:
		return "the diff found no change"
	case res.NotWhen == 0:
		return fmt.Sprintf("on %s matched no change (found %s)", onList, countsText(res.Found))
	case res.NotOn == 0:
		return fmt.Sprintf("when %q matched no change", o.When)
	}
	return fmt.Sprintf("on %s left %d of %d changes, when %q matched none", onList, res.NotWhen, res.Found.Total(), o.When)
}

// countsText lists the kinds of change counted: "1 removed, 2 changed".
func countsText(c diff.Counts) string {
	var parts []string
	for _, k := range []struct {
		n    int
		kind diff.Op
	}{{c.Added, diff.Added}, {c.Removed, diff.Removed}, {c.Changed, diff.Changed}} {
		if k.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", k.n, k.kind))
		}
	}
	return strings.Join(parts, ", ")
}

// changed decides a change that fires: its event is committed with the
// new snapshot, for the watch's targets.
func changed(w *config.Watch, d *decision, format diff.Format, old []byte, val diff.Value, res *diff.Result, now time.Time) *decision {
	d.next.Sum = val.Sum
	d.next.LastChange = now
	counts := res.Counts
	d.out.Counts = &counts
	newEvent := func(typ string, data event.Data) *event.Event {
		return &event.Event{Type: typ, Timestamp: event.Now(now), Data: data}
	}
	base := event.Data{Watch: w.Name, URL: redact.PublicURL(w.URL), Format: format}
	if w.Split && format == diff.JSON {
		d.changes = splitEvents(w, base, res, old, val.Data, newEvent)
	} else {
		data := base
		data.Changes, data.Counts, data.Truncated = res.Changes, &counts, res.Truncated
		data.Patch, data.Document, data.Previous = res.Patch, res.Document, res.Previous
		d.changes = []*event.Event{newEvent(event.TypeChanged, data)}
	}
	// Their ids sort as they are numbered, as history lists them.
	for i, id := range event.NewIDs(now, len(d.changes)) {
		d.changes[i].ID = id
	}
	d.snapshot = val.Data
	return d
}

// held returns what the store holds of a watch once a recovery is
// committed, given what it held before the poll.
func held(stored store.WatchState, r *health) store.WatchState {
	if r != nil && r.event != nil {
		return r.state
	}
	return stored
}

// moved reports whether a persisted field that a no-change poll can move
// (validators, pause, pending change, health) differs from what is
// stored: an unchanged, healthy watch costs no write.
func moved(saved, next store.WatchState) bool {
	return !(saved.ETag == next.ETag && saved.LastModified == next.LastModified &&
		saved.PausedUntil.Equal(next.PausedUntil) &&
		saved.PendingSum == next.PendingSum && saved.PendingCount == next.PendingCount &&
		saved.Failures == next.Failures && saved.Alerted == next.Alerted)
}

// apply carries out a poll's decision. It is the one step of a poll that
// writes (the recovery, the poll's own write, its failure, the poll
// times; the state in memory; the metrics), so the one that knows about
// dry runs: a dry run writes nothing, says what it would have done, and
// returns the change event it would have committed (with no Health: it
// commits none). err ended the deciding, if set: the recovery decided
// before it is still committed, then the failure. Events are numbered as
// they are committed, so a dry run's change event takes the number after
// the stored state's.
func (p *Poller) apply(ctx context.Context, w *config.Watch, d *decision, err error, start time.Time, o PollOptions, log *slog.Logger) (*Outcome, error) {
	var out *Outcome
	dryRun := o.DryRun
	if !dryRun { // a dry run is not a poll the metrics should count
		defer func() { p.report(w.Name, start, o.Due, out, err) }()
	}
	next, failFrom := d.next, d.failFrom
	var recoveredEv *event.Event
	if err == nil {
		// A poll counts as succeeded only once it is committed: its
		// watch.recovered event goes in the same transaction as the rest
		// of it, numbered before its change event, and a failure to
		// commit still counts from the failures before it (failFrom).
		var recovery *event.Event
		if r := d.recovery; r != nil && r.event != nil && !dryRun {
			next.Seq++
			recovery = r.event
			recovery.Data.Seq = next.Seq
		}
		for _, ev := range d.changes {
			next.Seq++
			ev.Data.Seq = next.Seq
		}
		d.note.say(ctx, log)
		if dryRun {
			d.dryNote.say(ctx, log)
		} else if err = p.write(ctx, w, d, recovery, next, log); err == nil {
			recoveredEv = recovery
		}
		if err == nil && d.recovery != nil {
			d.recovery.note.say(ctx, log)
			if recoveredEv != nil {
				log.Info(recoveredEv.Type+" event committed", "event_id", recoveredEv.ID, "seq", recoveredEv.Data.Seq)
			}
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			// Cut short by shutdown: not the API's failure.
			return nil, err
		}
		if msg := watchSecrets(w).Replace(err.Error()); msg != err.Error() {
			err = &pollError{msg: msg, err: err}
		}
		f := failed(w, failFrom, err, start)
		f.note.say(ctx, log)
		next = f.state
		if !dryRun {
			var ev *event.Event
			if next, ev = p.writeFailure(ctx, w, f, log); ev != nil {
				out = &Outcome{Health: ev}
			}
		}
	} else {
		o := d.out
		o.Events, o.Health = d.changes, recoveredEv
		if len(d.changes) > 0 {
			o.Event = d.changes[0]
		}
		out = &o
		next.LastSuccess = start
		if !dryRun {
			p.persistTimes(ctx, w.Name, next)
		}
	}
	if !dryRun && !p.once {
		p.mu.Lock()
		p.states[w.Name] = next
		p.mu.Unlock()
	}
	return out, err
}

// readState reads a watch's state from the store for a poll of a poller
// with Options.Once, and notes the LastSuccess it holds.
func (p *Poller) readState(ctx context.Context, name string) (store.WatchState, error) {
	state, ok, err := p.store.WatchState(ctx, name)
	if err != nil {
		return state, err
	}
	if ok {
		p.mu.Lock()
		p.savedSuccess[name] = state.LastSuccess
		p.mu.Unlock()
	}
	return state, nil
}

// write stores the poll's own part of its decision: the change event with
// the state and snapshot, or the state (and snapshot) alone when d says
// so, and says it is done.
func (p *Poller) write(ctx context.Context, w *config.Watch, d *decision, recovery *event.Event, next store.WatchState, log *slog.Logger) error {
	var commits []store.Commit
	if recovery != nil {
		// The watch's state as of its recovery; a change event committed
		// with it stores the state after both.
		state := next
		state.Seq = recovery.Data.Seq
		c, err := commitOf(w, state, nil, recovery, d.recovery.targets)
		if err != nil {
			return err
		}
		if len(d.changes) == 0 {
			c.State, c.Snapshot = next, d.snapshot
		}
		commits = append(commits, c)
	}
	switch {
	case len(d.changes) > 0:
		// Every change event of the poll goes in the one transaction,
		// each with the state as of itself; the last one's is the state
		// after all of them, and carries the snapshot.
		last := len(d.changes) - 1
		for i, ev := range d.changes {
			state, snapshot := next, d.snapshot
			if i < last {
				state.Seq, snapshot = ev.Data.Seq, nil
			}
			c, err := commitOf(w, state, snapshot, ev, w.Notify)
			if err != nil {
				return err
			}
			commits = append(commits, c)
		}
		if err := p.store.CommitEvents(ctx, commits...); err != nil {
			return err
		}
		logChanges(log, d.changes, d.out.Counts)
	case len(commits) > 0:
		if err := p.store.CommitEvents(ctx, commits...); err != nil {
			return err
		}
	case d.save:
		if err := p.store.SaveState(ctx, w.Name, next, d.snapshot); err != nil {
			return err
		}
	}
	d.done.say(ctx, log)
	return nil
}

// logChanges says which change events a poll committed: a line for the
// event of an unsplit watch; for a split watch's, a line for the poll
// (its events and changes) and, at debug level, one per event.
func logChanges(log *slog.Logger, evs []*event.Event, total *diff.Counts) {
	first := evs[0]
	if len(evs) == 1 && first.Data.Key == "" && first.Type == event.TypeChanged {
		n := first.Data.Counts
		log.Info("change detected", "event_id", first.ID, "seq", first.Data.Seq,
			"added", n.Added, "removed", n.Removed, "changed", n.Changed)
		return
	}
	last := evs[len(evs)-1]
	args := []any{"events", len(evs), "first_seq", first.Data.Seq, "last_seq", last.Data.Seq,
		"added", total.Added, "removed", total.Removed, "changed", total.Changed}
	if last.Type == event.TypeTruncated {
		args = append(args, "not_sent", last.Data.Omitted, "max_events", last.Data.MaxEvents)
	}
	log.Info("changes detected, one event per element", args...)
	for _, ev := range evs {
		log.Debug(ev.Type+" event committed", "event_id", ev.ID, "seq", ev.Data.Seq, "key", ev.Data.Key)
	}
}

// writeFailure stores a failed poll's state, with its watch.failing event
// when it has one, and returns the state the watch is in and the event
// committed, if any. It logs its errors rather than return them: the poll
// failed already.
func (p *Poller) writeFailure(ctx context.Context, w *config.Watch, f *health, log *slog.Logger) (store.WatchState, *event.Event) {
	f.alarm.say(ctx, log)
	if f.event == nil {
		if err := p.store.SaveState(ctx, w.Name, f.state, nil); err != nil {
			log.Error("save watch state", "err", err)
		}
		return f.state, nil
	}
	s, err := p.commitHealth(ctx, w, f, log)
	if err != nil {
		log.Error("commit watch.failing event", "err", err)
		return s, nil
	}
	return s, f.event
}

// commitHealth commits a health event, numbered next after its state's
// seq, with that state, and returns the state the watch is in: the one
// committed, or on an error the one before.
func (p *Poller) commitHealth(ctx context.Context, w *config.Watch, h *health, log *slog.Logger) (store.WatchState, error) {
	next := h.state
	next.Seq++
	h.event.Data.Seq = next.Seq
	if err := p.commit(ctx, w, next, nil, h.event, h.targets); err != nil {
		return h.from, err
	}
	// "watch.failing event committed", "watch.recovered event committed".
	log.Info(h.event.Type+" event committed", "event_id", h.event.ID, "seq", next.Seq)
	return next, nil
}

// commit stores an event with the watch's state (and snapshot, when not
// nil) and queues it for targets.
func (p *Poller) commit(ctx context.Context, w *config.Watch, state store.WatchState, snapshot []byte, ev *event.Event, targets []string) error {
	c, err := commitOf(w, state, snapshot, ev, targets)
	if err != nil {
		return err
	}
	return p.store.CommitEvents(ctx, c)
}

// commitOf is the store's record of an event, with the watch's state (and
// snapshot, when not nil) and one delivery per target.
func commitOf(w *config.Watch, state store.WatchState, snapshot []byte, ev *event.Event, targets []string) (store.Commit, error) {
	payload, err := ev.Encode()
	if err != nil {
		return store.Commit{}, fmt.Errorf("encode event: %w", err)
	}
	return store.Commit{
		Watch: w.Name, State: state, Snapshot: snapshot,
		EventID: ev.ID, Payload: payload, Time: ev.Timestamp, Targets: targets,
		Type: ev.Type, Subscribable: w.Subscribable,
	}, nil
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
