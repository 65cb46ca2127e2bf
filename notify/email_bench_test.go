package notify

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// BenchmarkEmailThroughput measures how many emails per second reach a
// real SMTP server (Mailpit on loopback, no TLS) through the outbox: the
// clock stops when every delivery's outcome is committed, and Mailpit
// must then hold every message.
func BenchmarkEmailThroughput(b *testing.B) {
	m := testkit.StartMailpit(b, testkit.MailpitOptions{})
	tg := func() *config.Target {
		cfg, err := config.Parse("b.toml", []byte(fmt.Sprintf("[[target]]\nname = \"mail\"\nkind = \"email\"\n"+
			"smtp = \"smtp://%s\"\nstarttls = false\nfrom = \"pollhook@example.com\"\nto = [\"ops@example.com\"]\n", m.SMTP)),
			func(string) (string, bool) { return "", false })
		if err != nil {
			b.Fatal(err)
		}
		return cfg.Targets[0]
	}()
	total := 0
	for _, watches := range []int{1, 8} {
		b.Run(fmt.Sprintf("watches=%d", watches), func(b *testing.B) {
			const events = 500
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				path := filepath.Join(b.TempDir(), "bench.db")
				testkit.FillOutbox(b, path, events, watches, "mail")
				db, err := store.Open(path, store.Options{})
				if err != nil {
					b.Fatal(err)
				}
				d := NewDispatcher(DispatcherOptions{Outbox: db, Targets: []*config.Target{tg}})
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				b.StartTimer()
				start := time.Now()
				go func() { done <- d.Run(ctx, ctx) }()
				for {
					queues, err := db.Queues(context.Background())
					if err != nil {
						b.Fatal(err)
					}
					if len(queues) == 0 {
						break
					}
					time.Sleep(time.Millisecond)
				}
				elapsed += time.Since(start)
				b.StopTimer()
				cancel()
				<-done
				db.Close()
				total += events
				if n := m.Count(b); n != total {
					b.Fatalf("mailpit holds %d messages, want %d", n, total)
				}
			}
			b.ReportMetric(float64(events*b.N)/elapsed.Seconds(), "emails/s")
		})
	}
}
