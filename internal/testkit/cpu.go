package testkit

import (
	"syscall"
	"testing"
	"time"
)

// ProcessCPU is the CPU time the process has used, user and system, the
// garbage collector's included. On a machine that runs other work too, a
// benchmark's CPU time per operation says more than its time per
// operation.
func ProcessCPU(tb testing.TB) time.Duration {
	tb.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
