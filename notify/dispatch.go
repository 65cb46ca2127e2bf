package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/clock"
	"github.com/pollhook/pollhook/internal/httpclient"
	"github.com/pollhook/pollhook/store"
)

// Outbox is what the dispatcher needs from the database.
type Outbox interface {
	Queues(ctx context.Context) ([]store.Queue, error)
	Pending(ctx context.Context, q store.Queue, limit int) ([]store.Pending, error)
	Record(ctx context.Context, results ...store.Result) error
	TargetStates(ctx context.Context) (map[string]store.TargetState, error)
	SetTargetState(ctx context.Context, target string, s store.TargetState) error
}

var _ Outbox = (*store.DB)(nil)

// DispatcherOptions configure a Dispatcher.
type DispatcherOptions struct {
	Outbox  Outbox
	Targets []*config.Target
	Logger  *slog.Logger
	Clock   clock.Clock
	// Client sends the requests; it must not follow redirects (see
	// NewClient).
	Client  *http.Client
	Version string
	// Jitter returns a factor for a retry delay; default: uniform in
	// [0.9, 1.0], so a retry comes up to 10% early and never late.
	Jitter func() float64
	// Observe, when set, hears about every attempt (metrics).
	Observe func(AttemptReport)
	// PerTarget bounds how many of a target's queues deliver at once;
	// 0 means DefaultPerTarget.
	PerTarget int
	// ConsumerClient sends the requests to consumers' endpoints (targets
	// with Consumer set): the SSRF-guarded client. Without it, nothing is
	// sent to them.
	ConsumerClient *http.Client
}

// DefaultPerTarget is how many of a target's queues deliver at once, each
// in its own order: as many as the connections to one host that NewClient
// keeps open, so that a storm of changes reuses them.
const DefaultPerTarget = 16

// Attempt results, as AttemptReport.Result names them.
const (
	ResultDelivered = "delivered" // 2xx
	ResultRetry     = "retry"     // failed, will be retried
	ResultFailed    = "failed"    // failed for good: a dead letter
	ResultDisabled  = "disabled"  // the target answered 410 Gone (or its equivalent)
)

// EndpointsTarget is the one name under which AttemptReport and the
// metrics count every consumer endpoint: one series per endpoint would
// let consumers grow /metrics without bound.
const EndpointsTarget = "endpoints"

// AttemptReport tells an Observer about one delivery attempt.
type AttemptReport struct {
	// Target is the target's name, or EndpointsTarget for an endpoint.
	Target  string
	Result  string
	Latency time.Duration
}

// Dispatcher delivers the outbox: strictly in seq order within a queue
// (target, watch), independently across queues, so a slow or dead target
// never holds up another. Each target has up to PerTarget workers, each
// delivering from another of its queues; a queue waiting for a retry
// holds none.
type Dispatcher struct {
	outbox    Outbox
	log       *slog.Logger
	clock     clock.Clock
	client    *http.Client
	consumer  *http.Client
	version   string
	jitter    func() float64
	observe   func(AttemptReport)
	perTarget int
	// wake asks for a scan of the outbox (Wake); kicked, for a look at
	// the queues in memory (see queues.go).
	wake    chan struct{}
	kicked  chan struct{}
	results chan recordReq
	workers sync.WaitGroup

	mu       sync.Mutex
	targets  map[string]*config.Target
	disabled map[string]store.TargetState
	// endpoints are the consumers' endpoints, by id (SetEndpoints);
	// endpointsSet once they have been given: before, a delivery to an
	// endpoint waits rather than being dropped as to a deleted one.
	endpoints    map[string]*config.Target
	endpointsSet bool
	limits       map[string]*rateLimiter
	queues       map[store.Queue]*tracked
	lines        map[string]*line // by target
	parked       parkHeap
	// stopped: Run or Drain is ending; no worker starts or takes a queue.
	stopped bool
}

// NewClient returns the HTTP client deliveries use: redirects are not
// followed (a 3xx is a failed attempt, not a silent move).
func NewClient() *http.Client {
	return httpclient.New(httpclient.Options{MaxIdleConnsPerHost: 16, NoRedirects: true})
}

