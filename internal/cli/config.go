package cli

import (
	"errors"
	"fmt"

	"github.com/pollhook/pollhook/config"
)

// loadMode says which problems of the configuration stop a command.
type loadMode int

const (
	// full: every problem does (run, check, test-target, and once when it
	// polls itself).
	full loadMode = iota
	// topLevel: only problems of the top-level keys (db, listen,
	// auth_token, ...) do. The inspection commands, and once while it may
	// ask a running daemon, need no more: a ${VAR} or ${file:…} that only
	// the service's environment provides does not stop them.
	topLevel
)

// loadConfig loads the configuration file, the one way every command
// does. A problem that stops the command is printed, each with its place,
// and makes it exit 1. In topLevel mode the problems found outside the
// top-level keys are returned (rest) for the caller to mention or to fail
// on.
func (c *cli) loadConfig(path string, mode loadMode) (cfg *config.Config, rest config.Errors, err error) {
	if mode == full {
		cfg, err := config.Load(path)
		if err != nil {
			return nil, nil, c.configErrors(err)
		}
		return cfg, nil, nil
	}
	cfg, err = config.LoadPartial(path)
	if cfg == nil {
		return nil, nil, c.configErrors(err)
	}
	var errs, fatal config.Errors
	errors.As(err, &errs)
	for _, e := range errs {
		if e.Section == "" {
			fatal = append(fatal, e)
		} else {
			rest = append(rest, e)
		}
	}
	if len(fatal) > 0 {
		c.printConfigErrors(fatal)
		c.noteProblems(path, rest)
		return nil, nil, exitError{1}
	}
	return cfg, rest, nil
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
		fmt.Fprintln(c.stderr, e)
	}
}

// noteProblems mentions the problems a command could do without.
func (c *cli) noteProblems(path string, rest config.Errors) {
	if len(rest) > 0 {
		fmt.Fprintf(c.stderr, "note: %s has %d problem(s) outside db, listen and auth_token (pollhook check lists them)\n", path, len(rest))
	}
}
