package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/testkit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.RemoveBinary()
	os.Exit(code)
}

// TestRun_EndToEnd runs the real daemon loop against a test API and
// receiver: baseline, change, signed webhook, clean shutdown.
func TestRun_EndToEnd(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(0)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := testkit.WriteConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL+"/hook")

	ctx, cancel := context.WithCancel(context.Background())
	var stderr testkit.SyncBuffer
	code := make(chan int, 1)
	go func() { code <- runCLI(ctx, []string{"run", "--config", cfg}, io.Discard, &stderr) }()

	testkit.WaitUntil(t, 10*time.Second, "baseline poll", func() bool { return strings.Contains(stderr.String(), "baseline stored") })
	time.Sleep(1200 * time.Millisecond) // a poll of unchanged data: nothing to send
	if n := len(rc.Hooks()); n != 0 {
		t.Fatalf("%d webhooks before any change", n)
	}
	api.Set(testkit.ReleasesV2)
	testkit.WaitUntil(t, 10*time.Second, "webhook", func() bool { return len(rc.Hooks()) > 0 })
	if _, seq := testkit.CheckChangeHook(t, rc.Hooks()[0]); seq != 1 {
		t.Errorf("seq = %d, want 1", seq)
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
	if n := len(rc.Hooks()); n != 1 {
		t.Errorf("%d webhooks, want exactly 1", n)
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := testkit.WriteConfig(t, dir, "https://api.example/v1", "https://hooks.example/h")
	var out, errOut bytes.Buffer
	if code := runCLI(context.Background(), []string{"check", "--config", good}, &out, &errOut); code != 0 {
		t.Fatalf("check of a valid config: exit %d\n%s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "ok (1 watch, 1 target)") {
		t.Errorf("output %q", out.String())
	}

	bad := filepath.Join(dir, "bad.toml")
	_ = os.WriteFile(bad, []byte("[[watch]]\nname = \"w\"\nurl = \"https://x.example\"\nschedul = \"@hourly\"\nnotify = [\"nobody\"]\n"), 0o600)
	out.Reset()
	errOut.Reset()
	if code := runCLI(context.Background(), []string{"check", bad, "--config", bad}, &out, &errOut); code != 2 {
		t.Errorf("check with a stray argument: exit %d, want 2", code)
	}
	errOut.Reset()
	if code := runCLI(context.Background(), []string{"check", "--config", bad}, &out, &errOut); code != 1 {
		t.Fatalf("check of a bad config: exit %d, want 1", code)
	}
	for _, want := range []string{bad + `:4: watch "w": schedul: unknown key`, bad + `:5: watch "w": notify: no target named "nobody"`} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
		}
	}
}

func TestOnce(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(0)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := testkit.WriteConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL)
	ctx := context.Background()

	var out, errOut bytes.Buffer
	if code := runCLI(ctx, []string{"once", "--config", cfg}, &out, &errOut); code != 0 || out.Len() != 0 {
		t.Fatalf("baseline once: exit %d, stdout %q\n%s", code, out.String(), errOut.String())
	}
	api.Set(testkit.ReleasesV2)
	// Flags after the command's other flags and in any order.
	if code := runCLI(ctx, []string{"once", "--dry-run", "--watch", "releases", "--config", cfg}, &out, &errOut); code != 0 {
		t.Fatalf("dry run: exit %d\n%s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"type":"watch.changed"`) {
		t.Fatalf("dry run printed %q, want one JSON event line", out.String())
	}
	if len(rc.Hooks()) != 0 {
		t.Fatal("dry run sent a webhook")
	}
	out.Reset()
	if code := runCLI(ctx, []string{"once", "--config", cfg}, &out, &errOut); code != 0 {
		t.Fatalf("once: exit %d\n%s", code, errOut.String())
	}
	var printed event.Event
	if err := json.Unmarshal(out.Bytes(), &printed); err != nil {
		t.Fatalf("once printed %q: %v", out.String(), err)
	}
	hooks := rc.Hooks()
	if len(hooks) != 1 {
		t.Fatalf("once sent %d webhooks, want 1", len(hooks))
	}
	if id, _ := testkit.CheckChangeHook(t, hooks[0]); id != printed.ID {
		t.Errorf("printed event %s, delivered %s", printed.ID, id)
	}
	out.Reset()
	if code := runCLI(ctx, []string{"once", "--config", cfg, "--watch", "nope"}, &out, &errOut); code != 1 {
		t.Errorf("unknown watch: exit %d, want 1", code)
	}
}

