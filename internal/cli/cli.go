// Package cli is pollhook's command line: one file per command or family
// (run, check, init, once, demo, the inspection commands, test-target),
// their flags, usage and exit codes, and everything pollhook prints for
// people.
// It loads the configuration (one loader, two modes) and hands the work to
// the daemon, to a running daemon's local API, or to the database.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/pollhook/pollhook/internal/human"
)

// exitError carries a process exit code other than 1 through Run.
type exitError struct{ code int }

// Error describes the exit code.
func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// usageError is a command line mistake: it is printed with the usage.
type usageError struct{ msg string }

// Error is the mistake, as printed above the usage.
func (e usageError) Error() string { return e.msg }

const usage = `pollhook turns pull-based REST APIs into push events.

Usage:
  pollhook run     [--config FILE] [--shard I/N]      run the daemon (of a sharded configuration, shard I of N)
  pollhook check   [--config FILE]                    validate the configuration
  pollhook init URL [--name N] [--header K=V]... [--append] [--wait D] [--config FILE]
                                                      fetch URL twice (--wait apart, 2s), print a
                                                      [[watch]] for it; --append adds it to the file
  pollhook once    [--config FILE] [--watch NAME] [--shard I/N] [--dry-run] [--show] [--json|--pretty]
                                                      poll now, print and deliver changes
  pollhook demo    [--duration D] [--every D] [-v]    the whole pipeline on loopback, no setup
  pollhook deliveries [--state S] [--target T] [--watch W] [--limit N] [--json]
                                                      list deliveries
  pollhook delivery ID [--json]                       every attempt of an event's deliveries
  pollhook redeliver ID | --failed [--target T]       queue deliveries again (same webhook-id)
  pollhook watches [--json]                           every watch: state, polls, next run, pending
  pollhook history [WATCH] [--limit N] [--json]       change events (of a watch, or all), newest first
  pollhook target enable NAME                         resume a target disabled by 410 Gone
  pollhook apps [--json]                              the applications of subscriptions
  pollhook endpoints [APP] [--json]                   consumers' endpoints: status, pending, failed
  pollhook endpoint disable|enable|verify ID          stop, resume or mark verified an endpoint
  pollhook test-target NAME [--event TYPE] [--config FILE]
                                                      send a sample event to a target now
  pollhook db check [DBFILE]                          check the database (or DBFILE, a backup)
  pollhook db backup FILE [--force]                   write a consistent copy of the database
  pollhook export  [--watch W]...                     print watches' state as JSON lines (to move them)
  pollhook import  [FILE|-] [--shard I/N]             load pollhook export's lines, in one transaction
  pollhook forget  --watch W... [--shard I/N]         drop the state of watches that moved away
  pollhook shards  --shards N [--from M]              which watch goes to which shard (and which move)
  pollhook version                                    print the version

Every command but demo and version takes --config FILE. The inspection
commands, once and db ask the running daemon over its local API (listen)
when one runs this configuration, and read the database otherwise.

The configuration defaults to pollhook.toml. Flags may come before or after
positional arguments. See docs/configuration.md for the configuration reference.
`

// cli is one invocation: where it prints, and the version it reports.
type cli struct {
	version        string
	stdout, stderr io.Writer
}

// Run is the program: it parses args (without the program name), runs the
// command they name and returns the process exit code: 0 success, 1
// failure, 2 a command-line mistake. version is the one set at build time,
// or "".
func Run(ctx context.Context, version string, args []string, stdout, stderr io.Writer) int {
	c := &cli{version: buildVersion(version), stdout: stdout, stderr: stderr}
	err := c.dispatch(ctx, args)
	var ue usageError
	var ee exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "pollhook: %s\n\n%s", ue.msg, usage)
		return 2
	}
	// An error may carry an API's or a daemon's words: escaped.
	fmt.Fprintf(stderr, "pollhook: %s\n", human.Printable(err.Error()))
	return 1
}

func (c *cli) dispatch(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return c.run(ctx, rest)
	case "check":
		return c.check(rest)
	case "init":
		return c.initCmd(ctx, rest)
	case "once":
		return c.once(ctx, rest)
	case "demo":
		return c.demo(ctx, rest)
	case "deliveries":
		return c.deliveries(ctx, rest)
	case "delivery":
		return c.delivery(ctx, rest)
	case "redeliver":
		return c.redeliver(ctx, rest)
	case "history":
		return c.history(ctx, rest)
	case "watches":
		return c.watches(ctx, rest)
	case "target":
		return c.target(ctx, rest)
	case "apps":
		return c.apps(ctx, rest)
	case "endpoints":
		return c.endpoints(ctx, rest)
	case "endpoint":
		return c.endpoint(ctx, rest)
	case "test-target":
		return c.testTarget(ctx, rest)
	case "db":
		return c.db(ctx, rest)
	case "export":
		return c.export(ctx, rest)
	case "import":
		return c.importCmd(ctx, rest)
	case "forget":
		return c.forget(ctx, rest)
	case "shards":
		return c.shards(rest)
	case "version", "--version", "-version":
		if err := noArgs("version", rest); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "pollhook", c.version)
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(c.stdout, usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

// parseFlags parses flags that may come before, between or after
// positional arguments, and returns the positional ones.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			// The flag set printed the problem and the usage already.
			return nil, exitError{2}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flags returns a flag set for a command that prints its errors and usage
// to stderr.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("pollhook "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

// noArgs rejects positional arguments for commands that take none.
func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("%s takes no arguments, got %q", cmd, strings.Join(pos, " "))}
	}
	return nil
}

// noLessThanZero refuses a negative --limit (0 means all).
func noLessThanZero(limit int) error {
	if limit < 0 {
		return usageError{fmt.Sprintf("--limit must be 0 (all) or more, not %d", limit)}
	}
	return nil
}

// buildVersion is the version set at build time, or the module version
// go install recorded, or "dev".
func buildVersion(set string) string {
	if set != "" {
		return set
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
