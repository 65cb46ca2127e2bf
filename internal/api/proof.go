package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pollhook/pollhook/config"
)

// The CLI talks to the daemon over TCP on listen, and sends it the
// auth_token; but while the daemon is stopped any local user may listen
// there. So before it sends anything secret, the CLI has the listener
// prove that it is the daemon (GET /api/hello): the daemon writes a
// random nonce, new at each start, into a file beside its database that
// only its user (and root) may read; the CLI sends a random challenge,
// the daemon answers with an HMAC of it keyed with the nonce, and the
// CLI, which runs as the daemon's user or as root, reads the file and
// checks the answer. The nonce never crosses the connection.

// nonceSize is the size of a nonce, in bytes.
const nonceSize = 32

// ErrNotDaemon is Find's error when something answers on listen that does
// not prove it is the daemon of the configuration. Nothing secret has
// been sent to it.
var ErrNotDaemon = errors.New("something else answers on listen")

// NonceFile is where the daemon of the database db keeps its nonce:
// beside it.
func NonceFile(db string) string { return db + ".nonce" }

// Nonce is a running daemon's secret for this start, kept in the
// NonceFile of its database: the key it proves itself with.
type Nonce struct {
	db  string
	key []byte
}

// CreateNonce draws a new nonce for the daemon of the database db and
// writes it to NonceFile(db), mode 0600, atomically (a temporary file
// renamed over it): it replaces what a previous start, or a crash, left.
func CreateNonce(db string) (*Nonce, error) {
	key := make([]byte, nonceSize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("draw a nonce: %w", err)
	}
	path := NonceFile(db)
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*") // 0600
	if err != nil {
		return nil, fmt.Errorf("write the nonce file: %w", err)
	}
	_, werr := fmt.Fprintf(f, "%x\n", key)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("write the nonce file: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("write the nonce file: %w", err)
	}
	return &Nonce{db: db, key: key}, nil
}

// Remove removes the nonce file, at a clean stop.
func (n *Nonce) Remove() error {
	if err := os.Remove(NonceFile(n.db)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove the nonce file: %w", err)
	}
	return nil
}

// prove is the proof of h for challenge: an HMAC-SHA256 keyed with the
// nonce, of the challenge and of every name h tells (so that a relay
// cannot change them), each length-prefixed.
func prove(key []byte, challenge string, h Hello) string {
	m := hmac.New(sha256.New, key)
	for _, s := range []string{"pollhook hello v1", challenge, h.Config, h.DB, h.Addr} {
		fmt.Fprintf(m, "%d:%s,", len(s), s)
	}
	return hex.EncodeToString(m.Sum(nil))
}

// hello is GET /api/hello?challenge=C, which needs no token: the daemon
// tells its configuration file, its database and the address the request
// reached, and proves them for C.
func (s *server) hello(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	n := s.src.Nonce()
	if n == nil {
		writeError(w, http.StatusNotFound, errors.New("no nonce to prove this daemon with"))
		return
	}
	challenge := r.URL.Query().Get("challenge")
	if len(challenge) < 2*nonceSize || len(challenge) > 256 {
		writeError(w, http.StatusBadRequest, errors.New("want a challenge of 64 to 256 characters"))
		return
	}
	cfg := s.src.Config()
	path, err := filepath.Abs(cfg.File)
	if err != nil {
		path = cfg.File
	}
	h := Hello{Config: path, DB: n.db}
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		h.Addr = addr.String()
	}
	h.Proof = prove(n.key, challenge, h)
	writeJSON(w, http.StatusOK, h)
}

// pinDialer dials the address it is asked for until pin, and from then on
// the pinned one: the address at which the daemon proved itself, so that
// a later request cannot reach another listener (listen = "localhost:…"
// is 127.0.0.1 and ::1).
type pinDialer struct {
	net.Dialer
	mu   sync.Mutex
	addr string
}

func newPinDialer() *pinDialer {
	return &pinDialer{Dialer: net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}}
}

func (p *pinDialer) pin(addr string) {
	p.mu.Lock()
	p.addr = addr
	p.mu.Unlock()
}

// DialContext dials addr, or the pinned address once there is one.
func (p *pinDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	p.mu.Lock()
	if p.addr != "" {
		addr = p.addr
	}
	p.mu.Unlock()
	return p.Dialer.DialContext(ctx, network, addr)
}

