package notify

import (
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
)

// rateLimiter spaces a target's deliveries to at most rate a second, for
// all the target's workers: a token bucket that holds one second's
// worth, so that a burst after a quiet spell is no larger than one
// second's rate.
type rateLimiter struct {
	rate int

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// limiter returns t's limiter, made at its first use and again when its
// rate changes.
func (d *Dispatcher) limiter(t *config.Target) *rateLimiter {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.limits[t.Name]
	if l == nil || l.rate != t.RateLimit {
		l = &rateLimiter{rate: t.RateLimit, tokens: float64(t.RateLimit)}
		d.limits[t.Name] = l
	}
	return l
}

// reserve takes a token at now and returns how long to wait before the
// delivery it is for (0: at once).
func (l *rateLimiter) reserve(now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.After(l.last) {
		l.tokens = min(float64(l.rate), l.tokens+now.Sub(l.last).Seconds()*float64(l.rate))
	}
	if l.last.IsZero() || now.After(l.last) {
		l.last = now
	}
	l.tokens--
	if l.tokens >= 0 {
		return 0
	}
	return time.Duration(-l.tokens / float64(l.rate) * float64(time.Second))
}