// NewDispatcher returns a dispatcher; Run starts it.
func NewDispatcher(o DispatcherOptions) *Dispatcher {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Client == nil {
		o.Client = NewClient()
	}
	if o.Jitter == nil {
		o.Jitter = func() float64 { return 0.9 + 0.1*rand.Float64() }
	}
	if o.PerTarget <= 0 {
		o.PerTarget = DefaultPerTarget
	}
	d := &Dispatcher{
		outbox: o.Outbox, log: o.Logger, clock: o.Clock, client: o.Client, consumer: o.ConsumerClient,
		version: o.Version, jitter: o.Jitter, observe: o.Observe, perTarget: o.PerTarget,
		wake: make(chan struct{}, 1), kicked: make(chan struct{}, 1), results: make(chan recordReq, 256),
		queues: map[store.Queue]*tracked{}, lines: map[string]*line{}, limits: map[string]*rateLimiter{},
	}
	d.SetTargets(o.Targets)
	return d
}

// SetTargets replaces the configured targets (on reload). Queues of a
// target that is no longer configured wait until it is again.
func (d *Dispatcher) SetTargets(targets []*config.Target) {
	m := make(map[string]*config.Target, len(targets))
	for _, t := range targets {
		m[t.Name] = t
	}
	d.mu.Lock()
	d.targets = m
	d.mu.Unlock()
	d.Wake()
}

// SetEndpoints replaces the consumers' endpoints (targets with Consumer
// set, named by their ids), after every change of them. A delivery to an
// endpoint not among them has lost its endpoint: it is dropped.
func (d *Dispatcher) SetEndpoints(endpoints []*config.Target) {
	m := make(map[string]*config.Target, len(endpoints))
	for _, t := range endpoints {
		m[t.Name] = t
	}
	d.mu.Lock()
	d.endpoints, d.endpointsSet = m, true
	for name, l := range d.limits {
		if t := m[name]; t == nil || t.RateLimit != l.rate {
			delete(d.limits, name)
		}
	}
	d.mu.Unlock()
	d.Wake()
}

// Wake tells the dispatcher to scan the outbox: it has deliveries the
// dispatcher was not told of (a redelivery), or a target can be sent to
// again. Queues waiting for a retry are read again too: a redelivered
// delivery must not wait for an old retry time.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Committed tells the dispatcher that deliveries of watch to targets were
// committed: it reads their queues, and no others.
func (d *Dispatcher) Committed(watch string, targets []string) {
	d.mu.Lock()
	for _, t := range targets {
		d.announce(store.Queue{Target: t, Watch: watch}, false)
	}
	d.mu.Unlock()
	d.kick()
}

// rescan is how often the dispatcher scans the outbox without being woken:
// a safety net, since every commit announces its queues.
const rescan = 30 * time.Second

// Run delivers until ctx ends. Attempts in flight then finish under work
// (cancel it to cut them short), their results are recorded, and Run
// returns.
func (d *Dispatcher) Run(ctx, work context.Context) error {
	stopRecorder, err := d.start(ctx, work)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before it started: nothing to deliver or record
		}
		return err
	}
	d.logScan(ctx, d.firstScan(ctx))
	d.loop(ctx, work, false)
	stopRecorder()
	return nil
}

// loop starts workers for the ready queues, makes parked queues ready when
// they are due, and scans the outbox when woken and every rescan, until
// ctx ends or, with once, until no queue has work left. Then it waits for
// the workers.
func (d *Dispatcher) loop(ctx, work context.Context, once bool) {
	var due time.Time // of the parked queue dueC waits for
	var dueC <-chan time.Time
	rescanC := d.clock.After(rescan)
	for ctx.Err() == nil {
		d.mu.Lock()
		next := d.unpark(d.clock.Now())
		d.spawn(ctx, work, once)
		idle := len(d.queues) == 0
		d.mu.Unlock()
		if once && idle {
			break
		}
		if !next.Equal(due) {
			due, dueC = next, nil
			if !next.IsZero() {
				dueC = d.clock.After(next.Sub(d.clock.Now()))
			}
		}
		select {
		case <-ctx.Done():
		case <-d.kicked:
		case <-dueC:
			due = time.Time{}
		case <-d.wake:
			d.logScan(ctx, d.scan(ctx, true))
		case <-rescanC:
			d.logScan(ctx, d.scan(ctx, false))
			rescanC = d.clock.After(rescan)
		}
	}
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
	d.workers.Wait()
}

