package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/store"
)

// fakeSource is a daemon as the API sees it, recording what it is asked.
type fakeSource struct {
	cfg   *config.Config
	nonce *Nonce

	mu        sync.Mutex
	calls     []string
	ready     error
	reloadErr error
}

func (f *fakeSource) record(format string, args ...any) {
	f.mu.Lock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
	f.mu.Unlock()
}

func (f *fakeSource) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeSource) Config() *config.Config { return f.cfg }

func (f *fakeSource) Nonce() *Nonce { return f.nonce }

func (f *fakeSource) Deliveries(_ context.Context, flt store.Filter) ([]store.Delivery, error) {
	f.record("deliveries {State:%s Target:%s Watch:%s EventID:%s Targets:%v Limit:%d}", flt.State, flt.Target, flt.Watch, flt.EventID, flt.Targets, flt.Limit)
	return []store.Delivery{{EventID: "msg_1", Target: "hook", Watch: "w", State: store.StatePending}}, nil
}

func (f *fakeSource) Delivery(_ context.Context, id string) ([]inspect.Detail, error) {
	f.record("delivery %s", id)
	if id != "msg_1" {
		return nil, fmt.Errorf("no event %s: %w", id, store.ErrNotFound)
	}
	return []inspect.Detail{{Delivery: store.Delivery{EventID: id, Target: "hook"}, Attempts: []store.Attempt{{Status: 503}}}}, nil
}

func (f *fakeSource) Redeliver(_ context.Context, flt store.Filter) ([]store.Delivery, error) {
	f.record("redeliver %s %s %s", flt.EventID, flt.State, flt.Target)
	return nil, nil
}

func (f *fakeSource) History(_ context.Context, watch string, limit int) ([]json.RawMessage, error) {
	f.record("history %s %d", watch, limit)
	return []json.RawMessage{json.RawMessage(`{"id":"msg_1"}`)}, nil
}

func (f *fakeSource) EnableTarget(_ context.Context, name string) error {
	f.record("enable %s", name)
	if f.cfg.Target(name) == nil {
		return fmt.Errorf("no target named %q", name)
	}
	return nil
}

func (f *fakeSource) Apps(context.Context) ([]inspect.App, error) {
	f.record("apps")
	return []inspect.App{{ID: "app_1", Name: "a", Endpoints: 1}}, nil
}

func (f *fakeSource) Endpoints(_ context.Context, app string) ([]inspect.Endpoint, error) {
	f.record("endpoints %s", app)
	if app == "app_nope" {
		return nil, fmt.Errorf("application app_nope: %w", store.ErrNotFound)
	}
	return []inspect.Endpoint{{ID: "ep_1", App: "app_1", Status: "pending"}}, nil
}

func (f *fakeSource) EndpointAction(_ context.Context, id, action string) (inspect.Endpoint, error) {
	f.record("endpoint %s %s", action, id)
	switch {
	case action != inspect.ActionDisable && action != inspect.ActionEnable && action != inspect.ActionVerify:
		return inspect.Endpoint{}, inspect.ErrUnknownAction
	case id != "ep_1":
		return inspect.Endpoint{}, fmt.Errorf("endpoint %s: %w", id, store.ErrNotFound)
	}
	return inspect.Endpoint{ID: id, Status: "active"}, nil
}

func (f *fakeSource) Poll(_ context.Context, watches []*config.Watch, o PollOptions) OnceResponse {
	var names []string
	for _, w := range watches {
		names = append(names, w.Name)
	}
	f.record("poll %s %+v", strings.Join(names, ","), o)
	return OnceResponse{Events: []json.RawMessage{json.RawMessage(`{"id":"msg_2"}`)}, Failed: []string{"b"}, Errors: []string{`watch "b": HTTP 500`},
		Watches: []inspect.Polled{{Watch: "b", Result: inspect.PollFailed, Error: "HTTP 500"}}}
}

func (f *fakeSource) Watches(context.Context) ([]inspect.Watch, error) {
	f.record("watches")
	return []inspect.Watch{{Name: "a", State: inspect.WatchOK}, {Name: "b", State: inspect.WatchFailing, Failures: 1}}, nil
}

func (f *fakeSource) Recent(_ context.Context, limit int) ([]json.RawMessage, error) {
	f.record("recent %d", limit)
	return []json.RawMessage{json.RawMessage(`{"id":"msg_3"}`), json.RawMessage(`{"id":"msg_1"}`)}, nil
}

