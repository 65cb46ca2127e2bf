package subs

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/ssrf"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

const adminToken = "admin-secret-token"

// fixture is a Server on a real store, behind a real listener.
type fixture struct {
	t     *testing.T
	db    *store.DB
	srv   *Server
	url   string
	clock *testkit.FakeClock

	mu      sync.Mutex
	targets []*config.Target
	handed  int
}

func newFixture(t *testing.T, cfg *config.Subscriptions) *fixture {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if cfg == nil {
		cfg = testConfig()
	}
	f := &fixture{t: t, db: db, clock: testkit.NewFakeClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))}
	f.srv = New(Options{
		DB: db, Config: cfg, Clock: f.clock,
		Endpoints: func(ts []*config.Target) {
			f.mu.Lock()
			f.targets, f.handed = ts, f.handed+1
			f.mu.Unlock()
		},
		Resolver: ssrf.StaticResolver(map[string][]netip.Addr{
			"hooks.example.com":  {netip.MustParseAddr("93.184.215.14")},
			"other.example.com":  {netip.MustParseAddr("93.184.215.15")},
			"rebind.example.com": {netip.MustParseAddr("127.0.0.1")},
		}),
	})
	hs := httptest.NewServer(f.srv.Handler())
	t.Cleanup(hs.Close)
	f.url = hs.URL
	return f
}

func testConfig() *config.Subscriptions {
	return &config.Subscriptions{
		AdminToken: adminToken, AllowWatches: []string{"releases", "incidents"}, MaxEndpointsPerApp: 3,
		HTTPSOnly: true, Origin: "hooks.pollhook.example", MaxBody: 4096,
	}
}

// call makes a request and decodes a JSON answer into out (when not nil).
func (f *fixture) call(token, method, path, body string, out any) (int, string) {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.url+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			f.t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, string(b)
}

// must is call expecting status.
func (f *fixture) must(status int, token, method, path, body string, out any) string {
	f.t.Helper()
	got, b := f.call(token, method, path, body, out)
	if got != status {
		f.t.Fatalf("%s %s = %d %s, want %d", method, path, got, b, status)
	}
	return b
}

// app creates an application and its token.
func (f *fixture) app(uid string) (id, token string) {
	f.t.Helper()
	var a appOut
	f.must(201, adminToken, "POST", "/api/v1/app", `{"name":"App `+uid+`","uid":"`+uid+`"}`, &a)
	var tok tokenOut
	f.must(201, adminToken, "POST", "/api/v1/app/"+a.ID+"/token", "", &tok)
	return a.ID, tok.Token
}

func (f *fixture) endpoint(token, app, body string) endpointOut {
	f.t.Helper()
	var e endpointOut
	f.must(201, token, "POST", "/api/v1/app/"+app+"/endpoint", body, &e)
	return e
}

func (f *fixture) lastTargets() []*config.Target {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.targets
}

