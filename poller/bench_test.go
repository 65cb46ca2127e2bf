package poller

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// answerTransport answers every request with one of docs in turn, from
// memory: a poll's own work, without a network or a server.
type answerTransport struct {
	docs [][]byte
	n    atomic.Int64
}

func (t *answerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	d := t.docs[t.n.Add(1)%int64(len(t.docs))]
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {fmt.Sprint(len(d))}},
		Body:          io.NopCloser(bytes.NewReader(d)),
		ContentLength: int64(len(d)),
		Request:       r,
	}, nil
}

// BenchmarkPoll is a no-change poll of a watch whose API answers a JSON
// document of about 5 KB (as bench/cmd/apiserver does), from memory: what
// a poll costs beside the request, which is the floor's (bench/). Cases:
// "same", the same bytes as the last answer; "unchanged", other bytes of
// the same value (only an ignored member moves), so that every answer is
// prepared.
func BenchmarkPoll(b *testing.B) {
	doc := func(version int) []byte {
		var s strings.Builder
		fmt.Fprintf(&s, `{"id":1,"version":%d,"items":[`, version)
		for k := range 10 {
			if k > 0 {
				s.WriteByte(',')
			}
			fmt.Fprintf(&s, `{"id":%d,"name":"item %d","pad":"%s"}`, k, k, strings.Repeat("x", 480))
		}
		s.WriteString("]}")
		return []byte(s.String())
	}
	for _, bc := range []struct {
		name string
		docs [][]byte
	}{{"same", [][]byte{doc(1)}}, {"unchanged", [][]byte{doc(1), doc(2)}}} {
		b.Run(bc.name, func(b *testing.B) {
			client := &http.Client{Transport: &answerTransport{docs: bc.docs}}
			cfg := parseConfig(b, watchTables(1, "http://api.example/w/1", `key = "id"`, `ignore = ["version"]`), nil)
			w := cfg.Watches[0]
			p := pollerWith(b, openStore(b), func(o *Options) { o.Client = client })
			ctx := context.Background()
			if out, err := p.Poll(ctx, w, PollOptions{}); err != nil || !out.Baseline {
				b.Fatalf("baseline: %+v, %v", out, err)
			}
			cpu := testkit.ProcessCPU(b)
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.docs[0])))
			for b.Loop() {
				if out, err := p.Poll(ctx, w, PollOptions{}); err != nil || !out.Unchanged {
					b.Fatalf("poll: %+v, %v", out, err)
				}
			}
			// CPU time (the GC's included) says more than the time per poll
			// on a machine that runs other work too.
			b.ReportMetric(float64(testkit.ProcessCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
