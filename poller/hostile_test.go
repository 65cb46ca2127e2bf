package poller

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// TestPoll_HostileAPI keeps what a hostile test of the daemon found
// handled: each answer below fails the poll (or is made harmless), leaves
// the snapshot as it was, and the next good answer is no change.
func TestPoll_HostileAPI(t *testing.T) {
	t.Parallel()
	const good = `[{"id":1,"v":"a"}]`
	var bomb bytes.Buffer
	zw := gzip.NewWriter(&bomb)
	_, _ = zw.Write(bytes.Repeat([]byte("["), 64<<20)) // 64 MiB from ~64 KiB
	_ = zw.Close()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		// err is in the poll's error; "" means the poll succeeds, and then
		// check says what it must have made of the answer.
		err   string
		check func(t *testing.T, snapshot []byte)
	}{
		{"gzip bomb", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			_, _ = w.Write(bomb.Bytes())
		}, "larger than max_body", nil},
		{"endless body", func(w http.ResponseWriter, r *http.Request) {
			for r.Context().Err() == nil {
				if _, err := w.Write(bytes.Repeat([]byte(" "), 32<<10)); err != nil {
					return
				}
			}
		}, "larger than max_body", nil},
		{"slowloris body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			for r.Context().Err() == nil {
				_, _ = w.Write([]byte(" "))
				w.(http.Flusher).Flush()
				time.Sleep(50 * time.Millisecond)
			}
		}, "within", nil},
		{"headers never come", func(_ http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}, "no answer within", nil},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		}, "redirects", nil},
		{"deep nesting", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write(bytes.Repeat([]byte("["), 1000)) // inside max_body
		}, "nested too deeply", nil},
		{"truncated JSON", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`[{"id":1,"v":`))
		}, "json response", nil},
		{"Content-Length longer than the body", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(good))
		}, "read body", nil},
		{"HTML error page with 200", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html><body>maintenance</body></html>"))
		}, "json response", nil},
		{"a 1 MiB ETag", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("ETag", `"`+strings.Repeat("e", 1<<20)+`"`)
			_, _ = w.Write([]byte(good))
		}, "", func(t *testing.T, _ []byte) {}},
		{"invalid UTF-8", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("[{\"id\":1,\"v\":\"a\xff\"}]"))
		}, "", func(t *testing.T, snapshot []byte) {
			if !utf8.Valid(snapshot) {
				t.Errorf("snapshot holds invalid UTF-8: %q", snapshot)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var hostile atomic.Bool
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if hostile.Load() {
					tt.handler(w, r)
					return
				}
				_, _ = w.Write([]byte(good))
			}))
			defer srv.Close()
			db := openStore(t)
			p := pollerWith(t, db, nil)
			w := newTestWatch(t, srv.URL, `key = "id"`) // timeout 2s, max_body 1KiB
			mustPoll(t, p, w)                           // baseline
			before, err := db.AppendSnapshot(context.Background(), nil, w.Name)
			if err != nil {
				t.Fatal(err)
			}
			hostile.Store(true)
			out, err := p.Poll(context.Background(), w, PollOptions{})
			switch {
			case tt.err != "":
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("poll = %+v, %v; want an error with %q", out, err, tt.err)
				}
			default:
				if err != nil {
					t.Fatalf("poll: %v", err)
				}
			}
			after, err := db.AppendSnapshot(context.Background(), nil, w.Name)
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, after)
			} else if !bytes.Equal(before, after) {
				t.Errorf("the snapshot changed: %q", after)
			}
			hostile.Store(false)
			out, err = p.Poll(context.Background(), w, PollOptions{})
			if err != nil || out.Event != nil && tt.check == nil {
				t.Errorf("the good answer after it: %+v, %v; want no change", out, err)
			}
			if s := p.State(w.Name); s.Failures != 0 {
				t.Errorf("%d failures after a good answer", s.Failures)
			}
		})
	}
}

// TestPoll_HTMLErrorSummary: a failure shows what an HTML error page says
// (its title), never its markup, in the error, the state and the
// watch.failing event.
func TestPoll_HTMLErrorSummary(t *testing.T) {
	t.Parallel()
	page := "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
		"<link rel=\"stylesheet\" href=\"/assets/application-4b1c3d5e6f.css\" media=\"all\">" +
		"<title>Unicorn! &middot; GitHub</title></head><body><div class=\"container\"><h1>No server is currently available</h1></div></body></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(page))
	}))
	defer srv.Close()
	p := pollerWith(t, openStore(t), nil)
	w := newTestWatch(t, srv.URL, "alert_after = 1")
	out, err := p.Poll(context.Background(), w, PollOptions{})
	if err == nil || err.Error() != "HTTP 503: Unicorn! · GitHub" {
		t.Fatalf("poll error %q, want the page's title", err)
	}
	if out == nil || out.Health == nil || out.Health.Data.Error != "HTTP 503: Unicorn! · GitHub" {
		t.Errorf("watch.failing = %+v", out)
	}
}
