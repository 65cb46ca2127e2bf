package metrics

import (
	"strings"
	"testing"

	"github.com/pollhook/pollhook/config"
)

// TestMetrics_ShardInfo: a sharded daemon has pollhook_shard_info with its
// shard; an unsharded one has none; a reload that changes the shard
// changes the series.
func TestMetrics_ShardInfo(t *testing.T) {
	for _, c := range []struct{ flag, want string }{
		{"2/3", `pollhook_shard_info{shard="2",shards="3"} 1`},
		{"", ""},
	} {
		cfg, err := config.Parse("t.toml", []byte("[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n"), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.SelectShard(config.ShardSources{Flag: c.flag}); err != nil {
			t.Fatal(err)
		}
		_, body := scrape(t, New("v9", &fakeSource{cfg: cfg}))
		has := strings.Contains(body, "pollhook_shard_info")
		if c.want == "" && has || c.want != "" && !strings.Contains(body, c.want) {
			t.Errorf("shard %q: want %q in:\n%s", c.flag, c.want, body)
		}
	}

	cfg := func(flag string) *config.Config {
		c, err := config.Parse("t.toml", []byte("[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n"), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		if err := c.SelectShard(config.ShardSources{Flag: flag}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	src := &fakeSource{cfg: cfg("1/3")}
	m := New("v9", src)
	scrape(t, m)
	src.cfg = cfg("3/4") // what a reload to four shards does
	_, body := scrape(t, m)
	if !strings.Contains(body, `pollhook_shard_info{shard="3",shards="4"} 1`) || strings.Contains(body, `shards="3"`) {
		t.Errorf("after a reload to 3/4, want only the new shard in:\n%s", body)
	}
}