// firstScan is the scan at the start of Run or Drain: everything queued
// before, a crash's leftovers included, is in it, and a Wake from before
// asks for no other.
func (d *Dispatcher) firstScan(ctx context.Context) error {
	select {
	case <-d.wake:
	default:
	}
	return d.scan(ctx, true)
}

// logScan logs a scan's failure, unless ctx ended; the next scan tries
// again.
func (d *Dispatcher) logScan(ctx context.Context, err error) {
	if err != nil && ctx.Err() == nil {
		d.log.Error("read outbox", "err", err)
	}
}

// scan announces every queue the outbox holds deliveries in; with poke,
// parked ones are read now.
func (d *Dispatcher) scan(ctx context.Context, poke bool) error {
	queues, err := d.outbox.Queues(ctx)
	if err != nil {
		return err
	}
	d.mu.Lock()
	for _, q := range queues {
		d.announce(q, poke)
	}
	d.mu.Unlock()
	return nil
}

// spawn starts workers for targets with ready queues, up to perTarget
// each. d.mu must be held.
func (d *Dispatcher) spawn(ctx, work context.Context, once bool) {
	if d.stopped {
		return
	}
	for target, l := range d.lines {
		for n := 0; n < len(l.ready) && l.workers < d.perTarget; n++ {
			l.workers++
			d.workers.Add(1)
			go func() {
				defer d.workers.Done()
				d.worker(ctx, work, target, once)
			}()
		}
	}
}

// worker delivers from target's ready queues, one pass over one queue at
// a time, until none is ready. A pass's results, and then its outcome,
// go to the recorder: the queue is read again only once they are stored.
func (d *Dispatcher) worker(ctx, work context.Context, target string, once bool) {
	for {
		q, ok := d.take(ctx, target)
		if !ok {
			return
		}
		o := d.pass(ctx, work, q, once)
		d.results <- recordReq{settle: &settlement{queue: q, outcome: o}}
	}
}

// isDisabled reports whether a 410 disabled the target. Editing the
// target's configuration enables it again. d.mu must be held.
func (d *Dispatcher) isDisabled(t *config.Target) bool {
	return TargetDisabled(t, d.disabled[t.Name])
}

// TargetDisabled reports whether nothing is sent to t: disabled in the
// configuration, or by a 410 (state) while its configuration is the one
// that answered it.
func TargetDisabled(t *config.Target, s store.TargetState) bool {
	return t.Disabled || s.Disabled && s.Config == t.Fingerprint()
}

func (d *Dispatcher) target(name string) (*config.Target, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	t, _ := d.lookup(name)
	if t == nil || d.isDisabled(t) {
		return nil, false
	}
	return t, true
}

// lookup returns the target or endpoint named name, or nil; vanished when
// it is an endpoint that no longer exists. d.mu must be held.
func (d *Dispatcher) lookup(name string) (t *config.Target, vanished bool) {
	if !store.IsEndpoint(name) {
		return d.targets[name], false
	}
	t = d.endpoints[name]
	return t, t == nil && d.endpointsSet
}

// vanished reports whether name is an endpoint that no longer exists.
func (d *Dispatcher) vanished(name string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	_, gone := d.lookup(name)
	return gone
}

// batchSize is how many deliveries a worker reads from the outbox at once.
const batchSize = 64

