package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/daemon"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/store"
)

// cliLockTimeout is how long a CLI command waits for the database before
// concluding that a daemon holds it.
const cliLockTimeout = 300 * time.Millisecond

// once is pollhook once: poll now, print each event (as a JSON line, or
// readably as history does) and what each watch's poll did, and (unless
// --dry-run) commit the events and make one delivery attempt per target.
func (c *cli) once(ctx context.Context, args []string) (err error) {
	fs := c.flags("once")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	watchName := fs.String("watch", "", "poll only the watch with this `name`")
	dryRun := fs.Bool("dry-run", false, "print changes without storing or sending them")
	asJSON := fs.Bool("json", false, "print events as JSON lines (the default when stdout is not a terminal)")
	pretty := fs.Bool("pretty", false, "print events readably, as history does (the default on a terminal)")
	show := fs.Bool("show", false, "print each watch's selected value too")
	shardFlag := fs.String("shard", "", "as shard `I/N` (or auto): poll only the watches it owns")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("once", pos); err != nil {
		return err
	}
	if *asJSON && *pretty {
		return usageError{"once takes --json or --pretty, not both"}
	}
	out := onceOutput{pretty: *pretty || !*asJSON && isTerminal(c.stdout)}
	// A daemon running this configuration polls for us: it holds the
	// database, and it has the service's environment and credentials.
	// Polling every watch ourselves, we keep none of a large file's: they
	// are decoded again as they are polled (config.LoadStream).
	var (
		cfg      *config.Config
		stream   *config.Watches
		problems config.Errors
	)
	if *watchName == "" {
		cfg, stream, problems, err = c.loadStream(*cfgPath)
	} else {
		cfg, problems, err = c.loadConfig(*cfgPath, partial)
	}
	if err != nil {
		return err
	}
	if err := c.selectShard(cfg, *shardFlag); err != nil {
		return err
	}
	// What to poll: the shard's watches, of a stream chosen as they are
	// decoded.
	watches, count := slices.Values(cfg.Watches), len(cfg.Watches)
	if stream != nil {
		stream.SelectShard(cfg.Sharding.Spec)
		watches, count = stream.All(), stream.Len()
	}
	if *watchName != "" && cfg.Watch(*watchName) == nil {
		if why := notOurs(cfg, *watchName); why != "" {
			return errors.New(why)
		}
	}
	remote, whyNot, err := findDaemon(ctx, cfg)
	if err != nil {
		return err
	}
	if remote != nil {
		res, err := remote.Once(ctx, api.OnceRequest{Watch: *watchName, DryRun: *dryRun, Show: *show})
		if err != nil {
			return err
		}
		var r onceReport
		r.add(res)
		return c.printOnce(&r, max(count, 1), out)
	}
	// No daemon: we poll ourselves, so the whole configuration must hold.
	if len(problems) > 0 {
		c.printConfigErrors(problems)
		return exitError{1}
	}
	// Warnings are check's to print, and the daemon's to log: a partial
	// load gathers none (at 10,000 watches without a target they were
	// 10,000, 4 MB allocated).
	if *watchName != "" {
		w := cfg.Watch(*watchName)
		if w == nil {
			return fmt.Errorf("no watch named %q in %s", *watchName, *cfgPath)
		}
		watches, count = slices.Values([]*config.Watch{w}), 1
	}
	log, _ := daemon.NewLogger(c.stderr, cfg)
	if *dryRun && !store.Exists(cfg.DB) {
		// A dry run stores nothing, not even a new database file.
		dir, err := os.MkdirTemp("", "pollhook-dry-run-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		copied := *cfg
		copied.DB = filepath.Join(dir, "dry-run.db")
		cfg = &copied
	}
	d, err := daemon.Open(ctx, cfg, daemon.Options{Logger: log, Version: c.version, LockTimeout: cliLockTimeout, VerifyAtFirstWrite: true, Once: true})
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w, and %s", err, whyNot)
	}
	if err != nil {
		return err
	}
	defer func() {
		// What once committed is on disk already; a failing close still
		// says something is wrong with the database.
		if cerr := d.Close(); err == nil {
			err = cerr
		}
	}()
	// Each poll's outcome is turned into the lines printed as it ends,
	// not kept whole until the last one ends.
	var r onceReport
	d.PollStream(ctx, count, watches, api.PollOptions{DryRun: *dryRun, Show: *show}, r.add)
	if !*dryRun {
		if err := d.Drain(ctx); err != nil {
			return err
		}
	}
	err = c.printOnce(&r, count, out)
	if serr := stream.Err(); serr != nil {
		// What was polled is committed, and delivered as usual; the
		// watches after it were not polled.
		if err != nil {
			return fmt.Errorf("%w; %w", err, serr)
		}
		return serr
	}
	return err
}

