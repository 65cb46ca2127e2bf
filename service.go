package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/pollhook/pollhook/config"
)

// sdNotifier speaks systemd's notify protocol: one datagram per message
// on the unix socket $NOTIFY_SOCKET. Without that variable (not started
// by systemd with Type=notify) it does nothing.
type sdNotifier struct {
	addr string
	// watchdog is how often systemd wants WATCHDOG=1 ($WATCHDOG_USEC),
	// or 0.
	watchdog time.Duration
	log      *slog.Logger
}

// newSDNotifier reads the notify socket and the watchdog interval from
// the environment systemd gives the service.
func newSDNotifier(getenv func(string) string, log *slog.Logger) *sdNotifier {
	n := &sdNotifier{addr: getenv("NOTIFY_SOCKET"), log: log}
	if usec, err := strconv.ParseInt(getenv("WATCHDOG_USEC"), 10, 64); err == nil && usec > 0 {
		pid := getenv("WATCHDOG_PID")
		if pid == "" || pid == strconv.Itoa(os.Getpid()) {
			n.watchdog = time.Duration(usec) * time.Microsecond
		}
	}
	return n
}

// send sends one notify message ("READY=1", "STATUS=...").
func (n *sdNotifier) send(msg string) {
	if n.addr == "" {
		return
	}
	addr := n.addr
	if strings.HasPrefix(addr, "@") {
		addr = "\x00" + addr[1:] // an abstract socket
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		n.log.Warn("sd_notify", "err", err)
		return
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(msg)); err != nil {
		n.log.Warn("sd_notify", "err", err)
	}
}

// reloading tells systemd a reload started, with the CLOCK_MONOTONIC time
// systemd needs to match it to the reload it asked for.
func (n *sdNotifier) reloading() {
	var ts unix.Timespec
	msg := "RELOADING=1"
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err == nil {
		msg += "\nMONOTONIC_USEC=" + strconv.FormatInt(ts.Nano()/1000, 10)
	}
	n.send(msg)
}

// watchdogLoop pings systemd's watchdog at half its interval until ctx
// ends; healthy reports whether the daemon still works (a stuck daemon
// must stop pinging so systemd restarts it).
func (n *sdNotifier) watchdogLoop(ctx context.Context, healthy func() bool) {
	if n.addr == "" || n.watchdog <= 0 {
		return
	}
	t := time.NewTicker(n.watchdog / 2)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if healthy() {
				n.send("WATCHDOG=1")
			}
		}
	}
}

// reload reads and validates the configuration file again. If it is
// invalid, the daemon keeps the configuration it runs with and logs every
// problem. Otherwise it applies it without a restart: new watches start
// (with a silent baseline), removed ones stop (their history is kept),
// changed ones are rescheduled, and targets are replaced. Pending
// deliveries stay in the outbox throughout.
func (d *daemon) reload() (reloadReport, error) {
	d.reloadMu.Lock()
	defer d.reloadMu.Unlock()
	d.sd.reloading()
	defer d.sd.send("READY=1")

	old := d.config()
	cfg, err := loadChecked(old.File)
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			for _, e := range errs {
				d.log.Error("reload: invalid configuration, keeping the running one", "err", e.Error())
			}
		} else {
			d.log.Error("reload: keeping the running configuration", "err", err)
		}
		return reloadReport{}, err
	}
	// What needs the process itself (the database file, the listening
	// socket) changes at the next restart.
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

	rep := compareWatches(old.Watches, cfg.Watches)
	d.cfg.Store(cfg)
	if d.level != nil {
		d.level.Set(logLevel(cfg.LogLevel))
	}
	d.disp.SetTargets(cfg.Targets)
	d.poller.Apply(cfg.Watches)
	for _, t := range old.Targets {
		if cfg.Target(t.Name) == nil {
			d.log.Warn("reload: target removed; its queued deliveries wait until it is configured again", "target", t.Name)
		}
	}
	d.log.Info("configuration reloaded", "added", strings.Join(rep.Added, ","),
		"removed", strings.Join(rep.Removed, ","), "changed", strings.Join(rep.Changed, ","))
	return rep, nil
}

// reloadReport names the watches a reload added, removed and changed.
type reloadReport struct {
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []string `json:"changed"`
}

func compareWatches(old, new []*config.Watch) reloadReport {
	rep := reloadReport{Added: []string{}, Removed: []string{}, Changed: []string{}}
	before := map[string]string{}
	for _, w := range old {
		before[w.Name] = w.Fingerprint()
	}
	for _, w := range new {
		fp, ok := before[w.Name]
		switch {
		case !ok:
			rep.Added = append(rep.Added, w.Name)
		case fp != w.Fingerprint():
			rep.Changed = append(rep.Changed, w.Name)
		}
		delete(before, w.Name)
	}
	for name := range before {
		rep.Removed = append(rep.Removed, name)
	}
	sort.Strings(rep.Removed)
	return rep
}

// reloadHandler is POST /-/reload: 200 with what changed, or 400 with
// every problem of the new file (the old configuration keeps running).
func (d *daemon) reloadHandler(w http.ResponseWriter, _ *http.Request) {
	rep, err := d.reload()
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			msgs := make([]string, len(errs))
			for i, e := range errs {
				msgs[i] = e.Error()
			}
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid configuration; still running the previous one", "errors": msgs})
			return
		}
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// logLevel maps a log_level setting to a slog level.
func logLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// configLogger returns the daemon's logger as the configuration asks:
// text or JSON, at a level a reload can change.
func configLogger(w io.Writer, cfg *config.Config) (*slog.Logger, *slog.LevelVar) {
	level := new(slog.LevelVar)
	level.Set(logLevel(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), level
	}
	return slog.New(slog.NewTextHandler(w, opts)), level
}