func TestAPI_Auth(t *testing.T) {
	f := newFixture(t, nil)
	a, aTok := f.app("alpha")
	b, bTok := f.app("beta")
	ep := f.endpoint(bTok, b, `{"url":"https://hooks.example.com/b"}`)
	tests := []struct {
		name, token, method, path string
		status                    int
		code                      string
	}{
		{"no token", "", "GET", "/api/v1/app/" + a, 401, "authentication_failed"},
		{"bad token", "nope", "GET", "/api/v1/app/" + a, 401, "authentication_failed"},
		{"app token on admin route", aTok, "POST", "/api/v1/app", 403, "forbidden"},
		{"app token lists apps", aTok, "GET", "/api/v1/app", 403, "forbidden"},
		{"app token deletes itself", aTok, "DELETE", "/api/v1/app/" + a, 403, "forbidden"},
		{"app token mints tokens", aTok, "POST", "/api/v1/app/" + a + "/token", 403, "forbidden"},
		{"other app", aTok, "GET", "/api/v1/app/" + b, 403, "forbidden"},
		{"other app by uid", aTok, "GET", "/api/v1/app/beta/endpoint", 403, "forbidden"},
		{"other app's endpoint", aTok, "GET", "/api/v1/app/" + b + "/endpoint/" + ep.ID, 403, "forbidden"},
		{"other app's endpoint via own app", aTok, "GET", "/api/v1/app/" + a + "/endpoint/" + ep.ID, 404, "not_found"},
		{"patch other app's endpoint via own app", aTok, "PATCH", "/api/v1/app/" + a + "/endpoint/" + ep.ID, 404, "not_found"},
		{"delete other app's endpoint via own app", aTok, "DELETE", "/api/v1/app/" + a + "/endpoint/" + ep.ID, 404, "not_found"},
		{"secret of other app's endpoint", aTok, "GET", "/api/v1/app/" + a + "/endpoint/" + ep.ID + "/secret", 404, "not_found"},
		{"missing app as app", aTok, "GET", "/api/v1/app/app_missing", 403, "forbidden"},
		{"missing app as admin", adminToken, "GET", "/api/v1/app/app_missing", 404, "not_found"},
		{"no such route", adminToken, "GET", "/api/v1/nothing", 404, "not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := f.call(tt.token, tt.method, tt.path, "", nil)
			var e errorOut
			if err := json.Unmarshal([]byte(body), &e); err != nil || status != tt.status || e.Code != tt.code || e.Detail == "" {
				t.Fatalf("%s %s = %d %s, want %d with code %s", tt.method, tt.path, status, body, tt.status, tt.code)
			}
		})
	}
	// Their own things they may see, by id or uid.
	f.must(200, aTok, "GET", "/api/v1/app/alpha", "", nil)
	f.must(200, bTok, "GET", "/api/v1/app/"+b+"/endpoint/"+ep.ID, "", nil)
	// A new token replaces the old one.
	var tok tokenOut
	f.must(201, adminToken, "POST", "/api/v1/app/"+a+"/token", "", &tok)
	f.must(401, aTok, "GET", "/api/v1/app/"+a, "", nil)
	f.must(200, tok.Token, "GET", "/api/v1/app/"+a, "", nil)
	// The token is stored hashed.
	stored, err := f.db.App(context.Background(), a)
	if err != nil || stored.TokenHash != HashToken(tok.Token) || strings.Contains(stored.TokenHash, tok.Token) {
		t.Fatalf("stored token hash %q, %v", stored.TokenHash, err)
	}
}

