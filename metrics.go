package main

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/store"
)

// durationBuckets are the upper bounds, in seconds, of the poll and
// delivery duration histograms: from a fast local API to a timeout.
var durationBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// labelEscaper escapes a label value for the Prometheus text format.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// metricName is a metric name with its labels, given as name, value
// pairs: metricName("x", "watch", `a"b`) is `x{watch="a\"b"}`. Values are
// escaped, so watch and target names can hold any character.
func metricName(name string, labels ...string) string {
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

// serveMetrics serves the Prometheus text format: the observer's counters and
// histograms, then gauges computed now from the configuration in force,
// the poller's state and the outbox.
func (o *observer) serveMetrics(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	gauges, err := o.gauges(ctx)
	if err != nil {
		// A failed scrape (up == 0) says more than gauges that lie.
		http.Error(w, "metrics: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	o.set.WritePrometheus(w)
	gauges.WritePrometheus(w)
}

// removedTargets names, sorted, the targets no longer configured that the
// outbox still holds deliveries for (dead letters, or a queue waiting for
// the target to come back).
func removedTargets(cfg *config.Config, counts map[string]store.OutboxCount) []string {
	var out []string
	for name, c := range counts {
		if cfg.Target(name) == nil && (c.Pending > 0 || c.Failed > 0) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// gauges builds a set, for one scrape, of the gauges that describe the
// present: per watch of the configuration in force (a watch removed by a
// reload leaves them) and per target.
func (o *observer) gauges(ctx context.Context) (*metrics.Set, error) {
	cfg := o.d.config()
	s := metrics.NewSet()
	for _, wt := range cfg.Watches {
		st := o.d.poller.State(wt.Name)
		s.NewGauge(metricName("pollhook_watch_consecutive_failures", "watch", wt.Name), nil).Set(float64(st.Failures))
		if !st.LastSuccess.IsZero() {
			s.NewGauge(metricName("pollhook_last_success_timestamp_seconds", "watch", wt.Name), nil).
				Set(float64(st.LastSuccess.UnixMilli()) / 1000)
		}
	}
	counts, err := o.d.db.OutboxCounts(ctx)
	if err != nil {
		return nil, err
	}
	// Every configured target, and any other the outbox still holds
	// deliveries for (a target removed while its dead letters remain).
	targets := removedTargets(cfg, counts)
	for _, t := range cfg.Targets {
		targets = append(targets, t.Name)
	}
	for _, name := range targets {
		c := counts[name]
		s.NewGauge(metricName("pollhook_outbox_pending", "target", name), nil).Set(float64(c.Pending))
		s.NewGauge(metricName("pollhook_outbox_failed", "target", name), nil).Set(float64(c.Failed))
	}
	return s, nil
}
