// Package notify renders change events into the requests each kind of
// target expects (signed webhooks, chat messages, templates) and delivers
// them from the outbox, with retries, ordering per watch, dead letters and
// targets disabled by 410 Gone.
package notify
