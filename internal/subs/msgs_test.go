package subs

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/store"
)

// commitChange commits a change of watch with the store's commit path and
// returns its event id.
func (f *fixture) commitChange(watch string, seq uint64, at time.Time) string {
	f.t.Helper()
	ev := event.Sample(watch, "https://api.example.com/"+watch, at)
	ev.Type = event.TypeChanged
	ev.Data.Seq = seq
	payload, err := ev.JSON()
	if err != nil {
		f.t.Fatal(err)
	}
	if err := f.db.CommitEvent(context.Background(), store.Commit{
		Watch: watch, State: store.WatchState{Baseline: true, Seq: seq}, EventID: ev.ID, Payload: payload,
		Time: at, Type: ev.Type, Subscribable: true,
	}); err != nil {
		f.t.Fatal(err)
	}
	return ev.ID
}

func (f *fixture) activate(app, id string) {
	f.t.Helper()
	if _, err := f.db.UpdateEndpoint(context.Background(), app, id, func(e *store.Endpoint) error {
		e.Status = store.EndpointActive
		return nil
	}); err != nil {
		f.t.Fatal(err)
	}
}

func TestAPI_MessagesAttemptsRecover(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	a, tok := f.app("alpha")
	b, bTok := f.app("beta")
	e := f.endpoint(tok, a, `{"url":"https://hooks.example.com/a","channels":["releases"]}`)
	other := f.endpoint(bTok, b, `{"url":"https://hooks.example.com/b","channels":["incidents"]}`)
	f.activate(a, e.ID)
	f.activate(b, other.ID)

	t0 := f.clock.Now().Add(-2 * time.Hour)
	id1 := f.commitChange("releases", 1, t0)
	id2 := f.commitChange("releases", 2, t0.Add(time.Hour))
	f.commitChange("incidents", 1, t0.Add(time.Hour))

	var msgs listOut[messageOut]
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/msg", "", &msgs)
	if len(msgs.Data) != 2 || msgs.Data[0].ID != id2 || msgs.Data[1].ID != id1 || !msgs.Done {
		t.Fatalf("messages %+v", msgs)
	}
	m := msgs.Data[0]
	if m.EventType != "watch.changed" || len(m.Channels) != 1 || m.Channels[0] != "releases" || !strings.Contains(string(m.Payload), id2) {
		t.Fatalf("message %+v", m)
	}
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/msg?limit=1", "", &msgs)
	if len(msgs.Data) != 1 || msgs.Done || msgs.Iterator == nil {
		t.Fatalf("page 1 %+v", msgs)
	}
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/msg?limit=1&with_content=false&iterator="+*msgs.Iterator, "", &msgs)
	if len(msgs.Data) != 1 || msgs.Data[0].ID != id1 || string(msgs.Data[0].Payload) != "{}" || !msgs.Done {
		t.Fatalf("page 2 %+v", msgs)
	}

	// Attempts: status and code, never the body.
	if err := f.db.Record(ctx, store.Result{EventID: id1, Target: e.ID, State: store.StatePending, NextAt: time.Now(),
		Attempt: store.Attempt{At: t0.Add(time.Minute), Status: 500, Latency: 120 * time.Millisecond, Body: "db password is hunter2"}},
		store.Result{EventID: id1, Target: e.ID, State: store.StateDelivered,
			Attempt: store.Attempt{At: t0.Add(2 * time.Minute), Status: 204, Latency: 30 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	var atts listOut[attemptOut]
	body := f.must(200, tok, "GET", "/api/v1/app/"+a+"/attempt/endpoint/"+e.ID, "", &atts)
	if strings.Contains(body, "hunter2") {
		t.Fatal("an attempt shows the response body")
	}
	if len(atts.Data) != 2 || atts.Data[0].Status != attemptSuccess || atts.Data[0].ResponseStatusCode != 204 ||
		atts.Data[1].Status != attemptFail || atts.Data[1].ResponseStatusCode != 500 || atts.Data[1].ResponseDurationMs != 120 ||
		atts.Data[0].MsgID != id1 || atts.Data[0].EndpointID != e.ID {
		t.Fatalf("attempts %+v", atts)
	}
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/attempt/endpoint/"+e.ID+"?limit=1&iterator="+atts.Data[0].ID, "", &atts)
	if len(atts.Data) != 1 || atts.Data[0].ResponseStatusCode != 500 {
		t.Fatalf("attempts page 2 %+v", atts)
	}

	// Recover: the events of the window again, with the same ids; id2 is
	// after the window.
	if err := f.db.Record(ctx, store.Result{EventID: id2, Target: e.ID, State: store.StateDelivered,
		Attempt: store.Attempt{At: t0.Add(61 * time.Minute), Status: 200}}); err != nil {
		t.Fatal(err)
	}
	waked := 0
	f.srv.wake = func() { waked++ }
	f.must(202, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/recover", `{"since":"`+t0.Add(-time.Minute).Format(time.RFC3339)+`","until":"`+t0.Add(30*time.Minute).Format(time.RFC3339)+`"}`, nil)
	d, _, err := f.db.Delivery(ctx, id1, e.ID)
	if err != nil || d.State != store.StatePending || waked != 1 {
		t.Fatalf("after recover: %+v, %v, woken %d", d, err, waked)
	}
	if d2, _, err := f.db.Delivery(ctx, id2, e.ID); err != nil || d2.State != store.StateDelivered {
		t.Fatalf("an event after the window was recovered: %+v, %v", d2, err)
	}
	f.must(422, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/recover", `{}`, nil)
	f.must(422, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/recover", `{"since":"yesterday"}`, nil)
	// Another app's endpoint cannot be recovered through this app.
	f.must(404, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+other.ID+"/recover", `{"since":"`+t0.Format(time.RFC3339)+`"}`, nil)
}

func TestAPI_WritesLogged(t *testing.T) {
	var buf bytes.Buffer
	f := newFixture(t, nil)
	f.srv.log = slog.New(slog.NewTextHandler(&buf, nil))
	a, tok := f.app("alpha")
	e := f.endpoint(tok, a, `{"url":"https://hooks.example.com/a?token=s3cret"}`)
	f.must(204, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/secret/rotate", `{}`, nil)
	f.must(204, tok, "DELETE", "/api/v1/app/"+a+"/endpoint/"+e.ID, "", nil)
	log := buf.String()
	for _, want := range []string{"application created", "application token issued", "endpoint created", "endpoint secret rotated", "endpoint deleted"} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in the log", want)
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(log), "\n") {
		if !strings.Contains(line, "app="+a) {
			t.Errorf("a write logged without its app: %s", line)
		}
	}
	if strings.Contains(log, "s3cret") || strings.Contains(log, "whsec_") || strings.Contains(log, "appsk_") {
		t.Errorf("the log shows a secret:\n%s", log)
	}
}

// TestAPI_SendExample: send-example queues a sample of the type asked for
// to that one endpoint (not the application's others), and refuses an
// unknown or missing type.
func TestAPI_SendExample(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	a, tok := f.app("alpha")
	e := f.endpoint(tok, a, `{"url":"https://hooks.example.com/a","channels":["releases"]}`)
	other := f.endpoint(tok, a, `{"url":"https://hooks.example.com/b"}`)
	var m messageOut
	f.must(202, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/send-example", `{"eventType":"watch.failing"}`, &m)
	if m.EventType != "watch.failing" || !strings.HasPrefix(m.ID, "msg_") || len(m.Channels) != 1 || m.Channels[0] != "releases" {
		t.Fatalf("send-example answered %+v", m)
	}
	ds, err := f.db.Deliveries(ctx, store.Filter{EventID: m.ID})
	if err != nil || len(ds) != 1 || ds[0].Target != e.ID || ds[0].State != store.StatePending {
		t.Fatalf("deliveries of the example %+v, %v; want one, pending, to %s", ds, err, e.ID)
	}
	if ds, _ := f.db.Deliveries(ctx, store.Filter{Target: other.ID}); len(ds) != 0 {
		t.Errorf("the other endpoint got %d deliveries", len(ds))
	}
	f.must(422, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/send-example", `{"eventType":"watch.exploded"}`, nil)
	f.must(422, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/send-example", `{}`, nil)
	// A second example is the endpoint's next event: both stay.
	f.must(202, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/send-example", `{"eventType":"watch.changed"}`, nil)
	if ds, _ := f.db.Deliveries(ctx, store.Filter{Target: e.ID}); len(ds) != 2 {
		t.Errorf("%d deliveries to the endpoint after two examples, want 2", len(ds))
	}
}
