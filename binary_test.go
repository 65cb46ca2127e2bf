package main_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testkit.RemoveBinary()
	os.Exit(code)
}

// TestBinary_KillDashNine proves the outbox: a change detected while the
// receiver is down survives kill -9 and arrives after a restart, with its
// original webhook-id.
func TestBinary_KillDashNine(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(http.StatusServiceUnavailable)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	cfg := testkit.WriteConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL)

	cmd, stderr := testkit.StartBinary(t, bin, "run", "--config", cfg)
	testkit.WaitUntil(t, 10*time.Second, "baseline", func() bool { return strings.Contains(stderr.String(), "baseline stored") })
	api.Set(testkit.ReleasesV2)
	testkit.WaitUntil(t, 10*time.Second, "a failed delivery attempt", func() bool { return len(rc.Hooks()) > 0 })
	firstID := rc.Hooks()[0].Header.Get("webhook-id")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	rc.SetStatus(http.StatusOK)
	cmd2, stderr2 := testkit.StartBinary(t, bin, "run", "--config", cfg)
	testkit.WaitUntil(t, 15*time.Second, "redelivery after restart", func() bool {
		for _, h := range rc.Hooks() {
			if h.Header.Get("webhook-id") == firstID && len(rc.Hooks()) > 1 {
				return true
			}
		}
		return false
	})
	hooks := rc.Hooks()
	for _, h := range hooks {
		if id := h.Header.Get("webhook-id"); id != firstID {
			t.Errorf("a webhook with another id %s (want only %s)", id, firstID)
		}
	}
	testkit.CheckChangeHook(t, hooks[len(hooks)-1])

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
	bin := testkit.Binary(t)
	_, cfg := releasesConfig(t, t.TempDir())
	_, stderr := testkit.StartBinary(t, bin, "run", "--config", cfg)
	testkit.WaitUntil(t, 10*time.Second, "first daemon up", func() bool { return strings.Contains(stderr.String(), "pollhook running") })

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

// TestBinary_SIGHUP reloads the real binary with a signal.
func TestBinary_SIGHUP(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	_, cfg := releasesConfig(t, t.TempDir())
	cmd, stderr := testkit.StartBinary(t, bin, "run", "--config", cfg)
	testkit.WaitUntil(t, 10*time.Second, "running", func() bool { return strings.Contains(stderr.String(), "pollhook running") })
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 10*time.Second, "reloaded", func() bool { return strings.Contains(stderr.String(), "configuration reloaded") })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit: %v\n%s", err, stderr.String())
	}
}

// TestBinary_FirstPollAtStart: a new watch is polled within seconds of the
// daemon's start, whatever its schedule (here once a year).
func TestBinary_FirstPollAtStart(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	api, cfg := releasesConfig(t, t.TempDir())
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, cfg, strings.Replace(string(src), `schedule = "@every 1s"`, `schedule = "0 0 1 1 *"`, 1))
	cmd, stderr := testkit.StartBinary(t, bin, "run", "--config", cfg)
	testkit.WaitUntil(t, 10*time.Second, "the first poll", func() bool { return strings.Contains(stderr.String(), "baseline stored") })
	if api.Count() != 1 {
		t.Errorf("%d requests, want the one first poll", api.Count())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
}

// TestBinary_RelativeConfig: a daemon started with a relative --config (the
// default pollhook.toml is one) is recognised by the CLI run from the same
// folder and from another: both name the database by the same path.
func TestBinary_RelativeConfig(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	dir := t.TempDir()
	_, cfg := releasesConfig(t, dir)
	withListen(t, cfg, testkit.FreeAddr(t))
	cmd, stderr := testkit.StartBinaryIn(t, dir, bin, "run")
	testkit.WaitUntil(t, 10*time.Second, "running", func() bool { return strings.Contains(stderr.String(), "pollhook running") })
	for _, c := range []struct{ dir, config string }{
		{dir, "pollhook.toml"},
		{filepath.Dir(dir), filepath.Join(filepath.Base(dir), "pollhook.toml")},
	} {
		run := exec.Command(bin, "watches", "--config", c.config)
		run.Dir = c.dir
		out, err := run.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "releases") {
			t.Errorf("watches --config %s in %s: %v\n%s", c.config, c.dir, err, out)
		}
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	_ = cmd.Wait()
}

// releasesConfig writes in dir the configuration of a daemon that watches
// a fake releases API (returned) and delivers to nothing that answers.
func releasesConfig(t *testing.T, dir string) (*testkit.API, string) {
	t.Helper()
	api := testkit.NewAPI(testkit.ReleasesV1)
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return api, testkit.WriteConfig(t, dir, srv.URL, "http://127.0.0.1:1/")
}
