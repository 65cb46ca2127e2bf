package poller

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestPoll_NoSecretsLeak fails polls in every way we know while the
// watch carries a bearer token, a basic password, or tokens in its query,
// and checks that none of them appears in an error, the stored state, a
// log line, or an event.
func TestPoll_NoSecretsLeak(t *testing.T) {
	t.Parallel()
	const (
		bearer  = "ghp_BearerTokenValue1234"
		basicPW = "Basic-Pa55word-Value"
		queryT  = "QueryTokenValue-5678"
		urlKey  = "UrlApiKeyValue-9012"
	)
	env := map[string]string{"BEARER": bearer, "PW": basicPW, "QT": queryT, "UK": urlKey}
	// An API that echoes its request headers shows basic credentials
	// base64-encoded, as the Authorization header carries them.
	secrets := []string{bearer, basicPW, queryT, urlKey, url.QueryEscape(basicPW),
		base64.StdEncoding.EncodeToString([]byte("bob:" + basicPW))}
	auths := []struct {
		name  string
		lines []string
	}{
		{"bearer", []string{`bearer = "${BEARER}"`}},
		{"basic", []string{`basic = { username = "bob", password = "${PW}" }`}},
		{"query", []string{`query = { access_token = "${QT}" }`}},
		{"header", []string{`headers = { Authorization = "token ${BEARER}", "X-Api-Key" = "${QT}" }`}},
	}
	// Each mode makes the API fail in its own way, echoing all it got.
	echo := func(w http.ResponseWriter, r *http.Request, status int) {
		u, p, _ := r.BasicAuth()
		w.WriteHeader(status)
		fmt.Fprintf(w, "denied %s %s %s %s:%s %s", r.URL.String(), r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"), u, p, r.URL.RawQuery)
	}
	var srvURL string
	modes := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"401 echoing the request", func(w http.ResponseWriter, r *http.Request) { echo(w, r, 401) }},
		{"500 echoing the request", func(w http.ResponseWriter, r *http.Request) { echo(w, r, 500) }},
		{"graphql-style errors echoing the token", func(w http.ResponseWriter, r *http.Request) {
			// Not a graphql watch: this is a body that is not what select wants.
			fmt.Fprintf(w, `{"errors":[{"message":"bad token %s %s"}]}`, r.Header.Get("Authorization"), r.URL.Query().Get("access_token"))
		}},
		{"bad next link carrying the token", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", "<ftp://files.example/x?access_token="+r.URL.Query().Get("access_token")+"&api_key="+urlKey+">; rel=\"next\"")
			_, _ = w.Write([]byte(`{"items":[]}`))
		}},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.String(), http.StatusFound)
		}},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}},
		{"connection dropped", func(w http.ResponseWriter, r *http.Request) {
			hj, _ := w.(http.Hijacker)
			c, _, _ := hj.Hijack()
			c.Close()
		}},
	}
	for _, a := range auths {
		for _, m := range modes {
			t.Run(a.name+"/"+m.name, func(t *testing.T) {
				srv := httptest.NewServer(m.handler)
				defer srv.Close()
				srvURL = srv.URL
				lines := append([]string{`select = "items"`, `timeout = "300ms"`, `alert_after = 1`, `paginate = { link_header = true }`}, a.lines...)
				cfg := parseConfig(t, watchTables(1, srvURL+"/v1/items?api_key=${UK}&per_page=5", lines...), env)
				w := cfg.Watches[0]
				var logs testkit.SyncBuffer
				db := openStore(t)
				p := pollerWith(t, db, func(o *Options) {
					o.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
				})
				out, err := p.Poll(context.Background(), w, PollOptions{})
				if err == nil {
					t.Fatal("poll succeeded")
				}
				var payload []byte
				if out != nil && out.Health != nil {
					payload, _ = json.Marshal(out.Health)
				}
				places := map[string]string{
					"error":        err.Error(),
					"state":        p.State(w.Name).LastError,
					"stored state": storedState(t, db, w.Name).LastError,
					"log":          logs.String(),
					"event":        string(payload),
				}
				if payload == nil {
					t.Error("no watch.failing event to check")
				}
				for where, text := range places {
					for _, s := range secrets {
						if strings.Contains(text, s) {
							t.Errorf("secret %q in the %s: %s", s, where, text)
						}
					}
				}
			})
		}
	}
}

// TestPoll_EventURLRedacted checks the data.url of events.
func TestPoll_EventURLRedacted(t *testing.T) {
	t.Parallel()
	body := `[1]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(body))
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	u.User = url.UserPassword("me", "UserinfoSecret")
	cfg := parseConfig(t, watchTables(1, u.String()+"/x?api_key=UrlKeySecret&state=open", `query = { token = "QuerySecret" }`), nil)
	p := pollerWith(t, openStore(t), nil)
	mustPoll(t, p, cfg.Watches[0])
	body = `[2]`
	out := mustPoll(t, p, cfg.Watches[0])
	got := out.Event.Data.URL
	for _, s := range []string{"UserinfoSecret", "UrlKeySecret", "QuerySecret", "me@"} {
		if strings.Contains(got, s) {
			t.Errorf("data.url %q shows %q", got, s)
		}
	}
	if !strings.Contains(got, "state=open") || !strings.Contains(got, "/x") {
		t.Errorf("data.url %q lost its harmless parts", got)
	}
}

// TestPoll_ShortCredentialsDoNotGarbleErrors: a credential too short to be
// worth hiding everywhere (page_token = "0", sig=abc) must not turn every
// "0" of an error into REDACTED.
func TestPoll_ShortCredentialsDoNotGarbleErrors(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "upstream timeout after 30s", http.StatusInternalServerError)
	}))
	defer srv.Close()
	cfg := parseConfig(t, watchTables(1, srv.URL+"/x?sig=abc", `query = { page_token = "0" }`), nil)
	p := pollerWith(t, openStore(t), nil)
	_, err := p.Poll(context.Background(), cfg.Watches[0], PollOptions{})
	if err == nil || err.Error() != "HTTP 500: upstream timeout after 30s" {
		t.Errorf("poll error %q, want the API's words unchanged", err)
	}
}
