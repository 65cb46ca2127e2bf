package poller

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
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
	return jsonAnswer(r, t.docs[t.n.Add(1)%int64(len(t.docs))]), nil
}

// jsonAnswer is a 200 answer of r with the JSON document d.
func jsonAnswer(r *http.Request, d []byte) *http.Response {
	return &http.Response{
		StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {strconv.Itoa(len(d))}},
		Body:          io.NopCloser(bytes.NewReader(d)),
		ContentLength: int64(len(d)),
		Request:       r,
	}
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

// changingTransport answers every request with a new version of a JSON
// document of about 5 KB, made as cheaply as bench/cmd/apiserver makes
// its own: an element's name holds the request's number, so every poll of
// a watch finds a change.
type changingTransport struct {
	head, tail string // the document around the number
	n          atomic.Int64
}

func newChangingTransport() *changingTransport {
	var s strings.Builder
	s.WriteString(`{"id":1,"items":[`)
	for k := range 10 {
		if k > 0 {
			s.WriteByte(',')
		}
		fmt.Fprintf(&s, `{"id":%d,"pad":"%s","name":"item %d`, k, strings.Repeat("x", 480), k)
		if k == 3 {
			s.WriteString(" v\x00")
		}
		s.WriteString(`"}`)
	}
	s.WriteString("]}")
	head, tail, _ := strings.Cut(s.String(), "\x00")
	return &changingTransport{head: head, tail: tail}
}

func (t *changingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	d := make([]byte, 0, len(t.head)+20+len(t.tail))
	d = append(d, t.head...)
	d = strconv.AppendInt(d, t.n.Add(1), 10)
	d = append(d, t.tail...)
	return jsonAnswer(r, d), nil
}

// BenchmarkPoll_Changed is a poll that finds a change, from memory: the
// diff, and the commit of the event with the new snapshot and a delivery
// to a target (not its delivery). "one" polls one watch at a time, each
// commit its own transaction; "storm" polls 64 watches at once, as a
// change storm does (bench/storm.sh), their commits sharing transactions.
// Both poll through PollAll, as pollhook once and the scheduler do: what
// it does once a poll is done (its answer's memory reused) counts.
func BenchmarkPoll_Changed(b *testing.B) {
	for _, bc := range []struct {
		name    string
		watches int
	}{{"one", 1}, {"storm", 64}} {
		b.Run(bc.name, func(b *testing.B) {
			client := &http.Client{Transport: newChangingTransport()}
			cfg := parseConfig(b, watchTables(bc.watches, "http://api.example/w/1", `key = "id"`), nil)
			p := pollerWith(b, openStore(b), func(o *Options) {
				// As bench/lib.sh configures the storm: all 64 at once.
				o.Client, o.MaxConcurrent, o.MaxPerHost = client, 64, 64
			})
			ctx := context.Background()
			for _, w := range cfg.Watches {
				if out, err := p.Poll(ctx, w, PollOptions{}); err != nil || !out.Baseline {
					b.Fatalf("baseline: %+v, %v", out, err)
				}
			}
			cpu := testkit.ProcessCPU(b)
			b.ReportAllocs()
			b.ResetTimer()
			// Rounds of every watch at once, the last round the b.N left.
			for left := b.N; left > 0; left -= len(cfg.Watches) {
				p.PollAll(ctx, cfg.Watches[:min(left, len(cfg.Watches))], PollOptions{}, func(_ int, out *Outcome, err error) {
					if err != nil || out.Event == nil {
						b.Errorf("poll: %+v, %v", out, err)
					}
				})
			}
			b.ReportMetric(float64(testkit.ProcessCPU(b)-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}
