package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// writeInspectConfig writes a config with a fast retry schedule and the
// local API on listen.
func writeInspectConfig(t *testing.T, dir, apiURL, hookURL, listen, extraTop string) string {
	t.Helper()
	path := filepath.Join(dir, "pollhook.toml")
	src := fmt.Sprintf(`db = "state.db"
listen = %q
%s

[[target]]
name = "hook"
url = %q
secret = %q
retry = ["1h"]

[[watch]]
name = "releases"
url = %q
schedule = "@every 1h"
select = "data.items"
key = "id"
ignore = ["#.updated_at"]
notify = ["hook"]
`, listen, extraTop, hookURL, testkit.Secret, apiURL)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// maintenanceReceiver answers 503 "down for maintenance" (without
// recording) until told to answer 200, then records webhooks.
func maintenanceReceiver() (*testkit.Receiver, *httptest.Server) {
	rc := testkit.NewReceiver(0)
	rc.SetStatus(http.StatusServiceUnavailable)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status := rc.Status(); status != http.StatusOK {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "down for maintenance")
			return
		}
		rc.ServeHTTP(w, r)
	}))
	return rc, srv
}

// inspectScenario leaves one failed-once (pending) delivery in the db.
func inspectScenario(t *testing.T, cfg string, api *testkit.API) string {
	t.Helper()
	mustCLI(t, "once", "--config", cfg) // baseline
	api.Set(testkit.ReleasesV2)
	out := mustCLI(t, "once", "--config", cfg)
	var ev struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil {
		t.Fatalf("once printed %q", out)
	}
	return ev.ID
}

func checkInspection(t *testing.T, cfg, id string, rc *testkit.Receiver) {
	t.Helper()
	// deliveries: the table and --json, with filters, flags after args.
	table := mustCLI(t, "deliveries", "--config", cfg)
	for _, want := range []string{"EVENT", id, "releases", "hook", "pending", "HTTP 503"} {
		if !strings.Contains(table, want) {
			t.Errorf("deliveries table lacks %q:\n%s", want, table)
		}
	}
	var d store.Delivery
	js := mustCLI(t, "deliveries", "--state", "pending", "--json", "--config", cfg)
	if err := json.Unmarshal([]byte(js), &d); err != nil || d.EventID != id || d.Attempts != 1 || d.LastStatus != 503 {
		t.Errorf("deliveries --json = %q (%v)", js, err)
	}
	if out := mustCLI(t, "deliveries", "--state", "failed", "--config", cfg); !strings.Contains(out, "no deliveries") {
		t.Errorf("deliveries --state failed = %q, want none", out)
	}

	// delivery ID: every attempt with status, latency, body.
	detail := mustCLI(t, "delivery", id, "--config", cfg)
	for _, want := range []string{"target hook: pending after 1 attempt", "#1", "HTTP 503", "body: down for maintenance"} {
		if !strings.Contains(detail, want) {
			t.Errorf("delivery lacks %q:\n%s", want, detail)
		}
	}

	// history: the change rendered readably, newest first.
	hist := mustCLI(t, "history", "releases", "--config", cfg)
	for _, want := range []string{id, "seq 1", "releases changed: 1 added, 1 removed, 1 changed", `~ 1 name: "a" → "a2"`, `+ 3 "c"`, `- 2 "b"`} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if strings.Contains(hist, "\x1b[") {
		t.Error("history printed colour codes to a non-terminal")
	}

	// redeliver: same webhook-id, arrives.
	rc.SetStatus(http.StatusOK)
	out := mustCLI(t, "redeliver", id, "--config", cfg)
	if !strings.Contains(out, "queued "+id+" → hook") {
		t.Errorf("redeliver said %q", out)
	}
}

