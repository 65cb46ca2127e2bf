package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/notify"
)

// testTarget is pollhook test-target NAME: send a sample event to one
// target now and print what it answered, the way to check a new Slack URL
// before relying on it. It does not touch the database, so it works while
// the daemon runs.
func (c *cli) testTarget(ctx context.Context, args []string) error {
	fs := c.flags("test-target")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	typ := fs.String("event", event.TypeTest, "the `type` of sample event to send: "+strings.Join(event.Types(), ", "))
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"test-target takes one target name"}
	}
	cfg, _, err := c.loadConfig(*cfgPath, full)
	if err != nil {
		return err
	}
	t := cfg.Target(pos[0])
	if t == nil {
		return fmt.Errorf("no target named %q in %s", pos[0], *cfgPath)
	}
	watch, url, split := "releases", "https://api.example.com/v1/releases", false
	for _, w := range cfg.Watches {
		for _, n := range w.Notify {
			if n == t.Name {
				watch, url, split = w.Name, redact.PublicURL(w.URL), w.Split
			}
		}
	}
	now := time.Now()
	ev, ok := event.SampleOf(*typ, watch, url, split, now)
	if !ok {
		return usageError{fmt.Sprintf("--event: no event type %q (want one of %s)", *typ, strings.Join(event.Types(), ", "))}
	}
	if t.Kind == config.KindEmail {
		return c.testEmail(ctx, t, ev)
	}
	msg, err := notify.Render(t, ev, now, c.version)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s %s\n", msg.Method, notify.RedactURL(t, msg.URL))
	status, header, body, err := notify.Send(ctx, notify.NewClient(), t, msg)
	if err != nil {
		return fmt.Errorf("send to %s: %s", t.Name, notify.Redact(t, err.Error()))
	}
	v := notify.Classify(t, status, header, body, time.Now())
	fmt.Fprintf(c.stdout, "HTTP %d\n", status)
	if b := strings.TrimSpace(notify.Redact(t, string(body))); b != "" {
		fmt.Fprintf(c.stdout, "%s\n", human.Printable(human.CutRunes(b, 1025)))
	}
	if !v.OK {
		return fmt.Errorf("target %s did not accept the sample event (%s): %s", t.Name, refusal(v), v.Reason)
	}
	fmt.Fprintf(c.stdout, "ok: target %s accepted the sample event %s\n", t.Name, ev.ID)
	return nil
}

// testEmail sends the sample event to an email target and prints the
// server's final reply.
func (c *cli) testEmail(ctx context.Context, t *config.Target, ev *event.Event) error {
	msg, err := notify.RenderEmail(t, ev, c.version)
	if err != nil {
		return err
	}
	security := "STARTTLS"
	switch {
	case t.Email.ImplicitTLS:
		security = "TLS"
	case !t.Email.StartTLS:
		security = "no TLS"
	}
	fmt.Fprintf(c.stdout, "SMTP %s (%s), to %s\n", notify.RedactURL(t, t.URL), security, strings.Join(t.Email.To, ", "))
	reply, err := notify.SendEmail(ctx, t, msg)
	if _, v := notify.ClassifyEmail(t, err); !v.OK {
		return fmt.Errorf("target %s did not accept the sample event (%s): %s", t.Name, refusal(v), v.Reason)
	}
	fmt.Fprintf(c.stdout, "%s\n", human.Printable(human.CutRunes(notify.Redact(t, reply), 1025)))
	fmt.Fprintf(c.stdout, "ok: target %s accepted the sample event %s\n", t.Name, ev.ID)
	return nil
}

// refusal says what the outbox would do with a delivery the target
// refused as v says.
func refusal(v notify.Verdict) string {
	switch {
	case v.Disable:
		return "would disable the target"
	case v.Permanent:
		return "would not be retried: a dead letter"
	}
	return "would be retried"
}
