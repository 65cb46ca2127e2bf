package config

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestConfig_SelectShard(t *testing.T) {
	watches := ""
	for i := range 30 {
		watches += fmt.Sprintf("[[watch]]\nname = \"w%d\"\nurl = \"https://h%d.example.com/x\"\n", i, i)
	}
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	host := func(h string) func() (string, error) { return func() (string, error) { return h, nil } }
	cases := []struct {
		name    string
		top     string
		src     ShardSources
		want    string // the shard in force, "" for none
		wantErr string
	}{
		{"none", "", ShardSources{}, "", ""},
		{"file", "shard = \"1/3\"\n", ShardSources{}, "1/3", ""},
		{"env over file", "shard = \"1/3\"\n", ShardSources{Getenv: env(map[string]string{EnvShard: "2/4"})}, "2/4", ""},
		{"flag over env", "shard = \"1/3\"\n", ShardSources{Flag: "0/2", Getenv: env(map[string]string{EnvShard: "2/4"})}, "0/2", ""},
		{"auto", "shard = \"auto\"\nshards = 3\n", ShardSources{Hostname: host("pollhook-2")}, "2/3", ""},
		{"auto, shards from env", "shard = \"auto\"\nshards = 3\n", ShardSources{Hostname: host("pollhook-3"), Getenv: env(map[string]string{EnvShards: "4"})}, "3/4", ""},
		{"auto without ordinal", "shard = \"auto\"\nshards = 3\n", ShardSources{Hostname: host("laptop")},
			"", `pollhook.toml:1: shard: "auto": hostname "laptop": no ordinal suffix`},
		{"auto ordinal too big", "shard = \"auto\"\nshards = 3\n", ShardSources{Hostname: host("pollhook-3")},
			"", `pollhook.toml:1: shard: "auto": hostname "pollhook-3": shard 3 of 3`},
		{"auto without shards", "shard = \"auto\"\n", ShardSources{Hostname: host("pollhook-0")},
			"", `pollhook.toml:1: shard: "auto" needs the number of shards`},
		{"shards alone", "shards = 3\n", ShardSources{}, "", `pollhook.toml:1: shards: the number of shards is set, but not which shard`},
		{"bad flag", "", ShardSources{Flag: "3/3"}, "", `--shard: shard 3 of 3`},
		{"bad env", "", ShardSources{Getenv: env(map[string]string{EnvShard: "x"})}, "", `POLLHOOK_SHARD: want I/N`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("pollhook.toml", []byte(c.top+watches), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.SelectShard(c.src)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one with %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Sharding.Spec.String(); got != c.want {
				t.Errorf("shard %q, want %q", got, c.want)
			}
			if len(cfg.Watches)+len(cfg.Sharding.Others) != 30 || len(cfg.AllWatches()) != 30 {
				t.Errorf("%d own + %d others, want 30 in all", len(cfg.Watches), len(cfg.Sharding.Others))
			}
			if c.want != "" && (len(cfg.Watches) == 0 || len(cfg.Watches) == 30) {
				t.Errorf("shard %s owns %d of 30 watches", c.want, len(cfg.Watches))
			}
		})
	}
}

func TestParse_ShardKeys(t *testing.T) {
	cases := []struct {
		name, src, wantErr string
	}{
		{"bad shard", "shard = \"3\"\n", `pollhook.toml:1: shard: want "auto" or I/N`},
		{"shards out of range", "shards = 5000\n", `pollhook.toml:1: shards: the number of shards must be 1 to 1024`},
		{"shard and shards disagree", "shard = \"1/3\"\nshards = 4\n", `shard: "1/3" is of 3 shards, but shards = 4`},
		{"bad shard_key", "[[watch]]\nname = \"a\"\nurl = \"https://x/\"\nshard_key = \"url\"\n", `pollhook.toml:4: watch "a": shard_key: want host or name`},
		{"bad default shard_key", "[defaults]\nshard_key = 1\n", `pollhook.toml:2: defaults: shard_key: want a string`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("pollhook.toml", []byte(c.src), func(string) (string, bool) { return "", false })
			var errs Errors
			if !errors.As(err, &errs) || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one with %q", err, c.wantErr)
			}
		})
	}
}

// TestWatch_ShardKey: by host (the default: host:port, lower case, of
// the URL), or by name, per watch or from [defaults]; the top-level
// reading that the inspection commands use finds the same keys.
func TestWatch_ShardKey(t *testing.T) {
	src := `[defaults]
shard_key = "name"
[[watch]]
name = "a"
url = "https://API.example.com:8443/x"
shard_key = "host"
[[watch]]
name = "b"
url = "https://api.example.com/y"
`
	for name, load := range map[string]func(string, []byte, func(string) (string, bool)) (*Config, error){"Parse": Parse, "parseTopLevel": parseTopLevel} {
		cfg, err := load("pollhook.toml", []byte(src), func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Watch("a").ShardKey; got != "api.example.com:8443" {
			t.Errorf("%s: a's key %q, want api.example.com:8443", name, got)
		}
		if got := cfg.Watch("b").ShardKey; got != "b" {
			t.Errorf("%s: b's key %q, want b", name, got)
		}
	}
}
