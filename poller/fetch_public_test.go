package poller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestPoller_Fetch: Fetch makes a watch's request as a poll does (its
// headers and credentials, timeout, max_body, every page) and reads no
// state: it needs no store.
func TestPoller_Fetch(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/items":
			if r.Header.Get("X-Api-Key") != "k3y-secret" || r.Header.Get("Authorization") != "Bearer t0ken" {
				http.Error(w, "missing credentials", http.StatusUnauthorized)
				return
			}
			if r.Header.Get("If-None-Match") != "" {
				t.Error("Fetch sent a validator")
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Header().Set("ETag", `"v1"`)
			fmt.Fprint(w, `[{"id":1}]`)
		case "/paged":
			if r.URL.Query().Get("page") == "" {
				w.Header().Set("Link", "<"+srv.URL+"/paged?page=2>; rel=\"next\"")
				fmt.Fprint(w, `[{"id":1}]`)
				return
			}
			fmt.Fprint(w, `[{"id":2}]`)
		case "/big":
			fmt.Fprint(w, strings.Repeat("x", 2048))
		case "/slow":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
		case "/echo":
			// An API that quotes the credential back in its error.
			http.Error(w, "bad key "+r.Header.Get("X-Api-Key"), http.StatusForbidden)
		}
	}))
	t.Cleanup(srv.Close) // the subtests run in parallel, after this function returns
	watch := func(path, extra string) string {
		return fmt.Sprintf("[[watch]]\nname = \"w\"\nurl = %q\n%s\n", srv.URL+path, extra)
	}
	creds := `bearer = "t0ken"` + "\n" + `headers = { "X-Api-Key" = "k3y-secret" }`
	tests := []struct {
		name        string
		src         string
		pages       []string
		contentType string
		err         string // in the error, which must not hold "k3y-secret"
		status      int
	}{
		{name: "headers and credentials", src: watch("/items", creds),
			pages: []string{`[{"id":1}]`}, contentType: "application/json; charset=utf-8"},
		{name: "no credentials", src: watch("/items", ""), err: "HTTP 401: missing credentials", status: 401},
		{name: "every page", src: watch("/paged", "paginate = { link_header = true }"),
			pages: []string{`[{"id":1}]`, `[{"id":2}]`}},
		{name: "max_body", src: watch("/big", `max_body = "1KiB"`), err: "response larger than max_body"},
		{name: "timeout", src: watch("/slow", `timeout = "100ms"`), err: "no answer within 100ms"},
		{name: "secrets scrubbed", src: watch("/echo", creds), err: "HTTP 403: bad key", status: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := parseConfig(t, tt.src, nil).Watches[0]
			p := New(Options{Version: "test"}) // no Store: Fetch reads no state
			pages, ct, err := p.Fetch(context.Background(), w)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "k3y-secret") {
					t.Fatalf("Fetch error %v, want one saying %q without the key", err, tt.err)
				}
				var fe *FetchError
				if tt.status != 0 && (!errors.As(err, &fe) || fe.Status != tt.status) {
					t.Errorf("error %#v, want a FetchError with status %d", err, tt.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(pages) != len(tt.pages) {
				t.Fatalf("%d pages, want %d", len(pages), len(tt.pages))
			}
			for i := range pages {
				if string(pages[i]) != tt.pages[i] {
					t.Errorf("page %d = %s, want %s", i+1, pages[i], tt.pages[i])
				}
			}
			if tt.contentType != "" && ct != tt.contentType {
				t.Errorf("content type %q, want %q", ct, tt.contentType)
			}
		})
	}

	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		w := parseConfig(t, watch("/items", creds), nil).Watches[0]
		if _, _, err := New(Options{}).Fetch(ctx, w); !errors.Is(err, context.Canceled) {
			t.Errorf("Fetch with a cancelled context: %v", err)
		}
	})
}
