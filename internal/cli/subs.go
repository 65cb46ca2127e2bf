package cli

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/inspect"
)

// apps is pollhook apps: the applications of subscriptions.
func (c *cli) apps(ctx context.Context, args []string) error {
	fs := c.flags("apps")
	var common inspectFlags
	common.register(fs, true)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("apps", pos); err != nil {
		return err
	}
	return c.withBackend(ctx, common, reads, func(b backend, _ *config.Config) error {
		apps, err := b.Apps(ctx)
		if err != nil {
			return err
		}
		if common.json {
			return writeJSONLines(c.stdout, apps)
		}
		if len(apps) == 0 {
			fmt.Fprintln(c.stdout, "no applications")
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "APP\tUID\tNAME\tENDPOINTS\tCREATED")
		now := time.Now()
		for _, a := range apps {
			p := human.Printable
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p(a.ID), p(human.OneLine(orDash(a.UID), 40)), p(human.OneLine(a.Name, 40)), a.Endpoints, human.Relative(a.Created, now))
		}
		return tw.Flush()
	})
}

// endpoints is pollhook endpoints [APP]: the consumers' endpoints.
func (c *cli) endpoints(ctx context.Context, args []string) error {
	fs := c.flags("endpoints")
	var common inspectFlags
	common.register(fs, true)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{"usage: pollhook endpoints [APP]"}
	}
	app := ""
	if len(pos) == 1 {
		app = pos[0]
	}
	return c.withBackend(ctx, common, reads, func(b backend, _ *config.Config) error {
		eps, err := b.Endpoints(ctx, app)
		if err != nil {
			return err
		}
		if common.json {
			return writeJSONLines(c.stdout, eps)
		}
		if len(eps) == 0 {
			fmt.Fprintln(c.stdout, "no endpoints")
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ENDPOINT\tAPP\tSTATUS\tPENDING\tFAILED\tURL\tWHY")
		for _, e := range eps {
			p := human.Printable
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", p(e.ID), p(e.App), endpointStatus(e), e.Pending, e.Failed,
				p(human.Cut(e.URL, 60)), p(human.OneLine(endpointWhy(e), 60)))
		}
		return tw.Flush()
	})
}

// endpointStatus is an endpoint's status as the CLI shows it: disabled,
// failing or its verification status.
func endpointStatus(e inspect.Endpoint) string {
	switch {
	case e.Disabled:
		return "disabled"
	case !e.FailingSince.IsZero():
		return "failing"
	}
	return e.Status
}

// endpointWhy says why an endpoint has its status, or "-".
func endpointWhy(e inspect.Endpoint) string {
	switch {
	case e.Disabled && e.DisabledReason != "":
		return e.DisabledReason
	case !e.FailingSince.IsZero():
		return "failing since " + human.Time(e.FailingSince)
	case e.StatusReason != "":
		return e.StatusReason
	}
	return "-"
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// endpoint is pollhook endpoint disable|enable|verify ID.
func (c *cli) endpoint(ctx context.Context, args []string) error {
	fs := c.flags("endpoint")
	var common inspectFlags
	common.register(fs, true)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	actions := []string{inspect.ActionDisable, inspect.ActionEnable, inspect.ActionVerify}
	if len(pos) != 2 || !slices.Contains(actions, pos[0]) {
		return usageError{"usage: pollhook endpoint disable|enable|verify ID"}
	}
	return c.withBackend(ctx, common, writes, func(b backend, _ *config.Config) error {
		e, err := b.EndpointAction(ctx, pos[1], pos[0])
		if err != nil {
			return err
		}
		if common.json {
			return writeJSONLines(c.stdout, []inspect.Endpoint{e})
		}
		what := map[string]string{
			inspect.ActionDisable: "disabled: its deliveries wait until it is enabled",
			inspect.ActionEnable:  "enabled: its queued deliveries resume",
			inspect.ActionVerify:  "marked verified: it gets the events it subscribed to",
		}[pos[0]]
		fmt.Fprintf(c.stdout, "endpoint %s %s\n", human.Printable(e.ID), what)
		return nil
	})
}
