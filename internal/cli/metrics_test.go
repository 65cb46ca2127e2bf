package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

// failingAPI answers every request with 500.
func failingAPI(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal trouble", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestMetrics_ScriptedRun drives the real daemon through a baseline, a
// change delivered to one target and dead-lettered at another, and a
// failing watch whose name needs escaping, with every poll series per
// watch (metrics_per_watch = "full"); then a reload removes the failing
// watch and goes back to the default layout.
func TestMetrics_ScriptedRun(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	bad := failingAPI(t)
	rc := testkit.NewReceiver(0)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	down := testkit.NewReceiver(http.StatusInternalServerError)
	downSrv := httptest.NewServer(down)
	defer downSrv.Close()

	const badName = `bad "api" \ watch`
	dir := t.TempDir()
	listen := testkit.FreeAddr(t)
	targets := fmt.Sprintf(`db = "state.db"
listen = %q
metrics_per_watch = "full"

[[target]]
name = "hook"
url = %q
secret = %q

[[target]]
name = "down"
url = %q
secret = %q
retry = []

[[watch]]
name = "releases"
url = %q
schedule = "@every 1h"
select = "data.items"
key = "id"
ignore = ["#.updated_at"]
notify = ["hook", "down"]
`, listen, rcSrv.URL, testkit.Secret, downSrv.URL, testkit.Secret, apiSrv.URL)
	badWatch := fmt.Sprintf(`
[[watch]]
name = %q
url = %q
schedule = "@every 1h"
alert_after = 10
notify = ["hook"]
`, badName, bad.URL)
	cfg := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), targets+badWatch)
	env := testkit.StartDaemon(t, runCLI, cfg, listen, "")

	// Neither watch was ever polled: the daemon polls both within seconds
	// of its start, the baseline of releases and the first failure of the
	// other.
	testkit.WaitUntil(t, 10*time.Second, "the polls at start", func() bool {
		_, body := env.Get(t, "/metrics", "")
		samples := testkit.ParseExposition(t, body)
		_, baseline := testkit.Find(samples, "pollhook_polls_total", "watch", "releases", "result", "baseline")
		_, failed := testkit.Find(samples, "pollhook_polls_total", "watch", badName, "result", "failed")
		return baseline && failed
	})
	for range 2 {
		if _, _, code := tryCLI(t, "once", "--config", cfg, "--watch", badName); code != 1 {
			t.Fatalf("once of the failing watch: exit %d, want 1", code)
		}
	}
	api.Set(testkit.ReleasesV2)
	mustCLI(t, "once", "--config", cfg, "--watch", "releases") // the change

	var samples []testkit.Sample
	var exposition string
	testkit.WaitUntil(t, 10*time.Second, "both deliveries settled in /metrics", func() bool {
		status, body := env.Get(t, "/metrics", "")
		if status != http.StatusOK {
			t.Fatalf("GET /metrics: %d %s", status, body)
		}
		exposition = body
		samples = testkit.ParseExposition(t, body)
		delivered, _ := testkit.Find(samples, "pollhook_deliveries_total", "target", "hook", "result", "delivered")
		failed, _ := testkit.Find(samples, "pollhook_outbox_failed", "target", "down")
		// Attempts are counted as they end, the outbox once their result is stored.
		pending, _ := testkit.Find(samples, "pollhook_outbox_pending", "target", "hook")
		return delivered == 1 && failed == 1 && pending == 0
	})

	// Typed for Prometheus: counters, gauges and real histograms.
	for _, typ := range []string{
		"# TYPE pollhook_polls_total counter", "# TYPE pollhook_poll_duration_seconds histogram",
		"# TYPE pollhook_delivery_duration_seconds histogram", "# TYPE pollhook_outbox_pending gauge",
	} {
		if !strings.Contains(exposition, typ) {
			t.Errorf("/metrics lacks %q", typ)
		}
	}

	want := []struct {
		name   string
		labels []string
		value  float64
	}{
		{"pollhook_polls_total", []string{"watch", "releases", "result", "baseline"}, 1},
		{"pollhook_polls_total", []string{"watch", "releases", "result", "changed"}, 1},
		{"pollhook_polls_total", []string{"watch", badName, "result", "failed"}, 3},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "added"}, 1},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "removed"}, 1},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "changed"}, 1},
		{"pollhook_deliveries_total", []string{"target", "hook", "result", "delivered"}, 1},
		{"pollhook_deliveries_total", []string{"target", "down", "result", "failed"}, 1},
		{"pollhook_delivery_duration_seconds_count", []string{"target", "hook"}, 1},
		{"pollhook_delivery_duration_seconds_bucket", []string{"target", "hook", "le", "+Inf"}, 1},
		{"pollhook_poll_duration_seconds_count", []string{"watch", "releases"}, 2},
		{"pollhook_poll_duration_seconds_bucket", []string{"watch", "releases", "le", "+Inf"}, 2},
		{"pollhook_poll_duration_seconds_bucket", []string{"watch", badName, "le", "60"}, 3},
		{"pollhook_outbox_pending", []string{"target", "hook"}, 0},
		{"pollhook_outbox_failed", []string{"target", "hook"}, 0},
		{"pollhook_outbox_pending", []string{"target", "down"}, 0},
		{"pollhook_outbox_failed", []string{"target", "down"}, 1},
		{"pollhook_watch_consecutive_failures", []string{"watch", "releases"}, 0},
		{"pollhook_watch_consecutive_failures", []string{"watch", badName}, 3},
		{"pollhook_build_info", []string{"version", buildVersion("")}, 1},
	}
	for _, w := range want {
		got, ok := testkit.Find(samples, w.name, w.labels...)
		if !ok || got != w.value {
			t.Errorf("%s%q = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	// Every bucket of the histogram is exposed, cumulative.
	for _, le := range []string{"0.005", "0.1", "1", "10", "60"} {
		if _, ok := testkit.Find(samples, "pollhook_poll_duration_seconds_bucket", "watch", "releases", "le", le); !ok {
			t.Errorf("no poll duration bucket le=%s", le)
		}
	}
	ts, ok := testkit.Find(samples, "pollhook_last_success_timestamp_seconds", "watch", "releases")
	if now := float64(time.Now().Unix()); !ok || ts <= 0 || ts > now+1 || ts < now-60 {
		t.Errorf("last success of releases = %v (present %v), want about %v", ts, ok, now)
	}
	if _, ok := testkit.Find(samples, "pollhook_last_success_timestamp_seconds", "watch", badName); ok {
		t.Error("a watch that never succeeded has a last success time")
	}

	// A reload that removes the failing watch removes its gauges; back to
	// minimal, the per-watch poll counters leave at once.
	testkit.WriteFile(t, cfg, strings.Replace(targets, "metrics_per_watch = \"full\"\n", "", 1))
	req, _ := http.NewRequest(http.MethodPost, env.Base+"/-/reload", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reload: %d", resp.StatusCode)
	}
	_, body := env.Get(t, "/metrics", "")
	samples = testkit.ParseExposition(t, body)
	if _, ok := testkit.Find(samples, "pollhook_watch_consecutive_failures", "watch", badName); ok {
		t.Error("the removed watch still has a consecutive failures gauge")
	}
	if _, ok := testkit.Find(samples, "pollhook_watch_consecutive_failures", "watch", "releases"); !ok {
		t.Error("the remaining watch lost its gauge")
	}
	if _, ok := testkit.Find(samples, "pollhook_polls_total", "watch", "releases", "result", "baseline"); ok {
		t.Error("back to minimal, a per-watch counter of unfailed polls stays")
	}
}
