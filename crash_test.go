package main_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// crashAPI serves watches whose value {"n": N} grows by one on every
// request until it reaches last: every poll is a change.
type crashAPI struct {
	mu    sync.Mutex
	n     map[string]int
	last  int
	total int
}

func (a *crashAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	name := strings.TrimPrefix(r.URL.Path, "/")
	if a.n[name] < a.last {
		a.n[name]++
		a.total++
	}
	n := a.n[name]
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"n":%d}`, n)
}

// crashReceiver fails 30% of requests and remembers the ones it accepted.
type crashReceiver struct {
	mu       sync.Mutex
	accepted []crashHook // in arrival order
	requests int
}

type crashHook struct {
	id    string
	watch string
	seq   uint64
	n     int
}

func (rc *crashReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.requests++
	if rand.Float64() < 0.3 {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	var ev struct {
		ID   string `json:"id"`
		Data struct {
			Watch   string `json:"watch"`
			Seq     uint64 `json:"seq"`
			Changes []struct {
				New json.RawMessage `json:"new"`
			} `json:"changes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &ev); err != nil || len(ev.Data.Changes) != 1 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	n, _ := strconv.Atoi(string(ev.Data.Changes[0].New))
	if ev.ID != r.Header.Get("webhook-id") {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	rc.accepted = append(rc.accepted, crashHook{id: ev.ID, watch: ev.Data.Watch, seq: ev.Data.Seq, n: n})
	w.WriteHeader(http.StatusNoContent)
}

func (rc *crashReceiver) snapshot() []crashHook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]crashHook(nil), rc.accepted...)
}

// TestBinary_CrashUnderLoad kills the real binary with SIGKILL at random
// moments while about 500 changes flow to a receiver that fails 30% of
// requests. After restarts every committed event has arrived at least
// once, in order per watch, and duplicates carry the same webhook-id.
func TestBinary_CrashUnderLoad(t *testing.T) {
	t.Parallel()
	bin := testkit.Binary(t) // about a minute
	const watches, changes = 25, 20
	api := &crashAPI{n: map[string]int{}, last: changes + 1}
	apiSrv := httptest.NewServer(api)
	defer apiSrv.Close()
	rc := &crashReceiver{}
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()

	dir := t.TempDir()
	var b strings.Builder
	fmt.Fprintf(&b, "db = \"state.db\"\nlisten = \"\"\n\n[[target]]\nname = \"hook\"\nurl = %q\nsecret = %q\n", rcSrv.URL, testkit.Secret)
	b.WriteString(`retry = ["100ms", "200ms", "300ms", "500ms", "1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s", "1s"]` + "\n")
	for i := 0; i < watches; i++ {
		fmt.Fprintf(&b, "\n[[watch]]\nname = \"w%02d\"\nurl = \"%s/w%02d\"\nschedule = \"@every 1s\"\nnotify = [\"hook\"]\n", i, apiSrv.URL, i)
	}
	cfg := filepath.Join(dir, "pollhook.toml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	finished := func() bool {
		last := map[string]int{}
		for _, h := range rc.snapshot() {
			last[h.watch] = max(last[h.watch], h.n)
		}
		for i := 0; i < watches; i++ {
			if last[fmt.Sprintf("w%02d", i)] != changes+1 {
				return false
			}
		}
		return true
	}

	kills := 0
	deadline := time.Now().Add(3 * time.Minute)
	for !finished() {
		if time.Now().After(deadline) {
			t.Fatalf("not every change arrived after %d kills; accepted %d of %d requests", kills, len(rc.snapshot()), rc.requests)
		}
		cmd := exec.Command(bin, "run", "--config", cfg)
		cmd.Stderr = io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if kills < 8 {
			time.Sleep(time.Duration(500+rand.IntN(2500)) * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			kills++
			continue
		}
		waitDone := make(chan struct{})
		go func() {
			defer close(waitDone)
			for !finished() && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
		}()
		<-waitDone
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}

	hooks := rc.snapshot()
	// Duplicates only with the same webhook-id: one id per (watch, seq).
	idOf := map[string]string{}
	firstSeqs := map[string][]uint64{}
	seen := map[string]bool{}
	for _, h := range hooks {
		k := fmt.Sprintf("%s/%d", h.watch, h.seq)
		if id, ok := idOf[k]; ok && id != h.id {
			t.Errorf("%s arrived with two ids: %s and %s", k, id, h.id)
		}
		idOf[k] = h.id
		if !seen[h.id] {
			seen[h.id] = true
			firstSeqs[h.watch] = append(firstSeqs[h.watch], h.seq)
		}
	}
	// In order per watch, no gaps: first arrivals are seq 1, 2, 3, ...
	events := 0
	for w, seqs := range firstSeqs {
		for i, s := range seqs {
			if s != uint64(i+1) {
				t.Errorf("watch %s: first arrivals in order %v, want 1..%d", w, seqs, len(seqs))
				break
			}
		}
		events += len(seqs)
	}
	// Every event the daemon committed arrived.
	db, err := store.Open(filepath.Join(dir, "state.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	all, err := db.Deliveries(t.Context(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range all {
		if !seen[d.EventID] {
			t.Errorf("event %s (%s seq %d) was committed but never arrived (state %s)", d.EventID, d.Watch, d.Seq, d.State)
		}
	}
	dups := len(hooks) - len(seen)
	t.Logf("%d kills, %d changes served, %d events committed and all arrived, %d requests, %d duplicate deliveries",
		kills, api.total-watches, len(all), rc.requests, dups)
	if events < watches {
		t.Errorf("only %d events", events)
	}
}
