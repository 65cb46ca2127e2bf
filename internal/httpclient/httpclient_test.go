package httpclient

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const limit = 24 * time.Hour
	tests := []struct {
		name       string
		v          string
		want       time.Duration
		capped, ok bool
	}{
		{"absent", "", 0, false, false},
		{"seconds", "120", 2 * time.Minute, false, true},
		{"spaces", " 7 ", 7 * time.Second, false, true},
		{"zero", "0", 0, false, true},
		{"negative", "-5", 0, false, false},
		{"garbage", "soon", 0, false, false},
		{"date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, false, true},
		{"date in the past", now.Add(-time.Hour).Format(http.TimeFormat), 0, false, true},
		{"seconds over the limit", "999999999", limit, true, true},
		{"huge seconds", "99999999999999999", limit, true, true},
		{"date over the limit", now.Add(48 * time.Hour).Format(http.TimeFormat), limit, true, true},
		{"exactly the limit", "86400", limit, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, capped, ok := RetryAfter(tt.v, now, limit)
			if got != tt.want || capped != tt.capped || ok != tt.ok {
				t.Errorf("RetryAfter(%q) = %v, %v, %v; want %v, %v, %v", tt.v, got, capped, ok, tt.want, tt.capped, tt.ok)
			}
		})
	}
}

func TestNew_Redirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	for _, tt := range []struct {
		noRedirects bool
		want        int
	}{{false, http.StatusNoContent}, {true, http.StatusMovedPermanently}} {
		resp, err := New(Options{NoRedirects: tt.noRedirects}).Get(srv.URL + "/old")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("NoRedirects %v: status %d, want %d", tt.noRedirects, resp.StatusCode, tt.want)
		}
	}
}