// Drain makes one pass over the outbox, as `pollhook once` does: every
// queue delivers in order what is due now, and stops at its first failure,
// which stays queued (with its retry scheduled) for the daemon. A
// Dispatcher runs either Run or Drain, once.
func (d *Dispatcher) Drain(ctx context.Context) error {
	stopRecorder, err := d.start(ctx, ctx)
	if err != nil {
		return err
	}
	err = d.firstScan(ctx)
	d.loop(ctx, ctx, true)
	stopRecorder()
	return err
}

// start loads which targets a 410 disabled and starts the recorder; the
// function it returns stops the recorder once every result is stored
// (after the workers are done).
func (d *Dispatcher) start(ctx, work context.Context) (func(), error) {
	states, err := d.outbox.TargetStates(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.disabled = states
	d.mu.Unlock()
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.recorder(work)
	}()
	return func() {
		close(d.results)
		<-done
	}, nil
}

// pass delivers a batch of q's deliveries in order, and says what is left
// to do: read on after a full batch, wait for the head's retry, or
// nothing (the queue is done, or cannot go on now). With once, it stops
// at the first delivery that is not due or fails.
func (d *Dispatcher) pass(ctx, work context.Context, q store.Queue, once bool) outcome {
	batch, err := d.outbox.Pending(ctx, q, batchSize)
	if err != nil {
		if ctx.Err() == nil {
			d.log.Error("read outbox", "target", q.Target, "watch", q.Watch, "err", err)
		}
		return outcome{} // the next scan finds it
	}
	for i := range batch {
		switch n, until := d.deliver(ctx, work, &batch[i], once); n {
		case stop:
			return outcome{}
		case wait:
			return outcome{until: until}
		}
	}
	return outcome{more: len(batch) == batchSize}
}

// next is what a queue's worker does after a delivery.
type next int

const (
	proceed next = iota // delivered or failed for good: on to the next one
	stop                // the queue cannot go on now
	wait                // the delivery is due later: the queue waits till then
)

// deliver makes one attempt at a delivery, when it is due, and says what
// its queue does next; with wait, the time the delivery is due.
func (d *Dispatcher) deliver(ctx, work context.Context, p *store.Pending, once bool) (next, time.Time) {
	// A head not due yet is only looked at: its payload, which may be
	// large, is decoded when it is sent.
	if p.NextAt.After(d.clock.Now()) {
		if once {
			return stop, time.Time{}
		}
		return wait, p.NextAt
	}
	if ctx.Err() != nil {
		return stop, time.Time{}
	}
	// Built only to log: a delivery that goes well logs nothing but at
	// debug level, and a logger's With costs more than the rest of its
	// bookkeeping.
	log := func() *slog.Logger {
		return d.log.With("target", p.Target, "watch", p.Watch, "event_id", p.EventID)
	}
	t, ok := d.target(p.Target)
	if !ok {
		if d.vanished(p.Target) {
			// Its endpoint was deleted: the delivery has nowhere to go.
			d.record(store.Result{EventID: p.EventID, Target: p.Target, State: store.StateFailed,
				Attempt: store.Attempt{At: d.clock.Now(), Error: "the endpoint was deleted"}})
			return proceed, time.Time{}
		}
		return stop, time.Time{}
	}
	if t.RateLimit > 0 {
		if wait := d.limiter(t).reserve(d.clock.Now()); wait > 0 {
			select {
			case <-ctx.Done():
				return stop, time.Time{}
			case <-d.clock.After(wait):
			}
		}
	}
	ev, err := decode(t, p)
	if err != nil {
		// Cannot happen for events pollhook wrote; keep it as a dead letter.
		log().Error("undecodable event, marking failed", "err", err)
		d.record(store.Result{EventID: p.EventID, Target: p.Target, State: store.StateFailed,
			Attempt: store.Attempt{At: d.clock.Now(), Error: "undecodable event: " + err.Error()}})
		return proceed, time.Time{}
	}
	at := d.clock.Now()
	attempt, v := d.attempt(work, t, ev, at)
	if work.Err() != nil {
		// Cut short by shutdown: not the target's failure, and it
		// must not use up a retry. The delivery stays as it was.
		return stop, time.Time{}
	}
	p.Attempts++
	res := store.Result{EventID: p.EventID, Target: p.Target, Attempt: attempt, State: store.StatePending}
	switch {
	case v.OK:
		res.State = store.StateDelivered
		d.record(res)
		d.report(p, ResultDelivered, attempt)
		if d.log.Enabled(ctx, slog.LevelDebug) {
			log().Debug("delivered", "status", attempt.Status, "attempts", p.Attempts)
		}
		return proceed, time.Time{}
	case v.Disable:
		res.NextAt = at
		d.record(res)
		d.report(p, ResultDisabled, attempt)
		d.disable(ctx, t, v.Reason, at)
		log().Warn("target disabled; deliveries stay queued until `pollhook target enable "+t.Name+"`",
			"reason", v.Reason)
		return stop, time.Time{}
	}
	retry := t.RetrySchedule()
	if p.Attempts > len(retry) || v.Permanent {
		res.State = store.StateFailed
		d.record(res)
		d.report(p, ResultFailed, attempt)
		log().Warn("delivery failed for good (dead letter)", "attempts", p.Attempts, "err", v.Reason)
		return proceed, time.Time{}
	}
	delay := time.Duration(float64(retry[p.Attempts-1]) * d.jitter())
	delay = max(delay, v.RetryAfter)
	res.NextAt = at.Add(delay)
	d.record(res)
	d.report(p, ResultRetry, attempt)
	log().Warn("delivery failed, will retry", "attempt", p.Attempts, "err", v.Reason,
		"retry_in", delay.Round(time.Millisecond).String())
	if once {
		return stop, time.Time{}
	}
	return wait, res.NextAt
}