func (f *fakeSource) Reload(context.Context) (ReloadReport, error) {
	f.record("reload")
	return ReloadReport{Added: []string{"c"}, Removed: []string{}, Changed: []string{}}, f.reloadErr
}

func (f *fakeSource) Ready(context.Context) error { return f.ready }

// newFake returns a fake whose configuration file exists (Find compares
// files), listening on listen with token.
func newFake(t *testing.T, listen, token string) *fakeSource {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pollhook.toml")
	src := fmt.Sprintf("listen = %q\nauth_token = %q\n\n[[target]]\nname = \"hook\"\nurl = \"https://hooks.example/h\"\n\n"+
		"[[watch]]\nname = \"a\"\nurl = \"https://api.example/a\"\nnotify = [\"hook\"]\n\n[[watch]]\nname = \"b\"\nurl = \"https://api.example/b\"\n", listen, token)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeSource{cfg: cfg}
}

func do(t *testing.T, h http.Handler, method, target, body string, header map[string]string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Host = "127.0.0.1:9180"
	for k, v := range header {
		if k == "Host" {
			r.Host = v
			continue
		}
		r.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec.Code, rec.Body.String()
}

func TestHandler_Guard(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "the page") })
	tests := []struct {
		name          string
		listen, token string
		method, path  string
		header        map[string]string
		want          int
	}{
		{"healthz needs no token", "0.0.0.0:9180", "s3cret", "GET", "/healthz", nil, 200},
		{"readyz needs no token", "0.0.0.0:9180", "s3cret", "GET", "/readyz", nil, 200},
		{"no token", "0.0.0.0:9180", "s3cret", "GET", "/api/deliveries", nil, 401},
		{"wrong token", "0.0.0.0:9180", "s3cret", "GET", "/api/deliveries", map[string]string{"Authorization": "Bearer wrong"}, 401},
		{"bearer", "0.0.0.0:9180", "s3cret", "GET", "/api/deliveries", map[string]string{"Authorization": "bearer s3cret"}, 200},
		{"query token", "0.0.0.0:9180", "s3cret", "GET", "/api/deliveries?token=s3cret", nil, 200},
		{"mounted page needs the token", "0.0.0.0:9180", "s3cret", "GET", "/", nil, 401},
		{"mounted page with it", "0.0.0.0:9180", "s3cret", "GET", "/?token=s3cret", nil, 200},
		{"loopback without a token", "127.0.0.1:9180", "", "GET", "/api/deliveries", nil, 200},
		{"DNS rebinding", "127.0.0.1:9180", "", "GET", "/api/deliveries", map[string]string{"Host": "evil.example"}, 403},
		{"localhost name", "127.0.0.1:9180", "", "GET", "/api/deliveries", map[string]string{"Host": "localhost:9180"}, 200},
		{"IPv6 loopback", "127.0.0.1:9180", "", "GET", "/api/deliveries", map[string]string{"Host": "[::1]:9180"}, 200},
		{"any Host on a public listen", "0.0.0.0:9180", "s3cret", "GET", "/healthz", map[string]string{"Host": "pollhook.lan"}, 200},
		{"cross-site POST", "127.0.0.1:9180", "", "POST", "/api/redeliver", map[string]string{"Origin": "http://evil.example"}, 403},
		{"cross-site fetch", "127.0.0.1:9180", "", "POST", "/-/reload", map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"curl POST", "127.0.0.1:9180", "", "POST", "/-/reload", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFake(t, tt.listen, tt.token)
			h := NewHandler(src, "v-test", map[string]http.Handler{"GET /{$}": page})
			body := ""
			if tt.path == "/api/redeliver" {
				body = `{"state":"failed"}`
			}
			if got, resp := do(t, h, tt.method, tt.path, body, tt.header); got != tt.want {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, got, resp, tt.want)
			}
			if calls := src.called(); (tt.want == 403 || tt.want == 401) && len(calls) > 0 {
				t.Errorf("a refused request reached the daemon: %q", calls)
			}
		})
	}
}

