package api

import (
	"strings"
	"testing"

	"github.com/pollhook/pollhook/config"
)

// TestHandler_InfoShard: /api/info names the shard of a sharded daemon,
// and has no shard key for an unsharded one.
func TestHandler_InfoShard(t *testing.T) {
	src := newFake(t, "127.0.0.1:9180", "")
	h := NewHandler(src, "v-test", nil)
	if _, body := do(t, h, "GET", "/api/info", "", nil); strings.Contains(body, `"shard"`) {
		t.Errorf("unsharded: %s", body)
	}
	if err := src.cfg.SelectShard(config.ShardSources{Flag: "2/3"}); err != nil {
		t.Fatal(err)
	}
	if code, body := do(t, h, "GET", "/api/info", "", nil); code != 200 || !strings.Contains(body, `"shard":"2/3"`) {
		t.Errorf("sharded: %d %s", code, body)
	}
}
