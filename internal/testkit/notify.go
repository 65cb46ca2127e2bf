package testkit

import (
	"net"
	"path/filepath"
	"testing"
)

// NotifySocket listens like systemd on a unix datagram socket for
// sd_notify messages, until the test ends: set NOTIFY_SOCKET to the path
// it returns, and read the messages from the channel.
func NotifySocket(t testing.TB) (string, <-chan string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	msgs := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	return sock, msgs
}
