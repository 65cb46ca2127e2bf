package main

import (
	"net/http"

	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/poller"
)

// observer turns what the poller and the dispatcher report into metrics
// and serves the status page.
type observer struct {
	d *daemon
}

func newObserver(d *daemon) *observer { return &observer{d: d} }

// poll hears about every finished poll.
func (o *observer) poll(poller.PollReport) {}

// attempt hears about every delivery attempt.
func (o *observer) attempt(notify.AttemptReport) {}

// routes adds /metrics, /readyz and the status page to the local API.
func (o *observer) routes(*http.ServeMux) {}
