package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/shard"
)

// TestBinary_Reshard3To4: a watch that moves from 3 shards to 4 is
// exported from its old owner, imported on the new one, and a change made
// during the move is delivered once, by the new owner, its seq continuing
// the old owner's.
func TestBinary_Reshard3To4(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t)
	var mu sync.Mutex
	values := map[string]string{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(w, `{"v":%q}`, values[r.URL.Path])
	}))
	defer api.Close()
	type got struct {
		id, watch string
		seq       uint64
	}
	var received []got
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct {
			Data struct {
				Watch string `json:"watch"`
				Seq   uint64 `json:"seq"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &ev)
		mu.Lock()
		received = append(received, got{r.Header.Get("webhook-id"), ev.Data.Watch, ev.Data.Seq})
		mu.Unlock()
	}))
	defer hook.Close()

	// The watch that moves: one shard 3 of 4 wins.
	var moving string
	for i := 0; moving == ""; i++ {
		if n := fmt.Sprintf("w%d", i); shard.Owner(n, 4) == 3 {
			moving = n
		}
	}
	old := shard.Owner(moving, 3)
	src := fmt.Sprintf("listen = \"\"\n[[target]]\nname = \"hook\"\nurl = %q\n[defaults]\nshard_key = \"name\"\n", hook.URL)
	for i := range 12 {
		src += fmt.Sprintf("[[watch]]\nname = \"w%d\"\nurl = \"%s/w%d\"\nnotify = [\"hook\"]\n", i, api.URL, i)
	}
	if !strings.Contains(src, `"`+moving+`"`) {
		t.Fatalf("%s is not among the watches", moving)
	}
	cfgs := make([]string, 4)
	for i := range cfgs {
		cfgs[i] = filepath.Join(t.TempDir(), "pollhook.toml")
		testkit.WriteFile(t, cfgs[i], src)
	}
	pollhook := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("pollhook %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	set := func(v string) {
		mu.Lock()
		values["/"+moving] = v
		mu.Unlock()
	}
	set("a")
	oldShard := fmt.Sprintf("%d/3", old)
	pollhook("once", "--config", cfgs[old], "--shard", oldShard) // the baseline
	set("b")
	pollhook("once", "--config", cfgs[old], "--shard", oldShard) // seq 1

	// The move: the plan names it; the old owner no longer polls it.
	if plan := pollhook("shards", "--config", cfgs[0], "--shards", "4", "--from", "3"); !strings.Contains(plan, fmt.Sprintf("%s\t%d -> 3\n", moving, old)) {
		t.Errorf("the plan does not move %s from %d to 3:\n%s", moving, old, plan)
	}
	set("c") // changed during the move
	pollhook("once", "--config", cfgs[old], "--shard", fmt.Sprintf("%d/4", old))
	export := filepath.Join(t.TempDir(), "moving.jsonl")
	out, err := exec.Command(bin, "export", "--config", cfgs[old], "--watch", moving).Output()
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, export, string(out))
	// The new owner refuses what is not its own, and imports what is.
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	testkit.WriteFile(t, bad, string(out)+"{garbled\n")
	if out, err := exec.Command(bin, "import", bad, "--config", cfgs[3], "--shard", "3/4").CombinedOutput(); err == nil || !strings.Contains(string(out), "bad.jsonl:2: not a line of pollhook export") {
		t.Errorf("a garbled line: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "import", export, "--config", cfgs[3], "--shard", "0/4").CombinedOutput(); err == nil || !strings.Contains(string(out), "belongs to shard 3 of 4") {
		t.Errorf("another shard's watch: %v\n%s", err, out)
	}
	pollhook("import", export, "--config", cfgs[3], "--shard", "3/4")
	pollhook("once", "--config", cfgs[3], "--shard", "3/4")
	pollhook("forget", "--config", cfgs[old], "--shard", fmt.Sprintf("%d/4", old), "--watch", moving)

	mu.Lock()
	defer mu.Unlock()
	var seqs []uint64
	ids := map[string]bool{}
	for _, g := range received {
		if ids[g.id] {
			t.Errorf("webhook-id %s delivered twice", g.id)
		}
		ids[g.id] = true
		if g.watch == moving {
			seqs = append(seqs, g.seq)
		}
	}
	if fmt.Sprint(seqs) != "[1 2]" {
		t.Errorf("%s's events had seqs %v, want [1 2]: the change during the move once, its seq continuing", moving, seqs)
	}
	if _, err := os.Stat(cfgs[3]); err != nil {
		t.Fatal(err)
	}
}
