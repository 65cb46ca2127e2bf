package api

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
)

// TestNewServer_Limits: every way a peer can hold a connection open is
// bounded, and a long POST /api/once is not cut by them (see
// TestServer_OnceOutlastsTimeouts).
func TestNewServer_Limits(t *testing.T) {
	srv := NewServer(http.NotFoundHandler())
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 || d > 2*time.Minute {
			t.Errorf("%s = %v, want a bound of at most 2m", name, d)
		}
	}
	if srv.ReadHeaderTimeout > srv.ReadTimeout {
		t.Errorf("ReadHeaderTimeout %v > ReadTimeout %v", srv.ReadHeaderTimeout, srv.ReadTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 64<<10 {
		t.Errorf("MaxHeaderBytes = %d, want at most 64 KiB", srv.MaxHeaderBytes)
	}
}

// serveLimited serves h on Listen's listener (the one the daemon uses)
// with srv's settings, until the test ends.
func serveLimited(t *testing.T, srv *http.Server) string {
	t.Helper()
	ln, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ln.Addr().String()
}

// getHealthz sends GET /healthz on c and reads the answer, within wait.
func getHealthz(c net.Conn, r *bufio.Reader, wait time.Duration) error {
	if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		return err
	}
	if err := c.SetReadDeadline(time.Now().Add(wait)); err != nil {
		return err
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return nil
}

// TestListen_CapsConnections: past MaxConns open connections, a new one
// waits (in the kernel's queue, costing the daemon no descriptor) until
// one of them closes, and is served then.
func TestListen_CapsConnections(t *testing.T) {
	src := newFake(t, "127.0.0.1:9180", "")
	addr := serveLimited(t, NewServer(NewHandler(src, "v-test", nil)))
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	for i := range MaxConns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
		if err := getHealthz(c, bufio.NewReader(c), 5*time.Second); err != nil {
			t.Fatalf("connection %d: %v", i+1, err)
		}
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	r := bufio.NewReader(extra)
	var ne net.Error
	if err := getHealthz(extra, r, 300*time.Millisecond); !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("connection %d, over the cap, was served (%v); want it to wait", MaxConns+1, err)
	}
	held[0].Close()
	if err := extra.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("the waiting connection was not served once another closed: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the waiting connection got %s", resp.Status)
	}
}

// slowPoll is a source whose polls take delay, as a slow API's do; it
// records whether a poll's context ended first.
type slowPoll struct {
	*fakeSource
	delay     time.Duration
	cancelled atomic.Bool
}

func (s *slowPoll) Poll(ctx context.Context, watches []*config.Watch, o PollOptions) OnceResponse {
	select {
	case <-time.After(s.delay):
	case <-ctx.Done():
		s.cancelled.Store(true)
		return OnceResponse{Errors: []string{ctx.Err().Error()}}
	}
	return s.fakeSource.Poll(ctx, watches, o)
}

// TestServer_OnceOutlastsTimeouts: POST /api/once polls, which may take
// longer than the server's read and write timeouts; its poll must not be
// cancelled when the read timeout passes (net/http cancels a request's
// context when its connection's read deadline does) nor its answer cut
// by the write timeout.
func TestServer_OnceOutlastsTimeouts(t *testing.T) {
	src := &slowPoll{fakeSource: newFake(t, "127.0.0.1:9180", ""), delay: 700 * time.Millisecond}
	srv := NewServer(NewHandler(src, "v-test", nil))
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout = 100*time.Millisecond, 150*time.Millisecond, 200*time.Millisecond
	addr := serveLimited(t, srv)
	resp, err := http.Post("http://"+addr+"/api/once", "application/json", strings.NewReader(`{"watch":"a"}`))
	if err != nil {
		t.Fatalf("POST /api/once: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"events":[{"id":"msg_2"}]`) {
		t.Errorf("POST /api/once = %d %s (%v)", resp.StatusCode, body, err)
	}
	if src.cancelled.Load() {
		t.Error("the poll was cancelled when the read timeout passed")
	}

	// The other routes keep the server's timeouts: a request whose
	// body never comes is dropped.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "POST /api/redeliver HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(3 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp2, err := http.ReadResponse(bufio.NewReader(c), nil)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Error("a request body that never comes held its connection past the read timeout")
	} else if err == nil {
		resp2.Body.Close()
		if resp2.StatusCode != http.StatusBadRequest {
			t.Errorf("a truncated body: %s, want 400 or a closed connection", resp2.Status)
		}
	}
}
