package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/store"
)

func createNonce(t *testing.T, db string) *Nonce {
	t.Helper()
	n, err := CreateNonce(db)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// nobody is the user a test makes a file belong to when it runs as root.
const nobody = 65534

// foreign makes the file at path belong to a user other than the one the
// returned euid names, neither of them root, in folders others can reach
// (an attacker's home): as root, it gives the file to nobody and opens
// the test's folders; otherwise the file stays the test user's, and the
// CLI is someone else.
func foreign(t *testing.T, path string) (euid int) {
	t.Helper()
	if os.Geteuid() != 0 {
		return os.Geteuid() + 1
	}
	if err := os.Chown(path, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	openFolders(t, filepath.Dir(path))
	return 0
}

// openFolders makes dir and the test's temporary folders above it 0755:
// no longer closed to everyone but root.
func openFolders(t *testing.T, dir string) {
	t.Helper()
	for d := dir; strings.HasPrefix(d, os.TempDir()+string(filepath.Separator)); d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

var nonceContent = regexp.MustCompile(`^[0-9a-f]{64}\n$`)

// TestCreateNonce: the nonce file is 0600, new at each start (replacing a
// stale one, whatever its mode), written without leftovers, and removed.
func TestCreateNonce(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "state.db")
	stale := strings.Repeat("5e", 32) + "\n"
	if err := os.WriteFile(NonceFile(db), []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	var seen []string
	for range 2 {
		n := createNonce(t, db)
		fi, err := os.Stat(NonceFile(db))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("nonce file mode %04o, want 0600", fi.Mode().Perm())
		}
		data, err := os.ReadFile(NonceFile(db))
		if err != nil {
			t.Fatal(err)
		}
		if !nonceContent.Match(data) || string(data) == stale || len(seen) > 0 && string(data) == seen[0] {
			t.Errorf("nonce file %q, want 64 new hex digits (before: %q)", data, seen)
		}
		if got := fmt.Sprintf("%x\n", n.key); got != string(data) {
			t.Errorf("the file holds %q, the daemon proves with %q", data, got)
		}
		seen = append(seen, string(data))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files beside the db: %v, want the nonce file only", entries)
	}
	n := &Nonce{db: db}
	if err := n.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(NonceFile(db)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("nonce file after Remove: %v", err)
	}
	if err := n.Remove(); err != nil {
		t.Errorf("a second Remove: %v", err)
	}
}

// recorder serves h and records every request it is sent.
type recorder struct {
	h    http.Handler
	mu   sync.Mutex
	reqs []string
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
	_ = r.Header.Write(&b)
	body, _ := io.ReadAll(r.Body)
	b.Write(body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, b.String())
	rec.mu.Unlock()
	rec.h.ServeHTTP(w, r)
}

func (rec *recorder) requests() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.reqs...)
}

// serveOn serves h on ln until the test ends, and returns its address.
func serveOn(t *testing.T, ln net.Listener, h http.Handler) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return ln.Addr().String()
}

func listenOn(t *testing.T, addr string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	return ln
}

// TestFind_ProvesDaemon: the daemon proves itself before the CLI sends
// its token, on every address a daemon may listen on; the CLI's requests
// then go where the proof came from.
func TestFind_ProvesDaemon(t *testing.T) {
	for _, tc := range []struct{ name, bind, dial string }{
		{"loopback", "127.0.0.1:0", "127.0.0.1"},
		{"localhost", "127.0.0.1:0", "localhost"},
		{"every IPv4 address", "0.0.0.0:0", "0.0.0.0"},
		{"IPv6 loopback", "[::1]:0", "[::1]"},
		{"every address", "[::]:0", "[::]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := newFake(t, "", "s3cret-token")
			src.nonce = createNonce(t, src.cfg.DB)
			rec := &recorder{h: NewHandler(src, "v-test", nil)}
			addr := serveOn(t, listenOn(t, tc.bind), rec)
			_, port, _ := net.SplitHostPort(addr)
			src.cfg.Listen = tc.dial + ":" + port
			if strings.HasPrefix(tc.bind, "0.0.0.0") || strings.HasPrefix(tc.bind, "[::]") {
				src.cfg.AuthToken = "s3cret-token" // required off loopback
			}
			c, err := Find(context.Background(), src.cfg)
			if err != nil || c == nil {
				t.Fatalf("Find = %v, %v", c, err)
			}
			if _, err := c.Deliveries(context.Background(), store.Filter{}); err != nil {
				t.Fatal(err)
			}
			reqs := rec.requests()
			if len(reqs) != 3 || !strings.HasPrefix(reqs[0], "GET /api/hello?challenge=") || strings.Contains(reqs[0], "s3cret-token") {
				t.Fatalf("requests:\n%s\nwant the hello first, without the token", strings.Join(reqs, "\n"))
			}
			for _, r := range reqs[1:] {
				if !strings.Contains(r, "Authorization: Bearer s3cret-token") {
					t.Errorf("a request after the proof lacks the token:\n%s", r)
				}
			}
		})
	}
}

