package notify

import (
	"testing"
	"time"
)

// TestRateLimiter: a burst of one second's rate goes at once, the next
// ones are spaced 1/rate apart, and a quiet second refills the bucket.
func TestRateLimiter(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	l := &rateLimiter{rate: 2, tokens: 2}
	steps := []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0},
		{0, 0},
		{0, 500 * time.Millisecond},
		{0, time.Second},
		{10 * time.Second, 0}, // refilled to 2, not 20
		{10 * time.Second, 0},
		{10 * time.Second, 500 * time.Millisecond},
	}
	for i, s := range steps {
		if got := l.reserve(t0.Add(s.at)); got != s.want {
			t.Errorf("step %d at +%v: wait %v, want %v", i, s.at, got, s.want)
		}
	}
}
