// Command floor is what any poller must at least spend: it GETs n URLs
// (base/w/0 ... base/w/{n-1}) with c requests at once over keep-alive,
// reads each body and hashes it, and prints how long that took. Measure
// its CPU and memory with measure, beside pollhook's.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"net/http"
	"sync"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:18080", "the API's `URL`")
	n := flag.Int("n", 2000, "how many documents")
	c := flag.Int("c", 64, "requests at once")
	flag.Parse()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *c}}
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var sum uint64
	start := time.Now()
	for range *c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				resp, err := client.Get(fmt.Sprintf("%s/w/%d", *base, i))
				if err != nil {
					log.Fatal(err)
				}
				h := fnv.New64a()
				_, err = io.Copy(h, resp.Body)
				resp.Body.Close()
				if err != nil {
					log.Fatal(err)
				}
				mu.Lock()
				sum ^= h.Sum64()
				mu.Unlock()
			}
		}()
	}
	for i := range *n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	fmt.Printf("floor: %d documents in %v (hash %x)\n", *n, time.Since(start).Round(time.Millisecond), sum)
}
