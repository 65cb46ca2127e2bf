package poller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestPoll_RedirectKeepsSecretsHome checks that a redirect to another
// origin carries none of the watch's credentials, and no Referer with its
// query, while a redirect within the API keeps them.
func TestPoll_RedirectKeepsSecretsHome(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var foreign http.Header
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		foreign = r.Header.Clone()
		mu.Unlock()
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer other.Close()
	var home http.Header
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved-away":
			http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
		case "/moved-here":
			http.Redirect(w, r, "/data", http.StatusFound)
		default:
			mu.Lock()
			home = r.Header.Clone()
			mu.Unlock()
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer api.Close()
	secrets := "bearer = \"BEARERSECRET\"\nheaders = { \"X-Api-Key\" = \"APIKEYSECRET\", \"Private-Token\" = \"GITLABTOKEN\", Accept = \"application/json\" }\nquery = { api_key = \"QUERYSECRET\" }"

	db := openStore(t)
	p, _ := newTestPoller(t, db)
	if _, err := p.Poll(context.Background(), newTestWatch(t, api.URL+"/moved-away", secrets), PollOptions{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	for _, h := range []string{"Authorization", "X-Api-Key", "Private-Token", "Referer"} {
		if v := foreign.Get(h); v != "" {
			t.Errorf("the other origin got %s: %q", h, v)
		}
	}
	if foreign.Get("Accept") != "application/json" {
		t.Errorf("harmless headers should follow the redirect: %v", foreign)
	}
	mu.Unlock()

	p2, _ := newTestPoller(t, openStore(t))
	if _, err := p2.Poll(context.Background(), newTestWatch(t, api.URL+"/moved-here", secrets), PollOptions{}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if home.Get("X-Api-Key") != "APIKEYSECRET" || home.Get("Authorization") != "Bearer BEARERSECRET" {
		t.Errorf("a redirect within the API lost the credentials: %v", home)
	}
}
