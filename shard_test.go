package main_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestBinary_ThreeShards: three real processes, shards 0/3, 1/3 and 2/3
// of one configuration, one database each, poll every one of 600 watches
// on three hosts exactly once between them at start.
func TestBinary_ThreeShards(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	const watches = 600
	var mu sync.Mutex
	polled := map[string]int{}
	total := 0
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		polled[r.URL.Path]++
		total++
		mu.Unlock()
		fmt.Fprint(w, `{"v":1}`)
	})
	var hosts []string
	for range 3 {
		s := httptest.NewServer(handler)
		t.Cleanup(s.Close)
		hosts = append(hosts, s.URL)
	}
	var b strings.Builder
	b.WriteString("listen = \"\"\n[defaults]\nschedule = \"0 0 1 1 *\"\nshard_key = \"name\"\n")
	for i := range watches {
		fmt.Fprintf(&b, "[[watch]]\nname = \"w%d\"\nurl = \"%s/w%d\"\n", i, hosts[i%3], i)
	}
	var cmds []*testkit.SyncBuffer
	for i := range 3 {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "pollhook.toml")
		if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd, stderr := testkit.StartBinary(t, bin, "run", "--config", cfg, "--shard", fmt.Sprintf("%d/3", i))
		t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
		cmds = append(cmds, stderr)
	}
	testkit.WaitUntil(t, 60*time.Second, "every watch polled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(polled) == watches
	})
	for _, s := range cmds {
		testkit.WaitUntil(t, 30*time.Second, "the shard's start", func() bool { return strings.Contains(s.String(), "pollhook running") })
	}
	mu.Lock()
	defer mu.Unlock()
	for p, n := range polled {
		if n != 1 {
			t.Errorf("%s polled %d times, want once by exactly one shard", p, n)
		}
	}
	if total != watches {
		t.Errorf("%d requests for %d watches", total, watches)
	}
	for i, s := range cmds {
		if !strings.Contains(s.String(), fmt.Sprintf("shard=%d/3", i)) {
			t.Errorf("shard %d/3 did not log its shard:\n%s", i, s.String())
		}
	}
}
