package poller

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
)

func TestPoller_PollAll(t *testing.T) {
	t.Parallel()
	api := &fakeAPI{}
	api.json(`[{"id":1}]`)
	srv := httptest.NewServer(api)
	defer srv.Close()
	cfg := parseConfig(t, watchTables(50, srv.URL, `key = "id"`), nil)
	p := pollerWith(t, openStore(t), func(o *Options) { o.MaxConcurrent = 4 })
	var mu sync.Mutex
	calls := make([]int, len(cfg.Watches))
	p.PollAll(context.Background(), cfg.Watches, PollOptions{}, func(i int, out *Outcome, err error) {
		mu.Lock()
		defer mu.Unlock()
		calls[i]++
		if err != nil || !out.Baseline {
			t.Errorf("poll %d = %+v, %v; want a baseline", i, out, err)
		}
	})
	for i, n := range calls {
		if n != 1 {
			t.Errorf("watch %d: done called %d times, want once", i, n)
		}
	}
	if got := api.hits.Load(); got != 50 {
		t.Errorf("%d requests, want 50", got)
	}
	p.PollAll(context.Background(), nil, PollOptions{}, func(int, *Outcome, error) { t.Error("done called without watches") })
}

// TestPoller_PollAllSlowHost: the watches of a host that does not answer
// wait for its request slots without holding up those of another host,
// though they come first and outnumber the goroutines.
func TestPoller_PollAllSlowHost(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		_, _ = w.Write([]byte(`[]`))
	}))
	defer slow.Close()
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock() // before the server closes: it waits for its handlers
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`[]`))
	}))
	defer fast.Close()
	src := watchTables(20, slow.URL) + strings.ReplaceAll(
		watchTables(20, fast.URL)[strings.Index(watchTables(20, fast.URL), "\n[[watch]]"):], `name = "w`, `name = "x`)
	cfg := parseConfig(t, src, nil)
	p := pollerWith(t, openStore(t), func(o *Options) { o.MaxPerHost, o.MaxConcurrent = 2, 4 })
	var fastDone atomic.Int64
	allFast := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		p.PollAll(context.Background(), cfg.Watches, PollOptions{}, func(i int, _ *Outcome, err error) {
			if strings.HasPrefix(cfg.Watches[i].Name, "x") {
				if err != nil {
					t.Errorf("poll %s: %v", cfg.Watches[i].Name, err)
				}
				if fastDone.Add(1) == 20 {
					close(allFast)
				}
			}
		})
	}()
	select {
	case <-allFast:
	case <-time.After(5 * time.Second):
		t.Fatalf("%d of the fast host's 20 watches polled while the slow host hangs", fastDone.Load())
	}
	unblock()
	<-ended
}

// TestPoller_PollSeqReadsAhead: PollSeq takes watches from its sequence
// only as the polls need them: while every request waits on a host that
// does not answer, the sequence has given the watches running and those
// queued behind them: max_concurrent more when the host's slots match the
// goroutines, maxQueued when it leaves goroutines idle (max_per_host
// below max_concurrent, the defaults' 4 and 64), not all of them; and
// every watch is polled once the host answers.
func TestPoller_PollSeqReadsAhead(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ perHost, concurrent, n, want int }{
		{4, 4, 100, 4 + 4 + 1},
		{2, 8, 2 * maxQueued(8), 2 + maxQueued(8) + 1},
	} {
		t.Run(fmt.Sprintf("%d of %d", tc.perHost, tc.concurrent), func(t *testing.T) {
			t.Parallel()
			pollSeqReadsAhead(t, tc.perHost, tc.concurrent, tc.n, tc.want)
		})
	}
}

