package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
	"github.com/pollhook/pollhook/store"
)

// fakeSource is the daemon as the gauges see it.
type fakeSource struct {
	cfg    *config.Config
	states map[string]store.WatchState
	counts map[string]store.OutboxCount
	err    error
}

func (f *fakeSource) Config() *config.Config                  { return f.cfg }
func (f *fakeSource) WatchState(name string) store.WatchState { return f.states[name] }
func (f *fakeSource) OutboxCounts(context.Context) (map[string]store.OutboxCount, error) {
	return f.counts, f.err
}

func scrape(t *testing.T, m *Metrics) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	m.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Code, rec.Body.String()
}

const odd = `odd "name" \ here`

// reported is a daemon of two watches (one whose name needs escaping) and
// a target, after a few polls and delivery attempts, with
// metrics_per_watch set to perWatch ("" leaves it out).
func reported(t *testing.T, perWatch string) (*Metrics, *fakeSource) {
	t.Helper()
	top := ""
	if perWatch != "" {
		top = fmt.Sprintf("metrics_per_watch = %q\n\n", perWatch)
	}
	cfg, err := config.Parse("t.toml", []byte(fmt.Sprintf(top+"[[target]]\nname = \"hook\"\nurl = \"https://h.example/\"\n\n"+
		"[[watch]]\nname = \"releases\"\nurl = \"https://a.example/\"\n\n[[watch]]\nname = %q\nurl = \"https://b.example/\"\n", odd)),
		func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	last := time.Unix(1764600000, 500e6)
	src := &fakeSource{cfg: cfg,
		states: map[string]store.WatchState{"releases": {LastSuccess: last}, odd: {Failures: 4}},
		counts: map[string]store.OutboxCount{"hook": {Pending: 2}, "gone": {Failed: 3}, "empty-gone": {}},
	}
	m := New("v9", src)
	m.Poll(poller.PollReport{Watch: "releases", Result: poller.ResultBaseline, Duration: 20 * time.Millisecond})
	m.Poll(poller.PollReport{Watch: "releases", Result: poller.ResultChanged, Duration: 2 * time.Second,
		Counts: diff.Counts{Added: 2, Changed: 1}})
	m.Poll(poller.PollReport{Watch: odd, Result: poller.ResultFailed, Duration: time.Second})
	m.Poll(poller.PollReport{Watch: "releases", Result: poller.ResultChanged, Counts: diff.Counts{Removed: 4}})
	m.Poll(poller.PollReport{Watch: odd, Result: poller.ResultChanged, Duration: 40 * time.Millisecond,
		Counts: diff.Counts{Changed: 1}})
	m.Attempt(notify.AttemptReport{Target: "hook", Result: notify.ResultRetry, Latency: 30 * time.Millisecond})
	m.Attempt(notify.AttemptReport{Target: "hook", Result: notify.ResultDelivered, Latency: 10 * time.Millisecond})
	return m, src
}

// want is a series a scrape must have, with its value.
type want struct {
	name   string
	labels []string
	value  float64
}

// checkSamples fails t for each series of want that samples lack or
// hold another value for.
func checkSamples(t *testing.T, samples []testkit.Sample, wants []want) {
	t.Helper()
	for _, w := range wants {
		if got, ok := testkit.Find(samples, w.name, w.labels...); !ok || got != w.value {
			t.Errorf("%s%q = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
}

// TestMetrics counts reported polls and attempts, and computes the gauges
// of the present from the source at each scrape, with every poll series
// per watch (metrics_per_watch = "full").
func TestMetrics(t *testing.T) {
	m, src := reported(t, config.MetricsFull)
	status, body := scrape(t, m)
	if status != http.StatusOK {
		t.Fatalf("scrape: %d %s", status, body)
	}
	samples := testkit.ParseExposition(t, body)
	checkSamples(t, samples, []want{
		{"pollhook_polls_total", []string{"watch", "releases", "result", "baseline"}, 1},
		{"pollhook_polls_total", []string{"watch", "releases", "result", "changed"}, 2},
		{"pollhook_polls_total", []string{"watch", odd, "result", "failed"}, 1},
		{"pollhook_polls_total", []string{"watch", odd, "result", "changed"}, 1},
		{"pollhook_poll_duration_seconds_count", []string{"watch", "releases"}, 3},
		{"pollhook_poll_duration_seconds_bucket", []string{"watch", "releases", "le", "0.025"}, 2},
		{"pollhook_poll_duration_seconds_bucket", []string{"watch", "releases", "le", "2.5"}, 3},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "added"}, 2},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "removed"}, 4},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "changed"}, 1},
		{"pollhook_changes_total", []string{"watch", odd, "kind", "changed"}, 1},
		{"pollhook_deliveries_total", []string{"target", "hook", "result", "retry"}, 1},
		{"pollhook_deliveries_total", []string{"target", "hook", "result", "delivered"}, 1},
		{"pollhook_delivery_duration_seconds_count", []string{"target", "hook"}, 2},
		{"pollhook_watch_consecutive_failures", []string{"watch", "releases"}, 0},
		{"pollhook_watch_consecutive_failures", []string{"watch", odd}, 4},
		{"pollhook_last_success_timestamp_seconds", []string{"watch", "releases"}, 1764600000.5},
		{"pollhook_outbox_pending", []string{"target", "hook"}, 2},
		{"pollhook_outbox_failed", []string{"target", "gone"}, 3},
		{"pollhook_build_info", []string{"version", "v9"}, 1},
	})
	if _, ok := testkit.Find(samples, "pollhook_last_success_timestamp_seconds", "watch", odd); ok {
		t.Error("a watch that never succeeded has a last success time")
	}
	if _, ok := testkit.Find(samples, "pollhook_outbox_pending", "target", "empty-gone"); ok {
		t.Error("a removed target with nothing queued still has outbox gauges")
	}
	for _, typ := range []string{"# TYPE pollhook_polls_total counter", "# TYPE pollhook_poll_duration_seconds histogram", "# TYPE pollhook_outbox_pending gauge"} {
		if !strings.Contains(body, typ) {
			t.Errorf("/metrics lacks %q", typ)
		}
	}

	// A watch the configuration no longer has leaves the gauges at once.
	cfg2 := *src.cfg
	cfg2.Watches = src.cfg.Watches[:1]
	src.cfg = &cfg2
	_, body = scrape(t, m)
	if _, ok := testkit.Find(testkit.ParseExposition(t, body), "pollhook_watch_consecutive_failures", "watch", odd); ok {
		t.Error("the removed watch still has a consecutive failures gauge")
	}

	// A store that fails makes the scrape fail, rather than gauges lie.
	src.err = errors.New("disk on fire")
	if status, body := scrape(t, m); status != http.StatusInternalServerError || !strings.Contains(body, "disk on fire") {
		t.Errorf("scrape with a failing store: %d %s", status, body)
	}
}

