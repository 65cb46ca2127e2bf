package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/store"
)

// openBackend returns what an inspection command reads from: the
// running daemon's local API when one runs this configuration (bbolt lets
// only one process open the database), else the database file itself.
func openBackend(ctx context.Context, cfg *config.Config) (backend, func(), error) {
	r, err := findDaemon(ctx, cfg)
	if err != nil {
		return nil, nil, err
	}
	if r != nil {
		return r, func() {}, nil
	}
	if !store.Exists(cfg.DB) {
		return nil, nil, fmt.Errorf("no database at %s yet (it is created by pollhook run or once), and no daemon answers on listen", cfg.DB)
	}
	db, err := store.Open(cfg.DB, store.Options{LockTimeout: cliLockTimeout})
	if errors.Is(err, store.ErrLocked) {
		return nil, nil, fmt.Errorf("%w, and no daemon for %s answers on listen %q", err, cfg.File, cfg.Listen)
	}
	if err != nil {
		return nil, nil, err
	}
	return &local{db: db, cfg: func() *config.Config { return cfg }}, func() { db.Close() }, nil
}

// withBackend loads the configuration and runs fn with a backend for it,
// closing the database afterwards. The inspection commands only need the
// top-level keys (db, listen, auth_token): problems elsewhere, such as a
// ${VAR} only the service's environment sets, do not stop them.
func withBackend(ctx context.Context, cfgPath string, stderr io.Writer, fn func(backend, *config.Config) error) error {
	cfg, err := loadPartialConfig(cfgPath, stderr)
	if err != nil {
		return err
	}
	b, closeDB, err := openBackend(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeDB()
	return fn(b, cfg)
}

// loadPartialConfig loads a configuration for a command that needs its
// top-level keys only; it fails on problems there and mentions the rest.
func loadPartialConfig(path string, stderr io.Writer) (*config.Config, error) {
	cfg, err := config.LoadPartial(path)
	if cfg == nil {
		return nil, printConfigErrors(err, stderr)
	}
	var errs config.Errors
	errors.As(err, &errs)
	var fatal int
	for _, e := range errs {
		if e.Section == "" {
			fmt.Fprintln(stderr, e)
			fatal++
		}
	}
	if fatal > 0 {
		return nil, exitError{1}
	}
	if len(errs) > 0 {
		fmt.Fprintf(stderr, "note: %s has %d problem(s) outside db, listen and auth_token (pollhook check lists them)\n", path, len(errs))
	}
	return cfg, nil
}

// inspectFlags are the flags every inspection command has.
type inspectFlags struct {
	config string
	json   bool
}

func (f *inspectFlags) register(fs interface {
	StringVar(*string, string, string, string)
	BoolVar(*bool, string, bool, string)
}, withJSON bool) {
	fs.StringVar(&f.config, "config", config.DefaultFile, "configuration `file`")
	if withJSON {
		fs.BoolVar(&f.json, "json", false, "print JSON, one object per line")
	}
}

func cmdDeliveries(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("deliveries", stderr)
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
	switch f.State {
	case "", store.StatePending, store.StateFailed, store.StateDelivered, StateDisabled:
	default:
		return usageError{fmt.Sprintf("--state must be pending, failed, delivered or disabled, not %q", f.State)}
	}
	return withBackend(ctx, common.config, stderr, func(b backend, _ *config.Config) error {
		ds, err := b.deliveries(ctx, f)
		if err != nil {
			return err
		}
		if common.json {
			return writeJSONLines(stdout, ds)
		}
		if len(ds) == 0 {
			fmt.Fprintln(stdout, "no deliveries")
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EVENT\tWATCH\tTARGET\tSTATE\tATTEMPTS\tNEXT ATTEMPT\tLAST")
		now := time.Now()
		for _, d := range ds {
			next := "-"
			if d.State == store.StatePending && !d.NextAt.IsZero() {
				next = relTime(d.NextAt, now)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", d.EventID, d.Watch, d.Target, d.State, d.Attempts, next, lastOutcome(d))
		}
		return tw.Flush()
	})
}

// lastOutcome is the last status or error of a delivery, short.
func lastOutcome(d store.Delivery) string {
	switch {
	case d.LastError != "":
		return oneLine(d.LastError, 60)
	case d.LastStatus != 0:
		return "HTTP " + strconv.Itoa(d.LastStatus)
	}
	return "-"
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// relTime says when t is, relative to now: "in 4m", "now", "3s ago".
func relTime(t, now time.Time) string {
	d := t.Sub(now).Round(time.Second)
	switch {
	case d > 0:
		return "in " + d.String()
	case d == 0:
		return "now"
	}
	return "due " + (-d).String() + " ago"
}

func writeJSONLines[T any](w io.Writer, rows []T) error {
	enc := json.NewEncoder(w)
	for _, r := range rows {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func cmdDelivery(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("delivery", stderr)
	var common inspectFlags
	common.register(fs, true)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"delivery takes one event id (see pollhook deliveries)"}
	}
	return withBackend(ctx, common.config, stderr, func(b backend, _ *config.Config) error {
		details, err := b.delivery(ctx, pos[0])
		if err != nil {
			return err
		}
		if common.json {
			return writeJSONLines(stdout, details)
		}
		for i, dd := range details {
			d := dd.Delivery
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			// Attempts counts the current round (a redeliver starts a new
			// one); the log keeps every round.
			fmt.Fprintf(stdout, "event %s  watch %s  seq %d  → target %s: %s after %d attempt(s)\n",
				d.EventID, d.Watch, d.Seq, d.Target, d.State, max(d.Attempts, len(dd.Attempts)))
			if d.State == store.StatePending && !d.NextAt.IsZero() {
				fmt.Fprintf(stdout, "next attempt %s (%s)\n", d.NextAt.Local().Format(time.RFC3339), relTime(d.NextAt, time.Now()))
			}
			for n, a := range dd.Attempts {
				outcome := "HTTP " + strconv.Itoa(a.Status)
				if a.Status == 0 {
					outcome = "no response"
				}
				fmt.Fprintf(stdout, "  #%d  %s  %s  %s\n", n+1, a.At.Local().Format("2006-01-02 15:04:05.000"), outcome, a.Latency.Round(time.Millisecond))
				if a.Error != "" {
					fmt.Fprintf(stdout, "      error: %s\n", a.Error)
				}
				if a.Body != "" {
					fmt.Fprintf(stdout, "      body: %s\n", strings.ReplaceAll(a.Body, "\n", "\n            "))
				}
			}
		}
		return nil
	})
}

func cmdRedeliver(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("redeliver", stderr)
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
	return withBackend(ctx, common.config, stderr, func(b backend, _ *config.Config) error {
		queued, err := b.redeliver(ctx, f)
		if err != nil {
			return err
		}
		if len(queued) == 0 {
			if f.EventID != "" {
				return fmt.Errorf("no delivery of event %s%s", f.EventID, forTarget(f.Target))
			}
			fmt.Fprintln(stdout, "no failed deliveries"+forTarget(f.Target))
			return nil
		}
		for _, d := range queued {
			fmt.Fprintf(stdout, "queued %s → %s (same webhook-id, new attempts)\n", d.EventID, d.Target)
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

func cmdHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("history", stderr)
	var common inspectFlags
	common.register(fs, true)
	limit := fs.Int("limit", 20, "at most this many events, newest first (0: all)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"history takes one watch name"}
	}
	return withBackend(ctx, common.config, stderr, func(b backend, cfg *config.Config) error {
		events, err := b.history(ctx, pos[0], *limit)
		if err != nil {
			return err
		}
		if common.json {
			for _, e := range events {
				if _, err := fmt.Fprintf(stdout, "%s\n", e); err != nil {
					return err
				}
			}
			return nil
		}
		if len(events) == 0 {
			if cfg.Watch(pos[0]) == nil {
				return fmt.Errorf("no watch named %q in %s, and no history of one", pos[0], cfg.File)
			}
			fmt.Fprintf(stdout, "no events for %s yet\n", pos[0])
			return nil
		}
		color := useColor(stdout)
		for i, raw := range events {
			var ev event.Event
			if err := json.Unmarshal(raw, &ev); err != nil {
				return fmt.Errorf("decode event: %w", err)
			}
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			head := fmt.Sprintf("%s  %s  seq %d  %s", ev.Timestamp.Local().Format("2006-01-02 15:04:05"), ev.ID, ev.Data.Seq, ev.Title())
			fmt.Fprintln(stdout, paint(color, "1", head))
			for _, line := range ev.Lines() {
				fmt.Fprintln(stdout, "  "+paint(color, lineColor(line), line))
			}
		}
		return nil
	})
}

// useColor reports whether w is a terminal that wants colour.
func useColor(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
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

func cmdTarget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("target", stderr)
	var common inspectFlags
	common.register(fs, false)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] != "enable" {
		return usageError{"usage: pollhook target enable NAME"}
	}
	return withBackend(ctx, common.config, stderr, func(b backend, _ *config.Config) error {
		if err := b.enableTarget(ctx, pos[1]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "target %s enabled; its queued deliveries resume\n", pos[1])
		return nil
	})
}