// decode reads a delivery's event for t. A webhook without a template
// sends the stored bytes as they are, and needs nothing else of the event
// but its id.
func decode(t *config.Target, p *store.Pending) (*event.Event, error) {
	if t.Kind == config.KindWebhook && t.Template == nil {
		return event.Stored(p.EventID, p.Payload)
	}
	return event.Decode(p.Payload)
}

func (d *Dispatcher) disable(ctx context.Context, t *config.Target, reason string, at time.Time) {
	s := store.TargetState{Disabled: true, Reason: reason, Since: at, Config: t.Fingerprint()}
	d.mu.Lock()
	d.disabled[t.Name] = s
	d.mu.Unlock()
	if err := d.outbox.SetTargetState(ctx, t.Name, s); err != nil {
		d.log.Error("save target state", "target", t.Name, "err", err)
	}
}

// Enable re-enables a target a 410 disabled and wakes its queues.
func (d *Dispatcher) Enable(ctx context.Context, name string) error {
	if err := d.outbox.SetTargetState(ctx, name, store.TargetState{}); err != nil {
		return err
	}
	d.mu.Lock()
	delete(d.disabled, name)
	d.mu.Unlock()
	d.Wake()
	return nil
}

// maxResponseRead bounds how much of a target's response is read.
const maxResponseRead = 64 << 10

// attempt sends one request and classifies the answer.
func (d *Dispatcher) attempt(ctx context.Context, t *config.Target, ev *event.Event, at time.Time) (store.Attempt, Verdict) {
	if t.Kind == config.KindEmail {
		return d.attemptEmail(ctx, t, ev, at)
	}
	a := store.Attempt{At: at}
	msg, err := d.render(t, ev, at)
	if err != nil {
		a.Error = err.Error()
		return a, Verdict{Reason: a.Error}
	}
	client := d.client
	if t.Consumer {
		if client = d.consumer; client == nil {
			a.Error = "no guarded client for consumer endpoints"
			return a, Verdict{Reason: a.Error}
		}
	}
	status, header, body, err := Send(ctx, client, t, msg)
	a.Latency = d.clock.Now().Sub(at)
	if err != nil {
		a.Error = Redact(t, err.Error())
		return a, Verdict{Reason: a.Error}
	}
	a.Status = status
	if t.Consumer {
		// A consumer sees its attempts: what its URL answered could be an
		// internal service's page, so no body and no reason read from it.
		v := Classify(t, status, header, nil, d.clock.Now())
		if !v.OK {
			a.Error = "HTTP " + strconv.Itoa(status)
			v.Reason = a.Error
		}
		return a, v
	}
	// A response may echo a credential back (a 404 page quoting the
	// request path with a bot token): stored bodies and errors are
	// shown by the CLI and the status page.
	a.Body = Redact(t, clip(body, store.MaxAttemptBody))
	v := Classify(t, status, header, body, d.clock.Now()) // its Reason is redacted
	if !v.OK {
		a.Error = v.Reason
	}
	return a, v
}

