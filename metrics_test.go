package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// daemonEnv is a daemon run in-process (run "run") with its local API on.
type daemonEnv struct {
	base   string // http://127.0.0.1:port
	cfg    string
	token  string
	stderr *syncBuffer
	// stop stops the daemon and checks it exits 0; the test's cleanup
	// calls it too (it runs once).
	stop func()
}

// startDaemon runs the daemon on cfg until the test ends, and waits for
// its local API at listen (dialled on 127.0.0.1 whatever host it binds).
func startDaemon(t *testing.T, cfg, listen, token string) *daemonEnv {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	env := &daemonEnv{cfg: cfg, token: token, stderr: &syncBuffer{}}
	_, port, _ := strings.Cut(listen, ":")
	env.base = "http://127.0.0.1:" + port
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"run", "--config", cfg}, io.Discard, env.stderr) }()
	env.stop = sync.OnceFunc(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("daemon exit %d\n%s", code, env.stderr.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("daemon did not stop")
		}
	})
	t.Cleanup(env.stop)
	waitUntil(t, 10*time.Second, "local API", func() bool {
		return strings.Contains(env.stderr.String(), "local API listening")
	})
	waitUntil(t, 10*time.Second, "scheduler", func() bool {
		status, _ := env.get(t, "/readyz", "bearer")
		return status == http.StatusOK
	})
	return env
}

