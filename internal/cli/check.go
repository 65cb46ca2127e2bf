package cli

import (
	"fmt"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/human"
)

// check is pollhook check: validate the configuration, print every
// problem (exit 1) or every warning (exit 0).
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
	c.checked(*cfgPath, cfg)
	return nil
}

// checked says what check says of a configuration that passed: every
// warning on stderr (warnings stop nothing), then the counts.
func (c *cli) checked(path string, cfg *config.Config) {
	for _, w := range cfg.Warnings {
		fmt.Fprintln(c.stderr, "warning: "+human.Printable(w.Error()))
	}
	counts := human.Count(len(cfg.Watches), "watch", "watches") + ", " + human.Count(len(cfg.Targets), "target", "targets")
	if n := len(cfg.Warnings); n > 0 {
		counts += "; " + human.Count(n, "warning", "warnings")
	}
	fmt.Fprintf(c.stdout, "%s: ok (%s)\n", path, counts)
}
