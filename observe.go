package main

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
)

// observer turns what the poller and the dispatcher report into metrics,
// and serves /metrics, /readyz and the status page. Counters and
// histograms live in its own metrics.Set; gauges that describe the
// present (watch health, the outbox) are computed at each scrape from the
// current configuration, so a watch removed by a reload leaves them.
type observer struct {
	d   *daemon
	set *metrics.Set
	// page is the status page; css is its stylesheet, inlined, and csp
	// the Content-Security-Policy that allows exactly that stylesheet.
	page *template.Template
	css  template.CSS
	csp  string
	now  func() time.Time
}

func newObserver(d *daemon) *observer {
	// The library's one process-wide switch: # HELP and # TYPE lines, so
	// Prometheus sees counters, gauges and histograms, not untyped series.
	metrics.ExposeMetadata(true)
	o := &observer{d: d, set: metrics.NewSet(), now: time.Now}
	o.set.NewGauge(metricName("pollhook_build_info", "version", buildVersion()), func() float64 { return 1 })
	o.page, o.css, o.csp = statusPage()
	return o
}

// poll hears about every finished poll.
func (o *observer) poll(r poller.PollReport) {
	watch := r.Watch
	o.set.GetOrCreateCounter(metricName("pollhook_polls_total", "watch", watch, "result", r.Result)).Inc()
	o.set.GetOrCreatePrometheusHistogramExt(metricName("pollhook_poll_duration_seconds", "watch", watch), durationBuckets).
		Update(r.Duration.Seconds())
	for _, c := range []struct {
		kind string
		n    int
	}{{"added", r.Counts.Added}, {"removed", r.Counts.Removed}, {"changed", r.Counts.Changed}} {
		if c.n > 0 {
			o.set.GetOrCreateCounter(metricName("pollhook_changes_total", "watch", watch, "kind", c.kind)).Add(c.n)
		}
	}
}

// attempt hears about every delivery attempt.
func (o *observer) attempt(r notify.AttemptReport) {
	o.set.GetOrCreateCounter(metricName("pollhook_deliveries_total", "target", r.Target, "result", r.Result)).Inc()
	o.set.GetOrCreatePrometheusHistogramExt(metricName("pollhook_delivery_duration_seconds", "target", r.Target), durationBuckets).
		Update(r.Latency.Seconds())
}

// routes adds /metrics, /readyz and the status page to the local API.
func (o *observer) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /readyz", o.readyz)
	mux.HandleFunc("GET /metrics", o.serveMetrics)
	mux.HandleFunc("GET /{$}", o.status)
	mux.HandleFunc("POST /ui/redeliver", o.uiRedeliver)
}

// readyz answers 200 when the database answers and the scheduler runs,
// and 503 with the reason otherwise (starting, stopping, or a store that
// fails).
func (o *observer) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := o.d.db.Ping(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "not ready: database: %v\n", err)
		return
	}
	if !o.d.running.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "not ready: the scheduler is not running")
		return
	}
	fmt.Fprintln(w, "ready")
}
