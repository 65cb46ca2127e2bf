package daemon

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

var heapProfile = flag.String("heapprofile", "", "BenchmarkRun_MemoryPerWatch writes the heap profile of its daemon, with every watch scheduled, to `file`")

// BenchmarkRun_MemoryPerWatch holds N watches scheduled @every 1m in a
// running daemon (metrics included), after each has taken its baseline
// of a 5 KB document, and reports what each costs: the live heap and the
// goroutine stacks, over what the process held before the configuration
// was parsed. Run it with -benchtime 1x: each iteration is a daemon.
func BenchmarkRun_MemoryPerWatch(b *testing.B) {
	// Documents of about 5 KB, like bench/cmd/apiserver's.
	items := `"items":[` + strings.Repeat(`{"name":"item","pad":"`+strings.Repeat("x", 480)+`"},`, 9) + `{}]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":`+strings.TrimPrefix(r.URL.Path, "/w/")+`,`+items)
	}))
	defer srv.Close()
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for range b.N {
				heap, stack := memoryPerWatch(b, srv.URL, n)
				b.ReportMetric(heap, "heap-B/watch")
				b.ReportMetric(stack, "stack-B/watch")
			}
		})
	}
}

func memoryPerWatch(b *testing.B, url string, n int) (heap, stack float64) {
	var cfgText strings.Builder
	cfgText.WriteString("db = \"state.db\"\nlisten = \"\"\nmax_per_host = 64\nmax_concurrent = 64\n")
	for i := range n {
		fmt.Fprintf(&cfgText, "\n[[watch]]\nname = \"w%d\"\nurl = \"%s/w/%d\"\nschedule = \"@every 1m\"\nkey = \"id\"\nerrors_to = []\n", i, url, i)
	}
	before := liveMemory()
	cfg := parse(b, b.TempDir(), cfgText.String())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := Open(ctx, cfg, Options{Service: true})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	<-d.Started()
	testkit.WaitUntil(b, 2*time.Minute, "a baseline of every watch", func() bool {
		for _, w := range cfg.Watches {
			if !d.poller.State(w.Name).Baseline {
				return false
			}
		}
		return true
	})
	after := liveMemory()
	if *heapProfile != "" {
		writeHeapProfile(b, *heapProfile)
	}
	runtime.KeepAlive(cfg)
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n),
		float64(after.StackInuse-before.StackInuse) / float64(n)
}

// liveMemory is the memory statistics after a collection.
func liveMemory() runtime.MemStats {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m
}

func writeHeapProfile(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}
