package daemon

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/api"
)

// Reload reads and validates the configuration file again. If it is
// invalid, the daemon keeps the configuration it runs with, logs every
// problem and returns them (config.Errors). Otherwise it logs the new
// file's warnings and applies it
// without a restart: new watches start (with a silent baseline), removed
// ones stop (their history is kept), changed ones are rescheduled,
// targets are replaced, and a new metrics_per_watch applies to /metrics.
// Pending deliveries stay in the outbox throughout.
// What needs the process itself (db, listen, log_format, max_per_host,
// max_concurrent) changes at the next restart.
func (d *Daemon) Reload(ctx context.Context) (api.ReloadReport, error) {
	if err := ctx.Err(); err != nil {
		return api.ReloadReport{}, err
	}
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.sd.Reloading()
	defer d.sd.Ready("")

	old := d.Config()
	cfg, err := config.Load(old.File)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				d.log.Error("reload: invalid configuration, keeping the running one", "err", e.Error())
			}
		} else {
			d.log.Error("reload: keeping the running configuration", "err", err)
		}
		return api.ReloadReport{}, err
	}
	if err := cfg.SelectShard(d.opts.Shard); err != nil {
		d.log.Error("reload: keeping the running configuration", "err", err)
		return api.ReloadReport{}, err
	}
	for _, w := range cfg.Warnings {
		d.log.Warn("reload: configuration warning", "warning", w.Error())
	}
	if cfg.DB != old.DB {
		d.log.Warn("reload: db changed; it takes effect when pollhook restarts", "db", old.DB)
		cfg.DB = old.DB
	}
	if cfg.Listen != old.Listen {
		d.log.Warn("reload: listen changed; it takes effect when pollhook restarts", "listen", old.Listen)
		cfg.Listen = old.Listen
	}
	if cfg.MaxPerHost != old.MaxPerHost || cfg.MaxConcurrent != old.MaxConcurrent {
		d.log.Warn("reload: max_per_host and max_concurrent take effect when pollhook restarts")
	}
	if cfg.LogFormat != old.LogFormat {
		d.log.Warn("reload: log_format changed; it takes effect when pollhook restarts")
	}
	if cfg.MetricsPerWatch != old.MetricsPerWatch {
		d.log.Info("reload: metrics_per_watch changed; the poll metrics start again from zero",
			"metrics_per_watch", cfg.MetricsPerWatch)
	}

	d.reloadSubs(ctx, old, cfg)
	rep := compareConfigs(old, cfg)
	d.cfg.Store(cfg)
	if d.opts.Level != nil {
		d.opts.Level.Set(logLevel(cfg.LogLevel))
	}
	d.disp.SetTargets(cfg.Targets)
	d.poller.Apply(cfg.Watches)
	d.sayRemovedTargets(ctx, rep.TargetsRemoved)
	d.log.Info("configuration reloaded", "added", strings.Join(rep.Added, ","),
		"removed", strings.Join(rep.Removed, ","), "changed", strings.Join(rep.Changed, ","),
		"targets_added", strings.Join(rep.TargetsAdded, ","), "targets_removed", strings.Join(rep.TargetsRemoved, ","),
		"targets_changed", strings.Join(rep.TargetsChanged, ","))
	return rep, nil
}

// sayRemovedTargets logs each target a reload removed: a warning when
// deliveries to it are still queued (they wait until it is configured
// again), a note when none are.
func (d *Daemon) sayRemovedTargets(ctx context.Context, removed []string) {
	if len(removed) == 0 {
		return
	}
	counts, err := d.db.OutboxCounts(ctx)
	for _, name := range removed {
		switch n := counts[name].Pending; {
		case err != nil:
			d.log.Warn("reload: target removed; its queued deliveries, if any, wait until it is configured again", "target", name, "err", err)
		case n > 0:
			d.log.Warn("reload: target removed; its queued deliveries wait until it is configured again", "target", name, "queued", n)
		default:
			d.log.Info("reload: target removed; nothing was queued for it", "target", name)
		}
	}
}

// compareConfigs names the watches and the targets new adds to old,
// removes from it, and changes (by their Fingerprint).
func compareConfigs(old, new *config.Config) api.ReloadReport {
	var rep api.ReloadReport
	rep.Added, rep.Removed, rep.Changed = compare(old.Watches, new.Watches,
		func(w *config.Watch) (string, string) { return w.Name, w.Fingerprint() })
	rep.TargetsAdded, rep.TargetsRemoved, rep.TargetsChanged = compare(old.Targets, new.Targets,
		func(t *config.Target) (string, string) { return t.Name, t.Fingerprint() })
	return rep
}

// compare names the elements of new that old lacks (in new's order), those
// of old that new lacks (sorted), and those whose fingerprint differs
// (in new's order). No list is nil: the report has [] for none.
func compare[T any](old, new []T, id func(T) (name, fingerprint string)) (added, removed, changed []string) {
	added, removed, changed = []string{}, []string{}, []string{}
	before := map[string]string{}
	for _, x := range old {
		name, fp := id(x)
		before[name] = fp
	}
	for _, x := range new {
		name, fp := id(x)
		was, ok := before[name]
		switch {
		case !ok:
			added = append(added, name)
		case was != fp:
			changed = append(changed, name)
		}
		delete(before, name)
	}
	for name := range before {
		removed = append(removed, name)
	}
	sort.Strings(removed)
	return added, removed, changed
}
