package systemd

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/internal/testkit"
)

func next(t *testing.T, msgs <-chan string) string {
	t.Helper()
	select {
	case m := <-msgs:
		return m
	case <-time.After(5 * time.Second):
		t.Fatal("no notify message")
		return ""
	}
}

// drain counts the WATCHDOG=1 messages that arrive until the socket has
// been quiet for 100ms.
func drain(msgs <-chan string) int {
	n := 0
	for {
		select {
		case m := <-msgs:
			if m == "WATCHDOG=1" {
				n++
			}
		case <-time.After(100 * time.Millisecond):
			return n
		}
	}
}

func TestNotifier_Messages(t *testing.T) {
	sock, msgs := testkit.NotifySocket(t)
	env := map[string]string{"NOTIFY_SOCKET": sock}
	n := New(func(k string) string { return env[k] }, 42, slog.New(slog.DiscardHandler))
	n.Ready("polling 3 watches")
	if m := next(t, msgs); m != "READY=1\nSTATUS=polling 3 watches" {
		t.Errorf("ready = %q", m)
	}
	n.Reloading()
	if m := next(t, msgs); !strings.HasPrefix(m, "RELOADING=1\nMONOTONIC_USEC=") {
		t.Errorf("reloading = %q", m)
	}
	n.Ready("")
	if m := next(t, msgs); m != "READY=1" {
		t.Errorf("ready after reload = %q", m)
	}
	n.Stopping()
	if m := next(t, msgs); m != "STOPPING=1" {
		t.Errorf("stopping = %q", m)
	}
}

func TestNotifier_Watchdog(t *testing.T) {
	sock, msgs := testkit.NotifySocket(t)
	tests := []struct {
		name  string
		pid   string
		pings bool
	}{
		{"no WATCHDOG_PID", "", true},
		{"our pid", "42", true},
		{"another process's", "7", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"NOTIFY_SOCKET": sock, "WATCHDOG_USEC": "40000", "WATCHDOG_PID": tt.pid}
			n := New(func(k string) string { return env[k] }, 42, slog.New(slog.DiscardHandler))
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			n.Watchdog(ctx, func() bool { return true })
			if got := drain(msgs); tt.pings != (got > 0) {
				t.Errorf("%d pings, want pings %v", got, tt.pings)
			}
		})
	}
	// An unhealthy daemon stops pinging, so systemd restarts it.
	env := map[string]string{"NOTIFY_SOCKET": sock, "WATCHDOG_USEC": "40000"}
	n := New(func(k string) string { return env[k] }, 42, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	n.Watchdog(ctx, func() bool { return false })
	if drain(msgs) != 0 {
		t.Errorf("an unhealthy daemon pinged the watchdog")
	}
}

func TestNotifier_NoSocket(t *testing.T) {
	var none *Notifier
	none.Ready("x") // a nil Notifier sends nothing and does not panic
	none.Stopping()
	n := New(func(string) string { return "" }, 1, slog.New(slog.DiscardHandler))
	n.Ready("x")
	n.Watchdog(context.Background(), func() bool { return true }) // returns at once
}