// onceOutput is how once prints. Readable (pretty): each watch's events
// as history prints them, and what the others' polls did, on stdout.
// Otherwise stdout carries the events as JSON lines only, as scripts have
// read them from the start, and what the polls did goes to stderr. The
// default is readable on a terminal, JSON lines elsewhere.
type onceOutput struct {
	pretty bool
}

// onceReport is a once result as it is printed: the events, what each
// watch's poll did (printPolled) as text, the errors and the watches that
// failed. add takes the answer in parts, in watch order.
type onceReport struct {
	events []json.RawMessage
	report bytes.Buffer
	errors []string
	failed []string
	err    error // from printPolled: printOnce returns it
}

// add adds a part of a once result.
func (r *onceReport) add(part api.OnceResponse) {
	if r.err != nil {
		return
	}
	for _, p := range part.Watches {
		if err := printPolled(&r.report, p); err != nil {
			r.err = err
			return
		}
	}
	r.events = append(r.events, part.Events...)
	r.errors = append(r.errors, part.Errors...)
	r.failed = append(r.failed, part.Failed...)
}

// printOnce prints a once result: events on stdout, as JSON lines or
// readably; what each watch's poll did when it sent nothing (no change, a
// baseline, with its shape) beside them, or on stderr with JSON lines;
// failures on stderr. Everything is escaped: it carries what APIs said.
// It fails when any watch did.
func (c *cli) printOnce(r *onceReport, total int, o onceOutput) error {
	if r.err != nil {
		return r.err
	}
	if o.pretty {
		n, err := c.printOncePretty(r.events)
		if err != nil {
			return err
		}
		if n > 0 && r.report.Len() > 0 {
			fmt.Fprintln(c.stdout)
		}
		if _, err := r.report.WriteTo(c.stdout); err != nil {
			return err
		}
	} else {
		for _, e := range r.events {
			if _, err := fmt.Fprintf(c.stdout, "%s\n", human.Printable(string(e))); err != nil {
				return err
			}
		}
		_, _ = r.report.WriteTo(c.stderr)
	}
	for _, e := range r.errors {
		fmt.Fprintln(c.stderr, human.Printable(e))
	}
	if len(r.failed) > 0 {
		// Each failure was said above: the count names the first.
		names, more := r.failed, ""
		if len(names) > maxFailedNamed {
			names, more = names[:maxFailedNamed], ", …"
		}
		return fmt.Errorf("%d of %d watches failed: %s%s", len(r.failed), total, strings.Join(names, ", "), more)
	}
	return nil
}

// maxFailedNamed bounds the watches once's count of failures names (of
// 10,000 that failed, a line of 90 KB).
const maxFailedNamed = 10

// printOncePretty prints a once result's events as history does, and
// returns how many it printed.
func (c *cli) printOncePretty(events []json.RawMessage) (int, error) {
	p := newEventPrinter(c.stdout)
	for _, raw := range events {
		if err := p.print(raw); err != nil {
			return p.n, err
		}
	}
	return p.n, nil
}