func TestInspect_DirectDB(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc, rcSrv := maintenanceReceiver()
	defer rcSrv.Close()
	cfg := writeInspectConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL, "", "")
	id := inspectScenario(t, cfg, api)
	checkInspection(t, cfg, id, rc)
	// Without a daemon, redeliver only queues; once delivers what is due.
	mustCLI(t, "once", "--config", cfg)
	hooks := rc.Hooks()
	if len(hooks) != 1 || hooks[0].Header.Get("webhook-id") != id {
		t.Fatalf("after redeliver + once: %d hooks", len(hooks))
	}
	if out := mustCLI(t, "deliveries", "--state", "delivered", "--config", cfg); !strings.Contains(out, id) {
		t.Errorf("delivered list lacks the event:\n%s", out)
	}
	// Errors name what is wrong.
	if _, errOut, code := tryCLI(t, "delivery", "msg_nope", "--config", cfg); code != 1 || !strings.Contains(errOut, "no event msg_nope") {
		t.Errorf("delivery of an unknown id: exit %d, %q", code, errOut)
	}
	if _, _, code := tryCLI(t, "redeliver", "--config", cfg); code != 2 {
		t.Errorf("redeliver without an id: exit %d, want 2", code)
	}
	if _, _, code := tryCLI(t, "deliveries", "--state", "lost", "--config", cfg); code != 2 {
		t.Errorf("deliveries --state lost: exit %d, want 2", code)
	}
}

func TestInspect_ThroughRunningDaemon(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc, rcSrv := maintenanceReceiver()
	defer rcSrv.Close()
	listen := testkit.FreeAddr(t)
	cfg := writeInspectConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL, listen, "")
	mustCLI(t, "once", "--config", cfg) // baseline, before the daemon holds the db

	testkit.StartDaemon(t, runCLI, cfg, listen, "")

	// once asks the daemon to poll now.
	api.Set(testkit.ReleasesV2)
	out := mustCLI(t, "once", "--config", cfg)
	var ev struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(out), &ev); err != nil || ev.ID == "" {
		t.Fatalf("once through the daemon printed %q", out)
	}
	testkit.WaitUntil(t, 10*time.Second, "first attempt", func() bool {
		return strings.Contains(mustCLI(t, "deliveries", "--config", cfg), "HTTP 503")
	})
	checkInspection(t, cfg, ev.ID, rc)
	// DNS rebinding: a page whose name resolves to 127.0.0.1 gets nothing.
	req, _ := http.NewRequest(http.MethodGet, "http://"+listen+"/api/deliveries", nil)
	req.Host = "evil.example"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("request with Host evil.example: %v %v, want 403", resp, err)
	} else {
		resp.Body.Close()
	}
	// Another site's page cannot drive the API from a browser.
	req, _ = http.NewRequest(http.MethodPost, "http://"+listen+"/api/redeliver", strings.NewReader(`{"state":"failed"}`))
	req.Header.Set("Content-Type", "text/plain")
	req.Header.Set("Origin", "http://evil.example")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %v %v, want 403", resp, err)
	} else {
		resp.Body.Close()
	}
	testkit.WaitUntil(t, 10*time.Second, "redelivered by the daemon", func() bool { return len(rc.Hooks()) == 1 })
	if got := rc.Hooks()[0].Header.Get("webhook-id"); got != ev.ID {
		t.Errorf("redelivered webhook-id %s, want %s", got, ev.ID)
	}
}

func TestTargetEnable_AfterGone(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(http.StatusGone)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := writeInspectConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL, "", "")
	id := inspectScenario(t, cfg, api)
	if out := mustCLI(t, "deliveries", "--state", "disabled", "--config", cfg); !strings.Contains(out, id) {
		t.Fatalf("after a 410 the delivery is not shown disabled:\n%s", out)
	}
	mustCLI(t, "once", "--config", cfg)
	if n := len(rc.Hooks()); n != 1 {
		t.Fatalf("%d requests to a disabled target, want 1", n)
	}
	rc.SetStatus(http.StatusOK)
	if out := mustCLI(t, "target", "enable", "hook", "--config", cfg); !strings.Contains(out, "target hook enabled") {
		t.Errorf("target enable said %q", out)
	}
	mustCLI(t, "once", "--config", cfg)
	if n := len(rc.Hooks()); n != 2 {
		t.Fatalf("after enable: %d requests, want 2", n)
	}
	if _, errOut, code := tryCLI(t, "target", "enable", "nope", "--config", cfg); code != 1 || !strings.Contains(errOut, `no target named "nope"`) {
		t.Errorf("enable unknown target: exit %d %q", code, errOut)
	}
}

