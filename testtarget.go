package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/notify"
)

// cmdTestTarget sends a sample event to one target now and prints what it
// answered: the way to check a new Slack URL before relying on it. It does
// not touch the database, so it works while the daemon runs.
func cmdTestTarget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("test-target", stderr)
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"test-target takes one target name"}
	}
	cfg, err := loadConfig(*cfgPath, stderr)
	if err != nil {
		return err
	}
	t := cfg.Target(pos[0])
	if t == nil {
		return fmt.Errorf("no target named %q in %s", pos[0], *cfgPath)
	}
	watch, url := "releases", "https://api.example.com/v1/releases"
	for _, w := range cfg.Watches {
		for _, n := range w.Notify {
			if n == t.Name {
				watch, url = w.Name, redact.PublicURL(w.URL)
			}
		}
	}
	now := time.Now()
	ev := event.Sample(watch, url, now)
	msg, err := notify.Render(t, ev, now, buildVersion())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s %s\n", msg.Method, notify.RedactURL(t, msg.URL))
	status, header, body, err := notify.Send(ctx, notify.NewClient(), t, msg)
	if err != nil {
		return fmt.Errorf("send to %s: %s", t.Name, notify.Redact(t, err.Error()))
	}
	v := notify.Classify(t, status, header, body, time.Now())
	fmt.Fprintf(stdout, "HTTP %d\n", status)
	if b := strings.TrimSpace(notify.Redact(t, string(body))); b != "" {
		if r := []rune(b); len(r) > 1024 {
			b = string(r[:1024]) + "…"
		}
		fmt.Fprintf(stdout, "%s\n", b)
	}
	if !v.OK {
		what := "would be retried"
		if v.Disable {
			what = "would disable the target"
		}
		return fmt.Errorf("target %s did not accept the sample event (%s): %s", t.Name, what, v.Reason)
	}
	fmt.Fprintf(stdout, "ok: target %s accepted the sample event %s\n", t.Name, ev.ID)
	return nil
}
