// Package metrics counts what the poller and the dispatcher report and
// serves it, with gauges of the present, in the Prometheus text format.
// Counters and histograms live in the Metrics' own sets; gauges that
// describe the present (watch health, the outbox) are computed at each
// scrape from the configuration in force, so a watch a reload removes
// leaves them.
//
// How much is per watch follows the configuration's metrics_per_watch:
// with config.MetricsMinimal, only the series alerting needs keep the
// watch label (failed polls, changes, and the gauges); the other polls
// and the poll durations are counted over all watches. That keeps
// /metrics to a few series per watch instead of about twenty.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
	"github.com/pollhook/pollhook/store"
)

// Source is what the gauges are computed from at each scrape.
type Source interface {
	// Config is the configuration in force.
	Config() *config.Config
	// WatchState is a watch's state as the poller knows it.
	WatchState(name string) store.WatchState
	// OutboxCounts counts pending and failed deliveries per target.
	OutboxCounts(ctx context.Context) (map[string]store.OutboxCount, error)
}

// durationBuckets are the upper bounds, in seconds, of the poll and
// delivery duration histograms: from a fast local API to a timeout.
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// lagBuckets are the upper bounds, in seconds, of the schedule lag
// histogram: from on time to a scheduler that falls minutes behind.
var lagBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// Metrics is the daemon's metrics.
type Metrics struct {
	// set holds what does not depend on metrics_per_watch: deliveries,
	// the schedule lag and the build.
	set *vm.Set
	// polls holds the poll series, in the layout of one
	// metrics_per_watch; a reload that changes it starts a new set.
	polls atomic.Pointer[pollSet]
	src   Source
}

// pollSet is the poll counters and histograms of one metrics_per_watch.
type pollSet struct {
	set  *vm.Set
	full bool
}

// New returns the metrics of a daemon running version, with gauges read
// from src.
func New(version string, src Source) *Metrics {
	// The library's one process-wide switch: # HELP and # TYPE lines, so
	// Prometheus sees counters, gauges and histograms, not untyped series.
	vm.ExposeMetadata(true)
	m := &Metrics{set: vm.NewSet(), src: src}
	m.set.NewGauge(Name("pollhook_build_info", "version", version), func() float64 { return 1 })
	m.pollSet()
	return m
}

// pollSet returns the poll series of the metrics_per_watch in force. When
// a reload has changed it, the series of the other layout leave at once
// and the new ones start from zero (a counter reset, which rate() and
// increase() handle), rather than two layouts being summed together.
func (m *Metrics) pollSet() *pollSet {
	full := m.src.Config().MetricsPerWatch == config.MetricsFull
	cur := m.polls.Load()
	if cur != nil && cur.full == full {
		return cur
	}
	next := &pollSet{set: vm.NewSet(), full: full}
	if !m.polls.CompareAndSwap(cur, next) {
		// Another poll or scrape switched it first.
		return m.polls.Load()
	}
	return next
}

// Poll hears about every finished poll (poller.Options.Observe).
func (m *Metrics) Poll(r poller.PollReport) {
	if r.Scheduled {
		m.scheduleLag(r.Late)
	}
	ps := m.pollSet()
	if ps.full {
		ps.set.GetOrCreateCounter(Name("pollhook_polls_total", "watch", r.Watch, "result", r.Result)).Inc()
		ps.set.GetOrCreatePrometheusHistogramExt(Name("pollhook_poll_duration_seconds", "watch", r.Watch), durationBuckets).
			Update(r.Duration.Seconds())
		for _, c := range []struct {
			kind string
			n    int
		}{{"added", r.Counts.Added}, {"removed", r.Counts.Removed}, {"changed", r.Counts.Changed}} {
			if c.n > 0 {
				ps.set.GetOrCreateCounter(Name("pollhook_changes_total", "watch", r.Watch, "kind", c.kind)).Add(c.n)
			}
		}
		return
	}
	// Failed polls keep the watch label, so that a watch that fails now
	// and then (never enough in a row to alert) still shows; the other
	// results are counted over all watches. Either way sum by (result)
	// and {result="failed"} by (watch) read the same in both layouts.
	polls := Name("pollhook_polls_total", "result", r.Result)
	if r.Result == poller.ResultFailed {
		polls = Name("pollhook_polls_total", "watch", r.Watch, "result", r.Result)
	}
	ps.set.GetOrCreateCounter(polls).Inc()
	ps.set.GetOrCreatePrometheusHistogramExt("pollhook_poll_duration_seconds", durationBuckets).Update(r.Duration.Seconds())
	if n := r.Counts.Added + r.Counts.Removed + r.Counts.Changed; n > 0 {
		ps.set.GetOrCreateCounter(Name("pollhook_changes_total", "watch", r.Watch)).Add(n)
	}
}

// scheduleLag counts how late a scheduled poll started: when it started
// minus when it was due (its schedule's time plus its jitter, a delay
// meant as such); early counts as on time. Polls run by hand (once, the
// status page) have no schedule to be late for: Poll does not call it.
func (m *Metrics) scheduleLag(late time.Duration) {
	m.set.GetOrCreatePrometheusHistogramExt("pollhook_schedule_lag_seconds", lagBuckets).Update(max(late, 0).Seconds())
}

