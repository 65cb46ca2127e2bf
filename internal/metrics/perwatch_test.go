package metrics

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
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

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// history is what each watch of a fleet has been through.
type history int

const (
	// steady: one poll that found nothing new, a fleet between changes
	// (19 series per watch in full, as issue 13 measured it).
	steady history = iota
	// everything: every poll result and every kind of change, so every
	// series a watch can have.
	everything
)

// pollAll reports polls of every watch of cfg, as h says.
func pollAll(m *Metrics, cfg *config.Config, h history) {
	results := []string{poller.ResultUnchanged}
	if h == everything {
		results = []string{poller.ResultBaseline, poller.ResultUnchanged, poller.ResultNotModified, poller.ResultFailed}
	}
	for _, w := range cfg.Watches {
		for _, res := range results {
			m.Poll(poller.PollReport{Watch: w.Name, Result: res, Duration: 120 * time.Millisecond})
		}
		if h == everything {
			m.Poll(poller.PollReport{Watch: w.Name, Result: poller.ResultChanged, Duration: 300 * time.Millisecond,
				Counts: diff.Counts{Added: 1, Removed: 2, Changed: 3}})
		}
	}
}

// fleet is n watches named w<first> on (as bench/ names them), each with a
// last success, and one target, with metrics_per_watch = perWatch.
func fleet(first, n int, perWatch string) *fakeSource {
	cfg := &config.Config{MetricsPerWatch: perWatch, Targets: []*config.Target{{Name: "hook"}}}
	src := &fakeSource{cfg: cfg, states: map[string]store.WatchState{}, counts: map[string]store.OutboxCount{}}
	for i := first; i < first+n; i++ {
		name := fmt.Sprintf("w%d", i)
		cfg.Watches = append(cfg.Watches, &config.Watch{Name: name})
		src.states[name] = store.WatchState{LastSuccess: time.Unix(1764600000, 0).Add(time.Duration(i) * time.Millisecond)}
	}
	return src
}

// scrapeFleet is /metrics of a fleet of n watches that has seen
// everything, after one delivery.
func scrapeFleet(t *testing.T, n int, perWatch string) (*fakeSource, string) {
	t.Helper()
	src := fleet(0, n, perWatch)
	m := New("v1", src)
	pollAll(m, src.cfg, everything)
	m.Attempt(notify.AttemptReport{Target: "hook", Result: notify.ResultDelivered})
	_, body := scrape(t, m)
	return src, body
}

// series is the sorted names with labels (no values) of an exposition.
func series(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		out = append(out, line[:strings.LastIndexByte(line, ' ')])
	}
	sort.Strings(out)
	return out
}

// TestMetrics_Layouts compares the series of each metrics_per_watch with
// testdata: full.series is the set pollhook exposed before
// metrics_per_watch existed, which full must keep exactly.
func TestMetrics_Layouts(t *testing.T) {
	for _, perWatch := range []string{config.MetricsMinimal, config.MetricsFull} {
		t.Run(perWatch, func(t *testing.T) {
			cfg := &config.Config{MetricsPerWatch: perWatch,
				Watches: []*config.Watch{{Name: "a"}, {Name: "b"}}, Targets: []*config.Target{{Name: "hook"}}}
			src := &fakeSource{cfg: cfg,
				states: map[string]store.WatchState{"a": {LastSuccess: time.Unix(1, 0)}, "b": {Failures: 2}},
				counts: map[string]store.OutboxCount{"hook": {Pending: 1}}}
			m := New("v1", src)
			pollAll(m, cfg, everything)
			m.Attempt(notify.AttemptReport{Target: "hook", Result: notify.ResultDelivered})
			_, body := scrape(t, m)
			got := strings.Join(series(body), "\n") + "\n"

			path := filepath.Join("testdata", perWatch+".series")
			if *updateGolden {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("the series differ from %s (run go test -update after checking):\n%s", path, got)
			}
		})
	}
}

// TestMetrics_MinimalPerWatch checks, over a fleet that has seen every
// result, that minimal gives each watch the series alerting needs and no
// other series a watch label.
func TestMetrics_MinimalPerWatch(t *testing.T) {
	src, body := scrapeFleet(t, 20, config.MetricsMinimal)
	samples := testkit.ParseExposition(t, body)
	for _, w := range src.cfg.Watches {
		for _, kept := range []struct {
			name   string
			labels []string
		}{
			{"pollhook_polls_total", []string{"watch", w.Name, "result", "failed"}},
			{"pollhook_changes_total", []string{"watch", w.Name}},
			{"pollhook_watch_consecutive_failures", []string{"watch", w.Name}},
			{"pollhook_last_success_timestamp_seconds", []string{"watch", w.Name}},
		} {
			if _, ok := testkit.Find(samples, kept.name, kept.labels...); !ok {
				t.Errorf("no %s%q", kept.name, kept.labels)
			}
		}
	}
	perWatch := 0
	for _, s := range samples {
		if _, ok := s.Labels["watch"]; !ok {
			continue
		}
		perWatch++
		switch {
		case s.Name == "pollhook_polls_total" && s.Labels["result"] == poller.ResultFailed && len(s.Labels) == 2,
			s.Name == "pollhook_changes_total" && len(s.Labels) == 1,
			s.Name == "pollhook_watch_consecutive_failures", s.Name == "pollhook_last_success_timestamp_seconds":
		default:
			t.Errorf("minimal has %s%v", s.Name, s.Labels)
		}
	}
	if want := 4 * len(src.cfg.Watches); perWatch != want {
		t.Errorf("%d series with a watch label, want %d", perWatch, want)
	}
}

