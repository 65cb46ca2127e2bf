package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/store"
)

// backend is what the inspection commands read and change. bbolt lets one
// process open the database, so when a daemon holds it the CLI asks the
// daemon's local API (*api.Client) and otherwise opens the file itself
// (*inspect.Outbox).
type backend interface {
	Deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error)
	Delivery(ctx context.Context, eventID string) ([]inspect.Detail, error)
	Redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error)
	History(ctx context.Context, watch string, limit int) ([]json.RawMessage, error)
	Recent(ctx context.Context, limit int) ([]json.RawMessage, error)
	Watches(ctx context.Context) ([]inspect.Watch, error)
	EnableTarget(ctx context.Context, name string) error
	Apps(ctx context.Context) ([]inspect.App, error)
	Endpoints(ctx context.Context, app string) ([]inspect.Endpoint, error)
	EndpointAction(ctx context.Context, id, action string) (inspect.Endpoint, error)
}

var (
	_ backend = (*api.Client)(nil)
	_ backend = (*inspect.Outbox)(nil)
)

// access says whether a command only reads the database or also writes
// to it: pollhook writes to no file before it has checked every page.
type access bool

const (
	reads  access = false
	writes access = true
)

// openBackend returns what an inspection command reads from: the running
// daemon's local API when one runs this configuration, else the database
// file itself, with the function that closes it.
func openBackend(ctx context.Context, cfg *config.Config, a access) (backend, func() error, error) {
	remote, whyNot, err := findDaemon(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if remote != nil {
		return remote, func() error { return nil }, nil
	}
	if !store.Exists(cfg.DB) {
		return nil, nil, fmt.Errorf("no database at %s yet (it is created by pollhook run or once), and no daemon answers on listen", cfg.DB)
	}
	db, err := store.Open(cfg.DB, store.Options{LockTimeout: cliLockTimeout, Verify: a == writes})
	if errors.Is(err, store.ErrLocked) {
		return nil, nil, fmt.Errorf("%w, and %s", err, whyNot)
	}
	if err != nil {
		return nil, nil, err
	}
	return inspect.New(db, func() *config.Config { return cfg }), db.Close, nil
}

// findDaemon is api.Find, and when no daemon answers, why not: what an
// error about the database being in use adds.
func findDaemon(ctx context.Context, cfg *config.Config) (remote *api.Client, whyNot string, err error) {
	remote, err = api.Find(ctx, cfg)
	var silent *api.NoAnswerError
	switch {
	case errors.As(err, &silent):
		return nil, silent.Error(), nil
	case err != nil || remote != nil:
		return remote, "", err
	}
	return nil, fmt.Sprintf("no daemon for %s answers on listen %q", cfg.File, cfg.Listen), nil
}

// withBackend loads the configuration of f (top-level keys only) and
// runs fn with a backend for it, closing the database afterwards.
func (c *cli) withBackend(ctx context.Context, f inspectFlags, a access, fn func(backend, *config.Config) error) (err error) {
	// Of a sharded configuration, the watches of the shard in force.
	cfg, err := c.loadShardTopLevel(f.config, f.shard)
	if err != nil {
		return err
	}
	b, closeDB, err := openBackend(ctx, cfg, a)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := closeDB(); err == nil {
			err = cerr
		}
	}()
	return fn(b, cfg)
}

// inspectFlags are the flags every inspection command has.
type inspectFlags struct {
	config string
	shard  string
	json   bool
}

func (f *inspectFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}, withJSON bool) {
	fs.StringVar(&f.config, "config", config.DefaultFile, "configuration `file`")
	fs.StringVar(&f.shard, "shard", "", "as shard `I/N` (or auto): only the watches it owns")
	if withJSON {
		fs.BoolVar(&f.json, "json", false, "print JSON, one object per line")
	}
}