// render is Render with a panic turned into a failed attempt: a bug in a
// renderer must not end the daemon.
func (d *Dispatcher) render(t *config.Target, ev *event.Event, at time.Time) (msg *Message, err error) {
	defer d.recoverRender(t, ev, &err)
	return Render(t, ev, at, d.version)
}

// recoverRender, deferred by a renderer, turns its panic into *err.
func (d *Dispatcher) recoverRender(t *config.Target, ev *event.Event, err *error) {
	if r := recover(); r != nil {
		d.log.Error("internal error while rendering (please report it)", "target", t.Name,
			"event_id", ev.ID, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		*err = fmt.Errorf("internal error rendering for %s: %v", t.Kind, r)
	}
}

// Send performs a rendered request under the target's timeout and returns
// the status, headers and the start of the body. Errors never include the
// URL, which can hold a token.
func Send(ctx context.Context, client *http.Client, t *config.Target, m *Message) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, t.AttemptTimeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, m.Method, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("build request: %w", stripURL(err))
	}
	req.Header = m.Header // the client changes copies only
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, nil, nil, fmt.Errorf("no answer within %s", t.AttemptTimeout())
		}
		return 0, nil, nil, stripURL(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseRead))
	return resp.StatusCode, resp.Header, body, nil
}

func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}

// clip returns at most n bytes of b as valid UTF-8.
func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
}

// recordReq is a result to store, or (with settle set) the outcome of a
// pass, to apply once the results before it are stored.
type recordReq struct {
	res    store.Result
	settle *settlement
}

// settlement is a pass's outcome for its queue.
type settlement struct {
	queue   store.Queue
	outcome outcome
}

func (d *Dispatcher) record(r store.Result) {
	d.results <- recordReq{res: r}
}

func (d *Dispatcher) report(p *store.Pending, result string, a store.Attempt) {
	if d.observe != nil {
		target := p.Target
		if store.IsEndpoint(target) {
			target = EndpointsTarget
		}
		d.observe(AttemptReport{Target: target, Result: result, Latency: a.Latency})
	}
}

// recorder stores results in batches: one transaction (one fsync) for
// everything that queued up while the previous one was written, then
// settles the passes whose results those were. When a batch cannot be
// stored, their queues are forgotten rather than read again at once (what
// was delivered would be sent again, and again): the next scan finds them.
func (d *Dispatcher) recorder(ctx context.Context) {
	var (
		batch   []store.Result
		settles []settlement
	)
	commit := func() {
		stored := true
		if len(batch) > 0 {
			if err := d.outbox.Record(context.WithoutCancel(ctx), batch...); err != nil {
				d.log.Error("record deliveries", "err", err)
				stored = false
			}
		}
		for _, s := range settles {
			if !stored {
				s.outcome = outcome{forget: true}
			}
			d.settle(s.queue, s.outcome)
		}
		batch, settles = batch[:0], settles[:0]
	}
	for r := range d.results {
		add := func(r recordReq) {
			if r.settle != nil {
				settles = append(settles, *r.settle)
			} else {
				batch = append(batch, r.res)
			}
		}
		add(r)
	drain:
		for len(batch) < 512 {
			select {
			case r, ok := <-d.results:
				if !ok {
					break drain
				}
				add(r)
			default:
				break drain
			}
		}
		commit()
	}
	commit()
}
