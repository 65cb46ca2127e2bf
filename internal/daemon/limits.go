package daemon

import "golang.org/x/sys/unix"

// lowOpenFiles is the soft open files limit under which the daemon warns
// at start: the local API alone may hold api.MaxConns descriptors, and
// max_concurrent polls (64 by default) and the deliveries each hold one
// or more.
const lowOpenFiles = 1024

// logOpenFiles logs the open files limit the daemon runs with. The Go
// runtime (since Go 1.19) raises the soft RLIMIT_NOFILE to the hard limit
// for itself before main runs (on Linux to one below it, to tell its own
// change from a later prlimit), so nothing is left to raise: what is left
// is to say what it is, and to warn when it is low.
func (d *Daemon) logOpenFiles() {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		d.log.Warn("cannot read the open files limit", "err", err)
		return
	}
	d.log.Info("open files limit", "soft", lim.Cur, "hard", lim.Max)
	if lim.Cur < lowOpenFiles {
		d.log.Warn("the open files limit is low: polls and deliveries may run out of descriptors (raise LimitNOFILE= or ulimit -n)",
			"soft", lim.Cur, "want_at_least", lowOpenFiles)
	}
}