// get fetches path with the token as a Bearer header when auth is
// "bearer", and returns the status and body.
func (e *daemonEnv) get(t *testing.T, path, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth == "bearer" && e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func writeFile(t *testing.T, path, src string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// failingAPI answers every request with 500.
func failingAPI(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "internal trouble", http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sample is one line of the Prometheus text format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseExposition parses the Prometheus text format strictly: a label
// value that is not escaped right fails the test.
func parseExposition(t *testing.T, body string) []sample {
	t.Helper()
	var out []sample
	for n, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			t.Fatalf("line %d %q: %v", n+1, line, err)
		}
		out = append(out, s)
	}
	return out
}

func parseSample(line string) (sample, error) {
	s := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i <= 0 {
		return s, fmt.Errorf("no metric name")
	}
	s.name, line = line[:i], line[i:]
	if line[0] == '{' {
		line = line[1:]
		for line != "" && line[0] != '}' {
			eq := strings.Index(line, `="`)
			if eq <= 0 {
				return s, fmt.Errorf("bad label at %q", line)
			}
			key := line[:eq]
			line = line[eq+2:]
			var val strings.Builder
			for {
				if line == "" {
					return s, fmt.Errorf("unterminated value of %s", key)
				}
				c := line[0]
				line = line[1:]
				if c == '"' {
					break
				}
				if c == '\\' {
					if line == "" {
						return s, fmt.Errorf("bad escape in %s", key)
					}
					switch line[0] {
					case '\\', '"':
						val.WriteByte(line[0])
					case 'n':
						val.WriteByte('\n')
					default:
						return s, fmt.Errorf("bad escape \\%c in %s", line[0], key)
					}
					line = line[1:]
					continue
				}
				val.WriteByte(c)
			}
			s.labels[key] = val.String()
			line = strings.TrimPrefix(line, ",")
		}
		if line == "" {
			return s, fmt.Errorf("no closing brace")
		}
		line = line[1:]
	}
	v, ok := strings.CutPrefix(line, " ")
	if !ok {
		return s, fmt.Errorf("no value")
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return s, err
	}
	s.value = f
	return s, nil
}

// find returns the value of the series name with exactly these labels.
func find(samples []sample, name string, labels ...string) (float64, bool) {
next:
	for _, s := range samples {
		if s.name != name || len(s.labels) != len(labels)/2 {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if v, ok := s.labels[labels[i]]; !ok || v != labels[i+1] {
				continue next
			}
		}
		return s.value, true
	}
	return 0, false
}

// TestMetrics_ScriptedRun drives the real daemon through a baseline, a
// change delivered to one target and dead-lettered at another, and a
// failing watch whose name needs escaping; then a reload removes the
// failing watch.
func TestMetrics_ScriptedRun(t *testing.T) {
	api := &testAPI{body: releasesV1}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	bad := failingAPI(t)
	rc := &testReceiver{}
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	down := &testReceiver{status: http.StatusInternalServerError}
	downSrv := httptest.NewServer(down)
	defer downSrv.Close()

	const badName = `bad "api" \ watch`
	dir := t.TempDir()
	listen := freeAddr(t)
	targets := fmt.Sprintf(`db = "state.db"
listen = %q

[[target]]
name = "hook"
url = %q
secret = %q

[[target]]
name = "down"
url = %q
secret = %q
retry = []

[[watch]]
name = "releases"
url = %q
schedule = "@every 1h"
select = "data.items"
key = "id"
ignore = ["#.updated_at"]
notify = ["hook", "down"]
`, listen, rcSrv.URL, testSecret, downSrv.URL, testSecret, apiSrv.URL)
	badWatch := fmt.Sprintf(`
[[watch]]
name = %q
url = %q
schedule = "@every 1h"
alert_after = 10
notify = ["hook"]
`, badName, bad.URL)
	cfg := writeFile(t, filepath.Join(dir, "pollhook.toml"), targets+badWatch)
	env := startDaemon(t, cfg, listen, "")

	mustCLI(t, "once", "--config", cfg, "--watch", "releases") // baseline
	for range 3 {
		if _, _, code := cli(t, "once", "--config", cfg, "--watch", badName); code != 1 {
			t.Fatalf("once of the failing watch: exit %d, want 1", code)
		}
	}
	api.set(releasesV2)
	mustCLI(t, "once", "--config", cfg, "--watch", "releases") // the change

	var samples []sample
	var exposition string
	waitUntil(t, 10*time.Second, "both deliveries settled in /metrics", func() bool {
		status, body := env.get(t, "/metrics", "")
		if status != http.StatusOK {
			t.Fatalf("GET /metrics: %d %s", status, body)
		}
		exposition = body
		samples = parseExposition(t, body)
		delivered, _ := find(samples, "pollhook_deliveries_total", "target", "hook", "result", "delivered")
		failed, _ := find(samples, "pollhook_outbox_failed", "target", "down")
		// Attempts are counted as they end, the outbox once their result is stored.
		pending, _ := find(samples, "pollhook_outbox_pending", "target", "hook")
		return delivered == 1 && failed == 1 && pending == 0
	})

	// Typed for Prometheus: counters, gauges and real histograms.
	for _, typ := range []string{
		"# TYPE pollhook_polls_total counter", "# TYPE pollhook_poll_duration_seconds histogram",
		"# TYPE pollhook_delivery_duration_seconds histogram", "# TYPE pollhook_outbox_pending gauge",
	} {
		if !strings.Contains(exposition, typ) {
			t.Errorf("/metrics lacks %q", typ)
		}
	}

	want := []struct {
		name   string
		labels []string
		value  float64
	}{
		{"pollhook_polls_total", []string{"watch", "releases", "result", "baseline"}, 1},
		{"pollhook_polls_total", []string{"watch", "releases", "result", "changed"}, 1},
		{"pollhook_polls_total", []string{"watch", badName, "result", "failed"}, 3},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "added"}, 1},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "removed"}, 1},
		{"pollhook_changes_total", []string{"watch", "releases", "kind", "changed"}, 1},
		{"pollhook_deliveries_total", []string{"target", "hook", "result", "delivered"}, 1},
		{"pollhook_deliveries_total", []string{"target", "down", "result", "failed"}, 1},
		{"pollhook_delivery_duration_seconds_count", []string{"target", "hook"}, 1},
		{"pollhook_delivery_duration_seconds_bucket", []string{"target", "hook", "le", "+Inf"}, 1},
		{"pollhook_poll_duration_seconds_count", []string{"watch", "releases"}, 2},
		{"pollhook_poll_duration_seconds_bucket", []string{"watch", "releases", "le", "+Inf"}, 2},
		{"pollhook_poll_duration_seconds_bucket", []string{"watch", badName, "le", "60"}, 3},
		{"pollhook_outbox_pending", []string{"target", "hook"}, 0},
		{"pollhook_outbox_failed", []string{"target", "hook"}, 0},
		{"pollhook_outbox_pending", []string{"target", "down"}, 0},
		{"pollhook_outbox_failed", []string{"target", "down"}, 1},
		{"pollhook_watch_consecutive_failures", []string{"watch", "releases"}, 0},
		{"pollhook_watch_consecutive_failures", []string{"watch", badName}, 3},
		{"pollhook_build_info", []string{"version", buildVersion()}, 1},
	}
	for _, w := range want {
		got, ok := find(samples, w.name, w.labels...)
		if !ok || got != w.value {
			t.Errorf("%s%q = %v (present %v), want %v", w.name, w.labels, got, ok, w.value)
		}
	}
	// Every bucket of the histogram is exposed, cumulative.
	for _, le := range []string{"0.005", "0.1", "1", "10", "60"} {
		if _, ok := find(samples, "pollhook_poll_duration_seconds_bucket", "watch", "releases", "le", le); !ok {
			t.Errorf("no poll duration bucket le=%s", le)
		}
	}
	ts, ok := find(samples, "pollhook_last_success_timestamp_seconds", "watch", "releases")
	if now := float64(time.Now().Unix()); !ok || ts <= 0 || ts > now+1 || ts < now-60 {
		t.Errorf("last success of releases = %v (present %v), want about %v", ts, ok, now)
	}
	if _, ok := find(samples, "pollhook_last_success_timestamp_seconds", "watch", badName); ok {
		t.Error("a watch that never succeeded has a last success time")
	}

	// A reload that removes the failing watch removes its gauges.
	writeFile(t, cfg, targets)
	req, _ := http.NewRequest(http.MethodPost, env.base+"/-/reload", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reload: %d", resp.StatusCode)
	}
	_, body := env.get(t, "/metrics", "")
	samples = parseExposition(t, body)
	if _, ok := find(samples, "pollhook_watch_consecutive_failures", "watch", badName); ok {
		t.Error("the removed watch still has a consecutive failures gauge")
	}
	if _, ok := find(samples, "pollhook_watch_consecutive_failures", "watch", "releases"); !ok {
		t.Error("the remaining watch lost its gauge")
	}
}

func TestMetricName(t *testing.T) {
	tests := []struct {
		name   string
		labels []string
		want   string
	}{
		{"plain", nil, "plain"},
		{"m", []string{"watch", "releases"}, `m{watch="releases"}`},
		{"m", []string{"watch", `a "quoted" \ name` + "\n2", "result", "ok"}, `m{watch="a \"quoted\" \\ name\n2",result="ok"}`},
		{"m", []string{"watch", "{x}=y,z"}, `m{watch="{x}=y,z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := metricName(tt.name, tt.labels...)
			if got != tt.want {
				t.Fatalf("metricName = %s, want %s", got, tt.want)
			}
			s, err := parseSample(got + " 1")
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+1 < len(tt.labels); i += 2 {
				if s.labels[tt.labels[i]] != tt.labels[i+1] {
					t.Errorf("label %s round-trips to %q", tt.labels[i], s.labels[tt.labels[i]])
				}
			}
		})
	}
}
