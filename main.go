// Command pollhook turns pull-based REST APIs into push events: it polls
// APIs on cron schedules, diffs each response against the last snapshot,
// and delivers a signed webhook or chat message for every change.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// A second signal exits at once, whatever is still running.
		<-ctx.Done()
		stop()
		again := make(chan os.Signal, 1)
		signal.Notify(again, os.Interrupt, syscall.SIGTERM)
		<-again
		fmt.Fprintln(os.Stderr, "pollhook: second signal, exiting now")
		os.Exit(130)
	}()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// exitError carries a process exit code other than 1 through run.
type exitError struct{ code int }

// Error describes the exit code.
func (e exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// usageError is a command line mistake: it is printed with the usage.
type usageError struct{ msg string }

// Error is the mistake, as printed above the usage.
func (e usageError) Error() string { return e.msg }

const usage = `pollhook turns pull-based REST APIs into push events.

Usage:
  pollhook run     [--config FILE]                    run the daemon
  pollhook check   [--config FILE]                    validate the configuration
  pollhook once    [--config FILE] [--watch NAME] [--dry-run]
                                                      poll now, print and deliver changes
  pollhook demo    [--duration D] [--every D] [-v]    the whole pipeline on loopback, no setup
  pollhook deliveries [--state S] [--target T] [--watch W] [--limit N] [--json]
                                                      list deliveries
  pollhook delivery ID [--json]                       every attempt of an event's deliveries
  pollhook redeliver ID | --failed [--target T]       queue deliveries again (same webhook-id)
  pollhook history WATCH [--limit N] [--json]         a watch's change events, newest first
  pollhook target enable NAME                         resume a target disabled by 410 Gone
  pollhook test-target NAME [--config FILE]           send a sample event to a target now
  pollhook version                                    print the version

Every command but demo and version takes --config FILE. The inspection
commands and once ask the running daemon over its local API (listen) when
one runs this configuration, and read the database otherwise.

The configuration defaults to pollhook.toml. Flags may come before or after
positional arguments. See README.md for the configuration reference.
`

// run is the program: it parses args and runs a command, returning the
// process exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
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
	fmt.Fprintf(stderr, "pollhook: %v\n", err)
	return 1
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return cmdRun(ctx, rest, stderr)
	case "check":
		return cmdCheck(rest, stdout, stderr)
	case "once":
		return cmdOnce(ctx, rest, stdout, stderr)
	case "demo":
		return cmdDemo(ctx, rest, stdout, stderr)
	case "deliveries":
		return cmdDeliveries(ctx, rest, stdout, stderr)
	case "delivery":
		return cmdDelivery(ctx, rest, stdout, stderr)
	case "redeliver":
		return cmdRedeliver(ctx, rest, stdout, stderr)
	case "history":
		return cmdHistory(ctx, rest, stdout, stderr)
	case "target":
		return cmdTarget(ctx, rest, stdout, stderr)
	case "test-target":
		return cmdTestTarget(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "pollhook", buildVersion())
		return nil
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
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

// newFlags returns a flag set for a command that prints its errors and
// usage to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("pollhook "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// noArgs rejects positional arguments for commands that take none.
func noArgs(cmd string, pos []string) error {
	if len(pos) > 0 {
		return usageError{fmt.Sprintf("%s takes no arguments, got %q", cmd, strings.Join(pos, " "))}
	}
	return nil
}

// buildVersion is the version set at build time, or the module version
// go install recorded, or "dev".
func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// newLogger returns the logger every part of the daemon gets.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