func TestAPI_EndpointValidation(t *testing.T) {
	f := newFixture(t, nil)
	a, tok := f.app("alpha")
	tests := []struct {
		name, body string
		status     int
		detail     string
	}{
		{"loopback", `{"url":"https://127.0.0.1/x"}`, 422, "127.0.0.1 is loopback"},
		{"metadata service", `{"url":"https://169.254.169.254/latest"}`, 422, "169.254.169.254 is link-local"},
		{"mapped loopback", `{"url":"https://[::ffff:127.0.0.1]/"}`, 422, "IPv4-mapped and embeds 127.0.0.1, which is loopback"},
		{"name to loopback", `{"url":"https://rebind.example.com/"}`, 422, "rebind.example.com resolves to 127.0.0.1 is loopback"},
		{"http under https_only", `{"url":"http://hooks.example.com/"}`, 422, "https_only"},
		{"userinfo", `{"url":"https://u:p@hooks.example.com/"}`, 422, "user info"},
		{"no url", `{"description":"x"}`, 422, "url: required"},
		{"empty channels", `{"url":"https://hooks.example.com/","channels":[]}`, 422, "channels: [] is not allowed"},
		{"empty filterTypes", `{"url":"https://hooks.example.com/","filterTypes":[]}`, 422, "filterTypes: [] is not allowed"},
		{"unknown type", `{"url":"https://hooks.example.com/","filterTypes":["watch.exploded"]}`, 422, `"watch.exploded" is not a watch event type`},
		{"channel not allowed", `{"url":"https://hooks.example.com/","channels":["payroll"]}`, 422, `"payroll" is not a subscribable watch`},
		{"channel twice", `{"url":"https://hooks.example.com/","channels":["releases","releases"]}`, 422, "given twice"},
		{"unknown field", `{"url":"https://hooks.example.com/","filterType":["watch.changed"]}`, 422, `unknown field "filterType"`},
		{"bad secret", `{"url":"https://hooks.example.com/","secret":"short"}`, 422, "secret:"},
		{"bad uid", `{"url":"https://hooks.example.com/","uid":"a b"}`, 422, "uid:"},
		{"id-like uid", `{"url":"https://hooks.example.com/","uid":"ep_1"}`, 422, "uid:"},
		{"negative rate", `{"url":"https://hooks.example.com/","rateLimit":-1}`, 422, "rateLimit"},
		{"zero rate", `{"url":"https://hooks.example.com/","rateLimit":0}`, 422, "rateLimit: 1 to 65535"},
		{"null url", `{"url":null}`, 422, "url: required"},
		{"unparsable url", `{"url":"https://[::1/"}`, 422, "url: not a URL"},
		{"not json", `{"url":`, 422, "body:"},
		{"two objects", `{"url":"https://hooks.example.com/"}{}`, 422, "nothing after it"},
		{"too large", `{"url":"https://hooks.example.com/","description":"` + strings.Repeat("x", 5000) + `"}`, 413, "over 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := f.call(tok, "POST", "/api/v1/app/"+a+"/endpoint", tt.body, nil)
			var e errorOut
			_ = json.Unmarshal([]byte(body), &e)
			if status != tt.status || !strings.Contains(e.Detail, tt.detail) {
				t.Fatalf("= %d %s, want %d with %q", status, body, tt.status, tt.detail)
			}
		})
	}
	if eps, _ := f.db.Endpoints(context.Background(), ""); len(eps) != 0 {
		t.Fatalf("%d endpoints stored by refused requests", len(eps))
	}

	// Accepted ones, then the quota (3) and a taken uid.
	e := f.endpoint(tok, a, `{"url":"https://hooks.example.com/1","uid":"one","channels":["releases"],"filterTypes":["watch.changed","watch.failing"],"rateLimit":5,"metadata":{"team":"x"},"description":"first"}`)
	if e.UID != "one" || e.Description != "first" || len(e.Channels) != 1 || len(e.FilterTypes) != 2 || e.RateLimit != 5 || e.Metadata["team"] != "x" || e.Version != 1 || !strings.HasPrefix(e.ID, "ep_") {
		t.Fatalf("created %+v", e)
	}
	// A PATCH cannot take the URL away.
	f.must(422, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"url":null}`, nil)
	f.must(409, tok, "POST", "/api/v1/app/"+a+"/endpoint", `{"url":"https://hooks.example.com/2","uid":"one"}`, nil)
	f.endpoint(tok, a, `{"url":"https://hooks.example.com/2"}`)
	f.endpoint(tok, a, `{"url":"https://hooks.example.com/3"}`)
	if _, body := f.call(tok, "POST", "/api/v1/app/"+a+"/endpoint", `{"url":"https://hooks.example.com/4"}`, nil); !strings.Contains(body, "max_endpoints_per_app") {
		t.Fatalf("over quota: %s", body)
	}
}

func TestAPI_AllowCIDRs(t *testing.T) {
	cfg := testConfig()
	cfg.HTTPSOnly = false
	cfg.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	f := newFixture(t, cfg)
	a, tok := f.app("alpha")
	f.endpoint(tok, a, `{"url":"http://127.0.0.1:9/in"}`)
	f.must(422, tok, "POST", "/api/v1/app/"+a+"/endpoint", `{"url":"http://[::ffff:127.0.0.1]:9/"}`, nil)
	f.must(422, tok, "POST", "/api/v1/app/"+a+"/endpoint", `{"url":"http://10.0.0.1/"}`, nil)
}

func TestAPI_Paging(t *testing.T) {
	cfg := testConfig()
	cfg.MaxEndpointsPerApp = 10
	f := newFixture(t, cfg)
	a, tok := f.app("alpha")
	var ids []string
	for i := range 5 {
		ids = append(ids, f.endpoint(tok, a, `{"url":"https://hooks.example.com/`+string(rune('a'+i))+`"}`).ID)
	}
	for _, order := range []string{"ascending", "descending"} {
		var got []string
		it := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			var page listOut[endpointOut]
			f.must(200, tok, "GET", "/api/v1/app/"+a+"/endpoint?limit=2&order="+order+"&iterator="+it, "", &page)
			for _, e := range page.Data {
				got = append(got, e.ID)
			}
			if page.Done {
				break
			}
			if page.Iterator == nil || len(page.Data) != 2 {
				t.Fatalf("page %+v", page)
			}
			it = *page.Iterator
		}
		want := append([]string(nil), ids...)
		if order == "descending" {
			for i, j := 0, len(want)-1; i < j; i, j = i+1, j-1 {
				want[i], want[j] = want[j], want[i]
			}
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("%s: %v, want %v", order, got, want)
		}
	}
	for _, q := range []string{"limit=0", "limit=251", "limit=x", "order=sideways"} {
		f.must(422, tok, "GET", "/api/v1/app/"+a+"/endpoint?"+q, "", nil)
	}
	// An empty list is [], not null.
	_, body := f.call(tok, "GET", "/api/v1/app/"+a+"/endpoint?iterator="+ids[4], "", nil)
	if !strings.Contains(body, `"data":[]`) || !strings.Contains(body, `"done":true`) {
		t.Fatalf("empty page %s", body)
	}
}

func TestAPI_UpdateAndSecrets(t *testing.T) {
	f := newFixture(t, nil)
	a, tok := f.app("alpha")
	e := f.endpoint(tok, a, `{"url":"https://hooks.example.com/1","channels":["releases"],"description":"d"}`)
	ctx := context.Background()
	// Make it active, as the verifier would.
	if _, err := f.db.UpdateEndpoint(ctx, a, e.ID, func(x *store.Endpoint) error { x.Status = store.EndpointActive; return nil }); err != nil {
		t.Fatal(err)
	}

	var p endpointOut
	f.must(200, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"channels":["incidents","releases"]}`, &p)
	if strings.Join(p.Channels, ",") != "incidents,releases" || p.Description != "d" || p.URL != e.URL {
		t.Fatalf("patched %+v", p)
	}
	var st statusOut
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/status", "", &st)
	if st.Status != store.EndpointActive {
		t.Fatalf("status after a patch without url: %+v", st)
	}
	f.must(422, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"channels":[]}`, nil)
	p = endpointOut{}
	f.must(200, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"channels":null}`, &p)
	if p.Channels != nil || p.ID != e.ID {
		t.Fatalf("channels null: %+v", p)
	}
	f.must(422, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"url":"https://169.254.169.254/"}`, nil)

	// A new URL sends it back to pending.
	f.must(200, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"url":"https://other.example.com/x"}`, &p)
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/status", "", &st)
	if st.Status != store.EndpointPending || p.URL != "https://other.example.com/x" {
		t.Fatalf("after a url change: %+v %+v", st, p)
	}
	// PUT replaces: the description not given is reset.
	f.must(200, tok, "PUT", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"url":"https://other.example.com/x","filterTypes":["watch.changed"]}`, &p)
	if p.Description != "" || len(p.FilterTypes) != 1 {
		t.Fatalf("put %+v", p)
	}

	// Secrets: generated, rotated with a 24 h overlap.
	var s1, s2 secretOut
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/secret", "", &s1)
	if _, err := config.DecodeSecret(s1.Key); err != nil {
		t.Fatalf("secret %q: %v", s1.Key, err)
	}
	f.must(204, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/secret/rotate", `{}`, nil)
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/secret", "", &s2)
	if s2.Key == s1.Key {
		t.Fatal("rotate kept the secret")
	}
	secrets := func(at time.Time) int {
		eps, err := f.db.Endpoints(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return len(Targets(eps, at)[0].Secrets)
	}
	now := f.clock.Now()
	if n := secrets(now); n != 2 {
		t.Fatalf("%d secrets signing after a rotation, want 2", n)
	}
	if n := secrets(now.Add(25 * time.Hour)); n != 1 {
		t.Fatalf("%d secrets signing a day later, want 1", n)
	}
	if ts := f.lastTargets(); len(ts) != 1 || len(ts[0].Secrets) != 2 {
		t.Fatalf("dispatcher not handed the rotated secrets: %+v", ts)
	}
	chosen := "whsec_" + strings.Repeat("QUJD", 8)
	f.must(204, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/secret/rotate", `{"key":"`+chosen+`"}`, nil)
	f.must(200, tok, "GET", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/secret", "", &s2)
	if s2.Key != chosen {
		t.Fatalf("secret %q, want the chosen one", s2.Key)
	}
	f.must(422, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/secret/rotate", `{"key":"tiny"}`, nil)
	// Rotating again and again keeps two secrets signing, not one more
	// each time.
	for range 5 {
		f.must(204, tok, "POST", "/api/v1/app/"+a+"/endpoint/"+e.ID+"/secret/rotate", `{}`, nil)
	}
	if n := secrets(f.clock.Now()); n != 2 {
		t.Fatalf("%d secrets signing after six rotations, want 2", n)
	}

	// Enabling a disabled endpoint forgets its failures (disable_after
	// would disable it again at once).
	if _, err := f.db.UpdateEndpoint(ctx, a, e.ID, func(x *store.Endpoint) error {
		x.Disabled, x.DisabledReason, x.FailingSince = true, "failing for 120h", f.clock.Now().Add(-200*time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.must(200, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"disabled":false}`, nil)
	if got, _ := f.db.Endpoint(ctx, a, e.ID); got.Disabled || got.DisabledReason != "" || !got.FailingSince.IsZero() {
		t.Fatalf("after enabling: %+v", got)
	}

	// What the operator disabled, only the operator enables: the
	// consumer's PATCH is refused, its PUT keeps it disabled.
	if _, err := f.db.UpdateEndpoint(ctx, a, e.ID, func(x *store.Endpoint) error {
		x.Disabled, x.DisabledReason = true, store.DisabledByOperator
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.must(403, tok, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"disabled":false}`, nil)
	f.must(200, tok, "PUT", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"url":"`+e.URL+`"}`, nil)
	if got, _ := f.db.Endpoint(ctx, a, e.ID); !got.Disabled {
		t.Fatalf("a consumer's PUT enabled what the operator disabled: %+v", got)
	}
	f.must(200, adminToken, "PATCH", "/api/v1/app/"+a+"/endpoint/"+e.ID, `{"disabled":false}`, nil)
	if got, _ := f.db.Endpoint(ctx, a, e.ID); got.Disabled {
		t.Fatalf("the admin could not enable it: %+v", got)
	}

	// Delete.
	f.must(204, tok, "DELETE", "/api/v1/app/"+a+"/endpoint/"+e.ID, "", nil)
	f.must(404, tok, "GET", "/api/v1/app/"+a+"/endpoint/"+e.ID, "", nil)
	if ts := f.lastTargets(); len(ts) != 0 {
		t.Fatalf("deleted endpoint still handed: %+v", ts)
	}
}

