package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/pollhook/pollhook/event"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// syncBuffer is a bytes.Buffer safe for the daemon's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testAPI is a releases API whose body the test sets.
type testAPI struct {
	mu   sync.Mutex
	body string
	hits int
}

func (a *testAPI) set(body string) {
	a.mu.Lock()
	a.body = body
	a.mu.Unlock()
}

func (a *testAPI) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits
}

func (a *testAPI) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	a.hits++
	body := a.body
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

// testReceiver records webhooks and answers with the status it is told.
type testReceiver struct {
	mu     sync.Mutex
	status int
	got    []hook
}

type hook struct {
	header http.Header
	body   []byte
}

func (r *testReceiver) setStatus(s int) {
	r.mu.Lock()
	r.status = s
	r.mu.Unlock()
}

func (r *testReceiver) hooks() []hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]hook(nil), r.got...)
}

func (r *testReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, hook{header: req.Header.Clone(), body: body})
	status := r.status
	r.mu.Unlock()
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
}

func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func writeConfig(t *testing.T, dir, apiURL, hookURL string) string {
	t.Helper()
	path := filepath.Join(dir, "pollhook.toml")
	src := fmt.Sprintf(`db = "state.db"
listen = ""   # tests must not depend on (or collide at) the default port

[[target]]
name = "hook"
url = %q
secret = %q

[[watch]]
name = "releases"
url = %q
schedule = "@every 1s"
select = "data.items"
key = "id"
ignore = ["#.updated_at"]
notify = ["hook"]
`, hookURL, testSecret, apiURL)
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const (
	releasesV1 = `{"data":{"items":[{"id":1,"name":"a","updated_at":"t1"},{"id":2,"name":"b","updated_at":"t1"}]}}`
	releasesV2 = `{"data":{"items":[{"id":3,"name":"c","updated_at":"t2"},{"id":1,"name":"a2","updated_at":"t2"}]}}`
)

// checkChangeHook asserts the webhook for releasesV1 -> releasesV2, with a
// signature the official Standard Webhooks library accepts.
func checkChangeHook(t *testing.T, h hook) event.Event {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(h.body, h.header); err != nil {
		t.Errorf("standard-webhooks rejects the webhook: %v", err)
	}
	var ev event.Event
	if err := json.Unmarshal(h.body, &ev); err != nil {
		t.Fatalf("payload: %v\n%s", err, h.body)
	}
	if h.header.Get("webhook-id") != ev.ID || ev.Type != "watch.changed" || ev.Data.Watch != "releases" {
		t.Errorf("webhook-id %q, payload %s", h.header.Get("webhook-id"), h.body)
	}
	var got []string
	for _, c := range ev.Data.Changes {
		got = append(got, fmt.Sprintf("%s %s %s %s", c.Op, c.Path, c.Old, c.New))
	}
	want := []string{
		`added #(id==3)  {"id":3,"name":"c","updated_at":"t2"}`,
		`changed #(id==1).name "a" "a2"`,
		`removed #(id==2) {"id":2,"name":"b","updated_at":"t1"} `,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	return ev
}

// TestRun_EndToEnd runs the real daemon loop against a test API and
// receiver: baseline, change, signed webhook, clean shutdown.
func TestRun_EndToEnd(t *testing.T) {
	api := &testAPI{body: releasesV1}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := &testReceiver{}
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := writeConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL+"/hook")

	ctx, cancel := context.WithCancel(context.Background())
	var stderr syncBuffer
	code := make(chan int, 1)
	go func() { code <- run(ctx, []string{"run", "--config", cfg}, io.Discard, &stderr) }()

	waitUntil(t, 10*time.Second, "baseline poll", func() bool { return strings.Contains(stderr.String(), "baseline stored") })
	time.Sleep(1200 * time.Millisecond) // a poll of unchanged data: nothing to send
	if n := len(rc.hooks()); n != 0 {
		t.Fatalf("%d webhooks before any change", n)
	}
	api.set(releasesV2)
	waitUntil(t, 10*time.Second, "webhook", func() bool { return len(rc.hooks()) > 0 })
	ev := checkChangeHook(t, rc.hooks()[0])
	if ev.Data.Seq != 1 {
		t.Errorf("seq = %d, want 1", ev.Data.Seq)
	}
	cancel()
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit code %d on shutdown\n%s", c, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("daemon did not stop")
	}
	if n := len(rc.hooks()); n != 1 {
		t.Errorf("%d webhooks, want exactly 1", n)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good := writeConfig(t, dir, "https://api.example/v1", "https://hooks.example/h")
	var out, errOut bytes.Buffer
	if code := run(context.Background(), []string{"check", "--config", good}, &out, &errOut); code != 0 {
		t.Fatalf("check of a valid config: exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "ok (1 watches, 1 targets)") {
		t.Errorf("output %q", out.String())
	}

	bad := filepath.Join(dir, "bad.toml")
	_ = os.WriteFile(bad, []byte("[[watch]]\nname = \"w\"\nurl = \"https://x.example\"\nschedul = \"@hourly\"\nnotify = [\"nobody\"]\n"), 0o600)
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"check", bad, "--config", bad}, &out, &errOut); code != 2 {
		t.Errorf("check with a stray argument: exit %d, want 2", code)
	}
	errOut.Reset()
	if code := run(context.Background(), []string{"check", "--config", bad}, &out, &errOut); code != 1 {
		t.Fatalf("check of a bad config: exit %d, want 1", code)
	}
	for _, want := range []string{bad + `:4: watch "w": schedul: unknown key`, bad + `:5: watch "w": notify: no target named "nobody"`} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestOnce(t *testing.T) {
	api := &testAPI{body: releasesV1}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := &testReceiver{}
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := writeConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL)
	ctx := context.Background()

	var out, errOut bytes.Buffer
	if code := run(ctx, []string{"once", "--config", cfg}, &out, &errOut); code != 0 || out.Len() != 0 {
		t.Fatalf("baseline once: exit %d, stdout %q\n%s", code, out.String(), errOut.String())
	}
	api.set(releasesV2)
	// Flags after the command's other flags and in any order.
	if code := run(ctx, []string{"once", "--dry-run", "--watch", "releases", "--config", cfg}, &out, &errOut); code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"type":"watch.changed"`) {
		t.Fatalf("dry run printed %q, want one JSON event line", out.String())
	}
	if len(rc.hooks()) != 0 {
		t.Fatal("dry run sent a webhook")
	}
	out.Reset()
	if code := run(ctx, []string{"once", "--config", cfg}, &out, &errOut); code != 0 {
		t.Fatalf("once: exit %d\n%s", code, errOut.String())
	}
	var printed event.Event
	if err := json.Unmarshal(out.Bytes(), &printed); err != nil {
		t.Fatalf("once printed %q: %v", out.String(), err)
	}
	hooks := rc.hooks()
	if len(hooks) != 1 {
		t.Fatalf("once sent %d webhooks, want 1", len(hooks))
	}
	if ev := checkChangeHook(t, hooks[0]); ev.ID != printed.ID {
		t.Errorf("printed event %s, delivered %s", printed.ID, ev.ID)
	}
	out.Reset()
	if code := run(ctx, []string{"once", "--config", cfg, "--watch", "nope"}, &out, &errOut); code != 1 {
		t.Errorf("unknown watch: exit %d, want 1", code)
	}
}

func TestParseFlags_PositionalsAnywhere(t *testing.T) {
	for _, args := range [][]string{
		{"releases", "--json", "--config", "f"},
		{"--json", "releases", "--config", "f"},
		{"--config", "f", "--json", "releases"},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		cfg := fs.String("config", "", "")
		js := fs.Bool("json", false, "")
		pos, err := parseFlags(fs, args)
		if err != nil || *cfg != "f" || !*js || len(pos) != 1 || pos[0] != "releases" {
			t.Errorf("parseFlags(%q) = %q, config %q, json %v, %v", args, pos, *cfg, *js, err)
		}
	}
}

func TestRun_ExitCodes(t *testing.T) {
	tests := []struct {
		args []string
		want int
	}{
		{nil, 2},
		{[]string{"nope"}, 2},
		{[]string{"check", "--bogus"}, 2},
		{[]string{"history", "releases", "--limit"}, 2},
		{[]string{"history", "--limit", "x", "releases"}, 2},
		{[]string{"check", "--help"}, 0},
		{[]string{"version"}, 0},
		{[]string{"check", "--config", "/nonexistent/pollhook.toml"}, 1},
	}
	for _, tt := range tests {
		var errOut bytes.Buffer
		if got := run(context.Background(), tt.args, io.Discard, &errOut); got != tt.want {
			t.Errorf("pollhook %q: exit %d, want %d\n%s", tt.args, got, tt.want, errOut.String())
		}
		if strings.Count(errOut.String(), "flag provided but not defined") > 1 {
			t.Errorf("pollhook %q printed its error twice:\n%s", tt.args, errOut.String())
		}
	}
}

func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo runs for seconds")
	}
	var out syncBuffer
	code := run(context.Background(), []string{"demo", "--duration", "6s", "--every", "1s"}, &out, io.Discard)
	if code != 0 {
		t.Fatalf("demo exit %d", code)
	}
	s := out.String()
	for _, want := range []string{"signature verified ✓", "releases changed: 1 added", `+ v1.3.0 "Release 1.3"`, `added #(tag_name=="v1.3.0")  new {`} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "REJECTED") {
		t.Errorf("the demo receiver rejected a signature:\n%s", s)
	}
}

