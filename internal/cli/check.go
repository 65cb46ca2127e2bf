package cli

import (
	"fmt"

	"github.com/pollhook/pollhook/config"
)

// check is pollhook check: validate the configuration, print every
// problem.
func (c *cli) check(args []string) error {
	fs := c.flags("check")
	cfgPath := fs.String("config", config.DefaultFile, "configuration `file`")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("check", pos); err != nil {
		return err
	}
	cfg, _, err := c.loadConfig(*cfgPath, full)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "%s: ok (%d watches, %d targets)\n", *cfgPath, len(cfg.Watches), len(cfg.Targets))
	return nil
}