func TestHandler_Routes(t *testing.T) {
	src := newFake(t, "127.0.0.1:9180", "")
	h := NewHandler(src, "v-test", nil)
	tests := []struct {
		method, path, body string
		status             int
		answer, call       string
	}{
		{"GET", "/api/info", "", 200, `"version":"v-test"`, ""},
		{"GET", "/api/deliveries?state=failed&target=hook&watch=w&event_id=msg_1&limit=5", "", 200, `"deliveries":[{`, "deliveries {State:failed Target:hook Watch:w EventID:msg_1 Targets:map[] Limit:5}"},
		{"GET", "/api/deliveries?limit=-1", "", 400, `bad limit`, ""},
		{"GET", "/api/events/msg_1/deliveries", "", 200, `"attempts":[{`, "delivery msg_1"},
		{"GET", "/api/events/msg_nope/deliveries", "", 404, `no event msg_nope`, "delivery msg_nope"},
		{"POST", "/api/redeliver", `{"event_id":"msg_1","target":"hook"}`, 200, `{"queued":[]}`, "redeliver msg_1  hook"},
		{"POST", "/api/redeliver", `{"state":"pending"}`, 400, `name an event_id`, ""},
		{"POST", "/api/redeliver", `{`, 400, `bad request body`, ""},
		{"GET", "/api/watches/a/history?limit=3", "", 200, `{"events":[{"id":"msg_1"}]}`, "history a 3"},
		{"POST", "/api/targets/hook/enable", "", 204, ``, "enable hook"},
		{"POST", "/api/targets/nope/enable", "", 404, `no target named`, "enable nope"},
		{"GET", "/api/subscriptions/apps", "", 200, `{"apps":[{"id":"app_1","name":"a","endpoints":1,`, "apps"},
		{"GET", "/api/subscriptions/endpoints?app=app_1", "", 200, `{"endpoints":[{"id":"ep_1","app":"app_1",`, "endpoints app_1"},
		{"GET", "/api/subscriptions/endpoints?app=app_nope", "", 404, `not found`, "endpoints app_nope"},
		{"POST", "/api/subscriptions/endpoints/ep_1/verify", "", 200, `"status":"active"`, "endpoint verify ep_1"},
		{"POST", "/api/subscriptions/endpoints/ep_9/disable", "", 404, `not found`, "endpoint disable ep_9"},
		{"POST", "/api/subscriptions/endpoints/ep_1/explode", "", 404, `unknown action`, "endpoint explode ep_1"},
		{"POST", "/api/once", `{"watch":"b","dry_run":true}`, 200, `"failed":["b"]`, "poll b {DryRun:true Show:false}"},
		{"POST", "/api/once", `{"watch":"b","dry_run":true,"show":true}`, 200, `"watches":[{"watch":"b","result":"failed","error":"HTTP 500"}]`, "poll b {DryRun:true Show:true}"},
		{"POST", "/api/once", `{}`, 200, `"events":[{"id":"msg_2"}]`, "poll a,b {DryRun:false Show:false}"},
		{"GET", "/api/watches", "", 200, `{"watches":[{"name":"a","state":"ok","failures":0,"pending":0},{"name":"b","state":"failing","failures":1,"pending":0}]}`, "watches"},
		// Asked for a page, failing first, with the counts.
		{"GET", "/api/watches?per_page=1", "", 200, `{"watches":[{"name":"b","state":"failing","failures":1,"pending":0}],"matching":2,"page":1,"pages":2,"per_page":1,"found":{"failing":1,"ok":1},"counts":{"failing":1,"ok":1}}`, "watches"},
		{"GET", "/api/watches?state=ok&q=A&page=5", "", 200, `{"watches":[{"name":"a","state":"ok","failures":0,"pending":0}],"matching":1,"page":1,"pages":1,"per_page":50,`, "watches"},
		{"GET", "/api/watches?q=nope", "", 200, `{"watches":[],"matching":0,`, "watches"},
		{"GET", "/api/watches?state=broken", "", 400, `bad query: state \"broken\"`, ""},
		{"GET", "/api/watches?per_page=0", "", 400, `per_page \"0\": want a number from 1 up to 1000`, ""},
		{"GET", "/api/history?limit=2", "", 200, `{"events":[{"id":"msg_3"},{"id":"msg_1"}]}`, "recent 2"},
		{"GET", "/api/history", "", 200, `"events"`, "recent 0"},
		{"GET", "/api/history?limit=x", "", 400, `bad limit`, ""},
		{"POST", "/api/once", `{"watch":"nope"}`, 404, `no watch named`, ""},
		{"POST", "/-/reload", "", 200, `"added":["c"]`, "reload"},
		{"GET", "/healthz", "", 200, "ok\n", ""},
		{"GET", "/readyz", "", 200, "ready\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			before := len(src.called())
			status, body := do(t, h, tt.method, tt.path, tt.body, nil)
			if status != tt.status || !strings.Contains(body, tt.answer) {
				t.Errorf("%d %s, want %d with %s", status, body, tt.status, tt.answer)
			}
			calls := src.called()[before:]
			if tt.call == "" && len(calls) > 0 || tt.call != "" && (len(calls) != 1 || calls[0] != tt.call) {
				t.Errorf("calls %q, want %q", calls, tt.call)
			}
		})
	}
}

