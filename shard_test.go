package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/shard"
)

// TestBinary_ThreeShards: three real processes, shards 0/3, 1/3 and 2/3
// of one configuration (one database and one listen port each), share
// 3,000 watches on three hosts: each watch is polled by its owner only,
// each change arrives once at the receiver from that owner, and a shard
// killed with SIGKILL and started again resumes from its own database,
// missing nothing.
func TestBinary_ThreeShards(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	const watches = 3000
	var version atomic.Int64 // what every API answers; a bump changes every watch
	var mu sync.Mutex
	pollers := map[string]map[string]bool{} // watch -> the shards that polled it
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/")
		v := version.Load() // read first: a counted poll answers what was current then
		mu.Lock()
		if pollers[name] == nil {
			pollers[name] = map[string]bool{}
		}
		pollers[name][r.Header.Get("X-Shard")] = true
		mu.Unlock()
		fmt.Fprintf(w, `{"v":%d}`, v)
	})
	var hosts []string
	for range 3 {
		s := httptest.NewServer(handler)
		t.Cleanup(s.Close)
		hosts = append(hosts, s.URL)
	}
	type hook struct {
		from  string
		watch string
		seq   uint64
	}
	hooks := map[string][]hook{} // webhook-id -> its arrivals
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct {
			Data struct {
				Watch string `json:"watch"`
				Seq   uint64 `json:"seq"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		id := r.Header.Get("webhook-id")
		hooks[id] = append(hooks[id], hook{r.Header.Get("X-From"), ev.Data.Watch, ev.Data.Seq})
		mu.Unlock()
	}))
	t.Cleanup(recv.Close)
	// seqs counts the distinct events of each seq that arrived.
	seqs := func() map[uint64]int {
		mu.Lock()
		defer mu.Unlock()
		out := map[uint64]int{}
		for _, hs := range hooks {
			out[hs[0].seq]++
		}
		return out
	}

	cfgs := make([]string, 3)
	for i := range cfgs {
		var b strings.Builder
		fmt.Fprintf(&b, "listen = %q\n[[target]]\nname = \"hook\"\nurl = %q\nheaders = { X-From = \"%d\" }\n", testkit.FreeAddr(t), recv.URL, i)
		b.WriteString("[defaults]\nschedule = \"@every 5s\"\nshard_key = \"name\"\n")
		for w := range watches {
			fmt.Fprintf(&b, "[[watch]]\nname = \"w%d\"\nurl = \"%s/w%d\"\nnotify = [\"hook\"]\nheaders = { X-Shard = \"%d\" }\n", w, hosts[w%3], w, i)
		}
		cfgs[i] = filepath.Join(t.TempDir(), "pollhook.toml")
		testkit.WriteFile(t, cfgs[i], b.String())
	}
	start := func(i int) (*exec.Cmd, *testkit.SyncBuffer) {
		cmd, stderr := testkit.StartBinary(t, bin, "run", "--config", cfgs[i], "--shard", fmt.Sprintf("%d/3", i))
		t.Cleanup(func() {
			if cmd.ProcessState == nil {
				_ = cmd.Process.Signal(syscall.SIGTERM)
				_ = cmd.Wait()
			}
		})
		return cmd, stderr
	}
	cmds := make([]*exec.Cmd, 3)
	logs := make([]*testkit.SyncBuffer, 3)
	for i := range cmds {
		cmds[i], logs[i] = start(i)
	}
	testkit.WaitUntil(t, 90*time.Second, "every watch's baseline", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(pollers) == watches
	})
	for i, l := range logs {
		testkit.WaitUntil(t, 30*time.Second, "the shard's start", func() bool { return strings.Contains(l.String(), "pollhook running") })
		if !strings.Contains(l.String(), fmt.Sprintf("shard=%d/3", i)) {
			t.Errorf("shard %d/3 did not log its shard", i)
		}
	}
	version.Store(1)
	testkit.WaitUntil(t, 90*time.Second, "a change event of every watch", func() bool { return seqs()[1] == watches })

	// Kill shard 1 with no warning; change everything while it is down.
	if err := cmds[1].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmds[1].Wait()
	version.Store(2)
	cmds[1], logs[1] = start(1)
	testkit.WaitUntil(t, 90*time.Second, "the second change of every watch", func() bool { return seqs()[2] == watches })

	mu.Lock()
	defer mu.Unlock()
	for name, by := range pollers {
		n, _ := strconv.Atoi(strings.TrimPrefix(name, "w"))
		owner := strconv.Itoa(shard.Owner(fmt.Sprintf("w%d", n), 3))
		if len(by) != 1 || !by[owner] {
			t.Errorf("%s polled by shards %v, want its owner %s only", name, by, owner)
		}
	}
	for id, hs := range hooks {
		owner := strconv.Itoa(shard.Owner(hs[0].watch, 3))
		for _, h := range hs {
			if h.from != owner {
				t.Errorf("%s (of %s) came from shard %s, want its owner %s only", id, h.watch, h.from, owner)
			}
		}
		if len(hs) > 1 && hs[0].from != "1" {
			// Only the killed shard may send an event again (at least once
			// across a SIGKILL); the others send each once.
			t.Errorf("%s arrived %d times", id, len(hs))
		}
	}
	perSeq := map[uint64]int{}
	for _, hs := range hooks {
		perSeq[hs[0].seq]++
	}
	if len(perSeq) != 2 || perSeq[1] != watches || perSeq[2] != watches {
		t.Errorf("events per seq %v, want %d of seq 1 and of seq 2", perSeq, watches)
	}
}