func pollSeqReadsAhead(t *testing.T, perHost, concurrent, n, want int) {
	release := make(chan struct{})
	var inFlight atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Add(1)
		<-release
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock()
	cfg := parseConfig(t, watchTables(n, srv.URL), nil)
	p := pollerWith(t, openStore(t), func(o *Options) { o.MaxPerHost, o.MaxConcurrent = perHost, concurrent })
	var taken atomic.Int64
	seq := func(yield func(*config.Watch) bool) {
		for _, w := range cfg.Watches {
			taken.Add(1)
			if !yield(w) {
				return
			}
		}
	}
	var polled atomic.Int64
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		p.PollSeq(context.Background(), n, seq, PollOptions{}, func(i int, w *config.Watch, _ *Outcome, err error) {
			if err != nil || w != cfg.Watches[i] {
				t.Errorf("poll %d (%s): %v", i, w.Name, err)
			}
			polled.Add(1)
		})
	}()
	for deadline := time.Now().Add(5 * time.Second); inFlight.Load() < int64(perHost); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests in flight, want %d", inFlight.Load(), perHost)
		}
	}
	time.Sleep(50 * time.Millisecond) // for a reader that would not stop
	// Running, queued, and the one waiting to be queued.
	if got := taken.Load(); got > int64(want) {
		t.Errorf("%d of %d watches taken while %d polls hang, want at most %d", got, n, perHost, want)
	}
	unblock()
	<-ended
	if got := polled.Load(); got != int64(n) {
		t.Errorf("%d watches polled, want %d", got, n)
	}
}

