// Package systemd speaks systemd's notify protocol (sd_notify): READY when
// the daemon polls, RELOADING around a reload, STOPPING at shutdown, and
// WATCHDOG pings while it is healthy. Outside a Type=notify service it
// does nothing.
package systemd

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Notifier sends notify messages: one datagram per message on the unix
// socket $NOTIFY_SOCKET. A nil Notifier, or one without a socket, sends
// nothing.
type Notifier struct {
	addr string
	// watchdog is how often systemd wants WATCHDOG=1 ($WATCHDOG_USEC), or 0.
	watchdog time.Duration
	log      *slog.Logger
}

// New reads the notify socket and the watchdog interval from the
// environment systemd gives the service; pid is this process's id (the
// watchdog is meant for it when $WATCHDOG_PID is unset or names it).
func New(getenv func(string) string, pid int, log *slog.Logger) *Notifier {
	n := &Notifier{addr: getenv("NOTIFY_SOCKET"), log: log}
	if usec, err := strconv.ParseInt(getenv("WATCHDOG_USEC"), 10, 64); err == nil && usec > 0 {
		if p := getenv("WATCHDOG_PID"); p == "" || p == strconv.Itoa(pid) {
			n.watchdog = time.Duration(usec) * time.Microsecond
		}
	}
	return n
}

// Ready says the service is up (again, after a reload); status, when not
// empty, is shown by systemctl status.
func (n *Notifier) Ready(status string) {
	msg := "READY=1"
	if status != "" {
		msg += "\nSTATUS=" + status
	}
	n.send(msg)
}

// Reloading says a reload started, with the CLOCK_MONOTONIC time systemd
// needs to match it to the reload it asked for.
func (n *Notifier) Reloading() {
	var ts unix.Timespec
	msg := "RELOADING=1"
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err == nil {
		msg += "\nMONOTONIC_USEC=" + strconv.FormatInt(ts.Nano()/1000, 10)
	}
	n.send(msg)
}

// Stopping says the service is shutting down.
func (n *Notifier) Stopping() { n.send("STOPPING=1") }

// Watchdog pings systemd's watchdog at half its interval until ctx ends;
// healthy reports whether the daemon still works (a stuck daemon must stop
// pinging so systemd restarts it).
func (n *Notifier) Watchdog(ctx context.Context, healthy func() bool) {
	if n == nil || n.addr == "" || n.watchdog <= 0 {
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

// send sends one notify message.
func (n *Notifier) send(msg string) {
	if n == nil || n.addr == "" {
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
