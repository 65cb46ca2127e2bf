package poller

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// BenchmarkPoll_Split is a poll that finds 100 elements changed, of a
// watch with two targets, committed to a real database: "one", one event
// of 100 changes; "split", 100 events of one change each, in the one
// transaction, each with its history entry and two deliveries.
func BenchmarkPoll_Split(b *testing.B) {
	doc := func(version int) []byte {
		var s strings.Builder
		s.WriteByte('[')
		for k := range 100 {
			if k > 0 {
				s.WriteByte(',')
			}
			fmt.Fprintf(&s, `{"id":%d,"tag":"v%d","version":%d}`, k, k, version)
		}
		s.WriteByte(']')
		return []byte(s.String())
	}
	for _, bc := range []struct {
		name, extra string
		events      int
	}{{"one", "", 1}, {"split", "split = true", 100}} {
		b.Run(bc.name, func(b *testing.B) {
			client := &http.Client{Transport: &answerTransport{docs: [][]byte{doc(1), doc(2)}}}
			src := watchTables(1, "http://api.example/w/1", `key = "id"`, `label = "tag"`, `notify = ["hook", "chat"]`, bc.extra)
			src = strings.Replace(src, "notify = [\"hook\"]\n", "", 1) +
				"\n[[target]]\nname = \"chat\"\nkind = \"slack\"\nurl = \"https://hooks.slack.example/T/B/x\"\n"
			w := parseConfig(b, src, nil).Watches[0]
			p := pollerWith(b, openStore(b), func(o *Options) { o.Client = client })
			ctx := b.Context()
			if out, err := p.Poll(ctx, w, PollOptions{}); err != nil || !out.Baseline {
				b.Fatalf("baseline: %+v, %v", out, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if out, err := p.Poll(ctx, w, PollOptions{}); err != nil || len(out.Events) != bc.events {
					b.Fatalf("poll: %d events, %v", len(out.Events), err)
				}
			}
		})
	}
}