func TestParseFlags_PositionalsAnywhere(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
		{[]string{"version", "--bogus"}, 2},
		{[]string{"version", "extra"}, 2},
		{[]string{"history", "--limit", "-1"}, 2},
		{[]string{"deliveries", "--limit=-1"}, 2},
		{[]string{"check", "--config", "/nonexistent/pollhook.toml"}, 1},
	}
	for _, tt := range tests {
		var errOut bytes.Buffer
		if got := runCLI(context.Background(), tt.args, io.Discard, &errOut); got != tt.want {
			t.Errorf("pollhook %q: exit %d, want %d\n%s", tt.args, got, tt.want, errOut.String())
		}
		if strings.Count(errOut.String(), "flag provided but not defined") > 1 {
			t.Errorf("pollhook %q printed its error twice:\n%s", tt.args, errOut.String())
		}
	}
}

func TestDemo(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the demo runs for seconds")
	}
	var out testkit.SyncBuffer
	code := runCLI(context.Background(), []string{"demo", "--duration", "6s", "--every", "1s"}, &out, io.Discard)
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

// runCLI is the command line, in-process: what the tests run commands
// with.
func runCLI(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return Run(ctx, "", args, stdout, stderr)
}

func tryCLI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := runCLI(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, code := tryCLI(t, args...)
	if code != 0 {
		t.Fatalf("pollhook %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// TestOnce_InvalidUTF8: an API whose strings hold invalid UTF-8 still gets
// its changes to receivers that decode the body as UTF-8 and re-encode it
// before checking the signature (the JavaScript verifiers do), and to
// those that parse it strictly (Python's json).
func TestOnce_InvalidUTF8(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI("{\"data\":{\"items\":[{\"id\":1,\"name\":\"a\xffb\"},{\"id\":2,\"name\":\"x\\ud800y\"}]}}")
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(0)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := testkit.WriteConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL)
	mustCLI(t, "once", "--config", cfg) // baseline
	// Only the invalid bytes differ: the same answer, no change.
	api.Set("{\"data\":{\"items\":[{\"id\":1,\"name\":\"a\xfeb\"},{\"id\":2,\"name\":\"x\\udbffy\"}]}}")
	if out := mustCLI(t, "once", "--config", cfg); out != "" {
		t.Fatalf("bodies that differ only in invalid UTF-8 made a change: %s", out)
	}
	api.Set("{\"data\":{\"items\":[{\"id\":1,\"name\":\"c\xfe\xfd\"},{\"id\":2,\"name\":\"x\\udbffy\"}]}}")
	mustCLI(t, "once", "--config", cfg)
	hooks := rc.Hooks()
	if len(hooks) != 1 {
		t.Fatalf("%d webhooks, want 1", len(hooks))
	}
	body := hooks[0].Body
	if !utf8.Valid(body) || !json.Valid(body) {
		t.Fatalf("the webhook body is not valid UTF-8 JSON: %q", body)
	}
	reencoded := []byte(strings.ToValidUTF8(string(body), "\uFFFD"))
	wh, err := standardwebhooks.NewWebhook(testkit.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(reencoded, hooks[0].Header); err != nil {
		t.Errorf("a verifier that re-encodes the body rejects it: %v", err)
	}
	if !strings.Contains(string(body), `"new":"c\ufffd"`) && !strings.Contains(string(body), "\"new\":\"c\uFFFD\"") {
		t.Errorf("the change does not carry U+FFFD for the invalid bytes: %s", body)
	}
}