// Attempt hears about every delivery attempt (notify.DispatcherOptions.Observe).
func (m *Metrics) Attempt(r notify.AttemptReport) {
	m.set.GetOrCreateCounter(Name("pollhook_deliveries_total", "target", r.Target, "result", r.Result)).Inc()
	m.set.GetOrCreatePrometheusHistogramExt(Name("pollhook_delivery_duration_seconds", "target", r.Target), durationBuckets).
		Update(r.Latency.Seconds())
}

// ServeHTTP serves the Prometheus text format: the counters and
// histograms, then gauges computed now from the configuration in force,
// the poller's state and the outbox.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	gauges, err := m.gauges(ctx)
	if err != nil {
		// A failed scrape (up == 0) says more than gauges that lie.
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	m.set.WritePrometheus(w)
	m.pollSet().set.WritePrometheus(w)
	_, _ = w.Write(gauges)
}

// gauges writes, for one scrape, the gauges that describe the present:
// per watch of the configuration in force (a watch removed by a reload
// leaves them) and per target. They go straight into the text rather
// than into a set: registering 20,000 gauges (each name validated, then
// sorted) took most of a scrape at 10,000 watches.
func (m *Metrics) gauges(ctx context.Context) ([]byte, error) {
	cfg := m.src.Config()
	counts, err := m.src.OutboxCounts(ctx)
	if err != nil {
		return nil, err
	}
	failures := gauge{name: "pollhook_watch_consecutive_failures"}
	success := gauge{name: "pollhook_last_success_timestamp_seconds"}
	for _, wt := range cfg.Watches {
		st := m.src.WatchState(wt.Name)
		failures.add(float64(st.Failures), "watch", wt.Name)
		if !st.LastSuccess.IsZero() {
			success.add(float64(st.LastSuccess.UnixMilli())/1000, "watch", wt.Name)
		}
	}
	// Every configured target, and any other the outbox still holds
	// deliveries for (a target removed while its dead letters remain).
	targets := inspect.RemovedTargets(cfg, counts)
	for _, t := range cfg.Targets {
		targets = append(targets, t.Name)
	}
	pending := gauge{name: "pollhook_outbox_pending"}
	failed := gauge{name: "pollhook_outbox_failed"}
	for _, name := range targets {
		c := counts[name]
		pending.add(float64(c.Pending), "target", name)
		failed.add(float64(c.Failed), "target", name)
	}
	// Consumers' endpoints, summed: one series each would let consumers
	// grow /metrics without bound.
	var eps store.OutboxCount
	var anyEndpoint bool
	for name, c := range counts {
		if store.IsEndpoint(name) {
			eps.Pending, eps.Failed, anyEndpoint = eps.Pending+c.Pending, eps.Failed+c.Failed, true
		}
	}
	if anyEndpoint || cfg.Subscriptions != nil {
		pending.add(float64(eps.Pending), "target", notify.EndpointsTarget)
		failed.add(float64(eps.Failed), "target", notify.EndpointsTarget)
	}
	// The shard in force: a reload that changes shards changes it.
	shardInfo := gauge{name: "pollhook_shard_info"}
	if sp := cfg.Sharding.Spec; sp.Sharded() {
		shardInfo.add(1, "shard", strconv.Itoa(sp.Index), "shards", strconv.Itoa(sp.Count))
	}
	var out []byte
	for _, g := range []*gauge{&failures, &success, &pending, &failed, &shardInfo} {
		out = g.append(out)
	}
	return out, nil
}

// gauge is the lines of one gauge family, in the text format.
type gauge struct {
	name  string
	lines []byte
}

// add is a line of the gauge: its labels, given as Name takes them, and
// its value, written as the library writes a gauge's.
func (g *gauge) add(value float64, labels ...string) {
	g.lines = append(g.lines, Name(g.name, labels...)...)
	g.lines = append(g.lines, ' ')
	if value == float64(int64(value)) {
		g.lines = strconv.AppendInt(g.lines, int64(value), 10)
	} else {
		g.lines = strconv.AppendFloat(g.lines, value, 'g', -1, 64)
	}
	g.lines = append(g.lines, '\n')
}

// append appends the gauge's # HELP and # TYPE lines and its lines to b,
// or nothing when it has no line.
func (g *gauge) append(b []byte) []byte {
	if len(g.lines) == 0 {
		return b
	}
	b = append(b, "# HELP "+g.name+"\n# TYPE "+g.name+" gauge\n"...)
	return append(b, g.lines...)
}

// labelEscaper escapes a label value for the Prometheus text format.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// Name is a metric name with its labels, given as name, value pairs:
// Name("x", "watch", `a"b`) is `x{watch="a\"b"}`. Values are escaped, so
// watch and target names can hold any character.
func Name(name string, labels ...string) string {
	if len(labels) == 0 {
		return name
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i := 0; i+1 < len(labels); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(labels[i])
		b.WriteString(`="`)
		b.WriteString(labelEscaper.Replace(labels[i+1]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}
