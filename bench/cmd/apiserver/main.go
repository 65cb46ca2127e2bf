// Command apiserver is the API the benchmarks poll: n JSON documents of
// about size bytes at /w/0 ... /w/{n-1}, served fast over keep-alive (Go's
// server sets TCP_NODELAY, so no response waits on a delayed ACK). POST
// /-/change changes every document (or ?i=K one), so a storm is one
// request.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen `address`")
	n := flag.Int("n", 10000, "how many documents")
	size := flag.Int("size", 5000, "about how many `bytes` each document has")
	flag.Parse()
	versions := make([]atomic.Int64, *n)
	var all atomic.Int64
	pad := strings.Repeat("x", max(*size-200, 0)/10)
	http.HandleFunc("GET /w/{i}", func(w http.ResponseWriter, r *http.Request) {
		i, err := strconv.Atoi(r.PathValue("i"))
		if err != nil || i < 0 || i >= *n {
			http.NotFound(w, r)
			return
		}
		v := all.Load() + versions[i].Load()
		w.Header().Set("Content-Type", "application/json")
		var b strings.Builder
		fmt.Fprintf(&b, `{"id":%d,"version":%d,"items":[`, i, v)
		for k := range 10 {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":%d,"name":"item %d","pad":"%s"}`, k, k, pad)
		}
		b.WriteString("]}")
		_, _ = w.Write([]byte(b.String()))
	})
	http.HandleFunc("POST /-/change", func(w http.ResponseWriter, r *http.Request) {
		if s := r.URL.Query().Get("i"); s != "" {
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= *n {
				http.Error(w, "bad i", http.StatusBadRequest)
				return
			}
			versions[i].Add(1)
		} else {
			all.Add(1)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	log.Fatal(http.ListenAndServe(*addr, nil))
}
