package cli

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/daemon"
)

// run is pollhook run: the daemon, as a service. SIGHUP reloads the
// configuration; the context's end (SIGINT, SIGTERM) stops it.
func (c *cli) run(ctx context.Context, args []string) error {
	// Subscribe before anything else, so that a reload asked for during
	// start-up does not kill the process (SIGHUP's default action).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	fs := c.flags("run")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	shardFlag := fs.String("shard", "", "run as shard `I/N` (or auto): poll only the watches it owns")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("run", pos); err != nil {
		return err
	}
	cfg, _, err := c.loadConfig(*cfgPath, full)
	if err != nil {
		return err
	}
	if err := c.selectShard(cfg, *shardFlag); err != nil {
		return err
	}
	log, level := daemon.NewLogger(c.stderr, cfg)
	d, err := daemon.Open(ctx, cfg, daemon.Options{Logger: log, Level: level, Version: c.version, Service: true,
		Shard: shardSources(*shardFlag)})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // a Run that fails early ends the reload loop too
	go func() {
		// A SIGHUP during start-up waits for the daemon to have started.
		select {
		case <-ctx.Done():
			return
		case <-d.Started():
		}
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info("SIGHUP: reloading the configuration")
				_, _ = d.Reload(ctx) // Reload logs its outcome
			}
		}
	}()
	return errors.Join(d.Run(ctx), d.Close())
}
