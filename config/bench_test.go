package config

import (
	"fmt"
	"strings"
	"testing"
)

// benchConfig is a configuration of n watches as bench/lib.sh writes it.
func benchConfig(n int) []byte {
	var b strings.Builder
	b.WriteString("db = \"state.db\"\nlisten = \"127.0.0.1:18090\"\nlog_level = \"warn\"\nmax_per_host = 64\nmax_concurrent = 64\n")
	for i := range n {
		fmt.Fprintf(&b, "\n[[watch]]\nname = \"w%d\"\nurl = \"http://127.0.0.1:18080/w/%d\"\nschedule = \"@every 1h\"\nkey = \"id\"\nerrors_to = []\n", i, i)
	}
	return []byte(b.String())
}

// BenchmarkParse reads a configuration of 10,000 watches: all of it with
// its warnings, as run and check do; all of it but the warnings, as once
// does; and its top-level keys, targets and watch names, as the
// inspection commands do.
func BenchmarkParse(b *testing.B) {
	src := benchConfig(10_000)
	for _, bc := range []struct {
		name  string
		parse func(string, []byte, func(string) (string, bool)) (*Config, error)
	}{{"full", Parse}, {"partial", parse}, {"toplevel", parseTopLevel}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				cfg, err := bc.parse("/etc/p.toml", src, env(nil))
				if err != nil || len(cfg.Watches) != 10_000 {
					b.Fatalf("%d watches, %v", len(cfg.Watches), err)
				}
			}
		})
	}
}
