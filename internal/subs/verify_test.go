package subs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/ssrf"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// receiver is a consumer's endpoint answering the handshake.
type receiver struct {
	*httptest.Server
	grant   atomic.Value // string: the WebHook-Allowed-Origin it answers
	options atomic.Int32
	posts   atomic.Int32
}

func newReceiver(t *testing.T, grant string) *receiver {
	r := &receiver{}
	r.grant.Store(grant)
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodOptions {
			r.options.Add(1)
			if g := r.grant.Load().(string); g != "" {
				w.Header().Set("WebHook-Allowed-Origin", g)
				w.Header().Set("WebHook-Allowed-Rate", "120")
			}
			return
		}
		r.posts.Add(1)
	}))
	t.Cleanup(r.Close)
	return r
}

func loopbackConfig() *config.Subscriptions {
	cfg := testConfig()
	cfg.HTTPSOnly = false
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	return cfg
}

func (f *fixture) run() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.srv.Run(ctx) }()
	f.t.Cleanup(func() { cancel(); <-done })
}

func (f *fixture) stored(app, id string) store.Endpoint {
	f.t.Helper()
	e, err := f.db.Endpoint(context.Background(), app, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

func TestVerifier_Grants(t *testing.T) {
	f := newFixture(t, loopbackConfig())
	f.run()
	rcv := newReceiver(t, "hooks.pollhook.example")
	a, tok := f.app("alpha")
	e := f.endpoint(tok, a, `{"url":"`+rcv.URL+`/in"}`)
	testkit.WaitUntil(t, 30*time.Second, "endpoint active", func() bool { return f.stored(a, e.ID).Status == store.EndpointActive })
	got := f.stored(a, e.ID)
	if got.AllowedRate != 120 || got.StatusReason != "" {
		t.Fatalf("active endpoint %+v", got)
	}
	testkit.WaitUntil(t, 30*time.Second, "active target handed", func() bool {
		ts := f.lastTargets()
		return len(ts) == 1 && !ts[0].Disabled && ts[0].RateLimit == 2
	})
	var st statusOut
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/status", "", &st)
	if st.Status != "active" || st.AllowedRate != 120 {
		t.Fatalf("status %+v", st)
	}

	// A new URL is verified again before it gets traffic.
	other := newReceiver(t, "")
	f.must(200, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"url":"`+other.URL+`/in"}`, nil)
	testkit.WaitUntil(t, 30*time.Second, "handshake of the new url", func() bool { return other.options.Load() == 1 })
	testkit.WaitUntil(t, 30*time.Second, "the failure recorded", func() bool { return f.stored(a, e.ID).VerifyAttempts == 1 })
	if ts := f.lastTargets(); len(ts) != 1 || !ts[0].Disabled {
		t.Fatalf("an unverified url is handed as enabled: %+v", ts)
	}
}

// A receiver that does not grant the origin is asked five times over
// about an hour, then the endpoint fails with the reason.
func TestVerifier_RetriesThenFails(t *testing.T) {
	f := newFixture(t, loopbackConfig())
	rcv := newReceiver(t, "someone-else.example")
	a, tok := f.app("alpha")
	e := f.endpoint(tok, a, `{"url":"`+rcv.URL+`/in"}`)
	f.run()
	start := f.clock.Now()
	for attempt := 1; attempt <= 5; attempt++ {
		testkit.WaitUntil(t, 30*time.Second, "handshake", func() bool { return rcv.options.Load() == int32(attempt) })
		testkit.WaitUntil(t, 30*time.Second, "failure recorded", func() bool { return f.stored(a, e.ID).VerifyAttempts == attempt })
		got := f.stored(a, e.ID)
		if !strings.Contains(got.StatusReason, `does not grant origin "hooks.pollhook.example"`) {
			t.Fatalf("reason %q", got.StatusReason)
		}
		if attempt == 5 {
			if got.Status != store.EndpointFailed {
				t.Fatalf("after 5 handshakes: %+v", got)
			}
			break
		}
		wait, _ := VerifyRetry(attempt)
		if got.Status != store.EndpointPending || !got.NextVerify.Equal(f.clock.Now().Add(wait)) {
			t.Fatalf("after handshake %d: status %s, next %v, want pending at +%v", attempt, got.Status, got.NextVerify, wait)
		}
		f.clock.AdvanceTo(got.NextVerify)
	}
	if total := f.clock.Now().Sub(start); total < 55*time.Minute || total > 70*time.Minute {
		t.Fatalf("retried over %v, want about an hour", total)
	}
	var st statusOut
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/status", "", &st)
	if st.Status != "failed" || !strings.Contains(st.Reason, "does not grant origin") {
		t.Fatalf("status %+v", st)
	}
	if rcv.posts.Load() != 0 {
		t.Fatal("a receiver that never granted got a POST")
	}
	// Giving the URL again starts over.
	rcv.grant.Store("*")
	f.must(200, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"url":"`+rcv.URL+`/in"}`, nil)
	testkit.WaitUntil(t, 30*time.Second, "endpoint active", func() bool { return f.stored(a, e.ID).Status == store.EndpointActive })
}

// A name that resolved to a public address at creation but resolves to
// loopback at handshake time is refused at dial.
func TestVerifier_RefusedAtDial(t *testing.T) {
	rcv := newReceiver(t, "*")
	port := rcv.URL[strings.LastIndexByte(rcv.URL, ':')+1:]
	db := newFixture(t, nil) // only for its store and clock
	cfg := testConfig()
	cfg.HTTPSOnly = false
	srv := New(Options{
		DB: db.db, Config: cfg, Clock: db.clock,
		Resolver: ssrf.StaticResolver(map[string][]netip.Addr{"rebind.example.com": {netip.MustParseAddr("93.184.215.14")}}),
		Client: ssrf.New(ssrf.Options{Timeout: 10 * time.Second, Resolver: ssrf.StaticResolver(map[string][]netip.Addr{
			"rebind.example.com": {netip.MustParseAddr("127.0.0.1")},
		})}),
	})
	db.srv = srv
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	db.url = hs.URL
	a, tok := db.app("alpha")
	e := db.endpoint(tok, a, `{"url":"http://rebind.example.com:`+port+`/in"}`)
	db.run()
	testkit.WaitUntil(t, 30*time.Second, "failure recorded", func() bool { return db.stored(a, e.ID).VerifyAttempts == 1 })
	if got := db.stored(a, e.ID); !strings.Contains(got.StatusReason, "127.0.0.1 is loopback") || got.Status != store.EndpointPending {
		t.Fatalf("endpoint %+v", got)
	}
	if rcv.options.Load() != 0 {
		t.Fatal("the receiver on loopback was reached")
	}
}

// TestVerifier_SlowReceiverHoldsUpNoOther: while one receiver keeps its
// handshake waiting, another endpoint's is answered and made active.
func TestVerifier_SlowReceiverHoldsUpNoOther(t *testing.T) {
	f := newFixture(t, loopbackConfig())
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })
	fast := newReceiver(t, "hooks.pollhook.example")
	a, tok := f.app("alpha")
	s := f.endpoint(tok, a, `{"url":"`+slow.URL+`/in"}`)
	e := f.endpoint(tok, a, `{"url":"`+fast.URL+`/in"}`)
	f.run()
	testkit.WaitUntil(t, 30*time.Second, "the fast endpoint active", func() bool { return f.stored(a, e.ID).Status == store.EndpointActive })
	if got := f.stored(a, s.ID); got.Status != store.EndpointPending || got.VerifyAttempts != 0 {
		t.Errorf("the slow endpoint %+v: want pending, its handshake still waiting", got)
	}
}