func TestHandler_ReloadAndReady(t *testing.T) {
	src := newFake(t, "127.0.0.1:9180", "")
	h := NewHandler(src, "v-test", nil)
	src.reloadErr = config.Errors{{File: "pollhook.toml", Line: 4, Section: `watch "w"`, Key: "schedul", Err: errors.New("unknown key")}}
	status, body := do(t, h, "POST", "/-/reload", "", nil)
	if status != 400 || !strings.Contains(body, `"errors":["pollhook.toml:4: watch \"w\": schedul: unknown key"]`) ||
		!strings.Contains(body, "still running the previous one") {
		t.Errorf("invalid reload: %d %s", status, body)
	}
	src.reloadErr = errors.New("read config: permission denied")
	if status, body := do(t, h, "POST", "/-/reload", "", nil); status != 500 || !strings.Contains(body, "permission denied") {
		t.Errorf("failed reload: %d %s", status, body)
	}
	src.ready = errors.New("the scheduler is not running")
	if status, body := do(t, h, "GET", "/readyz", "", nil); status != 503 || body != "not ready: the scheduler is not running\n" {
		t.Errorf("readyz: %d %q", status, body)
	}
}

// TestReadyz_ReasonNeedsToken: with an auth_token, /readyz answers a
// probe without it, but says why it is not ready to the token only.
func TestReadyz_ReasonNeedsToken(t *testing.T) {
	src := newFake(t, "0.0.0.0:9180", "s3cret")
	src.ready = errors.New("database: disk I/O error at /var/lib/pollhook/pollhook.db")
	h := NewHandler(src, "v-test", nil)
	if status, body := do(t, h, "GET", "/readyz", "", nil); status != 503 || body != "not ready\n" {
		t.Errorf("readyz without the token: %d %q, want 503 \"not ready\" and no reason", status, body)
	}
	if status, body := do(t, h, "GET", "/readyz", "", map[string]string{"Authorization": "Bearer s3cret"}); status != 503 || !strings.Contains(body, "disk I/O error") {
		t.Errorf("readyz with the token: %d %q, want the reason", status, body)
	}
	if status, _ := do(t, h, "GET", "/metrics", "", nil); status != 401 {
		t.Errorf("/metrics without the token: %d, want 401", status)
	}
}