// deliveries is pollhook deliveries: one row per delivery, newest first.
func (c *cli) deliveries(ctx context.Context, args []string) error {
	fs := c.flags("deliveries")
	var common inspectFlags
	common.register(fs, true)
	var f store.Filter
	fs.StringVar(&f.State, "state", "", "only deliveries in this `state`: pending, failed, delivered or disabled")
	fs.StringVar(&f.Target, "target", "", "only deliveries to this `target`")
	fs.StringVar(&f.Watch, "watch", "", "only deliveries of this `watch`")
	fs.IntVar(&f.Limit, "limit", 100, "at most this many rows, newest first (0: all)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("deliveries", pos); err != nil {
		return err
	}
	if err := noLessThanZero(f.Limit); err != nil {
		return err
	}
	switch f.State {
	case "", store.StatePending, store.StateFailed, store.StateDelivered, inspect.StateDisabled:
	default:
		return usageError{fmt.Sprintf("--state must be pending, failed, delivered or disabled, not %q", f.State)}
	}
	return c.withBackend(ctx, common, reads, func(b backend, cfg *config.Config) error {
		ds, err := b.Deliveries(ctx, f)
		if err != nil {
			return err
		}
		if common.json {
			return writeJSONLines(c.stdout, ds)
		}
		if len(ds) == 0 {
			fmt.Fprintln(c.stdout, "no deliveries")
			return nil
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EVENT\tWATCH\tTARGET\tSTATE\tATTEMPTS\tNEXT ATTEMPT\tLAST")
		now := time.Now()
		for _, d := range ds {
			next := "-"
			if d.State == store.StatePending && !d.NextAt.IsZero() {
				next = nextAttempt(d.NextAt, now)
			}
			p := human.Printable
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", p(d.EventID), p(d.Watch), p(d.Target), p(d.State), d.Attempts, next, p(inspect.LastOutcome(d, targetKind(cfg, d.Target))))
		}
		return tw.Flush()
	})
}

// nextAttempt says when a pending delivery's next attempt is: "in 4m",
// "now", or "due 3s ago" when it is late (the daemon is not running).
func nextAttempt(t, now time.Time) string {
	rel := human.Relative(t, now)
	if strings.HasSuffix(rel, " ago") {
		return "due " + rel
	}
	return rel
}

// writeJSONLines prints rows as JSON, one per line, with every control
// character escaped (encoding/json leaves DEL and the C1 controls as they
// are).
func writeJSONLines[T any](w io.Writer, rows []T) error {
	for _, r := range rows {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "%s\n", human.Printable(string(line))); err != nil {
			return err
		}
	}
	return nil
}

// delivery is pollhook delivery ID: every attempt of an event's
// deliveries.
func (c *cli) delivery(ctx context.Context, args []string) error {
	fs := c.flags("delivery")
	var common inspectFlags
	common.register(fs, true)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"delivery takes one event id (see pollhook deliveries)"}
	}
	return c.withBackend(ctx, common, reads, func(b backend, cfg *config.Config) error {
		details, err := b.Delivery(ctx, pos[0])
		if err != nil {
			return err
		}
		if common.json {
			return writeJSONLines(c.stdout, details)
		}
		for i, dd := range details {
			d := dd.Delivery
			if i > 0 {
				fmt.Fprintln(c.stdout)
			}
			// Attempts counts the current round (a redeliver starts a new
			// one); the log keeps every round.
			p := human.Printable
			fmt.Fprintf(c.stdout, "event %s  watch %s  seq %d  → target %s: %s after %d attempt(s)\n",
				p(d.EventID), p(d.Watch), d.Seq, p(d.Target), p(d.State), max(d.Attempts, len(dd.Attempts)))
			if d.State == store.StatePending && !d.NextAt.IsZero() {
				fmt.Fprintf(c.stdout, "next attempt %s (%s)\n", d.NextAt.Local().Format(time.RFC3339), nextAttempt(d.NextAt, time.Now()))
			}
			for n, a := range dd.Attempts {
				outcome := inspect.Reply(targetKind(cfg, d.Target), a.Status)
				if a.Status == 0 {
					outcome = "no response"
				}
				fmt.Fprintf(c.stdout, "  #%d  %s  %s  %s\n", n+1, a.At.Local().Format("2006-01-02 15:04:05.000"), outcome, a.Latency.Round(time.Millisecond))
				if a.Error != "" {
					fmt.Fprintf(c.stdout, "      error: %s\n", p(a.Error))
				}
				if a.Body != "" {
					fmt.Fprintf(c.stdout, "      body: %s\n", strings.ReplaceAll(p(a.Body), "\n", "\n            "))
				}
			}
		}
		return nil
	})
}

