package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/pollhook/pollhook/internal/testkit"
)

// tapListener records every byte its connections receive.
type tapListener struct {
	net.Listener
	mu  sync.Mutex
	got bytes.Buffer
}

func (l *tapListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &tapConn{Conn: c, l: l}, nil
}

func (l *tapListener) received() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.got.String()
}

type tapConn struct {
	net.Conn
	l *tapListener
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.mu.Lock()
	c.l.got.Write(p[:n])
	c.l.mu.Unlock()
	return n, err
}

// fakeDaemon listens on listen in the daemon's place (as any local user
// can while the daemon is stopped) and answers with h; it returns what it
// received.
func fakeDaemon(t *testing.T, listen string, h http.Handler) *tapListener {
	t.Helper()
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	tap := &tapListener{Listener: ln}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = tap
	srv.Start()
	t.Cleanup(srv.Close)
	return tap
}

// TestInspect_FakeListener is issue 11, item 8: with the daemon stopped,
// something else listens on listen. The CLI must send it no auth_token,
// take none of its answers, and say that something else answers there.
func TestInspect_FakeListener(t *testing.T) {
	t.Parallel()
	const token = "tok-3f9a1c0de5b2"
	cases := []struct {
		name string
		// stale writes the nonce file a killed daemon leaves behind.
		stale bool
		hello func(cfg, db, listen string) any
	}{
		{name: "answers anything as the daemon would /api/info"},
		{name: "forges a proof", hello: forgedHello},
		{name: "forges a proof beside a stale nonce file", stale: true, hello: forgedHello},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			listen := testkit.FreeAddr(t)
			cfg := writeInspectConfig(t, dir, "http://127.0.0.1:1/", "http://127.0.0.1:1/", listen, "auth_token = \""+token+"\"")
			db := filepath.Join(dir, "state.db")
			if tc.stale {
				testkit.WriteFile(t, db+".nonce", strings.Repeat("5e", 32)+"\n")
			}
			tap := fakeDaemon(t, listen, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if r.URL.Path == "/api/hello" && tc.hello != nil {
					_ = json.NewEncoder(w).Encode(tc.hello(cfg, db, listen))
					return
				}
				// What a daemon says on /api/info, and JSON every other
				// call decodes.
				_ = json.NewEncoder(w).Encode(map[string]any{"version": "dev", "config": cfg, "db": db, "deliveries": []any{}, "events": []any{}})
			}))
			for _, cmd := range []string{"deliveries", "once"} {
				out, errOut, code := tryCLI(t, cmd, "--config", cfg)
				if code != 1 || !strings.Contains(errOut, "something else answers on listen "+listen) {
					t.Errorf("%s: exit %d, want 1 and a message that something else answers on listen\nstdout: %s\nstderr: %s", cmd, code, out, errOut)
				}
			}
			if got := tap.received(); strings.Contains(got, token) {
				t.Errorf("the fake listener received the auth_token:\n%s", got)
			}
		})
	}
}

// forgedHello is what a listener that does not know the daemon's nonce
// can answer to GET /api/hello: the right names, and a made-up proof.
func forgedHello(cfg, db, listen string) any {
	return map[string]string{"config": cfg, "db": db, "addr": listen, "proof": strings.Repeat("ab", 32)}
}

// TestInspect_NonceFile: the daemon writes a new nonce file at each start
// (replacing a stale one, whatever its mode), 0600, proves itself with it
// to the CLI, and removes it when it stops.
func TestInspect_NonceFile(t *testing.T) {
	t.Parallel()
	const token = "tok-9d2e7b41a6c0"
	dir := t.TempDir()
	listen := testkit.FreeAddr(t)
	cfg := writeInspectConfig(t, dir, "http://127.0.0.1:1/", "http://127.0.0.1:1/", listen, "auth_token = \""+token+"\"")
	nonce := filepath.Join(dir, "state.db.nonce")
	stale := strings.Repeat("5e", 32) + "\n"
	testkit.WriteFile(t, nonce, stale)
	if err := os.Chmod(nonce, 0o644); err != nil {
		t.Fatal(err)
	}
	seen := []string{stale}
	for range 2 {
		d := testkit.StartDaemon(t, runCLI, cfg, listen, token)
		fi, err := os.Stat(nonce)
		if err != nil {
			t.Fatalf("no nonce file while the daemon runs: %v", err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("nonce file mode %04o, want 0600", fi.Mode().Perm())
		}
		data, err := os.ReadFile(nonce)
		if err != nil {
			t.Fatal(err)
		}
		if slices.Contains(seen, string(data)) {
			t.Errorf("the nonce file holds %q, seen before: %q", data, seen)
		}
		seen = append(seen, string(data))
		// The daemon holds the database: this answer is the daemon's.
		if out := mustCLI(t, "deliveries", "--config", cfg); !strings.Contains(out, "no deliveries") {
			t.Errorf("deliveries = %q", out)
		}
		d.Stop()
		if _, err := os.Stat(nonce); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("nonce file after a clean stop: %v", err)
		}
	}
}

// TestInspect_NonceUnreadable: a user who cannot read the daemon's nonce
// file (it is not the daemon's user, nor root) is told so, and the CLI
// sends the daemon nothing secret. As root, the test runs the binary as
// nobody against a state folder only root may enter, as systemd's is.
func TestInspect_NonceUnreadable(t *testing.T) {
	t.Parallel()
	const token = "tok-51c8e0a2f7d3"
	confDir, stateDir := t.TempDir(), t.TempDir()
	listen := testkit.FreeAddr(t)
	db := filepath.Join(stateDir, "state.db")
	cfg := writeInspectConfig(t, confDir, "http://127.0.0.1:1/", "http://127.0.0.1:1/", listen, "auth_token = \""+token+"\"")
	src, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	testkit.WriteFile(t, cfg, strings.Replace(string(src), `db = "state.db"`, fmt.Sprintf("db = %q", db), 1))
	testkit.StartDaemon(t, runCLI, cfg, listen, token)

	var out []byte
	if os.Geteuid() == 0 {
		bin := testkit.Binary(t)
		for _, d := range []string{confDir, filepath.Dir(confDir)} {
			if err := os.Chmod(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(cfg, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "deliveries", "--config", cfg)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err = cmd.CombinedOutput()
		if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
			t.Fatalf("deliveries as nobody: %v, want exit 1\n%s", err, out)
		}
	} else {
		if err := os.Chmod(db+".nonce", 0); err != nil {
			t.Fatal(err)
		}
		stdout, stderr, code := tryCLI(t, "deliveries", "--config", cfg)
		if code != 1 {
			t.Fatalf("deliveries: exit %d, want 1\n%s%s", code, stdout, stderr)
		}
		out = []byte(stderr)
	}
	for _, want := range []string{"cannot tell whether the listener on " + listen + " is the pollhook daemon", "permission denied", "as the daemon's user or as root"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the CLI said %q, want %q", out, want)
		}
	}
}
