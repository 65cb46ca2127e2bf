package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/daemon"
	"github.com/pollhook/pollhook/internal/demo"
)

// demo is pollhook demo: the real pipeline (scheduler, fetch, diff, bbolt
// outbox, signed delivery) against a built-in API and receiver on
// loopback, with a temporary database.
func (c *cli) demo(ctx context.Context, args []string) error {
	fs := c.flags("demo")
	duration := fs.Duration("duration", 0, "stop after this long (default: until Ctrl-C)")
	every := fs.Duration("every", 3*time.Second, "how often the demo API's data changes")
	verbose := fs.Bool("v", false, "show the daemon's debug log")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("demo", pos); err != nil {
		return err
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: level}))

	dir, err := os.MkdirTemp("", "pollhook-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)

	var out sync.Mutex
	printf := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(c.stdout, format, args...)
	}
	env, err := demo.Start(demo.Callbacks{
		Webhook: func(id string, ev *event.Event) {
			out.Lock()
			defer out.Unlock()
			printWebhook(c.stdout, id, ev)
		},
		Rejected: func(err error) { printf("receiver: REJECTED a webhook: %v\n", err) },
	})
	if err != nil {
		return err
	}
	defer env.Close()

	src := env.Config(filepath.Join(dir, "pollhook.db"))
	cfg, err := config.Parse("demo.toml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}
	printf("pollhook demo: a built-in API on %s whose releases change every %s,\n", env.Base, *every)
	printf("polled every second, diffed by tag_name (updated_at ignored), delivered as signed webhooks\n")
	printf("to a built-in receiver that verifies each signature. Ctrl-C stops it.\n\n")
	printf("this is the configuration it runs:\n\n%s\n", indent(strings.Replace(src, env.Secret, "whsec_…", 1)))

	d, err := daemon.Open(ctx, cfg, daemon.Options{Logger: log, Version: c.version})
	if err != nil {
		return err
	}
	go env.Mutate(ctx, *every, func(what string) { printf("\napi: %s\n", what) })
	return errors.Join(d.Run(ctx), d.Close())
}

// printWebhook shows a webhook the demo receiver verified: its title and
// lines, then each change as the payload carries it.
func printWebhook(w io.Writer, id string, ev *event.Event) {
	fmt.Fprintf(w, "\nreceiver: POST /hook  webhook-id %s  signature verified ✓\n", id)
	fmt.Fprintf(w, "  %s (seq %d)\n", ev.Title(), ev.Data.Seq)
	for _, line := range ev.Lines() {
		fmt.Fprintf(w, "    %s\n", line)
	}
	for _, ch := range ev.Data.Changes {
		fmt.Fprintf(w, "    %s %s", ch.Op, ch.Path)
		if ch.Old != nil {
			fmt.Fprintf(w, "  old %s", ch.Old)
		}
		if ch.New != nil {
			fmt.Fprintf(w, "  new %s", ch.New)
		}
		fmt.Fprintf(w, "\n")
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ") + "\n"
}
