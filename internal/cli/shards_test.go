package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestShards: pollhook shards lists each watch's shard and the count per
// shard; with --from, only the watches that move, and nothing before the
// counts when none does.
func TestShards(t *testing.T) {
	t.Parallel()
	var src strings.Builder
	src.WriteString("db = \"state.db\"\nlisten = \"\"\n\n[defaults]\nshard_key = \"name\"\n")
	for _, name := range []string{"a", "b", "c", "d"} {
		fmt.Fprintf(&src, "\n[[watch]]\nname = %q\nurl = \"https://api.example/%s\"\n", name, name)
	}
	cfg := testkit.WriteFile(t, filepath.Join(t.TempDir(), "pollhook.toml"), src.String())
	all := mustCLI(t, "shards", "--config", cfg, "--shards", "2")
	lines := strings.Split(all, "\n")
	if len(lines) < 8 || !strings.HasPrefix(lines[0], "a\t") || lines[4] != "" || !strings.HasPrefix(lines[5], "shard 0/2: ") {
		t.Errorf("shards --shards 2 printed\n%s", all)
	}
	same := mustCLI(t, "shards", "--config", cfg, "--shards", "2", "--from", "2")
	if !strings.HasPrefix(same, "shard 0/2: ") || !strings.Contains(same, "from 2 to 2 shards: 0 watches of 4 move") {
		t.Errorf("shards --from the same count printed\n%q", same)
	}
	moved := mustCLI(t, "shards", "--config", cfg, "--shards", "3", "--from", "2")
	if !strings.Contains(moved, " -> ") || strings.HasPrefix(moved, "\n") || !strings.Contains(moved, "\n\nshard 0/3: ") {
		t.Errorf("shards --shards 3 --from 2 printed\n%s", moved)
	}
}
