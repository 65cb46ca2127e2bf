// Package clock is the time source of the parts of pollhook that wait:
// the scheduler and the dispatcher. Tests give them a clock they move by
// hand, so retry schedules and backoff run without sleeping.
package clock

import "time"

// Clock tells the time and waits.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// After sends the time on the channel once d has passed.
	After(d time.Duration) <-chan time.Time
}

// System is the real clock.
type System struct{}

var _ Clock = System{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }

// After waits for d.
func (System) After(d time.Duration) <-chan time.Time { return time.After(d) }
