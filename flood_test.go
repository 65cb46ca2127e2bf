package main_test

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/testkit"
)

// startLimited starts `pollhook run --config cfg` with the open files
// limit ulimit sets (for example "-n 256": soft and hard).
func startLimited(t *testing.T, bin, ulimit, cfg string) (*os.Process, *testkit.SyncBuffer) {
	t.Helper()
	cmd, stderr := testkit.StartBinary(t, "/bin/sh", "-c", `ulimit `+ulimit+` && exec "$0" "$@"`, bin, "run", "--config", cfg)
	return cmd.Process, stderr
}

// withListen rewrites testkit.WriteConfig's file to serve the local API
// on listen.
func withListen(t *testing.T, cfg, listen string) {
	t.Helper()
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, cfg, strings.Replace(string(src), `listen = ""`, fmt.Sprintf("listen = %q", listen), 1))
}

var fileLimitLine = regexp.MustCompile(`msg="open files limit" soft=(\d+) hard=(\d+)`)

// loggedFileLimit waits for the daemon's "open files limit" line and
// returns its soft and hard limits.
func loggedFileLimit(t *testing.T, stderr *testkit.SyncBuffer) (soft, hard uint64) {
	t.Helper()
	testkit.WaitUntil(t, 15*time.Second, "the open files limit in the log", func() bool {
		return fileLimitLine.MatchString(stderr.String())
	})
	m := fileLimitLine.FindStringSubmatch(stderr.String())
	soft, _ = strconv.ParseUint(m[1], 10, 64)
	hard, _ = strconv.ParseUint(m[2], 10, 64)
	return soft, hard
}

// TestBinary_OpenFilesLimit: a daemon started with a low soft limit runs
// with the hard one (the Go runtime raises it, to one below), and says so.
func TestBinary_OpenFilesLimit(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max < 256 {
		t.Skipf("hard open files limit %d", lim.Max)
	}
	cfg := testkit.WriteConfig(t, t.TempDir(), "http://127.0.0.1:1/", "http://127.0.0.1:1/")
	_, stderr := startLimited(t, bin, "-S -n 64", cfg)
	soft, hard := loggedFileLimit(t, stderr)
	if hard != lim.Max || soft+1 < hard {
		t.Errorf("logged soft %d, hard %d; want the hard limit %d, and the soft one raised to it", soft, hard, lim.Max)
	}
}

// TestBinary_APIFlood is issue 11's flood: thousands of idle connections
// to the local API (none needs a token: GET /healthz) must not take the
// descriptors that polls and deliveries need. The daemon gets 256
// descriptors; the flood opens thousands of connections and keeps them;
// meanwhile a change is polled and delivered; once the flood ends the API
// answers again.
func TestBinary_APIFlood(t *testing.T) {
	bin := testkit.Binary(t)
	const daemonFiles = 256
	flood := 3000
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	flood = min(flood, int(lim.Cur)-200)
	if flood < 4*daemonFiles {
		t.Skipf("the test's own open files limit (%d) is too low for a flood", lim.Cur)
	}

	upstream := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(upstream)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(http.StatusOK)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	listen := testkit.FreeAddr(t)
	cfg := testkit.WriteConfig(t, t.TempDir(), apiSrv.URL, rcSrv.URL)
	withListen(t, cfg, listen)
	proc, stderr := startLimited(t, bin, fmt.Sprintf("-n %d", daemonFiles), cfg)
	testkit.WaitUntil(t, 15*time.Second, "baseline", func() bool { return strings.Contains(stderr.String(), "baseline stored") })
	if soft, hard := loggedFileLimit(t, stderr); soft != daemonFiles || hard != daemonFiles {
		t.Fatalf("the daemon runs with soft %d, hard %d open files; want %d", soft, hard, daemonFiles)
	}

	// The flood: connections that each ask for /healthz once and then
	// stay open, never reading. Past what the kernel queues, dials time
	// out: then the API is flooded as far as it can be.
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	req := []byte("GET /healthz HTTP/1.1\r\nHost: " + listen + "\r\n\r\n")
	for failed := 0; len(conns) < flood && failed < 10; {
		c, err := net.DialTimeout("tcp", listen, 250*time.Millisecond)
		if err != nil {
			failed++
			continue
		}
		_, _ = c.Write(req)
		conns = append(conns, c)
	}
	t.Logf("flood: %d connections open (the daemon may hold %d)", len(conns), api.MaxConns)
	if len(conns) < 2*api.MaxConns {
		t.Fatalf("only %d connections could be opened", len(conns))
	}
	quick := &http.Client{Timeout: 500 * time.Millisecond}
	if resp, err := quick.Get("http://" + listen + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("the API answered during the flood (%s): the flood is not one", resp.Status)
	}

	// Meanwhile, polls and deliveries go on.
	upstream.Set(testkit.ReleasesV2)
	testkit.WaitUntil(t, 20*time.Second, "a change polled and delivered during the flood", func() bool { return len(rc.Hooks()) > 0 })
	testkit.CheckChangeHook(t, rc.Hooks()[0])
	if fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", proc.Pid)); err == nil {
		t.Logf("the daemon holds %d descriptors during the flood", len(fds))
		if len(fds) > api.MaxConns+64 {
			t.Errorf("the daemon holds %d descriptors during the flood, want about %d for the API and a few more", len(fds), api.MaxConns)
		}
	}
	if strings.Contains(stderr.String(), "too many open files") {
		t.Errorf("the daemon ran out of descriptors:\n%s", stderr.String())
	}

	// The flood ends: the API answers again.
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	testkit.WaitUntil(t, 10*time.Second, "the API after the flood", func() bool {
		resp, err := quick.Get("http://" + listen + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	if err := proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if st, err := proc.Wait(); err != nil || !st.Success() {
		t.Errorf("exit after SIGTERM: %v %v\n%s", st, err, stderr.String())
	}
}