// TestPoller_PollSeqCalledOff: once ctx ends, PollSeq takes no more
// watches from its sequence (each would be decoded, to fail at once).
func TestPoller_PollSeqCalledOff(t *testing.T) {
	t.Parallel()
	cfg := parseConfig(t, watchTables(100, "http://127.0.0.1:1/"), nil)
	p := pollerWith(t, openStore(t), nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	taken := 0
	seq := func(yield func(*config.Watch) bool) {
		for _, w := range cfg.Watches {
			taken++
			if !yield(w) {
				return
			}
		}
	}
	p.PollSeq(ctx, 100, seq, PollOptions{}, func(int, *config.Watch, *Outcome, error) {})
	if taken > 1 {
		t.Errorf("%d watches taken after ctx ended, want at most 1", taken)
	}
}

func TestHostQueues_Next(t *testing.T) {
	t.Parallel()
	hosts := []string{"a", "a", "a", "b", "b", "c"}
	q := newHostQueues[int](2)
	for i, h := range hosts {
		q.add(h, i)
	}
	var got []int
	take := func() {
		for {
			i, ok := q.next()
			if !ok {
				return
			}
			got = append(got, i)
		}
	}
	take()
	// Hosts in turn, each up to 2 at once: a0 b3 c5 a1 b4, then a waits.
	if want := []int{0, 3, 5, 1, 4}; !slices.Equal(got, want) {
		t.Fatalf("first turns %v, want %v", got, want)
	}
	q.done(hosts[3])
	got = nil
	take()
	if len(got) != 0 {
		t.Fatalf("b's slot freed, b has nothing left, yet %v was taken", got)
	}
	q.done(hosts[0])
	take()
	if want := []int{2}; !slices.Equal(got, want) {
		t.Fatalf("after a's slot freed: %v, want %v", got, want)
	}
}

// TestPoll_KeepsConnectionsAlive: as many connections to a host are kept
// alive as max_per_host lets requests run at once, so that the next
// round of polls dials none.
func TestPoll_KeepsConnectionsAlive(t *testing.T) {
	t.Parallel()
	var f inFlight
	var dials atomic.Int64
	srv := httptest.NewUnstartedServer(f.wrap(50 * time.Millisecond))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			dials.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	cfg := parseConfig(t, watchTables(16, srv.URL), nil)
	p := pollerWith(t, openStore(t), func(o *Options) { o.MaxPerHost, o.MaxConcurrent = 16, 16 })
	for round := 1; round <= 2; round++ {
		p.PollAll(context.Background(), cfg.Watches, PollOptions{}, func(i int, _ *Outcome, err error) {
			if err != nil {
				t.Errorf("round %d: poll %s: %v", round, cfg.Watches[i].Name, err)
			}
		})
	}
	if got := f.peak.Load(); got != 16 {
		t.Fatalf("at most %d requests at once, want 16: the test measures nothing", got)
	}
	if got := dials.Load(); got != 16 {
		t.Errorf("%d connections made over two rounds of 16 polls at once, want 16", got)
	}
}

// TestPoller_PollAllReusesAnswersOnceDone: the answers of polls run one
// after another are read into the memory of the one before, once its
// done has returned. Each poll still stores its own snapshot, diffs with
// its own watch's, and hands done its own value and events.
func TestPoller_PollAllReusesAnswersOnceDone(t *testing.T) {
	t.Parallel()
	var version atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"watch":%q,"v":%d}`, r.URL.Path[1:], version.Load())
	}))
	defer srv.Close()
	var b strings.Builder
	b.WriteString("[[target]]\nname = \"hook\"\nurl = \"https://receiver.example/hook\"\n")
	const n = 20
	for i := range n {
		fmt.Fprintf(&b, "\n[[watch]]\nname = \"w%02d\"\nurl = \"%s/w%02d\"\nnotify = [\"hook\"]\n", i, srv.URL, i)
	}
	cfg := parseConfig(t, b.String(), nil)
	db := openStore(t)
	p := pollerWith(t, db, func(o *Options) { o.MaxConcurrent = 1 })
	ctx := context.Background()
	for v := range 3 {
		version.Store(int64(v))
		p.PollAll(ctx, cfg.Watches, PollOptions{}, func(i int, out *Outcome, err error) {
			want := fmt.Sprintf(`{"watch":"w%02d","v":%d}`, i, v)
			if err != nil || string(out.Value) != want {
				t.Errorf("round %d, watch %d: value %s, %v; want %s", v, i, out.Value, err, want)
				return
			}
			if v == 0 {
				return
			}
			data, err := out.Event.JSON()
			if change := fmt.Sprintf(`"path":"v","old":%d,"new":%d`, v-1, v); err != nil || !strings.Contains(string(data), change) {
				t.Errorf("round %d, watch %d: event %s, %v; want the change %s", v, i, data, err, change)
			}
		})
		for i, w := range cfg.Watches {
			got, err := db.AppendSnapshot(ctx, nil, w.Name)
			if want := fmt.Sprintf(`{"watch":"w%02d","v":%d}`, i, v); err != nil || string(got) != want {
				t.Errorf("round %d: %s's snapshot %s, %v; want %s", v, w.Name, got, err, want)
			}
		}
	}
}

// TestPoll_OutcomesAreTheirOwn: a poll's decision goes to the next poll
// once carried out, but the outcome it returned is the poll's own: a
// baseline, an unchanged poll, a same answer and a change, each kept
// while the polls after it run, still say what their poll found.
func TestPoll_OutcomesAreTheirOwn(t *testing.T) {
	t.Parallel()
	var doc atomic.Value
	doc.Store(`{"id":1,"v":1}`)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, doc.Load())
	}))
	defer srv.Close()
	cfg := parseConfig(t, fmt.Sprintf("[[target]]\nname = \"hook\"\nurl = \"https://receiver.example/hook\"\n\n"+
		"[[watch]]\nname = \"w\"\nurl = %q\nnotify = [\"hook\"]\nignore = [\"id\"]\n", srv.URL), nil)
	p := pollerWith(t, openStore(t), nil)
	ctx := context.Background()
	var outs []*Outcome
	for _, d := range []string{`{"id":1,"v":1}`, `{"id":2,"v":1}`, `{"id":2,"v":1}`, `{"id":2,"v":2}`} {
		doc.Store(d)
		out, err := p.Poll(ctx, cfg.Watches[0], PollOptions{})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, out)
	}
	for i, check := range []struct {
		what string
		ok   bool
	}{
		{"the baseline", outs[0].Baseline && outs[0].Event == nil && outs[0].Pages == 1},
		{"unchanged", outs[1].Unchanged && !outs[1].Same && outs[1].Pages == 1},
		{"the same answer", outs[2].Unchanged && outs[2].Same && outs[2].Shape != nil},
		{"the change", outs[3].Event != nil && len(outs[3].Events) == 1 && outs[3].Counts != nil && outs[3].Counts.Changed == 1},
	} {
		if !check.ok {
			t.Errorf("poll %d, %s: outcome %+v", i+1, check.what, *outs[i])
		}
	}
}
