package metrics

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/poller"
)

// readmeQueries are the PromQL expressions of the Metrics section: each
// alert rule's expr and each query of the promql block.
func readmeQueries(section string) []string {
	var out []string
	inPromQL := false
	for _, line := range strings.Split(section, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "```promql":
			inPromQL = true
		case inPromQL && line == "```":
			inPromQL = false
		case inPromQL && line != "" && !strings.HasPrefix(line, "#"):
			out = append(out, line)
		case strings.HasPrefix(line, "expr:"):
			out = append(out, strings.TrimSpace(strings.TrimPrefix(line, "expr:")))
		}
	}
	return out
}

var (
	selectorRE = regexp.MustCompile(`(pollhook_[a-z_]+)(\{[^}]*\})?`)
	matcherRE  = regexp.MustCompile(`([a-z_]+)\s*(=~|!=|!~|=)\s*"([^"]*)"`)
	byRE       = regexp.MustCompile(`\bby\s*\(([^)]*)\)`)
)

// TestDocs_QueriesWorkWithTheDefault checks every PromQL example of the
// Metrics section of docs/metrics.md against the series the default
// metrics_per_watch exposes: each series it selects exists, with the
// labels its matchers and its by () name. It fails when a change drops a
// series or a label the reference relies on.
func TestDocs_QueriesWorkWithTheDefault(t *testing.T) {
	queries := readmeQueries(testkit.DocSection(t, "docs/metrics.md", "## Metrics"))
	if len(queries) < 5 {
		t.Fatalf("found %d queries in the Metrics section of docs/metrics.md, want the alert rules and the promql block: %q", len(queries), queries)
	}
	_, body := scrapeFleet(t, 3, config.MetricsMinimal)
	samples := testkit.ParseExposition(t, body)

	selectors := 0
	for _, q := range queries {
		var by []string
		for _, g := range byRE.FindAllStringSubmatch(q, -1) {
			for _, l := range strings.Split(g[1], ",") {
				by = append(by, strings.TrimSpace(l))
			}
		}
		for _, sel := range selectorRE.FindAllStringSubmatch(q, -1) {
			selectors++
			if !selects(t, samples, sel[1], sel[2], by) {
				t.Errorf("docs/metrics.md query %q: no series %s%s with labels %q in the default /metrics", q, sel[1], sel[2], by)
			}
		}
	}
	if selectors == 0 {
		t.Error("no pollhook_ series in the queries of docs/metrics.md")
	}
}

// selects reports whether a sample is named name, matches the equality
// matchers of braces ({a="b"}), and has every label of by.
func selects(t *testing.T, samples []testkit.Sample, name, braces string, by []string) bool {
	t.Helper()
	matchers := matcherRE.FindAllStringSubmatch(braces, -1)
	for _, mt := range matchers {
		if mt[2] != "=" {
			t.Fatalf("matcher %s: this test knows only =", mt[0])
		}
	}
next:
	for _, s := range samples {
		if s.Name != name {
			continue
		}
		for _, mt := range matchers {
			if v, ok := s.Labels[mt[1]]; !ok || v != mt[3] {
				continue next
			}
		}
		for _, l := range by {
			if _, ok := s.Labels[l]; !ok {
				continue next
			}
		}
		return true
	}
	return false
}

// TestDocs_MetricsTable checks that the table of metrics of docs/metrics.md names
// every metric either layout exposes, and nothing else.
func TestDocs_MetricsTable(t *testing.T) {
	documented := map[string]bool{}
	for _, line := range strings.Split(testkit.DocSection(t, "docs/metrics.md", "## Metrics"), "\n") {
		if name, ok := strings.CutPrefix(line, "| `pollhook_"); ok {
			name, _, _ = strings.Cut(name, "`")
			documented["pollhook_"+name] = true
		}
	}
	exposed := map[string]bool{}
	// A scheduled poll, for the schedule lag, which the fleet's polls (by
	// hand) do not have.
	lag := New("v1", fleet(0, 1, config.MetricsMinimal))
	lag.Poll(poller.PollReport{Watch: "w0", Result: poller.ResultUnchanged, Scheduled: true})
	_, lagBody := scrape(t, lag)
	// A sharded daemon's, for pollhook_shard_info.
	sharded := fleet(0, 1, config.MetricsMinimal)
	if err := sharded.cfg.SelectShard(config.ShardSources{Flag: "0/1"}); err != nil {
		t.Fatal(err)
	}
	_, shardBody := scrape(t, New("v1", sharded))
	lagBody += shardBody
	for _, perWatch := range []string{config.MetricsMinimal, config.MetricsFull} {
		_, body := scrapeFleet(t, 2, perWatch)
		body += lagBody
		for _, line := range strings.Split(body, "\n") {
			if family, ok := strings.CutPrefix(line, "# TYPE "); ok {
				family, _, _ = strings.Cut(family, " ")
				exposed[family] = true
			}
		}
	}
	for name := range exposed {
		if !documented[name] {
			t.Errorf("%s is exposed but not in the table of docs/metrics.md", name)
		}
	}
	for name := range documented {
		if !exposed[name] {
			t.Errorf("the table of docs/metrics.md has %s, which /metrics does not expose", name)
		}
	}
}
