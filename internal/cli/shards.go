package cli

import (
	"bufio"
	"fmt"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/shard"
)

// shards is pollhook shards --shards N [--from M]: which shard of N owns
// each watch of the configuration, with the count per shard; with --from,
// the watches whose owner changes going from M shards to N.
func (c *cli) shards(args []string) error {
	fs := c.flags("shards")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	n := fs.Int("shards", 0, "the number of shards `N` to plan for")
	from := fs.Int("from", 0, "the number of shards `M` now: list the watches that move")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("shards", pos); err != nil {
		return err
	}
	if err := shard.CheckCount(*n); err != nil {
		return usageError{"--shards: " + err.Error()}
	}
	if *from != 0 {
		if err := shard.CheckCount(*from); err != nil {
			return usageError{"--from: " + err.Error()}
		}
	}
	cfg, problems, err := c.loadConfig(*cfgPath, topLevel)
	if err != nil {
		return err
	}
	if err := c.requireTopLevel(*cfgPath, problems); err != nil {
		return err
	}
	w := bufio.NewWriter(c.stdout)
	counts := make([]int, *n)
	moved, listed := 0, 0
	for _, wt := range cfg.Watches {
		to := shard.Owner(wt.ShardKey, *n)
		counts[to]++
		if *from == 0 {
			fmt.Fprintf(w, "%s\t%d\n", human.Printable(wt.Name), to)
			listed++
			continue
		}
		if was := shard.Owner(wt.ShardKey, *from); was != to {
			moved++
			listed++
			fmt.Fprintf(w, "%s\t%d -> %d\n", human.Printable(wt.Name), was, to)
		}
	}
	if listed > 0 {
		fmt.Fprintln(w) // between the watches and the counts
	}
	for i, k := range counts {
		fmt.Fprintf(w, "shard %d/%d: %s\n", i, *n, human.Count(k, "watch", "watches"))
	}
	if *from != 0 {
		fmt.Fprintf(w, "from %d to %d shards: %s of %d move\n", *from, *n, human.Count(moved, "watch", "watches"), len(cfg.Watches))
	}
	return w.Flush()
}
