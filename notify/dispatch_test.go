package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// receiver records the requests it gets and answers as told.
type receiver struct {
	mu       sync.Mutex
	requests []recorded
	respond  func(n int, r *http.Request) (int, http.Header, string)
}

type recorded struct {
	header http.Header
	body   []byte
	at     time.Time
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.requests = append(rc.requests, recorded{header: r.Header.Clone(), body: body, at: time.Now()})
	n := len(rc.requests)
	respond := rc.respond
	rc.mu.Unlock()
	status, h, resp := http.StatusNoContent, http.Header(nil), ""
	if respond != nil {
		status, h, resp = respond(n, r)
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, resp)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.requests)
}

func (rc *receiver) get(i int) recorded {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.requests[i]
}

func webhookTarget(t *testing.T, name, url, extra string) *config.Target {
	t.Helper()
	src := fmt.Sprintf("[[target]]\nname = %q\nurl = %q\nsecret = %q\n%s", name, url, testkit.Secret, extra)
	cfg, err := config.Parse("t.toml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Targets[0]
}

type harness struct {
	t     *testing.T
	db    *store.DB
	clock *testkit.FakeClock
	disp  *Dispatcher
	seq   map[string]uint64
	stop  func()
}

func newHarness(t *testing.T, targets ...*config.Target) *harness {
	t.Helper()
	return startHarness(t, harnessOptions{dispatcher: DispatcherOptions{Targets: targets}})
}

// harnessOptions shape what startHarness builds.
type harnessOptions struct {
	// dispatcher's Targets, PerTarget and Clock (the fake clock when nil)
	// are the dispatcher's; the rest is the harness's.
	dispatcher DispatcherOptions
	// outbox, when set, wraps the store the dispatcher reads.
	outbox func(*store.DB) Outbox
	// before, when set, fills the outbox before the dispatcher starts.
	before func(*harness)
}

// startHarness runs a dispatcher on a new outbox.
func startHarness(t *testing.T, ho harnessOptions) *harness {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "outbox.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, db: db, clock: testkit.NewFakeClock(time.Now().Truncate(time.Second)), seq: map[string]uint64{}}
	if ho.before != nil {
		ho.before(h)
	}
	o := ho.dispatcher
	o.Outbox, o.Version, o.Jitter = db, "test", func() float64 { return 1 }
	if ho.outbox != nil {
		o.Outbox = ho.outbox(db)
	}
	if o.Clock == nil {
		o.Clock = h.clock
	}
	h.disp = NewDispatcher(o)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.disp.Run(ctx, ctx) }()
	h.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		db.Close()
	}
	t.Cleanup(func() {
		if h.stop != nil {
			h.stop()
		}
	})
	return h
}

// commit queues one change event of watch for targets and wakes the
// dispatcher.
func (h *harness) commit(watch string, targets ...string) *event.Event {
	h.t.Helper()
	ev := h.queue(watch, targets...)
	h.disp.Wake()
	return ev
}

// queue commits one change event of watch for targets, as the poller
// does, and tells the dispatcher nothing.
func (h *harness) queue(watch string, targets ...string) *event.Event {
	h.t.Helper()
	now := h.clock.Now()
	ev := &event.Event{
		ID: event.NewID(now), Type: event.TypeChanged, Timestamp: now.UTC(),
		Data: event.Data{Watch: watch, URL: "https://api.example/" + watch, Format: diff.JSON,
			Changes: []diff.Change{{Op: diff.Added, Path: "#(id==1)", Key: "1", New: json.RawMessage(`{"id":1}`)}},
			Counts:  &diff.Counts{Added: 1}},
	}
	h.queueEvent(ev, targets...)
	return ev
}

// commitEvent queues ev for targets as the next event of its watch and
// wakes the dispatcher.
func (h *harness) commitEvent(ev *event.Event, targets ...string) {
	h.t.Helper()
	h.queueEvent(ev, targets...)
	h.disp.Wake()
}