// printPolled prints what a poll did, when its events do not say it (no
// change, a baseline, a change waiting for confirmation or that does not
// fire), and the value it prepared when it was asked for (--show).
func printPolled(w io.Writer, p inspect.Polled) error {
	p.Watch = human.Printable(p.Watch)
	switch p.Result {
	case inspect.PollUnchanged, inspect.PollNotModified, inspect.PollBaseline, inspect.PollConfirming, inspect.PollQuiet:
		fmt.Fprintf(w, "%s: %s\n", p.Watch, human.Printable(p.Summary()))
		if p.Result == inspect.PollBaseline && p.Shape != nil {
			printShape(w, *p.Shape)
		}
	default:
		if p.Value == nil && p.ValueBytes == 0 {
			return nil
		}
		fmt.Fprintf(w, "%s:\n", p.Watch)
	}
	return printValue(w, p)
}

// printShape prints the details of a baseline's shape: its first keys or
// members, and what each ignore and keys path matched.
func printShape(w io.Writer, s diff.Shape) {
	if len(s.Elements) > 0 {
		what := "keys"
		if s.Type == "object" {
			what = "members"
		}
		names := make([]string, len(s.Elements))
		for i, e := range s.Elements {
			names[i] = e.Key
			if e.Label != "" {
				names[i] += " " + strconv.Quote(e.Label)
			}
		}
		more := ""
		if n := s.Len - s.Unkeyed; n > len(names) {
			more = fmt.Sprintf(", … (%d in all)", n)
		}
		fmt.Fprintf(w, "  %s: %s%s\n", what, human.Printable(strings.Join(names, ", ")), more)
	}
	if s.Unkeyed > 0 {
		fmt.Fprintf(w, "  %d %s no key %s: compared by position\n", s.Unkeyed, plural(s.Unkeyed, "element has", "elements have"), s.Key)
	}
	if s.Duplicates > 0 {
		fmt.Fprintf(w, "  %d %s a key an earlier one has: matched in order\n", s.Duplicates, plural(s.Duplicates, "element repeats", "elements repeat"))
	}
	for _, m := range s.Ignore {
		fmt.Fprintf(w, "  ignore %s: %s\n", strconv.Quote(m.Path), matched(m.Matches, "value", "values"))
	}
	for _, m := range s.Keys {
		if m.Path == "" {
			if m.Matches == 0 {
				fmt.Fprintf(w, "  key %s: the value is not an array, so it keys nothing\n", strconv.Quote(s.Key))
			}
			continue
		}
		fmt.Fprintf(w, "  keys %s: %s\n", strconv.Quote(m.Path), matched(m.Matches, "array", "arrays"))
	}
}

func matched(n int, one, many string) string {
	if n == 0 {
		return "matched nothing (a typo?)"
	}
	return fmt.Sprintf("%d %s", n, plural(n, one, many))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// printValue prints the value a poll prepared, indented under "value:":
// JSON indented, text as its lines.
func printValue(w io.Writer, p inspect.Polled) error {
	switch {
	case p.ValueBytes > 0:
		fmt.Fprintf(w, "  value: %d bytes, too big to show here\n", p.ValueBytes)
		return nil
	case p.Value == nil:
		return nil
	}
	var text string
	if p.Shape != nil && p.Shape.Format == diff.Text {
		if err := json.Unmarshal(p.Value, &text); err != nil {
			return fmt.Errorf("decode the value of %s: %w", p.Watch, err)
		}
		text = "    " + strings.ReplaceAll(strings.TrimSuffix(text, "\n"), "\n", "\n    ")
	} else {
		var buf bytes.Buffer
		if err := json.Indent(&buf, p.Value, "    ", "  "); err != nil {
			return fmt.Errorf("decode the value of %s: %w", p.Watch, err)
		}
		text = "    " + buf.String()
	}
	_, err := fmt.Fprintf(w, "  value:\n%s\n", human.Printable(text))
	return err
}