// TestMetrics_ReloadChangesLayout checks that a reload that changes
// metrics_per_watch applies at once: the other layout's series leave, and
// the new one's start from zero.
func TestMetrics_ReloadChangesLayout(t *testing.T) {
	src := fleet(0, 2, config.MetricsMinimal)
	m := New("v1", src)
	pollAll(m, src.cfg, everything)
	m.Attempt(notify.AttemptReport{Target: "hook", Result: notify.ResultDelivered})

	reload := func(perWatch string) []testkit.Sample {
		t.Helper()
		cfg := *src.cfg
		cfg.MetricsPerWatch = perWatch
		src.cfg = &cfg
		_, body := scrape(t, m)
		return testkit.ParseExposition(t, body)
	}
	samples := reload(config.MetricsFull)
	for _, s := range samples {
		if strings.HasPrefix(s.Name, "pollhook_poll") || s.Name == "pollhook_changes_total" {
			t.Errorf("full, before any poll, has %s%v", s.Name, s.Labels)
		}
	}
	if _, ok := testkit.Find(samples, "pollhook_deliveries_total", "target", "hook", "result", "delivered"); !ok {
		t.Error("the delivery counters did not survive the change")
	}
	m.Poll(poller.PollReport{Watch: "w1", Result: poller.ResultUnchanged})
	_, body := scrape(t, m)
	samples = testkit.ParseExposition(t, body)
	if v, ok := testkit.Find(samples, "pollhook_polls_total", "watch", "w1", "result", "unchanged"); !ok || v != 1 {
		t.Errorf("full: polls of w1 = %v (present %v), want 1", v, ok)
	}

	samples = reload(config.MetricsMinimal)
	if _, ok := testkit.Find(samples, "pollhook_polls_total", "watch", "w1", "result", "unchanged"); ok {
		t.Error("back to minimal, the per-watch poll counter stays")
	}
}

// TestMetrics_ScheduleLag checks the lateness histogram: absent until a
// scheduled poll is heard of, early counted as on time, polls by hand not
// counted, no watch label.
func TestMetrics_ScheduleLag(t *testing.T) {
	m := New("v1", fleet(0, 1, ""))
	_, body := scrape(t, m)
	if strings.Contains(body, "pollhook_schedule_lag_seconds") {
		t.Error("a schedule lag histogram before any scheduled poll")
	}
	m.Poll(poller.PollReport{Watch: "w0", Result: poller.ResultUnchanged}) // by hand: no lag
	for _, late := range []time.Duration{-time.Second, 200 * time.Millisecond, 3 * time.Second} {
		m.Poll(poller.PollReport{Watch: "w0", Result: poller.ResultUnchanged, Scheduled: true, Late: late})
	}
	_, body = scrape(t, m)
	checkSamples(t, testkit.ParseExposition(t, body), []want{
		{"pollhook_schedule_lag_seconds_count", nil, 3},
		{"pollhook_schedule_lag_seconds_sum", nil, 3.2},
		{"pollhook_schedule_lag_seconds_bucket", []string{"le", "0.001"}, 1},
		{"pollhook_schedule_lag_seconds_bucket", []string{"le", "0.25"}, 2},
		{"pollhook_schedule_lag_seconds_bucket", []string{"le", "5"}, 3},
	})
	if !strings.Contains(body, "# TYPE pollhook_schedule_lag_seconds histogram") {
		t.Error("the schedule lag is not typed a histogram")
	}
}

// maxBytesPerWatch is what minimal may take per watch: issue 13 wants
// /metrics at 10,000 watches within 3 MB.
const maxBytesPerWatch = 3_000_000 / 10_000

// TestMetrics_MinimalSize checks that bound on 1,000 watches named as the
// ten thousand are (w1000 to w1999) that have seen every result.
func TestMetrics_MinimalSize(t *testing.T) {
	src := fleet(1000, 1000, config.MetricsMinimal)
	m := New("v1", src)
	pollAll(m, src.cfg, everything)
	_, body := scrape(t, m)
	if perWatch := len(body) / len(src.cfg.Watches); perWatch > maxBytesPerWatch {
		t.Errorf("minimal takes %d bytes per watch, want at most %d", perWatch, maxBytesPerWatch)
	}
}

// BenchmarkExposition writes /metrics of 10,000 watches in each layout
// and reports its size.
func BenchmarkExposition(b *testing.B) {
	for _, perWatch := range []string{config.MetricsMinimal, config.MetricsFull} {
		for _, h := range []struct {
			name string
			h    history
		}{{"steady", steady}, {"everything", everything}} {
			b.Run(perWatch+"/"+h.name, func(b *testing.B) {
				src := fleet(0, 10_000, perWatch)
				m := New("v1", src)
				pollAll(m, src.cfg, h.h)
				req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
				var w countingWriter
				for b.Loop() {
					w.n = 0
					m.ServeHTTP(&w, req)
				}
				b.ReportMetric(float64(w.n), "bytes")
				b.ReportMetric(float64(w.n)/float64(len(src.cfg.Watches)), "bytes/watch")
			})
		}
	}
}

// countingWriter is a ResponseWriter that only counts the body's bytes.
type countingWriter struct {
	n      int
	header http.Header
}

func (w *countingWriter) Header() http.Header {
	if w.header == nil {
		w.header = http.Header{}
	}
	return w.header
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

func (w *countingWriter) WriteHeader(int) {}

var _ http.ResponseWriter = (*countingWriter)(nil)