func TestAPI_AuthToken(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	dir := t.TempDir()
	// A non-loopback listen without a token is refused.
	bad := writeInspectConfig(t, dir, apiSrv.URL, "https://hooks.example/h", "0.0.0.0:9180", "")
	if _, errOut, code := tryCLI(t, "check", "--config", bad); code != 1 || !strings.Contains(errOut, "set auth_token") {
		t.Errorf("non-loopback listen without auth_token: exit %d %q", code, errOut)
	}

	listen := testkit.FreeAddr(t)
	cfg := writeInspectConfig(t, dir, apiSrv.URL, "https://hooks.example/h", listen, `auth_token = "s3cret-token"`)
	testkit.StartDaemon(t, runCLI, cfg, listen, "s3cret-token")

	get := func(path, auth string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+listen+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	cases := []struct {
		path, auth string
		want       int
	}{
		{"/healthz", "", 200},
		{"/api/deliveries", "", 401},
		{"/api/deliveries", "Bearer wrong", 401},
		{"/api/deliveries", "Bearer s3cret-token", 200},
		{"/api/deliveries?token=s3cret-token", "", 200},
	}
	for _, c := range cases {
		if got := get(c.path, c.auth); got != c.want {
			t.Errorf("GET %s (%q) = %d, want %d", c.path, c.auth, got, c.want)
		}
	}
	// The CLI sends the token itself.
	mustCLI(t, "deliveries", "--config", cfg)
}

// TestInspect_FindsDaemonUnderAnotherEnvironment is the systemd case: the
// daemon runs with $STATE_DIRECTORY and secrets an admin's shell lacks;
// the CLI must still find it instead of opening (or creating) a database
// of its own.
func TestInspect_FindsDaemonUnderAnotherEnvironment(t *testing.T) {
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	stateDir, confDir := t.TempDir(), t.TempDir()
	listen := testkit.FreeAddr(t)
	cfg := filepath.Join(confDir, "pollhook.toml")
	src := fmt.Sprintf("listen = %q\n\n[[watch]]\nname = \"releases\"\nurl = %q\nbearer = \"${ONLY_IN_SERVICE}\"\nschedule = \"@every 1h\"\n", listen, apiSrv.URL)
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("STATE_DIRECTORY", stateDir)
	t.Setenv("ONLY_IN_SERVICE", "s3cret")
	testkit.StartDaemon(t, runCLI, cfg, listen, "")
	os.Unsetenv("STATE_DIRECTORY")
	os.Unsetenv("ONLY_IN_SERVICE")

	if out := mustCLI(t, "deliveries", "--config", cfg); !strings.Contains(out, "no deliveries") {
		t.Errorf("deliveries = %q", out)
	}
	mustCLI(t, "once", "--config", cfg)
	if _, err := os.Stat(filepath.Join(confDir, "pollhook.db")); err == nil {
		t.Error("once created a second database beside the configuration")
	}
	if api.Count() < 1 {
		t.Error("the daemon did not poll for once")
	}
}

// TestOnce_TopLevelProblem: once asks a daemon running the file whatever
// else is wrong in it (the daemon runs the configuration it loaded); with
// no daemon, it prints every problem.
func TestOnce_TopLevelProblem(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	dir := t.TempDir()
	listen := testkit.FreeAddr(t)
	cfg := writeInspectConfig(t, dir, apiSrv.URL, "https://hooks.example/h", listen, "")
	testkit.StartDaemon(t, runCLI, cfg, listen, "")
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "db = ", "retention = \"forever\"\ndb = ", 1) +
		"\n[[watch]]\nname = \"other\"\nurl = \"https://a.example/\"\nschedul = 1\n"
	testkit.WriteFile(t, cfg, broken)
	if out, errOut, code := tryCLI(t, "once", "--config", cfg, "--watch", "releases"); code != 0 {
		t.Errorf("once through the daemon with a broken file: exit %d\n%s%s", code, out, errOut)
	}
	offline := filepath.Join(t.TempDir(), "pollhook.toml")
	testkit.WriteFile(t, offline, strings.Replace(broken, fmt.Sprintf("listen = %q", listen), `listen = ""`, 1))
	_, errOut, code := tryCLI(t, "once", "--config", offline)
	if code != 1 || !strings.Contains(errOut, "retention:") || !strings.Contains(errOut, "schedul: unknown key") {
		t.Errorf("once without a daemon: exit %d, want 1 and every problem:\n%s", code, errOut)
	}
	_, errOut, code = tryCLI(t, "deliveries", "--config", offline)
	if code != 1 || !strings.Contains(errOut, "retention:") || strings.Contains(errOut, "schedul") || strings.Contains(errOut, "note:") {
		t.Errorf("deliveries: exit %d, want 1 and only the top-level problem:\n%s", code, errOut)
	}
}