// helloAs answers GET /api/hello as a daemon whose nonce is key would,
// for the names given (empty: the ones of cfg), and 200 with a daemon's
// /api/info to everything else.
func helloAs(cfg *fakeSource, key []byte, db string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		path, _ := filepath.Abs(cfg.cfg.File)
		if r.URL.Path != "/api/hello" {
			writeJSON(w, http.StatusOK, Info{Version: "v", Config: path, DB: cfg.cfg.DB})
			return
		}
		h := Hello{Config: path, DB: db}
		if h.DB == "" {
			h.DB = cfg.cfg.DB
		}
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			h.Addr = a.String()
		}
		h.Proof = prove(key, r.URL.Query().Get("challenge"), h)
		writeJSON(w, http.StatusOK, h)
	}
}

// TestFind_Impostors: whatever else answers on listen gets no token, and
// Find says that something else answers there.
func TestFind_Impostors(t *testing.T) {
	const token = "s3cret-token"
	tests := []struct {
		name string
		// serve returns the impostor's handler for the CLI's
		// configuration src, and the user the CLI runs as.
		serve func(t *testing.T, src *fakeSource) (http.Handler, int)
	}{
		{"answers 200 to anything", func(t *testing.T, src *fakeSource) (http.Handler, int) {
			return helloAs(src, nil, ""), os.Geteuid()
		}},
		{"answers 401", func(t *testing.T, src *fakeSource) (http.Handler, int) {
			return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }), os.Geteuid()
		}},
		{"forges a proof", func(t *testing.T, src *fakeSource) (http.Handler, int) {
			createNonce(t, src.cfg.DB) // the daemon's, unknown to the impostor
			return helloAs(src, []byte("a guess"), ""), os.Geteuid()
		}},
		{"replays a stale nonce", func(t *testing.T, src *fakeSource) (http.Handler, int) {
			old := createNonce(t, src.cfg.DB) // a previous start's
			createNonce(t, src.cfg.DB)
			return helloAs(src, old.key, ""), os.Geteuid()
		}},
		{"names a nonce file of its own", func(t *testing.T, src *fakeSource) (http.Handler, int) {
			own := createNonce(t, filepath.Join(t.TempDir(), "evil.db"))
			return helloAs(src, own.key, own.db), foreign(t, NonceFile(own.db))
		}},
		{"names a nonce file of its own beside the configured db", func(t *testing.T, src *fakeSource) (http.Handler, int) {
			// db in a folder others may write in, such as /tmp
			own := createNonce(t, src.cfg.DB)
			euid := foreign(t, NonceFile(own.db))
			if err := os.Chmod(filepath.Dir(own.db), 0o777); err != nil {
				t.Fatal(err)
			}
			return helloAs(src, own.key, ""), euid
		}},
		{"a daemon whose nonce others may read", func(t *testing.T, src *fakeSource) (http.Handler, int) {
			src.nonce = createNonce(t, src.cfg.DB)
			if err := os.Chmod(NonceFile(src.cfg.DB), 0o644); err != nil {
				t.Fatal(err)
			}
			return NewHandler(src, "v", nil), os.Geteuid()
		}},
		{"relays the daemon's proof", func(t *testing.T, src *fakeSource) (http.Handler, int) {
			src.nonce = createNonce(t, src.cfg.DB)
			daemon := httptest.NewServer(NewHandler(src, "v", nil))
			t.Cleanup(daemon.Close)
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				resp, err := http.Get(daemon.URL + r.URL.String())
				if err != nil {
					w.WriteHeader(http.StatusBadGateway)
					return
				}
				defer resp.Body.Close()
				w.WriteHeader(resp.StatusCode)
				_, _ = io.Copy(w, resp.Body)
			}), os.Geteuid()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newFake(t, "", token)
			h, euid := tt.serve(t, src)
			rec := &recorder{h: h}
			src.cfg.Listen = serveOn(t, listenOn(t, "127.0.0.1:0"), rec)
			c, err := find(context.Background(), src.cfg, euid)
			if c != nil || !errors.Is(err, ErrNotDaemon) || !strings.Contains(err.Error(), "something else answers on listen "+src.cfg.Listen) {
				t.Errorf("find = %v, %v; want ErrNotDaemon", c, err)
			}
			for _, r := range rec.requests() {
				if strings.Contains(r, token) {
					t.Errorf("the impostor received the token:\n%s", r)
				}
			}
		})
	}
}

// TestFind_NonceUnreadable: a CLI that cannot read the daemon's nonce
// file cannot tell who answers: it sends nothing and says why.
func TestFind_NonceUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file (internal/cli tests this with the binary run as another user)")
	}
	src := newFake(t, "", "s3cret-token")
	src.nonce = createNonce(t, src.cfg.DB)
	if err := os.Chmod(NonceFile(src.cfg.DB), 0); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{h: NewHandler(src, "v", nil)}
	src.cfg.Listen = serveOn(t, listenOn(t, "127.0.0.1:0"), rec)
	c, err := Find(context.Background(), src.cfg)
	if c != nil || err == nil || !strings.Contains(err.Error(), "permission denied") || !strings.Contains(err.Error(), "cannot tell whether") {
		t.Errorf("Find = %v, %v", c, err)
	}
	if reqs := rec.requests(); len(reqs) != 1 {
		t.Errorf("requests after the hello: %q", reqs[1:])
	}
}

