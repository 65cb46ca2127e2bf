package cli

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// statusScenario is a daemon with one watch of each state, a change event
// and a dead letter.
type statusScenario struct {
	env     *testkit.Daemon
	rc      *testkit.Receiver
	eventID string
}

const (
	watchSecret = "watch-api-key-s3cret"
	hookSecret  = "hook-token-s3cret"
	// htmlWatch is a watch name the page must escape.
	htmlWatch = `<b>bad</b> "api"`
)

// scenarioOptions vary newStatusScenario.
type scenarioOptions struct {
	listen, token string
	// retry is the target's retry schedule, in TOML; failing is the name
	// of the failing watch.
	retry, failing string
}

// newStatusScenario starts a daemon whose watches are ok (releases, with
// one change), failing (o.failing), paused by a 429 (limited) and
// waiting for a baseline (fresh: its API never answers, so the poll the
// daemon starts it with stays in flight), and whose target answers 500
// until the test says otherwise, so the change's delivery fails for good.
// The first polls are made before the daemon starts, so that it does not
// poll those watches at start too.
func newStatusScenario(t *testing.T, o scenarioOptions) *statusScenario {
	t.Helper()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	bad := failingAPI(t)
	limited := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}))
	t.Cleanup(limited.Close)
	rc := testkit.NewReceiver(http.StatusInternalServerError)
	rcSrv := httptest.NewServer(rc)
	t.Cleanup(rcSrv.Close)
	hang := make(chan struct{})
	silent := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(silent.Close)

	auth := ""
	if o.token != "" {
		auth = fmt.Sprintf("auth_token = %q", o.token)
	}
	cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "pollhook.toml"), fmt.Sprintf(`db = "state.db"
listen = %q
%s

[[target]]
name = "hook"
url = %q
secret = %q
retry = %s

[[watch]]
name = "releases"
url = %q
schedule = "@every 1h"
select = "data.items"
key = "id"
ignore = ["#.updated_at"]
notify = ["hook"]

[[watch]]
name = %q
url = %q
schedule = "@every 1h"
notify = ["hook"]

[[watch]]
name = "limited"
url = %q
schedule = "@every 1h"
notify = ["hook"]

[[watch]]
name = "fresh"
url = %q
schedule = "@every 1h"
timeout = "1h"
notify = ["hook"]
`, o.listen, auth, rcSrv.URL+"/hook?token="+hookSecret, testkit.Secret, o.retry, apiSrv.URL+"/releases?api_key="+watchSecret,
		o.failing, bad.URL, limited.URL, silent.URL+"/never-answers"))

	mustCLI(t, "once", "--config", cfg, "--watch", "releases") // baseline
	for _, w := range []string{o.failing, "limited"} {
		if _, _, code := tryCLI(t, "once", "--config", cfg, "--watch", w); code != 1 {
			t.Fatalf("once of %s: exit %d, want 1", w, code)
		}
	}
	env := testkit.StartDaemon(t, runCLI, cfg, o.listen, o.token)
	t.Cleanup(func() { close(hang) }) // before the daemon stops: its poll of fresh ends
	api.Set(testkit.ReleasesV2)
	out := mustCLI(t, "once", "--config", cfg, "--watch", "releases")
	var ev struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.ID == "" {
		t.Fatalf("once printed %q", out)
	}
	testkit.WaitUntil(t, 10*time.Second, "the delivery to fail", func() bool {
		return strings.Contains(mustCLI(t, "deliveries", "--state", "failed", "--config", cfg), ev.ID)
	})
	return &statusScenario{env: env, rc: rc, eventID: ev.ID}
}