func TestTargets(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	key := "whsec_" + strings.Repeat("QUJD", 8)
	eps := []store.Endpoint{
		{ID: "ep_1", URL: "https://a/", Status: store.EndpointActive, RateLimit: 10, AllowedRate: 120, Secrets: []store.EndpointSecret{{Key: key}}},
		{ID: "ep_2", URL: "https://b/", Status: store.EndpointPending},
		{ID: "ep_3", URL: "https://c/", Status: store.EndpointActive, Disabled: true},
		{ID: "ep_4", URL: "https://d/", Status: store.EndpointActive, AllowedRate: 30},
		{ID: "ep_5", URL: "https://e/", Status: store.EndpointActive, RateLimit: 2, AllowedRate: 600},
	}
	ts := Targets(eps, now)
	want := []struct {
		disabled bool
		rate     int
	}{{false, 2}, {true, 0}, {true, 0}, {false, 1}, {false, 2}}
	for i, w := range want {
		tg := ts[i]
		if tg.Name != eps[i].ID || tg.Kind != config.KindWebhook || !tg.Consumer || tg.Disabled != w.disabled || tg.RateLimit != w.rate || tg.URL != eps[i].URL {
			t.Errorf("target %d = %+v, want disabled %v rate %d", i, tg, w.disabled, w.rate)
		}
	}
	if len(ts[0].Secrets) != 1 {
		t.Errorf("secrets %v", ts[0].Secrets)
	}
}

