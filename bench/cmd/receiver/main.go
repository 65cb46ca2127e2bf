// Command receiver is the webhook receiver the benchmarks deliver to: it
// answers 204 to every POST and counts them, with the arrival times of
// the first and the last; GET /stats says so in JSON, and DELETE /stats
// starts again.
package main

import (
	"encoding/json"
	"flag"
	"io"
	"log"
	"net/http"
	"sync"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen `address`")
	flag.Parse()
	var (
		mu          sync.Mutex
		count       int
		first, last time.Time
	)
	http.HandleFunc("POST /", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		now := time.Now()
		mu.Lock()
		if count == 0 {
			first = now
		}
		count++
		last = now
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	http.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"count": count, "first": first, "last": last})
	})
	http.HandleFunc("DELETE /stats", func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		count, first, last = 0, time.Time{}, time.Time{}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