func TestStatusPage(t *testing.T) {
	t.Parallel()
	sc := newStatusScenario(t, scenarioOptions{listen: testkit.FreeAddr(t), retry: "[]", failing: htmlWatch})
	env := sc.env

	req, _ := http.NewRequest(http.MethodGet, env.Base+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}

	t.Run("watches", func(t *testing.T) {
		for _, c := range []struct{ watch, badge, text string }{
			{"releases", "badge-ok", ">ok<"},
			{htmlWatch, "badge-failing", "1 failed poll in a row"},
			{"limited", "badge-paused", "no request before"},
			{"fresh", "badge-waiting", "waiting for baseline"},
		} {
			row := testkit.WatchRow(t, page, c.watch)
			if !strings.Contains(row, c.badge) || !strings.Contains(row, c.text) {
				t.Errorf("row of %s lacks %s / %q:\n%s", c.watch, c.badge, c.text, row)
			}
		}
		if row := testkit.WatchRow(t, page, htmlWatch); !strings.Contains(row, "HTTP 500") {
			t.Errorf("the failing watch's row does not say why:\n%s", row)
		}
		if row := testkit.WatchRow(t, page, "releases"); strings.Count(row, "<time") != 3 {
			t.Errorf("releases row should show last poll, last change and next run:\n%s", row)
		}
	})

	t.Run("escaping and secrets", func(t *testing.T) {
		if strings.Contains(page, "<b>bad</b>") || !strings.Contains(page, "&lt;b&gt;bad&lt;/b&gt;") {
			t.Error("a watch name is not HTML-escaped")
		}
		for _, secret := range []string{watchSecret, hookSecret} {
			if strings.Contains(page, secret) {
				t.Errorf("the page shows the secret %q", secret)
			}
		}
		if !strings.Contains(page, "token=REDACTED") {
			t.Error("the target URL is not shown redacted")
		}
	})

	// The markup is the web package's to test (with a fake source): here,
	// that the daemon's change and its dead letter reach the page.
	t.Run("the change and its dead letter", func(t *testing.T) {
		for _, want := range []string{
			`id="` + sc.eventID + `"`,
			`releases changed: 1 added, 1 removed, 1 changed`,
			`3 &#34;c&#34;`, `2 &#34;b&#34;`, `1 name: &#34;a&#34; → &#34;a2&#34;`,
			`pill-failed`,
			`data-event="` + sc.eventID + `"`,
			`name="event_id" value="` + sc.eventID + `"`,
			`Redeliver all failed to hook`,
			`<b>1</b> failed`,
		} {
			if !strings.Contains(page, want) {
				t.Errorf("the page lacks %s", want)
			}
		}
	})

	t.Run("poll now", func(t *testing.T) {
		form := url.Values{"watch": {"releases"}}
		if resp := testkit.PostForm(t, env.Base+"/ui/poll", form, map[string]string{"Origin": "http://evil.example"}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site poll now: %d, want 403", resp.StatusCode)
		}
		resp := testkit.PostForm(t, env.Base+"/ui/poll", form, map[string]string{"Origin": env.Base, "Sec-Fetch-Site": "same-origin"})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/?notice=") {
			t.Fatalf("poll now: %d to %q", resp.StatusCode, loc)
		}
		if _, page := env.Get(t, loc, ""); !strings.Contains(page, "Polled releases: no change (2 elements).") {
			t.Errorf("after poll now the page does not say what the poll did:\n%s", page)
		}
	})

	t.Run("redeliver", func(t *testing.T) {
		form := url.Values{"event_id": {sc.eventID}, "target": {"hook"}}
		origin := env.Base
		for _, c := range []struct {
			name    string
			headers map[string]string
		}{
			{"other origin", map[string]string{"Origin": "http://evil.example"}},
			{"other port", map[string]string{"Origin": "http://127.0.0.1:1"}},
			{"null origin", map[string]string{"Origin": "null"}},
			{"cross-site fetch", map[string]string{"Sec-Fetch-Site": "cross-site"}},
			{"same-site fetch", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": origin}},
		} {
			if resp := testkit.PostForm(t, env.Base+"/ui/redeliver", form, c.headers); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: POST answered %d, want 403", c.name, resp.StatusCode)
			}
		}
		if resp := testkit.PostForm(t, env.Base+"/ui/redeliver", url.Values{"target": {"hook"}}, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a form without event_id or state: %d, want 400", resp.StatusCode)
		}
		if out := mustCLI(t, "deliveries", "--state", "failed", "--config", env.Config); !strings.Contains(out, sc.eventID) {
			t.Fatalf("a refused POST changed the delivery:\n%s", out)
		}

		sc.rc.SetStatus(http.StatusOK)
		resp := testkit.PostForm(t, env.Base+"/ui/redeliver", form, map[string]string{"Origin": origin, "Sec-Fetch-Site": "same-origin"})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?queued=1#outbox" {
			t.Fatalf("same-origin POST: %d to %q, want 303 to /?queued=1#outbox", resp.StatusCode, resp.Header.Get("Location"))
		}
		testkit.WaitUntil(t, 10*time.Second, "the redelivery", func() bool {
			return strings.Contains(mustCLI(t, "deliveries", "--state", store.StateDelivered, "--config", env.Config), sc.eventID)
		})
		_, page := env.Get(t, "/?queued=1", "")
		for _, want := range []string{"Queued 1 delivery again.", "pill-delivered", "<b>0</b> failed"} {
			if !strings.Contains(page, want) {
				t.Errorf("after the redelivery the page lacks %q", want)
			}
		}
		if strings.Contains(page, `class="failed-row"`) {
			t.Error("after the redelivery the page still lists a failed delivery")
		}
		// A stale page or a second click must not send the delivered
		// event again.
		before := len(sc.rc.Hooks())
		resp = testkit.PostForm(t, env.Base+"/ui/redeliver", form, map[string]string{"Origin": origin, "Sec-Fetch-Site": "same-origin"})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/?queued=0#outbox" {
			t.Errorf("second POST: %d to %q, want 303 to /?queued=0#outbox", resp.StatusCode, resp.Header.Get("Location"))
		}
		time.Sleep(200 * time.Millisecond)
		if after := len(sc.rc.Hooks()); after != before {
			t.Errorf("a second click re-sent a delivered event (%d → %d webhooks)", before, after)
		}
	})
}