func TestAPI_EventTypes(t *testing.T) {
	f := newFixture(t, nil)
	_, tok := f.app("alpha")
	var page listOut[eventTypeOut]
	f.must(200, tok, "GET", "/api/v1/event-type", "", &page)
	names := map[string]eventTypeOut{}
	for _, e := range page.Data {
		names[e.Name] = e
	}
	for _, typ := range []string{"watch.changed", "watch.failing", "watch.recovered"} {
		e, ok := names[typ]
		if !ok || e.Description == "" || !strings.Contains(string(e.Schemas["1"]), `"type":"`+typ+`"`) {
			t.Errorf("event type %s: %+v", typ, e)
		}
	}
}

// TestCheckUIDAndSecret: the uids and secrets a consumer may choose, at
// their bounds.
func TestCheckUIDAndSecret(t *testing.T) {
	for _, tc := range []struct {
		uid string
		ok  bool
	}{
		{"a", true}, {"Team-1_x.y", true}, {strings.Repeat("u", 256), true},
		{"", false}, {strings.Repeat("u", 257), false}, {"a b", false}, {"a/b", false}, {"é", false},
		{"a\n", false}, {"ep_1", false}, {"app_x", false}, {"ep-1", true},
	} {
		if err := checkUID(tc.uid); (err == nil) != tc.ok {
			t.Errorf("checkUID(%q) = %v, want ok %v", tc.uid, err, tc.ok)
		}
	}
	b64 := func(n int) string { return strings.Repeat("QUJD", n/4) + strings.Repeat("=", n%4) }
	for _, tc := range []struct {
		secret string
		ok     bool
	}{
		{b64(32), true}, {"whsec_" + b64(32), true}, {"whsec_" + b64(100), true}, {b64(100), true},
		{b64(31), false}, {"whsec_" + b64(28), false}, {b64(101), false}, {"whsec_" + b64(104), false},
		{"whsec_", false}, {"", false}, {"whsec_" + b64(31) + "-", false}, {"whsec_whsec_" + b64(32), false},
		{" " + b64(32), false}, {b64(32) + "\n", false},
	} {
		got, err := checkSecret("secret", tc.secret)
		if (err == nil) != tc.ok || err == nil && !strings.HasPrefix(got, "whsec_") {
			t.Errorf("checkSecret(%q) = %q, %v, want ok %v", tc.secret, got, err, tc.ok)
		}
	}
}