// binDir is where buildBinary puts the binary: one folder per test
// process, removed when the tests end (whether or not a test built it).
var binDir = filepath.Join(os.TempDir(), fmt.Sprintf("pollhook-test-bin-%d", os.Getpid()))

func TestMain(m *testing.M) {
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// buildBinary builds pollhook once for the tests that need the real
// process (signals, kill -9, file locks).
var buildBinary = sync.OnceValues(func() (string, error) {
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(binDir, "pollhook")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// testBinary returns the built binary for a test of the real process,
// which -short skips.
func testBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

func startBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	return cmd, &stderr
}

// TestBinary_KillDashNine proves the outbox: a change detected while the
// receiver is down survives kill -9 and arrives after a restart, with its
// original webhook-id.
func TestBinary_KillDashNine(t *testing.T) {
	bin := testBinary(t)
	api := &testAPI{body: releasesV1}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := &testReceiver{status: http.StatusServiceUnavailable}
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := writeConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL)

	cmd, stderr := startBinary(t, bin, "run", "--config", cfg)
	waitUntil(t, 10*time.Second, "baseline", func() bool { return strings.Contains(stderr.String(), "baseline stored") })
	api.set(releasesV2)
	waitUntil(t, 10*time.Second, "a failed delivery attempt", func() bool { return len(rc.hooks()) > 0 })
	firstID := rc.hooks()[0].header.Get("webhook-id")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	rc.setStatus(http.StatusOK)
	cmd2, stderr2 := startBinary(t, bin, "run", "--config", cfg)
	waitUntil(t, 15*time.Second, "redelivery after restart", func() bool {
		for _, h := range rc.hooks() {
			if h.header.Get("webhook-id") == firstID && len(rc.hooks()) > 1 {
				return true
			}
		}
		return false
	})
	hooks := rc.hooks()
	for _, h := range hooks {
		if id := h.header.Get("webhook-id"); id != firstID {
			t.Errorf("a webhook with another id %s (want only %s)", id, firstID)
		}
	}
	checkChangeHook(t, hooks[len(hooks)-1])

	// SIGTERM: clean exit 0, well within the grace period.
	if err := cmd2.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd2.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, stderr2.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
}

// TestBinary_SecondInstance checks a second daemon on the same db gives up
// within seconds with a clear message instead of hanging.
func TestBinary_SecondInstance(t *testing.T) {
	bin := testBinary(t)
	api := &testAPI{body: releasesV1}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	cfg := writeConfig(t, t.TempDir(), apiSrv.URL, "http://127.0.0.1:1/")
	_, stderr := startBinary(t, bin, "run", "--config", cfg)
	waitUntil(t, 10*time.Second, "first daemon up", func() bool { return strings.Contains(stderr.String(), "pollhook running") })

	start := time.Now()
	out, err := exec.Command(bin, "run", "--config", cfg).CombinedOutput()
	if err == nil {
		t.Fatal("second daemon started")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("second daemon took %v to give up", took)
	}
	if !strings.Contains(string(out), "in use by another process") {
		t.Errorf("second daemon said %q", out)
	}
}
