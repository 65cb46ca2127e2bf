package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/shard"
)

// loadMode says how much of the configuration a command reads, and which
// of its problems stop it.
type loadMode int

const (
	// full: everything, and every problem stops the command (run, check,
	// test-target).
	full loadMode = iota
	// partial: everything, with whatever problems it has: once asks a
	// running daemon before it needs more than the top-level keys, so a
	// ${VAR} or ${file:…} that only the service's environment provides
	// does not stop it then.
	partial
	// topLevel: the top-level keys (db, listen, auth_token, ...), the
	// targets and the watches' names, with their problems: what the
	// inspection commands and db need (requireTopLevel). The rest of each
	// watch is not read.
	topLevel
)

// loadConfig loads the configuration file, the one way every command
// does. In full mode every problem is printed, each with its place, and
// makes the command exit 1. In the other modes the configuration comes
// back with its problems, for the caller to judge: requireTopLevel, or
// (once) after asking a daemon.
func (c *cli) loadConfig(path string, mode loadMode) (*config.Config, config.Errors, error) {
	if mode == full {
		cfg, err := config.Load(path)
		if err != nil {
			return nil, nil, c.configErrors(err)
		}
		return cfg, nil, nil
	}
	load := config.LoadPartial
	if mode == topLevel {
		load = config.LoadTopLevel
	}
	cfg, err := load(path)
	return c.partialLoad(cfg, err)
}

// partialLoad is what loadConfig returns of a partial load: the
// configuration and its problems, or (no configuration) the error.
func (c *cli) partialLoad(cfg *config.Config, err error) (*config.Config, config.Errors, error) {
	if cfg == nil {
		return nil, nil, c.configErrors(err)
	}
	var errs config.Errors
	if err != nil && !errors.As(err, &errs) {
		return nil, nil, err
	}
	return cfg, errs, nil
}

// loadStream is loadConfig(path, partial) for once (config.LoadStream):
// the watches of a file read in parts are not kept, and ws decodes them
// again as once polls them; ws is nil when the file was read whole.
func (c *cli) loadStream(path string) (*config.Config, *config.Watches, config.Errors, error) {
	cfg, ws, err := config.LoadStream(path)
	cfg, errs, err := c.partialLoad(cfg, err)
	return cfg, ws, errs, err
}

// requireTopLevel fails, printing them, on problems of the top-level keys
// (db, listen, auth_token, ...), and mentions the others (of the targets
// and the watches' names: a topLevel load finds no more).
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
		// At least: reading the top-level keys, the targets and the
		// watches' names finds no more.
		fmt.Fprintf(c.stderr, "note: %s has at least %d problem(s) outside db, listen and auth_token (pollhook check lists them all)\n", path, n)
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

// selectShard keeps of cfg's watches those of the shard in force: flag
// (--shard), else POLLHOOK_SHARD and POLLHOOK_SHARDS, else the file's
// shard and shards (config.Config.SelectShard).
func (c *cli) selectShard(cfg *config.Config, flag string) error {
	err := cfg.SelectShard(shardSources(flag))
	var e *config.Error
	if errors.As(err, &e) {
		c.printConfigErrors(config.Errors{e})
		return exitError{1}
	}
	return err
}

// shardSources are the process's: its environment and hostname.
func shardSources(flag string) config.ShardSources {
	return config.ShardSources{Flag: flag, Getenv: os.Getenv, Hostname: os.Hostname}
}

// notOurs explains a watch name that cfg knows but another shard owns, or
// is "" when no shard owns it.
func notOurs(cfg *config.Config, name string) string {
	for _, w := range cfg.Sharding.Others {
		if w.Name == name {
			return fmt.Sprintf("watch %q belongs to shard %d of %d, not to this one (%s)",
				name, shard.Owner(w.ShardKey, cfg.Sharding.Spec.Count), cfg.Sharding.Spec.Count, cfg.Sharding.Spec)
		}
	}
	return ""
}

// loadShardTopLevel loads the top-level keys, the targets and the
// watches' names and shard keys (requireTopLevel), and keeps the watches
// of the shard in force (selectShard).
func (c *cli) loadShardTopLevel(path, shardFlag string) (*config.Config, error) {
	cfg, problems, err := c.loadConfig(path, topLevel)
	if err != nil {
		return nil, err
	}
	if err := c.requireTopLevel(path, problems); err != nil {
		return nil, err
	}
	if err := c.selectShard(cfg, shardFlag); err != nil {
		return nil, err
	}
	return cfg, nil
}
