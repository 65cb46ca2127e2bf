package cli

import (
	"errors"
	"fmt"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
)

// loadMode says which problems of the configuration stop a command.
type loadMode int

const (
	// full: every problem does (run, check, test-target, and once when it
	// polls itself).
	full loadMode = iota
	// topLevel: the configuration with whatever problems it has. The
	// inspection commands need only the top-level keys (db, listen,
	// auth_token, ...: requireTopLevel), and once asks a running daemon
	// before it needs more: a ${VAR} or ${file:…} that only the service's
	// environment provides does not stop them.
	topLevel
)

// loadConfig loads the configuration file, the one way every command
// does. In full mode every problem is printed, each with its place, and
// makes the command exit 1. In topLevel mode the configuration comes back
// with its problems, for the caller to judge: requireTopLevel, or (once)
// after asking a daemon.
func (c *cli) loadConfig(path string, mode loadMode) (*config.Config, config.Errors, error) {
	if mode == full {
		cfg, err := config.Load(path)
		if err != nil {
			return nil, nil, c.configErrors(err)
		}
		return cfg, nil, nil
	}
	cfg, err := config.LoadPartial(path)
	if cfg == nil {
		return nil, nil, c.configErrors(err)
	}
	var errs config.Errors
	errors.As(err, &errs)
	return cfg, errs, nil
}

// requireTopLevel fails, printing them, on problems of the top-level keys
// (db, listen, auth_token, ...), and mentions the others.
func (c *cli) requireTopLevel(path string, problems config.Errors) error {
	var fatal config.Errors
	for _, e := range problems {
		if e.Section == "" {
			fatal = append(fatal, e)
		}
	}
	if len(fatal) > 0 {
		c.printConfigErrors(fatal)
		return exitError{1}
	}
	if n := len(problems); n > 0 {
		fmt.Fprintf(c.stderr, "note: %s has %d problem(s) outside db, listen and auth_token (pollhook check lists them)\n", path, n)
	}
	return nil
}

// configErrors prints a configuration's problems, one per line, and
// returns the error that makes the command exit 1; another error (the
// file cannot be read) is returned as it is.
func (c *cli) configErrors(err error) error {
	var errs config.Errors
	if errors.As(err, &errs) {
		c.printConfigErrors(errs)
		return exitError{1}
	}
	return err
}

func (c *cli) printConfigErrors(errs config.Errors) {
	for _, e := range errs {
		fmt.Fprintln(c.stderr, human.Printable(e.Error()))
	}
}
