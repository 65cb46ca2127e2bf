package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// consumerTarget is an endpoint as subscriptions hand it to the
// dispatcher.
func consumerTarget(t *testing.T, id, url string) *config.Target {
	t.Helper()
	tg := webhookTarget(t, "consumer", url, "")
	tg.Name, tg.Consumer = id, true
	return tg
}

// TestDispatcher_ConsumerEndpoints: a consumer's endpoint is sent to
// through the consumer client only, its attempts keep no response body
// and no reason read from it, its metrics are counted under "endpoints",
// and a delivery to an endpoint that no longer exists is dropped.
func TestDispatcher_ConsumerEndpoints(t *testing.T) {
	t.Parallel()
	rc := &receiver{respond: func(int, *http.Request) (int, http.Header, string) {
		return http.StatusInternalServerError, nil, "internal admin page: secret=hunter2"
	}}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	var viaConsumer sync.Map
	consumer := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		viaConsumer.Store(r.Header.Get("webhook-id"), true)
		return http.DefaultTransport.RoundTrip(r)
	})}
	var mu sync.Mutex
	var reports []AttemptReport
	h := startHarness(t, harnessOptions{dispatcher: DispatcherOptions{
		ConsumerClient: consumer,
		Observe: func(r AttemptReport) {
			mu.Lock()
			reports = append(reports, r)
			mu.Unlock()
		},
	}})
	ep := consumerTarget(t, "ep_one", srv.URL)
	h.disp.SetEndpoints([]*config.Target{ep})
	ev := h.commit("w", "ep_one")
	testkit.WaitUntil(t, 10*time.Second, "an attempt", func() bool { return h.delivery(ev, "ep_one").Attempts == 1 })
	if _, ok := viaConsumer.Load(ev.ID); !ok {
		t.Error("the endpoint was not sent to through the consumer client")
	}
	_, attempts, err := h.db.Delivery(context.Background(), ev.ID, "ep_one")
	if err != nil || len(attempts) != 1 {
		t.Fatalf("attempts %+v, %v", attempts, err)
	}
	if a := attempts[0]; a.Body != "" || a.Status != 500 || a.Error != "HTTP 500" || strings.Contains(a.Error, "hunter2") {
		t.Errorf("attempt kept %+v: want status 500, error \"HTTP 500\" and no body", a)
	}
	mu.Lock()
	if len(reports) != 1 || reports[0].Target != EndpointsTarget {
		t.Errorf("reports %+v, want one for target %q", reports, EndpointsTarget)
	}
	mu.Unlock()

	// The endpoint is deleted: its queued delivery is dropped, not retried.
	h.disp.SetEndpoints(nil)
	h.clock.Advance(time.Hour)
	h.disp.Wake()
	testkit.WaitUntil(t, 10*time.Second, "dropped", func() bool { return h.delivery(ev, "ep_one").State == store.StateFailed })
	if d := h.delivery(ev, "ep_one"); d.LastError != "the endpoint was deleted" || rc.count() != 1 {
		t.Errorf("after the delete: %+v, %d requests; want it failed as deleted, no second request", d, rc.count())
	}
}

// TestDispatcher_ConsumerWithoutGuardedClient: without a ConsumerClient
// nothing is sent to an endpoint.
func TestDispatcher_ConsumerWithoutGuardedClient(t *testing.T) {
	t.Parallel()
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	h := newHarness(t)
	h.disp.SetEndpoints([]*config.Target{consumerTarget(t, "ep_one", srv.URL)})
	ev := h.commit("w", "ep_one")
	testkit.WaitUntil(t, 10*time.Second, "an attempt", func() bool { return h.delivery(ev, "ep_one").Attempts == 1 })
	if rc.count() != 0 {
		t.Errorf("%d requests reached the endpoint with no guarded client", rc.count())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
