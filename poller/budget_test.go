package poller

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestBudget(t *testing.T) {
	t.Parallel()
	b := newBudget(100)
	ctx := context.Background()
	r1, err := b.acquire(ctx, 60)
	if err != nil {
		t.Fatal(err)
	}
	// 90 does not fit beside 60: it waits, and so does 20 behind it,
	// though 20 would fit (first come, first served: a big answer is not
	// starved by small ones).
	got := make(chan string, 3)
	go func() {
		r, err := b.acquire(ctx, 90)
		if err == nil {
			got <- "90"
			time.Sleep(20 * time.Millisecond)
			r()
		}
	}()
	time.Sleep(20 * time.Millisecond)
	go func() {
		r, err := b.acquire(ctx, 20)
		if err == nil {
			got <- "20"
			r()
		}
	}()
	select {
	case g := <-got:
		t.Fatalf("%s bytes granted while 60 of 100 are held and 90 wait", g)
	case <-time.After(50 * time.Millisecond):
	}
	r1()
	if first, second := <-got, <-got; first != "90" || second != "20" {
		t.Errorf("granted %s then %s, want 90 then 20", first, second)
	}

	// More than the budget is clamped: it runs alone, not never.
	r, err := b.acquire(ctx, 1<<40)
	if err != nil {
		t.Fatal(err)
	}
	// A waiter whose context ends gives up its place, and what it waited
	// behind it is not blocked by it.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := b.acquire(cctx, 1); err == nil {
		t.Error("acquire succeeded on a full budget")
	}
	r()
	r, err = b.acquire(ctx, 100)
	if err != nil {
		t.Fatalf("after a cancelled waiter the whole budget is not free: %v", err)
	}
	r()
	if b.used != 0 || len(b.waiters) != 0 {
		t.Errorf("budget left with %d used, %d waiters", b.used, len(b.waiters))
	}
}

// TestPoll_DiffBudget: with a budget smaller than one answer, polls of
// many watches at once take turns diffing, and all of them get done.
func TestPoll_DiffBudget(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`[{"id":1,"v":"` + strings.Repeat("x", 4096) + `"}]`))
	}))
	defer srv.Close()
	cfg := parseConfig(t, watchTables(8, srv.URL, `key = "id"`), nil)
	p := pollerWith(t, openStore(t), func(o *Options) { o.DiffBudget = 1 })
	var wg sync.WaitGroup
	for _, w := range cfg.Watches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out, err := p.Poll(context.Background(), w, PollOptions{}); err != nil || !out.Baseline {
				t.Errorf("%s: %+v, %v", w.Name, out, err)
			}
		}()
	}
	wg.Wait()
	if p.budget.used != 0 {
		t.Errorf("%d bytes of the budget still held", p.budget.used)
	}
}
