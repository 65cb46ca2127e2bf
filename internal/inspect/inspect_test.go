package inspect

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/store"
)

// setup opens a store holding events 1..n of watch w, each queued for
// targets "hook" and "gone", under a configuration with "hook" and "off"
// (disabled = true); "gone" is no longer configured.
func setup(t *testing.T, n int) (*Outbox, *store.DB, *config.Config, []string) {
	t.Helper()
	cfg, err := config.Parse("pollhook.toml", []byte("[[target]]\nname = \"hook\"\nurl = \"https://h.example/\"\n\n"+
		"[[target]]\nname = \"off\"\nurl = \"https://o.example/\"\ndisabled = true\n\n"+
		"[[watch]]\nname = \"w\"\nurl = \"https://a.example/\"\nnotify = [\"hook\", \"off\"]\n"),
		func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var ids []string
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("msg_%03d", i)
		ids = append(ids, id)
		if err := db.CommitEvent(context.Background(), store.Commit{Watch: "w", State: store.WatchState{Baseline: true, Seq: uint64(i)},
			EventID: id, Payload: []byte(`{"id":"` + id + `","data":{"watch":"w"}}`), Time: time.Now(), Targets: []string{"hook", "gone"}}); err != nil {
			t.Fatal(err)
		}
	}
	return New(db, func() *config.Config { return cfg }), db, cfg, ids
}

func TestOutbox_DeliveriesShowDisabled(t *testing.T) {
	o, db, cfg, _ := setup(t, 3)
	ctx := context.Background()
	// A 410 disabled hook under its present configuration.
	hook := cfg.Target("hook")
	if err := db.SetTargetState(ctx, "hook", store.TargetState{Disabled: true, Config: hook.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		f    store.Filter
		want int
	}{
		{store.Filter{State: StateDisabled}, 3},
		{store.Filter{State: StateDisabled, Limit: 2}, 2},
		{store.Filter{State: store.StatePending}, 3}, // the removed target's
		{store.Filter{State: store.StatePending, Limit: 1}, 1},
		{store.Filter{}, 6},
	}
	for _, tt := range tests {
		ds, err := o.Deliveries(ctx, tt.f)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != tt.want {
			t.Errorf("Deliveries(%+v) = %d rows, want %d", tt.f, len(ds), tt.want)
		}
		for _, d := range ds {
			if tt.f.State != "" && d.State != tt.f.State || d.Target == "hook" && d.State != StateDisabled {
				t.Errorf("Deliveries(%+v) has %s to %s in state %s", tt.f, d.EventID, d.Target, d.State)
			}
		}
	}
	// A new configuration of the target enables it again.
	if got := DisabledTargets(cfg, map[string]store.TargetState{"hook": {Disabled: true, Config: "older"}}); got["hook"] || !got["off"] {
		t.Errorf("DisabledTargets = %v, want off only", got)
	}
}

func TestOutbox_Delivery(t *testing.T) {
	o, db, _, ids := setup(t, 1)
	ctx := context.Background()
	if _, err := o.Delivery(ctx, "msg_nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Delivery of an unknown event: %v, want ErrNotFound", err)
	}
	dd, err := o.Delivery(ctx, ids[0])
	if err != nil || len(dd) != 2 {
		t.Fatalf("Delivery = %+v, %v", dd, err)
	}
	if err := db.CommitEvent(ctx, store.Commit{Watch: "quiet", State: store.WatchState{Seq: 1}, EventID: "msg_quiet",
		Payload: []byte(`{}`), Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Delivery(ctx, "msg_quiet"); err == nil || !strings.Contains(err.Error(), "has no deliveries") {
		t.Errorf("Delivery of an event without targets: %v", err)
	}
}

func TestOutbox_RedeliverAndEnable(t *testing.T) {
	o, _, _, ids := setup(t, 2)
	ctx := context.Background()
	woken := 0
	enabled := ""
	o = o.WithDispatcher(func() { woken++ }, func(_ context.Context, name string) error { enabled = name; return nil })
	if _, err := o.Redeliver(ctx, store.Filter{EventID: ids[0], Target: "gone"}); err == nil || !strings.Contains(err.Error(), "add it back") {
		t.Errorf("redeliver to a removed target: %v", err)
	}
	// Nothing failed yet: a redelivery of failed ones queues nothing and
	// does not wake the dispatcher.
	if q, err := o.Redeliver(ctx, store.Filter{State: store.StateFailed}); err != nil || len(q) != 0 || woken != 0 {
		t.Errorf("redeliver --failed = %v, %v, woken %d", q, err, woken)
	}
	if err := o.EnableTarget(ctx, "off"); err == nil || !strings.Contains(err.Error(), "disabled = true") {
		t.Errorf("enable a target disabled in the configuration: %v", err)
	}
	if err := o.EnableTarget(ctx, "nope"); err == nil || !strings.Contains(err.Error(), `no target named "nope"`) {
		t.Errorf("enable an unknown target: %v", err)
	}
	if err := o.EnableTarget(ctx, "hook"); err != nil || enabled != "hook" {
		t.Errorf("enable hook: %v (dispatcher got %q)", err, enabled)
	}
}

func TestRemovedTargets(t *testing.T) {
	_, _, cfg, _ := setup(t, 0)
	got := RemovedTargets(cfg, map[string]store.OutboxCount{"hook": {Pending: 1}, "b-gone": {Failed: 1}, "a-gone": {Pending: 2}, "empty": {}})
	if strings.Join(got, ",") != "a-gone,b-gone" {
		t.Errorf("RemovedTargets = %v", got)
	}
}

func TestLastOutcome(t *testing.T) {
	if got := LastOutcome(store.Delivery{LastStatus: 250}, config.KindEmail); got != "SMTP 250" {
		t.Errorf("LastOutcome of a delivered email = %q, want SMTP 250", got)
	}
	for _, tt := range []struct {
		d    store.Delivery
		want string
	}{
		{store.Delivery{}, "-"},
		{store.Delivery{LastStatus: 503}, "HTTP 503"},
		{store.Delivery{LastStatus: 500, LastError: "HTTP 500:\n  {\"error\": \"database unavailable\"}"}, `HTTP 500: {"error": "database unavailable"}`},
		{store.Delivery{LastError: strings.Repeat("x", 100)}, strings.Repeat("x", 59) + "…"},
	} {
		if got := LastOutcome(tt.d, config.KindWebhook); got != tt.want {
			t.Errorf("LastOutcome(%+v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