// TestStatusPage_AuthToken: on a non-loopback listen the page, its
// forms and /metrics need the auth_token; ?token= carries through forms
// and redirects.
func TestStatusPage_AuthToken(t *testing.T) {
	t.Parallel()
	const token = "page-t0ken+/="
	_, port, _ := strings.Cut(testkit.FreeAddr(t), ":")
	sc := newStatusScenario(t, scenarioOptions{listen: "0.0.0.0:" + port, token: token, retry: "[]", failing: htmlWatch})
	env := sc.env
	q := "?" + url.Values{"token": {token}}.Encode()

	for _, c := range []struct {
		path, auth string
		want       int
	}{
		{"/", "", http.StatusUnauthorized},
		{"/?token=wrong", "", http.StatusUnauthorized},
		{"/" + q, "", http.StatusOK},
		{"/", "bearer", http.StatusOK},
		{"/metrics", "", http.StatusUnauthorized},
		{"/metrics", "bearer", http.StatusOK},
		{"/readyz", "", http.StatusOK}, // for probes: its reason needs the token
		{"/readyz" + q, "", http.StatusOK},
		{"/healthz", "", http.StatusOK},
	} {
		if got, _ := env.Get(t, c.path, c.auth); got != c.want {
			t.Errorf("GET %s (%s) = %d, want %d", c.path, c.auth, got, c.want)
		}
	}

	_, page := env.Get(t, "/"+q, "")
	escaped := html.EscapeString(q)
	for _, want := range []string{
		`action="/ui/redeliver` + escaped + `"`,
		`href="/metrics` + escaped + `"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the page opened with ?token= lacks %s", want)
		}
	}
	_, page = env.Get(t, "/", "bearer")
	if strings.Contains(page, "page-t0ken") {
		t.Error("a page opened with a Bearer header puts the token in its URLs")
	}

	form := url.Values{"state": {"failed"}, "target": {"hook"}}
	same := map[string]string{"Origin": env.Base, "Sec-Fetch-Site": "same-origin"}
	if resp := testkit.PostForm(t, env.Base+"/ui/redeliver", form, same); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("POST without the token: %d, want 401", resp.StatusCode)
	}
	sc.rc.SetStatus(http.StatusOK)
	resp := testkit.PostForm(t, env.Base+"/ui/redeliver"+q, form, same)
	want := "/?" + url.Values{"queued": {"1"}, "token": {token}}.Encode() + "#outbox"
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("POST with the token: %d to %q, want 303 to %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if got, _ := env.Get(t, resp.Header.Get("Location"), ""); got != http.StatusOK {
		t.Errorf("the redirect target answers %d", got)
	}
}
