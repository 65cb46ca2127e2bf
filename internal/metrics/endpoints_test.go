package metrics

import (
	"strings"
	"testing"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// TestMetrics_EndpointsSummed: the outbox gauges of consumers' endpoints
// are one series, target="endpoints", however many endpoints there are.
func TestMetrics_EndpointsSummed(t *testing.T) {
	cfg, err := config.Parse("t.toml", []byte("[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n"), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeSource{cfg: cfg, counts: map[string]store.OutboxCount{
		"ep_1": {Pending: 2}, "ep_2": {Pending: 1, Failed: 4}, "ep_3": {},
	}}
	_, body := scrape(t, New("v9", src))
	samples := testkit.ParseExposition(t, body)
	checkSamples(t, samples, []want{
		{"pollhook_outbox_pending", []string{"target", "endpoints"}, 3},
		{"pollhook_outbox_failed", []string{"target", "endpoints"}, 4},
	})
	if strings.Contains(body, "ep_") {
		t.Errorf("an endpoint has its own series:\n%s", body)
	}
}
