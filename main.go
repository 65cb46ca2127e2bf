// Command pollhook turns pull-based REST APIs into push events: it polls
// APIs on cron schedules, diffs each response against the last snapshot,
// and delivers a signed webhook or chat message for every change. The
// commands live in internal/cli; this is only the process's entry.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/pollhook/pollhook/internal/cli"
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
	os.Exit(cli.Run(ctx, version, os.Args[1:], os.Stdout, os.Stderr))
}
