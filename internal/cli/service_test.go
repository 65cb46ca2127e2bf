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
	"sync"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

// multiAPI serves a fixed body per path and counts requests per path.
type multiAPI struct {
	mu     sync.Mutex
	bodies map[string]string
	hits   map[string]int
}

func (a *multiAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.hits[r.URL.Path]++
	body := a.bodies[r.URL.Path]
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

func (a *multiAPI) count(path string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits[path]
}

func reloadConfig(listen, api, hook string, watches ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "db = \"state.db\"\nlisten = %q\n\n[[target]]\nname = \"hook\"\nurl = %q\nretry = [\"100ms\"]\n", listen, hook)
	for _, w := range watches {
		b.WriteString("\n[[watch]]\n" + strings.ReplaceAll(w, "API", api) + "\nschedule = \"@every 1s\"\nnotify = [\"hook\"]\n")
	}
	return b.String()
}

func postReload(t *testing.T, listen string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post("http://"+listen+"/-/reload", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

// TestReload applies a new configuration to a running daemon: added,
// removed and changed watches, an invalid file, pending deliveries.
func TestReload(t *testing.T) {
	t.Parallel()
	api := &multiAPI{hits: map[string]int{}, bodies: map[string]string{
		"/a": `{"a":[{"id":1,"v":"x"}],"b":[{"id":9,"v":"y"},{"id":8,"v":"z"}]}`,
		"/b": `{"n":1}`,
		"/c": `{"n":1}`,
	}}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := testkit.NewReceiver(http.StatusServiceUnavailable)
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	listen := testkit.FreeAddr(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "pollhook.toml")
	write := func(src string) {
		if err := os.WriteFile(cfgPath, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	watchA := "name = \"a\"\nurl = \"API/a\"\nselect = \"a\"\nkey = \"id\""
	watchB := "name = \"b\"\nurl = \"API/b\""
	write(reloadConfig(listen, apiSrv.URL, rcSrv.URL, watchA, watchB))

	stderr := testkit.StartDaemon(t, runCLI, cfgPath, listen, "").Stderr
	testkit.WaitUntil(t, 10*time.Second, "both baselines", func() bool {
		return strings.Count(stderr.String(), "baseline stored") == 2
	})

	// A pending delivery, from a change of b before the reload.
	api.mu.Lock()
	api.bodies["/b"] = `{"n":2}`
	api.mu.Unlock()
	testkit.WaitUntil(t, 10*time.Second, "a failed attempt for b", func() bool { return len(rc.Hooks()) > 0 })

	// An invalid file: the daemon keeps running the old configuration.
	write(reloadConfig(listen, apiSrv.URL, rcSrv.URL, watchA, watchB) + "\n[[watch]]\nname = \"bad\"\nschedul = 1\n")
	status, body := postReload(t, listen)
	if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body["errors"]), "schedul: unknown key") {
		t.Fatalf("invalid reload: %d %v", status, body)
	}
	if !strings.Contains(stderr.String(), "keeping the running one") {
		t.Error("the invalid file's problems were not logged")
	}

	// a's select changes (a new silent baseline), b goes, c comes.
	hitsB := api.count("/b")
	rc.SetStatus(http.StatusOK)
	watchA2 := "name = \"a\"\nurl = \"API/a\"\nselect = \"b\"\nkey = \"id\""
	watchC := "name = \"c\"\nurl = \"API/c\""
	write(reloadConfig(listen, apiSrv.URL, rcSrv.URL, watchA2, watchC))
	status, body = postReload(t, listen)
	if status != http.StatusOK {
		t.Fatalf("reload: %d %v", status, body)
	}
	if got := fmt.Sprint(body["added"], body["removed"], body["changed"]); got != "[c] [b] [a]" {
		t.Errorf("reload report added/removed/changed = %s", got)
	}
	defer func() {
		if t.Failed() {
			t.Log(stderr.String())
		}
	}()
	testkit.WaitUntil(t, 10*time.Second, "new baselines for a and c", func() bool {
		return strings.Count(stderr.String(), "baseline stored") == 4 &&
			strings.Contains(stderr.String(), "select, key, keys, ignore")
	})
	// The pending delivery of b survived the reload and went out.
	testkit.WaitUntil(t, 10*time.Second, "b's event delivered", func() bool {
		for _, h := range rc.Hooks() {
			if strings.Contains(string(h.Body), `"watch":"b"`) && len(rc.Hooks()) > 1 {
				return true
			}
		}
		return false
	})
	time.Sleep(2500 * time.Millisecond)
	if n := api.count("/b") - hitsB; n > 1 {
		t.Errorf("removed watch b polled %d times after the reload", n)
	}
	for _, h := range rc.Hooks() {
		if !strings.Contains(string(h.Body), `"watch":"b"`) {
			t.Errorf("a reload caused an event: %s", h.Body)
		}
	}
}

// TestSDNotify checks the systemd notify messages against a test socket:
// READY at start, WATCHDOG pings, RELOADING/READY around a reload,
// STOPPING at the end.
func TestSDNotify(t *testing.T) {
	sock, msgs := testkit.NotifySocket(t)
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "200000")
	t.Setenv("WATCHDOG_PID", "")

	api := testkit.NewAPI(testkit.ReleasesV1)
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	listen := testkit.FreeAddr(t)
	cfg := writeInspectConfig(t, t.TempDir(), apiSrv.URL, "http://127.0.0.1:1/", listen, "")
	env := testkit.StartDaemon(t, runCLI, cfg, listen, "")

	expect := func(prefix string) string {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case m := <-msgs:
				if strings.HasPrefix(m, prefix) {
					return m
				}
			case <-timeout:
				t.Fatalf("no %q message", prefix)
			}
		}
	}
	if m := expect("READY=1"); !strings.Contains(m, "STATUS=polling 1 watches") {
		t.Errorf("READY message %q", m)
	}
	expect("WATCHDOG=1")
	if status, body := postReload(t, listen); status != http.StatusOK {
		t.Fatalf("reload: %d %v", status, body)
	}
	if m := expect("RELOADING=1"); !strings.Contains(m, "MONOTONIC_USEC=") {
		t.Errorf("RELOADING message %q lacks MONOTONIC_USEC", m)
	}
	expect("READY=1")
	env.Stop()
	expect("STOPPING=1")
}
