package cli

import (
	"context"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/inspect"
)

// watches is pollhook watches: one row per watch of the configuration,
// with its state (the status page's rule), its last poll and change, its
// next run (known only to a running daemon), its failures in a row and
// its pending deliveries; then why each watch that is not ok is not.
func (c *cli) watches(ctx context.Context, args []string) error {
	fs := c.flags("watches")
	var common inspectFlags
	common.register(fs, true)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("watches", pos); err != nil {
		return err
	}
	return c.withBackend(ctx, common, reads, func(b backend, cfg *config.Config) error {
		rows, err := b.Watches(ctx)
		if err != nil {
			return err
		}
		if common.json {
			return writeJSONLines(c.stdout, rows)
		}
		if len(rows) == 0 {
			fmt.Fprintf(c.stdout, "no watches in %s\n", cfg.File)
			return nil
		}
		now := time.Now()
		when := func(t time.Time) string {
			if t.IsZero() {
				return "-"
			}
			return human.Relative(t, now)
		}
		p := human.Printable
		tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "WATCH\tSTATE\tLAST POLL\tLAST CHANGE\tNEXT RUN\tFAILURES\tPENDING")
		for _, w := range rows {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p(w.Name), p(inspect.StateLabel(w.State)),
				when(w.LastPoll), when(w.LastChange), when(w.NextRun), strconv.Itoa(w.Failures), strconv.Itoa(w.Pending))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		first := true
		for _, w := range rows {
			if w.State == inspect.WatchOK || w.Detail == "" {
				continue
			}
			if first {
				fmt.Fprintln(c.stdout)
				first = false
			}
			fmt.Fprintf(c.stdout, "%s: %s\n", p(w.Name), p(w.Detail))
		}
		if _, remote := b.(*api.Client); !remote {
			fmt.Fprintln(c.stderr, "next run: known only while the daemon runs (none answers on listen)")
		}
		return nil
	})
}
