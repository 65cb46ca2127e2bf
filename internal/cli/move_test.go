package cli

import (
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// TestImport_RefusesStatesNoPollCouldUse: import refuses, naming each
// line, a baseline without its snapshot, a JSON watch whose snapshot is
// not JSON, and an unknown format; and then imports nothing.
func TestImport_RefusesStatesNoPollCouldUse(t *testing.T) {
	dir := t.TempDir()
	cfg := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), "db = \"state.db\"\nlisten = \"\"\n"+
		"[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\n"+
		"[[watch]]\nname = \"c\"\nurl = \"https://c.example/\"\n[[watch]]\nname = \"d\"\nurl = \"https://d.example/\"\n")
	notJSON := base64.StdEncoding.EncodeToString([]byte("not json"))
	good := base64.StdEncoding.EncodeToString([]byte(`{"v":1}`))
	lines := testkit.WriteFile(t, filepath.Join(dir, "in.jsonl"), strings.Join([]string{
		`{"watch":"a","state":{"baseline":true,"format":"json","sum":1,"seq":3}}`,
		`{"watch":"b","state":{"baseline":true,"format":"json","sum":1,"seq":3},"snapshot":"` + notJSON + `"}`,
		`{"watch":"c","state":{"baseline":true,"format":"bogus","sum":1,"seq":3},"snapshot":"` + good + `"}`,
		`{"watch":"d","state":{"baseline":true,"format":"json","sum":1,"seq":3},"snapshot":"` + good + `"}`,
	}, "\n")+"\n")
	_, errOut, code := tryCLI(t, "import", lines, "--config", cfg)
	for _, want := range []string{
		`in.jsonl:1: watch "a": a baseline without its snapshot`,
		`in.jsonl:2: watch "b": its snapshot is not valid JSON`,
		`in.jsonl:3: watch "c": format "bogus" is neither json nor text`,
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("import said:\n%s\nwant %q", errOut, want)
		}
	}
	if code != 1 || strings.Contains(errOut, `"d"`) {
		t.Errorf("exit %d, stderr %q: want 1, and nothing about the good line d", code, errOut)
	}
	// The good line alone imports.
	good1 := testkit.WriteFile(t, filepath.Join(dir, "good.jsonl"), `{"watch":"d","state":{"baseline":true,"format":"json","sum":1,"seq":3},"snapshot":"`+good+`"}`+"\n")
	if out := mustCLI(t, "import", good1, "--config", cfg); !strings.Contains(out, "imported 1 watch") {
		t.Errorf("import of a good line printed %q", out)
	}
}

// TestForget_RefusesAWatchOfTheConfiguration: forget refuses a watch the
// configuration still has, saying whose it is: the configuration's, or
// a shard's (its spec named); of a file with problems it reads past, it
// says how many it saw at least.
func TestForget_RefusesAWatchOfTheConfiguration(t *testing.T) {
	dir := t.TempDir()
	cfg := testkit.WriteFile(t, filepath.Join(dir, "pollhook.toml"), "db = \"state.db\"\nlisten = \"\"\n"+
		"[[watch]]\nname = \"a\"\nurl = \"https://a.example/\"\n")
	_, errOut, code := tryCLI(t, "forget", "--watch", "a", "--config", cfg)
	if want := `watch "a" is in the configuration: forgetting its state would make it take a new baseline`; code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("exit %d, stderr %q; want 1 and %q", code, errOut, want)
	}
	_, errOut, code = tryCLI(t, "forget", "--watch", "a", "--config", cfg, "--shard", "0/1")
	if want := `watch "a" is this shard's (0/1): `; code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("sharded: exit %d, stderr %q; want 1 and %q", code, errOut, want)
	}
	// Problems of the watches: the load of names sees some of them, and
	// says it saw at least those.
	dup := testkit.WriteFile(t, filepath.Join(dir, "dup.toml"), "db = \"state.db\"\nlisten = \"\"\n"+
		"[[watch]]\nname = \"b\"\nurl = \"https://a.example/\"\n[[watch]]\nname = \"b\"\nurl = \"https://b.example/\"\n")
	_, errOut, _ = tryCLI(t, "forget", "--watch", "a", "--config", dup)
	if want := "dup.toml has at least 1 problem(s) outside db, listen and auth_token (pollhook check lists them all)"; !strings.Contains(errOut, want) {
		t.Errorf("stderr %q; want %q", errOut, want)
	}
}
