package daemon

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/store"
)

// TestDisableFailing: an endpoint failing for disable_after is disabled,
// with one subscription.disabled event queued to errors_to; one failing
// for less, and one that recovered, are left alone.
func TestDisableFailing(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(filepath.Join(t.TempDir(), "s.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	app, err := db.CreateApp(ctx, store.App{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	mk := func(failingFor time.Duration) store.Endpoint {
		e := store.Endpoint{App: app.ID, URL: "https://c.example/h", Status: store.EndpointActive}
		if failingFor > 0 {
			e.FailingSince = now.Add(-failingFor)
		}
		e, err := db.CreateEndpoint(ctx, e, 0)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	long, short, fine := mk(121*time.Hour), mk(time.Hour), mk(0)
	sub := &config.Subscriptions{DisableAfter: 120 * time.Hour, ErrorsTo: []string{"ops"}}
	var announced []string
	got, err := disableFailing(ctx, db, sub, now, func(watch string, targets []string) {
		announced = append(announced, watch+"->"+targets[0])
	})
	if err != nil || len(got) != 1 || got[0].ID != long.ID {
		t.Fatalf("disabled %+v, %v; want %s only", got, err, long.ID)
	}
	for _, e := range []store.Endpoint{short, fine} {
		if x, _ := db.Endpoint(ctx, "", e.ID); x.Disabled {
			t.Errorf("%s disabled too", e.ID)
		}
	}
	if len(announced) != 1 || announced[0] != long.ID+"->ops" {
		t.Errorf("announced %v", announced)
	}
	ds, err := db.Deliveries(ctx, store.Filter{Target: "ops"})
	if err != nil || len(ds) != 1 {
		t.Fatalf("deliveries to ops %+v, %v", ds, err)
	}
	payload, err := db.Event(ctx, ds[0].EventID)
	if err != nil {
		t.Fatal(err)
	}
	var ev event.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != event.TypeSubscriptionDisabled || ev.Data.Endpoint != long.ID || ev.Data.App != app.ID || ev.Data.Since == nil {
		t.Errorf("the notice: %s", payload)
	}
	// Again: nothing more.
	if again, err := disableFailing(ctx, db, sub, now.Add(time.Hour), func(string, []string) {}); err != nil || len(again) != 0 {
		t.Errorf("second round disabled %d, %v", len(again), err)
	}
}
