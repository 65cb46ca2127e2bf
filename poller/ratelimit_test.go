package poller

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestPoll_RateLimits(t *testing.T) {
	t.Parallel()
	unix := func(d time.Duration) string { return strconv.FormatInt(t0.Add(d).Unix(), 10) }
	tests := []struct {
		name    string
		status  int
		headers map[string]string
		fails   bool
		pause   time.Duration // 0: none
		log     string        // in the log output
	}{
		{"429 Retry-After seconds", 429, map[string]string{"Retry-After": "120"}, true, 120 * time.Second, "Retry-After"},
		{"503 Retry-After seconds", 503, map[string]string{"Retry-After": "90"}, true, 90 * time.Second, "Retry-After"},
		{"429 Retry-After date", 429, map[string]string{"Retry-After": t0.Add(5 * time.Minute).Format(http.TimeFormat)}, true, 5 * time.Minute, "Retry-After"},
		{"503 Retry-After date", 503, map[string]string{"Retry-After": t0.Add(time.Hour).Format(http.TimeFormat)}, true, time.Hour, "Retry-After"},
		{"403 Retry-After (GitHub secondary limit)", 403, map[string]string{"Retry-After": "60"}, true, time.Minute, "Retry-After"},
		{"Retry-After over 24h is capped", 429, map[string]string{"Retry-After": "1000000"}, true, 24 * time.Hour, "more than 24h"},
		{"Retry-After date in the past", 429, map[string]string{"Retry-After": t0.Add(-time.Hour).Format(http.TimeFormat)}, true, 0, ""},
		{"429 without Retry-After", 429, nil, true, 0, ""},
		{"500 with Retry-After", 500, map[string]string{"Retry-After": "120"}, true, 0, ""},
		{"2xx with X-RateLimit-Remaining 0", 200, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": unix(10 * time.Minute)}, false, 10 * time.Minute, "rate limit exhausted"},
		{"403 with X-RateLimit-Remaining 0", 403, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": unix(30 * time.Minute)}, true, 30 * time.Minute, "rate limit exhausted"},
		{"X-RateLimit-Reset far away is capped", 200, map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": unix(48 * time.Hour)}, false, 24 * time.Hour, "more than 24h"},
		{"IETF RateLimit-Reset in seconds", 200, map[string]string{"RateLimit-Remaining": "0", "RateLimit-Reset": "45"}, false, 45 * time.Second, "rate limit exhausted"},
		{"requests remaining", 200, map[string]string{"X-RateLimit-Remaining": "12", "X-RateLimit-Reset": unix(10 * time.Minute)}, false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &fakeAPI{}
			api.set(func(w http.ResponseWriter, _ *http.Request) {
				for k, v := range tt.headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(`{"ok":true}`))
			})
			srv := httptest.NewServer(api)
			defer srv.Close()
			db := openStore(t)
			clock := testkit.NewFakeClock(t0)
			var logs testkit.SyncBuffer
			p := pollerWith(t, db, func(o *Options) {
				o.Clock = clock
				o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			})
			w := newTestWatch(t, srv.URL, `schedule = "@every 10s"`)

			_, err := p.Poll(context.Background(), w, PollOptions{})
			if (err != nil) != tt.fails {
				t.Fatalf("poll error = %v, want failure %v", err, tt.fails)
			}
			want := time.Time{}
			if tt.pause > 0 {
				want = t0.Add(tt.pause)
			}
			if got := p.State("w").PausedUntil; !got.Equal(want) {
				t.Fatalf("PausedUntil = %v, want %v", got, want)
			}
			if got := storedState(t, db, "w").PausedUntil; !got.Equal(want) {
				t.Errorf("stored PausedUntil = %v, want %v", got, want)
			}
			if tt.log != "" && !strings.Contains(logs.String(), tt.log) {
				t.Errorf("log does not say %q:\n%s", tt.log, logs.String())
			}
			if tt.pause == 0 {
				return
			}
			// The scheduler waits for the pause ...
			if next := p.nextRun(w, clock.Now(), p.State("w")); !next.Equal(want) {
				t.Errorf("next run = %v, want the end of the pause %v", next, want)
			}
			// ... and so does a poll asked for before then, without a request.
			clock.Advance(tt.pause - time.Second)
			_, err = p.Poll(context.Background(), w, PollOptions{})
			var pe *PausedError
			if !errors.As(err, &pe) || !pe.Until.Equal(want) {
				t.Errorf("poll during the pause = %v, want PausedError until %v", err, want)
			}
			if api.hits.Load() != 1 {
				t.Errorf("API hit %d times during the pause, want 1", api.hits.Load())
			}
			if failures := p.State("w").Failures; tt.fails && failures != 1 || !tt.fails && failures != 0 {
				t.Errorf("failures = %d: a paused poll must not count", failures)
			}
			clock.Advance(time.Second)
			_, _ = p.Poll(context.Background(), w, PollOptions{})
			if api.hits.Load() != 2 {
				t.Errorf("API hit %d times after the pause, want 2", api.hits.Load())
			}
		})
	}
}

// TestPoll_RateLimitAcrossRestart checks the pause is persisted.
func TestPoll_RateLimitAcrossRestart(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	api.set(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "600")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	srv := httptest.NewServer(api)
	defer srv.Close()
	db := openStore(t)
	clock := testkit.NewFakeClock(t0)
	w := newTestWatch(t, srv.URL, `schedule = "@every 10s"`)
	p := pollerWith(t, db, func(o *Options) { o.Clock = clock })
	_, _ = p.Poll(context.Background(), w, PollOptions{})

	p2 := pollerWith(t, db, func(o *Options) { o.Clock = clock })
	if next := p2.nextRun(w, clock.Now(), p2.State("w")); !next.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("after a restart, next run = %v, want %v", next, t0.Add(10*time.Minute))
	}
}

func TestPauseFrom(t *testing.T) {
	t.Parallel()
	now := t0
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	tests := []struct {
		name   string
		status int
		header http.Header
		want   time.Duration
	}{
		{"nothing", 200, h(), 0},
		{"negative Retry-After", 429, h("Retry-After", "-5"), 0},
		{"garbage Retry-After", 429, h("Retry-After", "soon"), 0},
		{"zero Retry-After", 429, h("Retry-After", "0"), 0},
		{"X-RateLimit-Reset as seconds from now", 200, h("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "30"), 30 * time.Second},
		{"Remaining 0 without Reset", 200, h("X-RateLimit-Remaining", "0"), 0},
		{"Reset in the past", 200, h("X-RateLimit-Remaining", "0", "X-RateLimit-Reset", strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)), 0},
		{"Retry-After wins over rate limit headers", 429, h("Retry-After", "10", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "100"), 10 * time.Second},
		{"Retry-After 0 wins over rate limit headers", 429, h("Retry-After", "0", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "100"), 0},
		{"past Retry-After wins over rate limit headers", 503, h("Retry-After", now.Add(-time.Minute).Format(http.TimeFormat), "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "100"), 0},
		{"garbage Retry-After leaves the rate limit", 429, h("Retry-After", "soon", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "100"), 100 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pauseFrom(tt.status, tt.header, now)
			want := time.Time{}
			if tt.want > 0 {
				want = now.Add(tt.want)
			}
			if !got.until.Equal(want) {
				t.Errorf("pause until %v, want %v", got.until, want)
			}
		})
	}
}