// queueEvent commits ev for targets as the next event of its watch, and
// tells the dispatcher nothing.
func (h *harness) queueEvent(ev *event.Event, targets ...string) {
	h.t.Helper()
	watch, now := ev.Data.Watch, h.clock.Now()
	h.seq[watch]++
	ev.Data.Seq = h.seq[watch]
	payload, err := json.Marshal(ev)
	if err != nil {
		h.t.Fatal(err)
	}
	err = h.db.CommitEvent(context.Background(), store.Commit{
		Watch: watch, State: store.WatchState{Baseline: true, Seq: h.seq[watch]},
		EventID: ev.ID, Payload: payload, Time: now, Targets: targets,
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) delivery(ev *event.Event, target string) store.Delivery {
	h.t.Helper()
	d, _, err := h.db.Delivery(context.Background(), ev.ID, target)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// TestDispatcher_UndecodableEventIsADeadLetter: an event whose stored
// JSON is broken is sent to no target, whether the target sends the
// stored bytes (a webhook) or renders the event (a chat kind), and each
// delivery of it is failed for good, saying why.
func TestDispatcher_UndecodableEventIsADeadLetter(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	cfg, err := config.Parse("t.toml", []byte(fmt.Sprintf("[[target]]\nname = \"chat\"\nkind = \"ntfy\"\nurl = %q\ntopic = \"t\"\n", srv.URL)),
		func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	chat := cfg.Targets[0]
	h := newHarness(t, webhookTarget(t, "hook", srv.URL+"/hook", ""), chat)
	id := event.NewID(h.clock.Now())
	err = h.db.CommitEvent(context.Background(), store.Commit{
		Watch: "w", State: store.WatchState{Baseline: true, Seq: 1},
		EventID: id, Payload: []byte(`{"id": "` + id + `", "type": `), Time: h.clock.Now(), Targets: []string{"hook", "chat"},
	})
	if err != nil {
		t.Fatal(err)
	}
	h.disp.Wake()
	ev := &event.Event{ID: id}
	for _, target := range []string{"hook", "chat"} {
		testkit.WaitUntil(t, 10*time.Second, target+" failed", func() bool { return h.delivery(ev, target).State == store.StateFailed })
		if d := h.delivery(ev, target); !strings.Contains(d.LastError, "undecodable event") {
			t.Errorf("%s: last error %q, want it to say the event is undecodable", target, d.LastError)
		}
	}
	if n := rc.count(); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
}

func TestDispatcher_DeliversSignedWebhook(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := newHarness(t, webhookTarget(t, "hook", srv.URL+"/hook", `headers = { "X-Env" = "prod" }`))
	ev := h.commit("releases", "hook")
	testkit.WaitUntil(t, 10*time.Second, "delivered", func() bool { return h.delivery(ev, "hook").State == store.StateDelivered })

	req := rc.get(0)
	if got := req.header.Get("webhook-id"); got != ev.ID {
		t.Errorf("webhook-id = %q, want the event id %q", got, ev.ID)
	}
	if got := req.header.Get("Content-Type"); got != "application/json" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := req.header.Get("User-Agent"); got != "pollhook/test" {
		t.Errorf("User-Agent = %q", got)
	}
	if got := req.header.Get("X-Env"); got != "prod" {
		t.Errorf("custom header X-Env = %q", got)
	}
	// The official Standard Webhooks library must accept the signature.
	wh, err := standardwebhooks.NewWebhook(testkit.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.VerifyIgnoringTimestamp(req.body, req.header); err != nil {
		t.Errorf("signature rejected by standard-webhooks: %v", err)
	}
	var got event.Event
	if err := json.Unmarshal(req.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.ID != ev.ID || got.Data.Watch != "releases" || got.Data.Seq != 1 || len(got.Data.Changes) != 1 {
		t.Errorf("payload = %s", req.body)
	}
}

// TestDispatcher_WebhookKeepsKeysAndAddsLabels: a labeled event goes out
// with each change's key as it was, its label and link beside it, and a
// signature that verifies; an unlabeled one has no label or link fields.
func TestDispatcher_WebhookKeepsKeysAndAddsLabels(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := newHarness(t, webhookTarget(t, "hook", srv.URL+"/hook", ""))
	labeled := goldenLabeledEvent()
	labeled.ID = event.NewID(h.clock.Now())
	h.commitEvent(labeled, "hook")
	plain := h.commit("releases", "hook")
	testkit.WaitUntil(t, 10*time.Second, "delivered", func() bool {
		return h.delivery(labeled, "hook").State == store.StateDelivered && h.delivery(plain, "hook").State == store.StateDelivered
	})

	wh, err := standardwebhooks.NewWebhook(testkit.Secret)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []*event.Event{labeled, plain} {
		req := rc.get(i)
		if err := wh.VerifyIgnoringTimestamp(req.body, req.header); err != nil {
			t.Errorf("signature rejected by standard-webhooks: %v", err)
		}
		var got struct {
			ID   string
			Data struct{ Changes []map[string]json.RawMessage }
		}
		if err := json.Unmarshal(req.body, &got); err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || len(got.Data.Changes) != len(want.Data.Changes) {
			t.Fatalf("payload = %s", req.body)
		}
		for j, c := range got.Data.Changes {
			w := want.Data.Changes[j]
			for field, v := range map[string]string{"key": w.Key, "label": w.Label, "link": w.Link} {
				raw, ok := c[field]
				if v == "" {
					if ok {
						t.Errorf("change %d of %s has %s %s, want none", j, want.ID, field, raw)
					}
					continue
				}
				var s string
				if err := json.Unmarshal(raw, &s); err != nil || s != v {
					t.Errorf("change %d of %s: %s = %s, want %q", j, want.ID, field, raw, v)
				}
			}
		}
	}
}

func TestDispatcher_RetriesWithSameID(t *testing.T) {
	t.Parallel()
	rc := &receiver{respond: func(n int, _ *http.Request) (int, http.Header, string) {
		if n < 3 {
			return http.StatusInternalServerError, nil, "busy"
		}
		return http.StatusOK, nil, "ok"
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := newHarness(t, webhookTarget(t, "hook", srv.URL, ""))
	ev := h.commit("w", "hook")

	testkit.WaitUntil(t, 10*time.Second, "first attempt recorded", func() bool { return h.delivery(ev, "hook").Attempts == 1 })
	d := h.delivery(ev, "hook")
	if d.State != store.StatePending || d.LastStatus != 500 {
		t.Fatalf("after a 500: %+v", d)
	}
	if wait := d.NextAt.Sub(h.clock.Now()); wait <= 0 || wait > 5*time.Second {
		t.Errorf("first retry in %v, want within 5s", wait)
	}
	h.clock.Advance(5 * time.Second)
	testkit.WaitUntil(t, 10*time.Second, "second attempt", func() bool { return h.delivery(ev, "hook").Attempts == 2 })
	if wait := h.delivery(ev, "hook").NextAt.Sub(h.clock.Now()); wait != 5*time.Minute {
		t.Errorf("second retry in %v, want 5m", wait)
	}
	h.clock.Advance(5 * time.Minute)
	testkit.WaitUntil(t, 10*time.Second, "delivered", func() bool { return h.delivery(ev, "hook").State == store.StateDelivered })

	ids := map[string]bool{}
	for i := 0; i < rc.count(); i++ {
		ids[rc.get(i).header.Get("webhook-id")] = true
	}
	if rc.count() != 3 || len(ids) != 1 || !ids[ev.ID] {
		t.Errorf("%d requests with ids %v, want 3 with %s", rc.count(), ids, ev.ID)
	}
	_, attempts, _ := h.db.Delivery(context.Background(), ev.ID, "hook")
	if len(attempts) != 3 || attempts[0].Status != 500 || attempts[0].Body != "busy" || attempts[2].Status != 200 {
		t.Errorf("attempts = %+v", attempts)
	}
}

func TestDispatcher_FailureKinds(t *testing.T) {
	t.Parallel()
	moved := &receiver{}
	movedSrv := httptest.NewServer(moved)
	defer movedSrv.Close()
	tests := []struct {
		name    string
		respond func(n int, r *http.Request) (int, http.Header, string)
		want    string
	}{
		{"redirect not followed", func(int, *http.Request) (int, http.Header, string) {
			return http.StatusFound, http.Header{"Location": {movedSrv.URL}}, ""
		}, "HTTP 302"},
		{"client error", func(int, *http.Request) (int, http.Header, string) {
			return http.StatusBadRequest, nil, "bad"
		}, "HTTP 400"},
		{"timeout", func(_ int, r *http.Request) (int, http.Header, string) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return http.StatusOK, nil, ""
		}, "no answer within 1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &receiver{respond: tt.respond}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			h := newHarness(t, webhookTarget(t, "hook", srv.URL, `timeout = "1s"`))
			ev := h.commit("w", "hook")
			testkit.WaitUntil(t, 10*time.Second, "attempt", func() bool { return h.delivery(ev, "hook").Attempts == 1 })
			d := h.delivery(ev, "hook")
			if d.State != store.StatePending || !strings.Contains(d.LastError, tt.want) {
				t.Errorf("delivery = %+v, want pending with %q", d, tt.want)
			}
		})
	}
	if moved.count() != 0 {
		t.Errorf("the redirect was followed")
	}
}

func TestDispatcher_DeadLetter(t *testing.T) {
	t.Parallel()
	rc := &receiver{respond: func(int, *http.Request) (int, http.Header, string) {
		return http.StatusInternalServerError, nil, ""
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := newHarness(t, webhookTarget(t, "hook", srv.URL, `retry = ["1s", "2s"]`))
	ev := h.commit("w", "hook")
	next := h.commit("w", "hook")
	for i, step := range []time.Duration{time.Second, 2 * time.Second} {
		testkit.WaitUntil(t, 10*time.Second, "attempt", func() bool { return h.delivery(ev, "hook").Attempts == i+1 })
		h.clock.Advance(step)
	}
	testkit.WaitUntil(t, 10*time.Second, "dead letter", func() bool { return h.delivery(ev, "hook").State == store.StateFailed })
	if d := h.delivery(ev, "hook"); d.Attempts != 3 {
		t.Errorf("attempts = %d, want 3 (first + 2 retries)", d.Attempts)
	}
	// The queue moves on to the next event once the first is dead.
	testkit.WaitUntil(t, 10*time.Second, "next event tried", func() bool { return h.delivery(next, "hook").Attempts >= 1 })
	failed, _ := h.db.Deliveries(context.Background(), store.Filter{State: store.StateFailed})
	if len(failed) != 1 || failed[0].EventID != ev.ID {
		t.Errorf("failed deliveries = %+v", failed)
	}
}

func TestDispatcher_RetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value func(now time.Time) string
		want  time.Duration
	}{
		{"seconds", func(time.Time) string { return "120" }, 120 * time.Second},
		{"HTTP date", func(now time.Time) string { return now.Add(time.Hour).UTC().Format(http.TimeFormat) }, time.Hour},
		{"capped at 24h", func(time.Time) string { return "999999" }, 24 * time.Hour},
		{"shorter than the schedule", func(time.Time) string { return "1" }, 5 * time.Second},
	}
	for _, tt := range tests {
		for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, status), func(t *testing.T) {
				var h *harness
				rc := &receiver{respond: func(int, *http.Request) (int, http.Header, string) {
					return status, http.Header{"Retry-After": {tt.value(h.clock.Now())}}, ""
				}}
				srv := httptest.NewServer(rc)
				defer srv.Close()
				h = newHarness(t, webhookTarget(t, "hook", srv.URL, ""))
				ev := h.commit("w", "hook")
				testkit.WaitUntil(t, 10*time.Second, "attempt", func() bool { return h.delivery(ev, "hook").Attempts == 1 })
				if wait := h.delivery(ev, "hook").NextAt.Sub(h.clock.Now()); wait != tt.want {
					t.Errorf("next attempt in %v, want %v", wait, tt.want)
				}
			})
		}
	}
}

func TestDispatcher_GoneDisablesTarget(t *testing.T) {
	t.Parallel()
	gone := true
	var mu sync.Mutex
	rc := &receiver{respond: func(int, *http.Request) (int, http.Header, string) {
		mu.Lock()
		defer mu.Unlock()
		if gone {
			return http.StatusGone, nil, ""
		}
		return http.StatusOK, nil, ""
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := newHarness(t, webhookTarget(t, "hook", srv.URL, ""))
	ev := h.commit("w", "hook")
	testkit.WaitUntil(t, 10*time.Second, "attempt", func() bool { return h.delivery(ev, "hook").Attempts == 1 })
	ev2 := h.commit("w", "hook")
	h.clock.Advance(24 * time.Hour)
	time.Sleep(50 * time.Millisecond)
	if rc.count() != 1 {
		t.Fatalf("%d requests to a disabled target, want 1", rc.count())
	}
	states, _ := h.db.TargetStates(context.Background())
	if !states["hook"].Disabled {
		t.Fatalf("target state = %+v, want disabled", states["hook"])
	}
	if d := h.delivery(ev2, "hook"); d.State != store.StatePending {
		t.Errorf("queued delivery = %+v, want it kept pending", d)
	}
	mu.Lock()
	gone = false
	mu.Unlock()
	if err := h.disp.Enable(context.Background(), "hook"); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "both delivered after enable", func() bool {
		return h.delivery(ev, "hook").State == store.StateDelivered && h.delivery(ev2, "hook").State == store.StateDelivered
	})
}

func TestDispatcher_OrderPerWatch(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	failFirst := true
	rc := &receiver{respond: func(_ int, r *http.Request) (int, http.Header, string) {
		mu.Lock()
		defer mu.Unlock()
		if failFirst && r.Header.Get("X-Seq") == "" {
			failFirst = false
			return http.StatusInternalServerError, nil, ""
		}
		return http.StatusOK, nil, ""
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := newHarness(t, webhookTarget(t, "hook", srv.URL, ""))
	first := h.commit("w", "hook")
	second := h.commit("w", "hook")
	testkit.WaitUntil(t, 10*time.Second, "first attempt", func() bool { return h.delivery(first, "hook").Attempts == 1 })
	time.Sleep(50 * time.Millisecond)
	if d := h.delivery(second, "hook"); d.Attempts != 0 {
		t.Fatalf("event 2 sent while event 1 waits for its retry: %+v", d)
	}
	h.clock.Advance(5 * time.Second)
	testkit.WaitUntil(t, 10*time.Second, "both delivered", func() bool { return h.delivery(second, "hook").State == store.StateDelivered })
	var seqs []uint64
	for i := 0; i < rc.count(); i++ {
		var ev event.Event
		_ = json.Unmarshal(rc.get(i).body, &ev)
		seqs = append(seqs, ev.Data.Seq)
	}
	if fmt.Sprint(seqs) != "[1 1 2]" {
		t.Errorf("arrival order of seqs = %v, want [1 1 2]", seqs)
	}
}

func TestDispatcher_DeadTargetDelaysNoOther(t *testing.T) {
	t.Parallel()
	dead := &receiver{respond: func(int, *http.Request) (int, http.Header, string) {
		return http.StatusInternalServerError, nil, ""
	}}
	deadSrv := httptest.NewServer(dead)
	defer deadSrv.Close()
	live := &receiver{}
	liveSrv := httptest.NewServer(live)
	defer liveSrv.Close()
	h := newHarness(t, webhookTarget(t, "dead", deadSrv.URL, ""), webhookTarget(t, "live", liveSrv.URL, ""))
	var evs []*event.Event
	for i := 0; i < 3; i++ {
		evs = append(evs, h.commit("a", "dead", "live"), h.commit("b", "live"))
	}
	testkit.WaitUntil(t, 10*time.Second, "live target got everything", func() bool { return live.count() == 6 })
	if dead.count() != 1 {
		t.Errorf("dead target got %d requests, want 1 (the rest wait behind its retry)", dead.count())
	}
}

func TestDispatcher_SecretRotation(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	const newSecret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	tg := webhookTarget(t, "hook", srv.URL, "")
	key, err := config.DecodeSecret(newSecret)
	if err != nil {
		t.Fatal(err)
	}
	tg.Secrets = append(tg.Secrets, key)
	h := newHarness(t, tg)
	ev := h.commit("w", "hook")
	testkit.WaitUntil(t, 10*time.Second, "delivered", func() bool { return h.delivery(ev, "hook").State == store.StateDelivered })
	req := rc.get(0)
	if n := len(strings.Fields(req.header.Get("webhook-signature"))); n != 2 {
		t.Fatalf("webhook-signature has %d signatures, want 2", n)
	}
	for _, s := range []string{testkit.Secret, newSecret} {
		wh, _ := standardwebhooks.NewWebhook(s)
		if err := wh.VerifyIgnoringTimestamp(req.body, req.header); err != nil {
			t.Errorf("secret %s…: %v", s[:10], err)
		}
	}
}

func TestDispatcher_Drain(t *testing.T) {
	t.Parallel()
	rc := &receiver{respond: func(n int, _ *http.Request) (int, http.Header, string) {
		if n == 2 {
			return http.StatusInternalServerError, nil, ""
		}
		return http.StatusOK, nil, ""
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	db, err := store.Open(filepath.Join(t.TempDir(), "outbox.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := &harness{t: t, db: db, clock: testkit.NewFakeClock(time.Now().Truncate(time.Second)), seq: map[string]uint64{}}
	h.disp = NewDispatcher(DispatcherOptions{Outbox: db, Targets: []*config.Target{webhookTarget(t, "hook", srv.URL, "")}, Clock: h.clock})
	a, b, c := h.commit("w", "hook"), h.commit("w", "hook"), h.commit("w", "hook")
	if err := h.disp.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := []string{h.delivery(a, "hook").State, h.delivery(b, "hook").State, h.delivery(c, "hook").State}
	if strings.Join(got, ",") != "delivered,pending,pending" {
		t.Errorf("states after one pass = %v; want the failure and what follows it left queued", got)
	}
	if rc.count() != 2 {
		t.Errorf("%d requests, want 2", rc.count())
	}
}

func TestSign(t *testing.T) {
	t.Parallel()
	key, _ := config.DecodeSecret(testkit.Secret)
	wh, _ := standardwebhooks.NewWebhook(testkit.Secret)
	now := time.Unix(1700000000, 0)
	body := []byte(`{"test":2432232314}`)
	want, err := wh.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", now, body)
	if err != nil {
		t.Fatal(err)
	}
	if got := Sign([][]byte{key}, "msg_p5jXN8AQM9LWM0D4loKWxJek", strconv.FormatInt(now.Unix(), 10), body); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestDispatcher_DisabledTargetQueues(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	off := webhookTarget(t, "hook", srv.URL, "disabled = true")
	h := newHarness(t, off)
	ev := h.commit("w", "hook")
	time.Sleep(100 * time.Millisecond)
	h.clock.Advance(time.Hour)
	time.Sleep(50 * time.Millisecond)
	if rc.count() != 0 {
		t.Fatalf("%d requests to a disabled target", rc.count())
	}
	if d := h.delivery(ev, "hook"); d.State != store.StatePending || d.Attempts != 0 {
		t.Fatalf("delivery = %+v, want queued untouched", d)
	}
	// Enabling it in the configuration (a reload) sends what queued up.
	h.disp.SetTargets([]*config.Target{webhookTarget(t, "hook", srv.URL, "")})
	testkit.WaitUntil(t, 10*time.Second, "delivered after enabling", func() bool { return h.delivery(ev, "hook").State == store.StateDelivered })
}

// TestDispatcher_RedactsEchoedSecrets checks that a target's answer that
// echoes one of its credentials is stored (and shown) without it.
func TestDispatcher_RedactsEchoedSecrets(t *testing.T) {
	t.Parallel()
	rc := &receiver{respond: func(_ int, r *http.Request) (int, http.Header, string) {
		return http.StatusInternalServerError, nil, "bad auth " + r.Header.Get("Authorization") + " at " + r.URL.Path
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	hook := webhookTarget(t, "hook", srv.URL+"/hooks/PATHSECRET?token=QUERYSECRET", `headers = { Authorization = "Bearer HEADERSECRET" }`)
	h := newHarness(t, hook)
	ev := h.commit("w", "hook")
	testkit.WaitUntil(t, 10*time.Second, "attempt", func() bool { return h.delivery(ev, "hook").Attempts == 1 })
	d, attempts, err := h.db.Delivery(context.Background(), ev.ID, "hook")
	if err != nil || len(attempts) != 1 {
		t.Fatal(err)
	}
	stored := d.LastError + " " + attempts[0].Body + " " + attempts[0].Error
	if !strings.Contains(stored, "bad auth") {
		t.Fatalf("stored %q, want the response", stored)
	}
	for _, secret := range []string{"HEADERSECRET", "QUERYSECRET"} {
		if strings.Contains(stored, secret) {
			t.Errorf("stored attempt shows %s: %q", secret, stored)
		}
	}
}

// TestDispatcher_StoppedBeforeStart: a daemon stopped as it starts (the
// context ends before the dispatcher read the outbox) stops cleanly.
func TestDispatcher_StoppedBeforeStart(t *testing.T) {
	t.Parallel()
	db, err := store.Open(filepath.Join(t.TempDir(), "outbox.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := NewDispatcher(DispatcherOptions{Outbox: db}).Run(ctx, ctx); err != nil {
		t.Errorf("Run after the context ended = %v, want nil", err)
	}
}
