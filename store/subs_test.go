package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestApps(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a, err := db.CreateApp(ctx, App{UID: "team-a", Name: "Team A", TokenHash: "aa"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.ID) != 30 || a.ID[:4] != "app_" || a.Created.IsZero() {
		t.Errorf("created %+v", a)
	}
	if _, err := db.CreateApp(ctx, App{UID: "team-a", Name: "again"}); !errors.Is(err, ErrExists) {
		t.Errorf("second app with uid team-a: %v, want ErrExists", err)
	}
	if _, err := db.CreateApp(ctx, App{ID: a.ID}); !errors.Is(err, ErrExists) {
		t.Errorf("second app with id %s: %v, want ErrExists", a.ID, err)
	}
	for _, key := range []string{a.ID, "team-a"} {
		if got, err := db.App(ctx, key); err != nil || got.ID != a.ID {
			t.Errorf("App(%q) = %+v, %v", key, got, err)
		}
	}
	if _, err := db.App(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("App(nope) = %v, want ErrNotFound", err)
	}
	if got, err := db.AppByTokenHash(ctx, "aa"); err != nil || got.ID != a.ID {
		t.Errorf("AppByTokenHash(aa) = %+v, %v", got, err)
	}
	for _, h := range []string{"", "ab"} {
		if _, err := db.AppByTokenHash(ctx, h); !errors.Is(err, ErrNotFound) {
			t.Errorf("AppByTokenHash(%q) = %v, want ErrNotFound", h, err)
		}
	}
	b, err := db.CreateApp(ctx, App{UID: "team-b", Name: "Team B"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateApp(ctx, b.ID, func(x *App) error { x.UID = "team-a"; return nil }); !errors.Is(err, ErrExists) {
		t.Errorf("UpdateApp to a taken uid: %v, want ErrExists", err)
	}
	if got, err := db.UpdateApp(ctx, b.ID, func(x *App) error { x.Name = "B"; x.ID = "app_other"; return nil }); err != nil || got.Name != "B" || got.ID != b.ID {
		t.Errorf("UpdateApp = %+v, %v (the id must stay)", got, err)
	}
	apps, err := db.Apps(ctx)
	if err != nil || len(apps) != 2 {
		t.Fatalf("Apps = %v, %v", apps, err)
	}
}

func TestEndpoints_QuotaUIDAndOwner(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a, _ := db.CreateApp(ctx, App{Name: "a"})
	b, _ := db.CreateApp(ctx, App{Name: "b"})
	if _, err := db.CreateEndpoint(ctx, Endpoint{App: "app_nope", URL: "https://x.example/"}, 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("endpoint of an unknown app: %v, want ErrNotFound", err)
	}
	e1, err := db.CreateEndpoint(ctx, Endpoint{App: a.ID, UID: "one", URL: "https://x.example/1"}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if e1.ID[:3] != "ep_" || e1.Status != EndpointPending || e1.Version != 1 {
		t.Errorf("created %+v", e1)
	}
	if _, err := db.CreateEndpoint(ctx, Endpoint{App: a.ID, UID: "one", URL: "https://x.example/2"}, 2); !errors.Is(err, ErrExists) {
		t.Errorf("uid one twice in an app: %v, want ErrExists", err)
	}
	if _, err := db.CreateEndpoint(ctx, Endpoint{App: b.ID, UID: "one", URL: "https://x.example/b"}, 2); err != nil {
		t.Errorf("uid one in another app: %v", err)
	}
	if _, err := db.CreateEndpoint(ctx, Endpoint{App: a.ID, URL: "https://x.example/2"}, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateEndpoint(ctx, Endpoint{App: a.ID, URL: "https://x.example/3"}, 2); !errors.Is(err, ErrQuota) {
		t.Errorf("third endpoint with a quota of 2: %v, want ErrQuota", err)
	}
	// One application cannot reach another's endpoints, by id or uid.
	for _, key := range []string{e1.ID, "one"} {
		if got, err := db.Endpoint(ctx, a.ID, key); err != nil || got.ID != e1.ID {
			t.Errorf("Endpoint(a, %q) = %+v, %v", key, got, err)
		}
	}
	if got, err := db.Endpoint(ctx, b.ID, e1.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Endpoint(b, a's endpoint) = %+v, %v; want ErrNotFound", got, err)
	}
	if _, err := db.UpdateEndpoint(ctx, b.ID, e1.ID, func(*Endpoint) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateEndpoint(b, a's endpoint) = %v, want ErrNotFound", err)
	}
	if err := db.DeleteEndpoint(ctx, b.ID, e1.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteEndpoint(b, a's endpoint) = %v, want ErrNotFound", err)
	}
	if got, err := db.UpdateEndpoint(ctx, a.ID, e1.ID, func(e *Endpoint) error { e.App, e.URL = b.ID, "https://x.example/new"; return nil }); err != nil || got.App != a.ID || got.URL != "https://x.example/new" {
		t.Errorf("UpdateEndpoint = %+v, %v (the app must stay)", got, err)
	}
	eps, err := db.Endpoints(ctx, a.ID)
	if err != nil || len(eps) != 2 {
		t.Errorf("Endpoints(a) = %d, %v; want 2", len(eps), err)
	}
	if all, _ := db.Endpoints(ctx, ""); len(all) != 3 {
		t.Errorf("Endpoints() = %d, want 3", len(all))
	}
	if err := db.DeleteApp(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := db.Endpoints(ctx, ""); len(all) != 1 || all[0].App != b.ID {
		t.Errorf("after deleting app a, endpoints %+v; want b's only", all)
	}
}

// activeEndpoint creates an active endpoint of a new application.
func activeEndpoint(t *testing.T, db *DB, e Endpoint) Endpoint {
	t.Helper()
	ctx := context.Background()
	a, err := db.CreateApp(ctx, App{Name: "consumer"})
	if err != nil {
		t.Fatal(err)
	}
	e.App, e.URL = a.ID, "https://consumer.example/hook"
	if e.Status == "" {
		e.Status = EndpointActive
	}
	e, err = db.CreateEndpoint(ctx, e, 0)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestCommit_Subscribers: a commit of a subscribable watch queues one
// delivery to each endpoint that admits its watch and type, in its own
// transaction, and says which.
func TestCommit_Subscribers(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	all := activeEndpoint(t, db, Endpoint{})
	releases := activeEndpoint(t, db, Endpoint{Channels: []string{"releases"}})
	other := activeEndpoint(t, db, Endpoint{Channels: []string{"other"}})
	failing := activeEndpoint(t, db, Endpoint{FilterTypes: []string{"watch.failing"}})
	changed := activeEndpoint(t, db, Endpoint{Channels: []string{"releases"}, FilterTypes: []string{"watch.changed"}})
	pending := activeEndpoint(t, db, Endpoint{Status: EndpointPending})
	failed := activeEndpoint(t, db, Endpoint{Status: EndpointFailed})
	disabled := activeEndpoint(t, db, Endpoint{Disabled: true})
	_ = other
	_, _, _ = pending, failed, disabled

	cases := []struct {
		name         string
		typ          string
		subscribable bool
		want         []string
	}{
		{"changed", "watch.changed", true, []string{all.ID, releases.ID, changed.ID}},
		{"failing", "watch.failing", true, []string{all.ID, releases.ID, failing.ID}},
		{"not subscribable", "watch.changed", false, nil},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := fmt.Sprintf("msg_%d", i)
			cs := []Commit{{Watch: "releases", State: WatchState{Seq: uint64(i + 1)}, EventID: id, Payload: []byte(`{}`),
				Time: time.Now(), Targets: []string{"ops"}, Type: c.typ, Subscribable: c.subscribable}}
			if err := db.CommitEvents(ctx, cs...); err != nil {
				t.Fatal(err)
			}
			want := slices.Sorted(slices.Values(c.want))
			if got := slices.Sorted(slices.Values(cs[0].Endpoints)); !slices.Equal(got, want) {
				t.Errorf("Commit.Endpoints = %v, want %v", got, want)
			}
			ds, err := db.Deliveries(ctx, Filter{EventID: id})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				if d.Target != "ops" {
					got = append(got, d.Target)
				}
			}
			if slices.Sort(got); !slices.Equal(got, want) {
				t.Errorf("deliveries to endpoints %v, want %v", got, want)
			}
			if len(ds) != len(want)+1 {
				t.Errorf("%d deliveries, want %d (ops too)", len(ds), len(want)+1)
			}
		})
	}
}

// TestDeleteEndpoint_DropsItsDeliveries: deleting an endpoint drops its
// pending and failed deliveries and its queues; the next commit sends it
// nothing, and the other endpoint keeps its own.
func TestDeleteEndpoint_DropsItsDeliveries(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	gone := activeEndpoint(t, db, Endpoint{})
	stays := activeEndpoint(t, db, Endpoint{})
	commit := func(seq uint64) {
		t.Helper()
		err := db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: seq}, EventID: fmt.Sprintf("msg_w_%d", seq),
			Payload: []byte(`{}`), Time: time.Now(), Type: "watch.changed", Subscribable: true})
		if err != nil {
			t.Fatal(err)
		}
	}
	commit(1)
	commit(2)
	// The first to gone is a dead letter, the second pending.
	if err := db.Record(ctx, Result{EventID: "msg_w_1", Target: gone.ID, State: StateFailed, Attempt: Attempt{At: time.Now(), Status: 500}}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteEndpoint(ctx, gone.App, gone.ID); err != nil {
		t.Fatal(err)
	}
	if ds, _ := db.Deliveries(ctx, Filter{Target: gone.ID}); len(ds) != 0 {
		t.Errorf("after delete, %d deliveries to the endpoint: %+v", len(ds), ds)
	}
	qs, err := db.Queues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range qs {
		if q.Target == gone.ID {
			t.Errorf("queue %v remains", q)
		}
	}
	commit(3)
	if ds, _ := db.Deliveries(ctx, Filter{Target: gone.ID}); len(ds) != 0 {
		t.Errorf("a commit after the delete queued %d deliveries to it", len(ds))
	}
	if ds, _ := db.Deliveries(ctx, Filter{Target: stays.ID}); len(ds) != 3 {
		t.Errorf("the other endpoint has %d deliveries, want 3", len(ds))
	}
	if c, err := db.Check(ctx); err != nil || len(c.Problems) > 0 {
		t.Errorf("Check after the delete: %v, %v", err, c.Problems)
	}
}

// TestCommit_RacesEndpointChanges: commits running while endpoints are
// created and disabled queue to an endpoint exactly when it admitted the
// event as of the commit's transaction: never to one disabled before it.
func TestCommit_RacesEndpointChanges(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ep := activeEndpoint(t, db, Endpoint{})
	done := make(chan error, 1)
	go func() {
		var err error
		for seq := uint64(1); seq <= 200 && err == nil; seq++ {
			err = db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: seq}, EventID: fmt.Sprintf("msg_w_%03d", seq),
				Payload: []byte(`{}`), Time: time.Now(), Type: "watch.changed", Subscribable: true})
		}
		done <- err
	}()
	if _, _, err := db.DisableEndpoint(ctx, ep.ID, "test", nil); err != nil {
		t.Fatal(err)
	}
	after, err := db.Deliveries(ctx, Filter{Target: ep.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	final, err := db.Deliveries(ctx, Filter{Target: ep.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(final) != len(after) {
		t.Errorf("%d deliveries when it was disabled, %d once the commits ended: commits after the disable queued to it", len(after), len(final))
	}
}

func TestFilter_SinceUntil(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for i := range 4 {
		err := db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: uint64(i + 1)}, EventID: fmt.Sprintf("msg_w_%d", i),
			Payload: []byte(`{}`), Time: t0.Add(time.Duration(i) * time.Hour), Targets: []string{"t"}})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		since, until time.Time
		want         int
	}{
		{time.Time{}, time.Time{}, 4},
		{t0.Add(time.Hour), time.Time{}, 3},
		{t0.Add(time.Hour), t0.Add(3 * time.Hour), 2},
		{time.Time{}, t0, 0},
	} {
		ds, err := db.Deliveries(ctx, Filter{Target: "t", Since: c.since, Until: c.until})
		if err != nil || len(ds) != c.want {
			t.Errorf("since %v until %v: %d deliveries, %v; want %d", c.since, c.until, len(ds), err, c.want)
		}
	}
	// Redeliver of a window queues that window's deliveries only.
	got, err := db.Redeliver(ctx, Filter{Target: "t", Since: t0.Add(2 * time.Hour)}, time.Now())
	if err != nil || len(got) != 2 {
		t.Errorf("Redeliver since +2h = %d, %v; want 2", len(got), err)
	}
}

// TestEndpoint_FailingSinceAndDisable: failed attempts set FailingSince,
// a success clears it; DisableEndpoint commits its notice in the same
// transaction, once, and the endpoint gets no more events.
func TestEndpoint_FailingSinceAndDisable(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ep := activeEndpoint(t, db, Endpoint{})
	t0 := time.Now().UTC().Truncate(time.Second)
	commit := func(seq uint64) string {
		id := fmt.Sprintf("msg_w_%d", seq)
		if err := db.CommitEvent(ctx, Commit{Watch: "w", State: WatchState{Seq: seq}, EventID: id, Payload: []byte(`{}`),
			Time: t0, Type: "watch.changed", Subscribable: true}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	since := func() time.Time {
		e, err := db.Endpoint(ctx, "", ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		return e.FailingSince
	}
	id := commit(1)
	db.Record(ctx, Result{EventID: id, Target: ep.ID, State: StatePending, Attempt: Attempt{At: t0, Error: "refused"}})
	db.Record(ctx, Result{EventID: id, Target: ep.ID, State: StatePending, Attempt: Attempt{At: t0.Add(time.Minute), Status: 503}})
	if got := since(); !got.Equal(t0) {
		t.Errorf("FailingSince = %v, want the first failure %v", got, t0)
	}
	db.Record(ctx, Result{EventID: id, Target: ep.ID, State: StateDelivered, Attempt: Attempt{At: t0.Add(2 * time.Minute), Status: 200}})
	if got := since(); !got.IsZero() {
		t.Errorf("after a success FailingSince = %v, want zero", got)
	}

	notice := func(e Endpoint) (Notice, error) {
		return Notice{EventID: "msg_disabled_" + fmt.Sprint(e.Seq), Payload: []byte(`{"type":"subscription.disabled"}`), Time: t0, Targets: []string{"ops"}}, nil
	}
	e, ok, err := db.DisableEndpoint(ctx, ep.ID, "failing for 120h", notice)
	if err != nil || !ok || !e.Disabled || e.DisabledReason != "failing for 120h" || e.Seq != 1 {
		t.Fatalf("DisableEndpoint = %+v, %v, %v", e, ok, err)
	}
	if _, ok, err := db.DisableEndpoint(ctx, ep.ID, "again", notice); ok || err != nil {
		t.Errorf("second DisableEndpoint: ok %v, %v; want false, nil", ok, err)
	}
	ds, err := db.Deliveries(ctx, Filter{Target: "ops"})
	if err != nil || len(ds) != 1 || ds[0].EventID != "msg_disabled_1" || ds[0].Watch != ep.ID || ds[0].State != StatePending {
		t.Errorf("deliveries to ops = %+v, %v; want the one notice", ds, err)
	}
	if hist, _ := db.History(ctx, ep.ID, 0); len(hist) != 1 {
		t.Errorf("the endpoint's history has %d events, want 1", len(hist))
	}
	if states, _ := db.WatchStates(ctx); len(states) != 1 {
		t.Errorf("watch states %v: the notice must not make the endpoint a watch", states)
	}
	commit(2)
	if ds, _ := db.Deliveries(ctx, Filter{Target: ep.ID, EventID: "msg_w_2"}); len(ds) != 0 {
		t.Errorf("a disabled endpoint got a delivery: %+v", ds)
	}
}
