// Command receiver is the webhook receiver the benchmarks deliver to: it
// answers 204 to every POST and counts them, with the arrival times of
// the first and the last; GET /stats says so in JSON, and DELETE /stats
// starts again. A bare HTTP/1.1 server (bench/internal/wire), so that the
// receiver takes little of the CPU it shares with pollhook.
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net"
	"sync"
	"time"

	"github.com/pollhook/pollhook/bench/internal/wire"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen `address`")
	flag.Parse()
	var (
		mu          sync.Mutex
		count       int
		first, last time.Time
	)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(wire.Serve(ln, func(r *wire.Request) wire.Response {
		switch {
		case r.Method == "POST":
			now := time.Now()
			mu.Lock()
			if count == 0 {
				first = now
			}
			count++
			last = now
			mu.Unlock()
			return wire.Response{Status: 204}
		case r.Method == "GET" && r.Path() == "/stats":
			mu.Lock()
			defer mu.Unlock()
			b, _ := json.Marshal(map[string]any{"count": count, "first": first, "last": last})
			return wire.Response{Status: 200, ContentType: "application/json", Body: append(b, '\n')}
		case r.Method == "DELETE" && r.Path() == "/stats":
			mu.Lock()
			count, first, last = 0, time.Time{}, time.Time{}
			mu.Unlock()
			return wire.Response{Status: 204}
		}
		return wire.Response{Status: 404}
	}))
}