// redeliver is pollhook redeliver ID | --failed [--target T].
func (c *cli) redeliver(ctx context.Context, args []string) error {
	fs := c.flags("redeliver")
	var common inspectFlags
	common.register(fs, false)
	failed := fs.Bool("failed", false, "queue every failed delivery (dead letter) again")
	target := fs.String("target", "", "only deliveries to this `target`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	f := store.Filter{Target: *target}
	switch {
	case *failed && len(pos) == 0:
		f.State = store.StateFailed
	case !*failed && len(pos) == 1:
		f.EventID = pos[0]
	default:
		return usageError{"redeliver takes one event id, or --failed"}
	}
	return c.withBackend(ctx, common, writes, func(b backend, _ *config.Config) error {
		queued, err := b.Redeliver(ctx, f)
		if err != nil {
			return err
		}
		if len(queued) == 0 {
			if f.EventID != "" {
				return fmt.Errorf("no delivery of event %s%s", f.EventID, forTarget(f.Target))
			}
			fmt.Fprintln(c.stdout, "no failed deliveries"+forTarget(f.Target))
			return nil
		}
		for _, d := range queued {
			fmt.Fprintf(c.stdout, "queued %s → %s (same webhook-id, new attempts)\n", human.Printable(d.EventID), human.Printable(d.Target))
		}
		return nil
	})
}

func forTarget(t string) string {
	if t == "" {
		return ""
	}
	return " to " + t
}

// history is pollhook history [WATCH]: a watch's events, or without one
// the newest events of every watch, newest first, with their changes
// rendered readably.
func (c *cli) history(ctx context.Context, args []string) error {
	fs := c.flags("history")
	var common inspectFlags
	common.register(fs, true)
	limit := fs.Int("limit", 20, "at most this many events, newest first (0: all)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageError{"history takes at most one watch name"}
	}
	if err := noLessThanZero(*limit); err != nil {
		return err
	}
	return c.withBackend(ctx, common, reads, func(b backend, cfg *config.Config) error {
		var events []json.RawMessage
		var err error
		if len(pos) == 1 {
			events, err = b.History(ctx, pos[0], *limit)
		} else {
			events, err = b.Recent(ctx, *limit)
		}
		if err != nil {
			return err
		}
		if common.json {
			for _, e := range events {
				if _, err := fmt.Fprintf(c.stdout, "%s\n", human.Printable(string(e))); err != nil {
					return err
				}
			}
			return nil
		}
		if len(events) == 0 {
			switch {
			case len(pos) == 0:
				fmt.Fprintln(c.stdout, "no events yet")
			case cfg.Watch(pos[0]) == nil && notOurs(cfg, pos[0]) != "":
				return fmt.Errorf("%s, and this shard holds no history of it", notOurs(cfg, pos[0]))
			case cfg.Watch(pos[0]) == nil:
				return fmt.Errorf("no watch named %q in %s, and no history of one", pos[0], cfg.File)
			default:
				fmt.Fprintf(c.stdout, "no events for %s yet\n", pos[0])
			}
			return nil
		}
		p := newEventPrinter(c.stdout)
		for _, raw := range events {
			if err := p.print(raw); err != nil {
				return err
			}
		}
		return nil
	})
}

// eventPrinter prints events readably, the one way history and once do:
// a head line (time, id, seq, title) in bold, then the change lines
// coloured by kind, on a terminal that wants colour; a blank line
// between events.
type eventPrinter struct {
	w     io.Writer
	color bool
	n     int // events printed
}

func newEventPrinter(w io.Writer) *eventPrinter {
	return &eventPrinter{w: w, color: useColor(w)}
}

// print prints one stored or polled event.
func (p *eventPrinter) print(raw json.RawMessage) error {
	ev, err := event.Decode(raw)
	if err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	if p.n > 0 {
		fmt.Fprintln(p.w)
	}
	p.n++
	// Escaped before it is painted: the colours are ours.
	head := human.Printable(fmt.Sprintf("%s  %s  seq %d  %s", ev.Timestamp.Local().Format("2006-01-02 15:04:05"), ev.ID, ev.Data.Seq, ev.Title()))
	if _, err := fmt.Fprintln(p.w, paint(p.color, "1", head)); err != nil {
		return err
	}
	for _, line := range ev.Lines() {
		line = human.Printable(line)
		if _, err := fmt.Fprintln(p.w, "  "+paint(p.color, lineColor(line), line)); err != nil {
			return err
		}
	}
	return nil
}

// useColor reports whether w is a terminal that wants colour.
func useColor(w io.Writer) bool {
	return isTerminal(w) && os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb"
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

func lineColor(line string) string {
	switch {
	case strings.HasPrefix(line, "+"):
		return "32" // green
	case strings.HasPrefix(line, "-"):
		return "31" // red
	case strings.HasPrefix(line, "~"):
		return "33" // yellow
	}
	return ""
}

func paint(on bool, code, s string) string {
	if !on || code == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// target is pollhook target enable NAME.
func (c *cli) target(ctx context.Context, args []string) error {
	fs := c.flags("target")
	var common inspectFlags
	common.register(fs, false)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "enable" {
		return usageError{"usage: pollhook target enable NAME"}
	}
	return c.withBackend(ctx, common, writes, func(b backend, _ *config.Config) error {
		if err := b.EnableTarget(ctx, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "target %s enabled; its queued deliveries resume\n", pos[1])
		return nil
	})
}

// targetKind is the kind of the configured target name, "" when there is
// none (a target removed from the configuration).
func targetKind(cfg *config.Config, name string) string {
	if cfg == nil {
		return ""
	}
	if t := cfg.Target(name); t != nil {
		return t.Kind
	}
	return ""
}