// TestMetrics_Minimal counts the same polls as TestMetrics by default
// (metrics_per_watch = "minimal"): per watch only failed polls, changes
// and the gauges; the rest over all watches.
func TestMetrics_Minimal(t *testing.T) {
	for _, perWatch := range []string{"", config.MetricsMinimal} {
		t.Run("metrics_per_watch="+perWatch, func(t *testing.T) {
			m, _ := reported(t, perWatch)
			status, body := scrape(t, m)
			if status != http.StatusOK {
				t.Fatalf("scrape: %d %s", status, body)
			}
			samples := testkit.ParseExposition(t, body)
			checkSamples(t, samples, []want{
				{"pollhook_polls_total", []string{"result", "baseline"}, 1},
				{"pollhook_polls_total", []string{"result", "changed"}, 3},
				{"pollhook_polls_total", []string{"watch", odd, "result", "failed"}, 1},
				{"pollhook_poll_duration_seconds_count", nil, 5},
				{"pollhook_poll_duration_seconds_bucket", []string{"le", "0.025"}, 2},
				{"pollhook_poll_duration_seconds_bucket", []string{"le", "0.05"}, 3},
				{"pollhook_poll_duration_seconds_bucket", []string{"le", "+Inf"}, 5},
				{"pollhook_changes_total", []string{"watch", "releases"}, 7},
				{"pollhook_changes_total", []string{"watch", odd}, 1},
				{"pollhook_deliveries_total", []string{"target", "hook", "result", "retry"}, 1},
				{"pollhook_delivery_duration_seconds_count", []string{"target", "hook"}, 2},
				{"pollhook_watch_consecutive_failures", []string{"watch", odd}, 4},
				{"pollhook_last_success_timestamp_seconds", []string{"watch", "releases"}, 1764600000.5},
				{"pollhook_outbox_failed", []string{"target", "gone"}, 3},
				{"pollhook_build_info", []string{"version", "v9"}, 1},
			})
			if !strings.Contains(body, "# TYPE pollhook_poll_duration_seconds histogram") {
				t.Error("/metrics lacks the poll duration histogram's type")
			}
		})
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		name   string
		labels []string
		want   string
	}{
		{"plain", nil, "plain"},
		{"m", []string{"watch", "releases"}, `m{watch="releases"}`},
		{"m", []string{"watch", `a "quoted" \ name` + "\n2", "result", "ok"}, `m{watch="a \"quoted\" \\ name\n2",result="ok"}`},
		{"m", []string{"watch", "{x}=y,z"}, `m{watch="{x}=y,z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := Name(tt.name, tt.labels...)
			if got != tt.want {
				t.Fatalf("Name = %s, want %s", got, tt.want)
			}
			s, err := testkit.ParseSample(got + " 1")
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+1 < len(tt.labels); i += 2 {
				if s.Labels[tt.labels[i]] != tt.labels[i+1] {
					t.Errorf("label %s round-trips to %q", tt.labels[i], s.Labels[tt.labels[i]])
				}
			}
		})
	}
}