// TestClient talks to the handler over HTTP the way the CLI does: Find
// recognises the daemon running the same file, and each call reaches the
// source and brings its answer back.
func TestClient(t *testing.T) {
	src := newFake(t, "", "s3cret")
	src.nonce = createNonce(t, src.cfg.DB)
	srv := httptest.NewServer(NewHandler(src, "v-test", nil))
	defer srv.Close()
	src.cfg.Listen = strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()

	c, err := Find(ctx, src.cfg)
	if err != nil || c == nil {
		t.Fatalf("Find = %v, %v", c, err)
	}
	if ds, err := c.Deliveries(ctx, store.Filter{State: "pending", Limit: 2}); err != nil || len(ds) != 1 || ds[0].EventID != "msg_1" {
		t.Errorf("Deliveries = %v, %v", ds, err)
	}
	if dd, err := c.Delivery(ctx, "msg_1"); err != nil || len(dd) != 1 || dd[0].Attempts[0].Status != 503 {
		t.Errorf("Delivery = %v, %v", dd, err)
	}
	if _, err := c.Delivery(ctx, "msg_nope"); err == nil || !strings.Contains(err.Error(), "no event msg_nope") {
		t.Errorf("Delivery of an unknown event: %v", err)
	}
	if _, err := c.Redeliver(ctx, store.Filter{State: store.StateFailed, Target: "hook"}); err != nil {
		t.Error(err)
	}
	if evs, err := c.History(ctx, "a b/c", 7); err != nil || len(evs) != 1 {
		t.Errorf("History = %v, %v", evs, err)
	}
	if err := c.EnableTarget(ctx, "nope"); err == nil {
		t.Error("EnableTarget of an unknown target succeeded")
	}
	if res, err := c.Once(ctx, OnceRequest{Watch: "a", Show: true}); err != nil || len(res.Events) != 1 || res.Failed[0] != "b" || res.Watches[0].Result != inspect.PollFailed {
		t.Errorf("Once = %+v, %v", res, err)
	}
	if ws, err := c.Watches(ctx); err != nil || len(ws) != 2 || ws[1].Failures != 1 {
		t.Errorf("Watches = %+v, %v", ws, err)
	}
	if evs, err := c.Recent(ctx, 5); err != nil || len(evs) != 2 {
		t.Errorf("Recent = %v, %v", evs, err)
	}
	if apps, err := c.Apps(ctx); err != nil || len(apps) != 1 || apps[0].ID != "app_1" {
		t.Errorf("Apps = %+v, %v", apps, err)
	}
	if eps, err := c.Endpoints(ctx, "app 1"); err != nil || len(eps) != 1 || eps[0].ID != "ep_1" {
		t.Errorf("Endpoints = %+v, %v", eps, err)
	}
	if e, err := c.EndpointAction(ctx, "ep_1", inspect.ActionVerify); err != nil || e.Status != "active" {
		t.Errorf("EndpointAction = %+v, %v", e, err)
	}
	want := []string{
		"deliveries {State:pending Target: Watch: EventID: Targets:map[] Limit:2}",
		"delivery msg_1", "delivery msg_nope", "redeliver  failed hook", "history a b/c 7", "enable nope", "poll a {DryRun:false Show:true}",
		"watches", "recent 5", "apps", "endpoints app 1", "endpoint verify ep_1",
	}
	if got := src.called(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Another configuration file on that address is not our daemon.
	other := newFake(t, src.cfg.Listen, "s3cret")
	if c, err := Find(ctx, other.cfg); err != nil || c != nil {
		t.Errorf("Find for another file = %v, %v; want none", c, err)
	}
	// Nothing listening is no daemon, not an error.
	other.cfg.Listen = "127.0.0.1:1"
	if c, err := Find(ctx, other.cfg); err != nil || c != nil {
		t.Errorf("Find with nothing listening = %v, %v", c, err)
	}
	// A wrong token is an error that says so.
	src.cfg.AuthToken = "changed"
	bad := *src.cfg
	bad.AuthToken = "wrong"
	if _, err := Find(ctx, &bad); err == nil || !strings.Contains(err.Error(), "auth_token") {
		t.Errorf("Find with a wrong token: %v", err)
	}
}

func TestSameOrigin(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		headers map[string]string
		ok      bool
	}{
		{"no browser headers (curl)", "127.0.0.1:9180", nil, true},
		{"same origin", "127.0.0.1:9180", map[string]string{"Origin": "http://127.0.0.1:9180", "Sec-Fetch-Site": "same-origin"}, true},
		{"origin only", "pollhook.lan:9180", map[string]string{"Origin": "http://pollhook.lan:9180"}, true},
		{"host case", "PollHook.lan", map[string]string{"Origin": "http://pollhook.lan"}, true},
		{"typed by the user", "127.0.0.1:9180", map[string]string{"Sec-Fetch-Site": "none"}, true},
		{"cross-site", "127.0.0.1:9180", map[string]string{"Sec-Fetch-Site": "cross-site"}, false},
		{"same-site", "127.0.0.1:9180", map[string]string{"Sec-Fetch-Site": "same-site"}, false},
		{"other origin", "127.0.0.1:9180", map[string]string{"Origin": "https://evil.example"}, false},
		{"other port", "127.0.0.1:9180", map[string]string{"Origin": "http://127.0.0.1:8080"}, false},
		{"null origin", "127.0.0.1:9180", map[string]string{"Origin": "null"}, false},
		{"same-origin but foreign Origin", "127.0.0.1:9180", map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "same-origin"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/ui/redeliver", nil)
			r.Host = tt.host
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			if err := sameOrigin(r); (err == nil) != tt.ok {
				t.Errorf("sameOrigin = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
