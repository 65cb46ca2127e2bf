package notify

import (
	"fmt"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
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
				elapsed += drainOutbox(b, tg, events, watches)
				total += events
				if n := m.Count(b); n != total {
					b.Fatalf("mailpit holds %d messages, want %d", n, total)
				}
			}
			b.ReportMetric(float64(events*b.N)/elapsed.Seconds(), "emails/s")
		})
	}
}