// hello asks the listener to prove itself for a new challenge, with no
// token, and returns its answer, the challenge and the address the
// request went to.
func (c *Client) hello(ctx context.Context) (h Hello, challenge, addr string, err error) {
	b := make([]byte, nonceSize)
	if _, err := rand.Read(b); err != nil {
		return Hello{}, "", "", err
	}
	challenge = hex.EncodeToString(b)
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) { addr = i.Conn.RemoteAddr().String() },
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/hello?challenge="+challenge, nil)
	if err != nil {
		return Hello{}, "", "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return Hello{}, "", "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	switch {
	case err != nil:
		return Hello{}, "", "", fmt.Errorf("its answer to GET /api/hello breaks off: %w", err)
	case resp.StatusCode != http.StatusOK:
		return Hello{}, "", "", fmt.Errorf("GET /api/hello answered HTTP %d, not a proof; a pollhook daemon older than this command does: restart it", resp.StatusCode)
	case json.Unmarshal(data, &h) != nil || h.Proof == "":
		return Hello{}, "", "", errors.New("its answer to GET /api/hello is not a proof")
	}
	return h, challenge, addr, nil
}

// verify checks h, the answer to challenge at addr, against the nonce
// file beside the database it names: a file the CLI can trust only the
// daemon of that database (or root) wrote (see readNonce).
func verify(cfg *config.Config, h Hello, challenge, addr string, euid int) error {
	if !filepath.IsAbs(h.DB) {
		return notDaemon(cfg, fmt.Sprintf("it names the database %q", h.DB))
	}
	if h.Addr != addr {
		return notDaemon(cfg, fmt.Sprintf("its proof is for %q, and this connection is to %s", h.Addr, addr))
	}
	db := filepath.Clean(h.DB)
	path := NonceFile(db)
	key, err := readNonce(path, db == filepath.Clean(cfg.DB), euid)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return notDaemon(cfg, fmt.Sprintf("there is no %q, which the daemon writes when it starts", path))
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot tell whether the listener on %s is the pollhook daemon of %s: %w "+
			"(run this as the daemon's user or as root); nothing secret was sent to it", cfg.Listen, cfg.File, err)
	case err != nil:
		return notDaemon(cfg, err.Error())
	}
	if !hmac.Equal([]byte(prove(key, challenge, h)), []byte(h.Proof)) {
		return notDaemon(cfg, fmt.Sprintf("its proof does not match %q", path))
	}
	return nil
}

func notDaemon(cfg *config.Config, why string) error {
	return fmt.Errorf("%w %s: it is not the pollhook daemon of %s (%s); nothing secret was sent to it. Stop it, or set listen to a free address",
		ErrNotDaemon, cfg.Listen, cfg.File, why)
}

// readNonce reads the nonce file at path if it can be trusted: a regular
// file, not a link, that only its owner may read, written by the CLI's
// own user (euid) or root, or else in a place where nobody but the
// daemon's user and root can have put it (see trustOwner). configured
// says path is the one the CLI's own configuration names.
func readNonce(path string, configured bool, euid int) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("%q is a symbolic link", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !ok || !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%q is not a regular file", path)
	case fi.Mode().Perm()&0o077 != 0:
		return nil, fmt.Errorf("others may read %q (mode %04o)", path, fi.Mode().Perm())
	}
	if err := trustOwner(path, st.Uid, configured, euid); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, 4*nonceSize))
	if err != nil {
		return nil, err
	}
	key, err := hex.DecodeString(strings.TrimSuffix(string(data), "\n"))
	if err != nil || len(key) != nonceSize {
		return nil, fmt.Errorf("%q is not a pollhook nonce file", path)
	}
	return key, nil
}

// trustOwner reports whether a nonce file at path owned by uid can only
// have been written by the daemon of its database, or by root. It can,
// when uid is the CLI's user (euid) or root: nobody else can make a file
// theirs. Otherwise (the CLI runs as root, the daemon as its own user) it
// can when a folder above it is root's and closed to everyone else, as
// systemd's /var/lib/private of DynamicUser= services is; or when the
// CLI's own configuration names the file and nobody but root and uid may
// write in the folders above it.
func trustOwner(path string, uid uint32, configured bool, euid int) error {
	if int64(uid) == int64(euid) || uid == 0 {
		return nil
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return err
	}
	closed := true // nobody but root and uid may write in the folders
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("cannot tell who owns %s", d)
		}
		if st.Uid == 0 && fi.Mode().Perm()&0o077 == 0 {
			return nil
		}
		if st.Uid != 0 && st.Uid != uid || fi.Mode().Perm()&0o022 != 0 {
			closed = false
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	if configured && closed {
		return nil
	}
	return fmt.Errorf("%q belongs to uid %d, neither you nor root, in a folder others can reach", path, uid)
}