// TestReadNonce: which nonce files the CLI trusts.
func TestReadNonce(t *testing.T) {
	me := os.Geteuid()
	tests := []struct {
		name string
		// make writes a nonce file and returns its path, the user the
		// CLI runs as, and whether the CLI's configuration names it.
		make func(t *testing.T, dir string) (string, int, bool)
		err  string // "" when trusted
	}{
		{"the CLI's user's", func(t *testing.T, dir string) (string, int, bool) {
			return NonceFile(createNonce(t, filepath.Join(dir, "a.db")).db), me, false
		}, ""},
		{"others may read it", func(t *testing.T, dir string) (string, int, bool) {
			p := NonceFile(createNonce(t, filepath.Join(dir, "a.db")).db)
			if err := os.Chmod(p, 0o640); err != nil {
				t.Fatal(err)
			}
			return p, me, true
		}, "others may read"},
		{"a symbolic link", func(t *testing.T, dir string) (string, int, bool) {
			p := NonceFile(createNonce(t, filepath.Join(dir, "a.db")).db)
			link := filepath.Join(dir, "b.db.nonce")
			if err := os.Symlink(p, link); err != nil {
				t.Fatal(err)
			}
			return link, me, true
		}, "symbolic link"},
		{"a named pipe", func(t *testing.T, dir string) (string, int, bool) {
			p := filepath.Join(dir, "a.db.nonce")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return p, me, true
		}, "not a regular file"},
		{"not a nonce", func(t *testing.T, dir string) (string, int, bool) {
			p := filepath.Join(dir, "a.db.nonce")
			if err := os.WriteFile(p, []byte("hunter2\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return p, me, true
		}, "not a pollhook nonce file"},
		{"another user's, where others can reach", func(t *testing.T, dir string) (string, int, bool) {
			p := NonceFile(createNonce(t, filepath.Join(dir, "a.db")).db)
			return p, foreign(t, p), false
		}, "neither you nor root"},
		{"another user's, configured, in a folder others may write in", func(t *testing.T, dir string) (string, int, bool) {
			p := NonceFile(createNonce(t, filepath.Join(dir, "a.db")).db)
			euid := foreign(t, p)
			if err := os.Chmod(dir, 0o1777); err != nil {
				t.Fatal(err)
			}
			return p, euid, true
		}, "neither you nor root"},
		{"the service user's, below a folder only root may enter (DynamicUser=)", func(t *testing.T, dir string) (string, int, bool) {
			if me != 0 {
				t.Skip("needs root, to give a file away")
			}
			// /var/lib/private (root, 0700) / pollhook (the service's, 0700)
			private, state := filepath.Join(dir, "private"), filepath.Join(dir, "private", "pollhook")
			for _, d := range []string{private, state} {
				if err := os.Mkdir(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			p := NonceFile(createNonce(t, filepath.Join(state, "pollhook.db")).db)
			for _, f := range []string{state, p} {
				if err := os.Chown(f, nobody, nobody); err != nil {
					t.Fatal(err)
				}
			}
			openFolders(t, dir)
			link := filepath.Join(dir, "pollhook") // /var/lib/pollhook -> private/pollhook
			if err := os.Symlink(filepath.Join("private", "pollhook"), link); err != nil {
				t.Fatal(err)
			}
			return filepath.Join(link, "pollhook.db.nonce"), 0, false
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, euid, configured := tt.make(t, t.TempDir())
			key, err := readNonce(path, configured, euid)
			switch {
			case tt.err == "" && (err != nil || len(key) != nonceSize):
				t.Errorf("readNonce = %x, %v; want it trusted", key, err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("readNonce = %x, %v; want an error with %q", key, err, tt.err)
			}
		})
	}
}

// TestFind_NoAnswer: something that takes the connection but never
// answers (a daemon flooded with connections, whose new ones wait in the
// kernel's queue) is told apart from nothing listening, so the CLI can
// say so rather than "no daemon answers".
func TestFind_NoAnswer(t *testing.T) {
	t.Parallel()
	ln := listenOn(t, "127.0.0.1:0")
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // held open, never answered
		}
	}()
	cfg := &config.Config{File: filepath.Join(t.TempDir(), "pollhook.toml"), Listen: ln.Addr().String()}
	c, err := Find(context.Background(), cfg)
	var silent *NoAnswerError
	if c != nil || !errors.As(err, &silent) || !strings.Contains(err.Error(), "did not answer within 2s") {
		t.Errorf("Find = %v, %v; want a NoAnswerError", c, err)
	}
	closed := listenOn(t, "127.0.0.1:0")
	cfg.Listen = closed.Addr().String()
	closed.Close()
	if c, err := Find(context.Background(), cfg); c != nil || err != nil {
		t.Errorf("Find with nothing listening = %v, %v; want nil, nil", c, err)
	}
}
