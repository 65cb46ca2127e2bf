package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/api"
	"github.com/pollhook/pollhook/internal/daemon"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/store"
)

// cliLockTimeout is how long a CLI command waits for the database before
// concluding that a daemon holds it.
const cliLockTimeout = 300 * time.Millisecond

// once is pollhook once: poll now, print each event as a JSON line, and
// (unless --dry-run) commit it and make one delivery attempt per target.
func (c *cli) once(ctx context.Context, args []string) (err error) {
	fs := c.flags("once")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	watchName := fs.String("watch", "", "poll only the watch with this `name`")
	dryRun := fs.Bool("dry-run", false, "print changes without storing or sending them")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("once", pos); err != nil {
		return err
	}
	// A daemon running this configuration polls for us: it holds the
	// database, and it has the service's environment and credentials.
	cfg, problems, err := c.loadConfig(*cfgPath, topLevel)
	if err != nil {
		return err
	}
	remote, err := api.Find(ctx, cfg)
	if err != nil {
		return err
	}
	if remote != nil {
		res, err := remote.Once(ctx, *watchName, *dryRun)
		if err != nil {
			return err
		}
		return c.printOnce(res, max(len(cfg.Watches), 1))
	}
	// No daemon: we poll ourselves, so the whole configuration must hold.
	if len(problems) > 0 {
		c.printConfigErrors(problems)
		return exitError{1}
	}
	watches := cfg.Watches
	if *watchName != "" {
		w := cfg.Watch(*watchName)
		if w == nil {
			return fmt.Errorf("no watch named %q in %s", *watchName, *cfgPath)
		}
		watches = []*config.Watch{w}
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
	d, err := daemon.Open(ctx, cfg, daemon.Options{Logger: log, Version: c.version, LockTimeout: cliLockTimeout})
	if errors.Is(err, store.ErrLocked) {
		return fmt.Errorf("%w, and no daemon for %s answers on listen %q", err, cfg.File, cfg.Listen)
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
	res := d.Poll(ctx, watches, *dryRun)
	if !*dryRun {
		if err := d.Drain(ctx); err != nil {
			return err
		}
	}
	return c.printOnce(res, len(watches))
}

// printOnce prints a once result: events as JSON lines on stdout,
// failures on stderr (both escaped: they carry what APIs said); it fails
// when any watch did.
func (c *cli) printOnce(res api.OnceResponse, total int) error {
	for _, e := range res.Events {
		if _, err := fmt.Fprintf(c.stdout, "%s\n", human.Printable(string(e))); err != nil {
			return err
		}
	}
	for _, e := range res.Errors {
		fmt.Fprintln(c.stderr, human.Printable(e))
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("%d of %d watches failed: %s", len(res.Failed), total, strings.Join(res.Failed, ", "))
	}
	return nil
}
