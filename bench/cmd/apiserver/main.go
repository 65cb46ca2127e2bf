// Command apiserver is the API the benchmarks poll: n JSON documents of
// about size bytes at /w/0 ... /w/{n-1}, served over keep-alive by a bare
// HTTP/1.1 server (bench/internal/wire: it spends a fraction of what
// net/http's does, and Go sets TCP_NODELAY, so no response waits on a
// delayed ACK). POST /-/change changes every document (or ?i=K one), so a
// storm is one request.
package main

import (
	"flag"
	"log"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/pollhook/pollhook/bench/internal/wire"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18080", "listen `address`")
	n := flag.Int("n", 10000, "how many documents")
	size := flag.Int("size", 5000, "about how many `bytes` each document has")
	flag.Parse()
	versions := make([]atomic.Int64, *n)
	var all atomic.Int64
	// What follows the id and version is the same in every document.
	pad := strings.Repeat("x", max(*size-200, 0)/10)
	var items strings.Builder
	items.WriteString(`,"items":[`)
	for k := range 10 {
		if k > 0 {
			items.WriteByte(',')
		}
		items.WriteString(`{"id":` + strconv.Itoa(k) + `,"name":"item ` + strconv.Itoa(k) + `","pad":"` + pad + `"}`)
	}
	items.WriteString("]}")
	tail := items.String()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(wire.Serve(ln, func(r *wire.Request) wire.Response {
		path := r.Path()
		switch {
		case r.Method == "GET" && strings.HasPrefix(path, "/w/"):
			i, err := strconv.Atoi(path[len("/w/"):])
			if err != nil || i < 0 || i >= *n {
				return wire.Response{Status: 404}
			}
			b := make([]byte, 0, 32+len(tail))
			b = append(b, `{"id":`...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, `,"version":`...)
			b = strconv.AppendInt(b, all.Load()+versions[i].Load(), 10)
			b = append(b, tail...)
			return wire.Response{Status: 200, ContentType: "application/json", Body: b}
		case r.Method == "POST" && path == "/-/change":
			if s := r.Query("i"); s != "" {
				i, err := strconv.Atoi(s)
				if err != nil || i < 0 || i >= *n {
					return wire.Response{Status: 400, Body: []byte("bad i\n")}
				}
				versions[i].Add(1)
			} else {
				all.Add(1)
			}
			return wire.Response{Status: 204}
		}
		return wire.Response{Status: 404}
	}))
}
