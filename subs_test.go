package main_test

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	svix "github.com/svix/svix-webhooks/go"

	"github.com/pollhook/pollhook/internal/testkit"
)

const subsAdmin = "subs-admin-token-for-tests"

// consumer is a consumer's receiver: it answers the validation handshake
// (granting the origin or not) and records the POSTs.
type consumer struct {
	mu      sync.Mutex
	grant   string // WebHook-Allowed-Origin answered; "" none
	status  int    // answer to POSTs
	options int
	hooks   []testkit.Hook
}

func (c *consumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Method == http.MethodOptions {
		c.options++
		if c.grant != "" && r.Header.Get("WebHook-Request-Origin") == "pollhook-e2e" {
			w.Header().Set("WebHook-Allowed-Origin", c.grant)
		}
		return
	}
	c.hooks = append(c.hooks, testkit.Hook{Header: r.Header.Clone(), Body: body})
	w.WriteHeader(c.status)
}

func (c *consumer) got() []testkit.Hook {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]testkit.Hook(nil), c.hooks...)
}

func (c *consumer) setStatus(s int) {
	c.mu.Lock()
	c.status = s
	c.mu.Unlock()
}

// subsDaemon is a pollhook run with [subscriptions] on, and its API.
type subsDaemon struct {
	t       *testing.T
	bin     string
	cfgPath string
	addr    string
	// base is the configuration without [subscriptions].
	base string
	// tls, when set, is the section's tls line; client then trusts any
	// certificate.
	tls    string
	client *http.Client
}

func (s *subsDaemon) writeConfig(allowLoopback bool) {
	allow := ""
	if allowLoopback {
		allow = `allow_cidrs = ["127.0.0.0/8"]`
	}
	testkit.WriteFile(s.t, s.cfgPath, s.base+fmt.Sprintf(`
[subscriptions]
enabled = true
listen = %q
admin_token = %q
allow_watches = ["releases"]
https_only = false
origin = "pollhook-e2e"
%s
%s
`, s.addr, subsAdmin, allow, s.tls))
}

// call makes an API request and decodes a 2xx JSON answer into out.
func (s *subsDaemon) call(token, method, path, body string, out any) (int, string) {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	scheme, client := "http://", http.DefaultClient
	if s.client != nil {
		scheme, client = "https://", s.client
	}
	req, err := http.NewRequest(method, scheme+s.addr+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			s.t.Fatalf("%s %s: %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode, string(b)
}

func (s *subsDaemon) must(status int, token, method, path, body string, out any) string {
	s.t.Helper()
	got, b := s.call(token, method, path, body, out)
	if got != status {
		s.t.Fatalf("%s %s = %d %s, want %d", method, path, got, b, status)
	}
	return b
}

// app creates an application and returns its id and token.
func (s *subsDaemon) app(uid string) (string, string) {
	var a struct{ ID string }
	s.must(201, subsAdmin, "POST", "/api/v1/app", `{"name":"`+uid+`","uid":"`+uid+`"}`, &a)
	var tok struct{ Token string }
	s.must(201, subsAdmin, "POST", "/api/v1/app/"+a.ID+"/token", "", &tok)
	return a.ID, tok.Token
}

func (s *subsDaemon) status(token, app, ep string) (status, reason string) {
	var st struct{ Status, Reason string }
	s.must(200, token, "GET", "/api/v1/app/"+app+"/endpoint/"+ep+"/status", "", &st)
	return st.Status, st.Reason
}

func newSubsDaemon(t *testing.T, api *testkit.API) *subsDaemon {
	apiSrv := httptest.NewServer(api)
	t.Cleanup(apiSrv.Close)
	hook := httptest.NewServer(testkit.NewReceiver(http.StatusOK))
	t.Cleanup(hook.Close)
	path := testkit.WriteConfig(t, t.TempDir(), apiSrv.URL, hook.URL)
	base, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The local API on too, for the operator's commands.
	local := strings.Replace(string(base), `listen = ""`, fmt.Sprintf("listen = %q", testkit.FreeAddr(t)), 1)
	s := &subsDaemon{t: t, bin: testkit.Binary(t), cfgPath: path, addr: testkit.FreeAddr(t), base: local}
	s.writeConfig(true)
	return s
}

func (s *subsDaemon) start() (*exec.Cmd, *testkit.SyncBuffer) {
	cmd, stderr := testkit.StartBinaryIn(s.t, filepath.Dir(s.cfgPath), s.bin, "run", "--config", s.cfgPath)
	testkit.WaitUntil(s.t, 15*time.Second, "subscription API", func() bool {
		code, _ := s.call(subsAdmin, "GET", "/api/v1/event-type", "", nil)
		return code == 200
	})
	return cmd, stderr
}

// stop ends the daemon with SIGTERM: a clean exit.
func (s *subsDaemon) stop(cmd *exec.Cmd, stderr *testkit.SyncBuffer) {
	s.t.Helper()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		s.t.Errorf("exit: %v\n%s", err, stderr.String())
	}
}

// TestBinary_Subscriptions: consumers register endpoints through the API
// of the real binary; a verified one receives signed changes, one that
// does not grant the origin never does; addresses pollhook must not reach
// are refused at creation and at dial time; applications are isolated.
func TestBinary_Subscriptions(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	s := newSubsDaemon(t, api)
	cmd, stderr := s.start()
	if !strings.Contains(stderr.String(), "a proxy in front of it must terminate TLS") {
		t.Errorf("no log line about TLS:\n%s", stderr.String())
	}

	good := &consumer{grant: "pollhook-e2e", status: 200}
	goodSrv := httptest.NewServer(good)
	defer goodSrv.Close()
	deaf := &consumer{grant: "someone-else", status: 200}
	deafSrv := httptest.NewServer(deaf)
	defer deafSrv.Close()

	alpha, alphaTok := s.app("alpha")
	beta, betaTok := s.app("beta")
	var ep, deafEp struct{ ID string }
	s.must(201, alphaTok, "POST", "/api/v1/app/"+alpha+"/endpoint", `{"url":"`+goodSrv.URL+`/in","channels":["releases"]}`, &ep)
	s.must(201, alphaTok, "POST", "/api/v1/app/"+alpha+"/endpoint", `{"url":"`+deafSrv.URL+`/in"}`, &deafEp)
	testkit.WaitUntil(t, 20*time.Second, "the endpoint verified", func() bool {
		st, _ := s.status(alphaTok, alpha, ep.ID)
		return st == "active"
	})
	testkit.WaitUntil(t, 20*time.Second, "the deaf endpoint asked", func() bool {
		_, reason := s.status(alphaTok, alpha, deafEp.ID)
		return strings.Contains(reason, "does not grant origin")
	})
	var sec struct{ Key string }
	s.must(200, alphaTok, "GET", "/api/v1/app/"+alpha+"/endpoint/"+ep.ID+"/secret", "", &sec)

	testkit.WaitUntil(t, 15*time.Second, "baseline", func() bool { return strings.Contains(stderr.String(), "baseline stored") })
	api.Set(testkit.ReleasesV2)
	testkit.WaitUntil(t, 20*time.Second, "the change at the endpoint", func() bool { return len(good.got()) > 0 })
	h := good.got()[0]
	wh, err := svix.NewWebhook(sec.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(h.Body, h.Header); err != nil {
		t.Fatalf("Svix's verifier refuses the delivery: %v", err)
	}
	if !strings.Contains(string(h.Body), `"watch.changed"`) || !strings.Contains(string(h.Body), `"releases"`) {
		t.Fatalf("body %s", h.Body)
	}
	if n := len(deaf.got()); n != 0 {
		t.Fatalf("the endpoint that never granted the origin got %d deliveries", n)
	}

	// The operator marks the deaf endpoint verified: it gets the next
	// change.
	if out, err := exec.Command(s.bin, "endpoint", "verify", deafEp.ID, "--config", s.cfgPath).CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "marked verified") {
		t.Fatalf("pollhook endpoint verify: %v\n%s", err, out)
	}
	api.Set(testkit.ReleasesV1)
	testkit.WaitUntil(t, 20*time.Second, "the change at the endpoint marked verified", func() bool { return len(deaf.got()) > 0 })

	// Isolation: beta neither sees nor changes alpha's endpoints.
	s.must(403, betaTok, "GET", "/api/v1/app/"+alpha+"/endpoint/"+ep.ID, "", nil)
	s.must(403, betaTok, "DELETE", "/api/v1/app/"+alpha+"/endpoint/"+ep.ID, "", nil)
	s.must(404, betaTok, "GET", "/api/v1/app/"+beta+"/endpoint/"+ep.ID, "", nil)
	s.must(404, betaTok, "PATCH", "/api/v1/app/"+beta+"/endpoint/"+ep.ID, `{"disabled":true}`, nil)
	s.must(404, betaTok, "GET", "/api/v1/app/"+beta+"/endpoint/"+ep.ID+"/secret", "", nil)
	var list struct{ Data []struct{ ID string } }
	s.must(200, betaTok, "GET", "/api/v1/app/"+beta+"/endpoint", "", &list)
	if len(list.Data) != 0 {
		t.Fatalf("beta lists %d endpoints", len(list.Data))
	}

	// Refused at creation, whatever allow_cidrs opens.
	port := goodSrv.URL[strings.LastIndexByte(goodSrv.URL, ':')+1:]
	for url, reason := range map[string]string{
		"http://169.254.169.254/latest/meta-data/": "169.254.169.254 is link-local",
		"http://[::ffff:127.0.0.1]:" + port + "/":  "IPv4-mapped and embeds 127.0.0.1, which is loopback",
	} {
		if code, body := s.call(betaTok, "POST", "/api/v1/app/"+beta+"/endpoint", `{"url":"`+url+`"}`, nil); code != 422 || !strings.Contains(body, reason) {
			t.Errorf("POST endpoint %s = %d %s, want 422 with %q", url, code, body, reason)
		}
	}

	// Without allow_cidrs: loopback, by address or by a name resolving to
	// it, is refused at creation, and the endpoint verified before is
	// refused when the connection is made.
	s.writeConfig(false)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	testkit.WaitUntil(t, 15*time.Second, "reloaded", func() bool { return strings.Contains(stderr.String(), "configuration reloaded") })
	for url, reason := range map[string]string{
		goodSrv.URL + "/again":             "127.0.0.1 is loopback",
		"http://localhost:" + port + "/in": "localhost resolves to",
	} {
		if code, body := s.call(betaTok, "POST", "/api/v1/app/"+beta+"/endpoint", `{"url":"`+url+`"}`, nil); code != 422 || !strings.Contains(body, reason) {
			t.Errorf("POST endpoint %s = %d %s, want 422 with %q", url, code, body, reason)
		}
	}
	before := len(good.got())
	api.Set(testkit.ReleasesV2)
	firstMsg := h.Header.Get("webhook-id")
	testkit.WaitUntil(t, 30*time.Second, "an attempt refused at dial", func() bool {
		var atts struct {
			Data []struct {
				MsgID              string `json:"msgId"`
				Status             int    `json:"status"`
				ResponseStatusCode int    `json:"responseStatusCode"`
			}
		}
		s.must(200, alphaTok, "GET", "/api/v1/app/"+alpha+"/attempt/endpoint/"+ep.ID, "", &atts)
		for _, a := range atts.Data {
			if a.MsgID != firstMsg && a.Status == 2 && a.ResponseStatusCode == 0 {
				return true
			}
		}
		return false
	})
	if n := len(good.got()); n != before {
		t.Fatalf("the endpoint got %d more deliveries after allow_cidrs was removed", n-before)
	}

	s.stop(cmd, stderr)
}

// TestBinary_SubscriptionsKillDashNine: a change on its way to a
// consumer's endpoint survives kill -9 and arrives after a restart with
// its original webhook-id.
func TestBinary_SubscriptionsKillDashNine(t *testing.T) {
	t.Parallel()
	api := testkit.NewAPI(testkit.ReleasesV1)
	s := newSubsDaemon(t, api)
	cmd, stderr := s.start()
	rc := &consumer{grant: "*", status: http.StatusServiceUnavailable}
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()
	app, tok := s.app("alpha")
	var ep struct{ ID string }
	s.must(201, tok, "POST", "/api/v1/app/"+app+"/endpoint", `{"url":"`+rcSrv.URL+`/in"}`, &ep)
	testkit.WaitUntil(t, 20*time.Second, "the endpoint verified", func() bool {
		st, _ := s.status(tok, app, ep.ID)
		return st == "active"
	})
	testkit.WaitUntil(t, 15*time.Second, "baseline", func() bool { return strings.Contains(stderr.String(), "baseline stored") })
	api.Set(testkit.ReleasesV2)
	testkit.WaitUntil(t, 20*time.Second, "a failed delivery attempt", func() bool { return len(rc.got()) > 0 })
	firstID := rc.got()[0].Header.Get("webhook-id")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	rc.setStatus(http.StatusOK)
	cmd2, stderr2 := s.start()
	testkit.WaitUntil(t, 30*time.Second, "redelivery after restart", func() bool { return len(rc.got()) > 1 })
	for _, h := range rc.got() {
		if id := h.Header.Get("webhook-id"); id != firstID {
			t.Errorf("a delivery with another id %s (want only %s)", id, firstID)
		}
	}
	s.stop(cmd2, stderr2)
}

// TestBinary_SubscriptionsTLS: with tls set the subscription API serves
// HTTPS with that certificate, and plain HTTP is not answered as the API.
func TestBinary_SubscriptionsTLS(t *testing.T) {
	t.Parallel()
	s := newSubsDaemon(t, testkit.NewAPI(testkit.ReleasesV1))
	dir := filepath.Dir(s.cfgPath)
	cert, key := filepath.Join(dir, "hooks.crt"), filepath.Join(dir, "hooks.key")
	testkit.WriteTestCert(t, cert, key)
	s.tls = fmt.Sprintf("tls = { cert_file = %q, key_file = %q }", cert, key)
	s.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	s.writeConfig(true)
	cmd, stderr := s.start()
	if strings.Contains(stderr.String(), "a proxy in front of it must terminate TLS") {
		t.Error("the no-TLS warning with tls set")
	}
	s.app("alpha")
	resp, err := http.Get("http://" + s.addr + "/api/v1/event-type")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP answered %d", resp.StatusCode)
		}
	}
	s.stop(cmd, stderr)
}

// TestBinary_SubscriptionsCapsConnections: the subscription API, which
// faces consumers, holds at most as many connections at once as the
// local API; one more waits until one of them closes.
func TestBinary_SubscriptionsCapsConnections(t *testing.T) {
	t.Parallel()
	s := newSubsDaemon(t, testkit.NewAPI(testkit.ReleasesV1))
	cmd, stderr := s.start()
	defer s.stop(cmd, stderr)
	get := func(c net.Conn, r *bufio.Reader, wait time.Duration) error {
		if err := c.SetDeadline(time.Now().Add(wait)); err != nil {
			return err
		}
		if _, err := io.WriteString(c, "GET /api/v1/event-type HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+subsAdmin+"\r\n\r\n"); err != nil {
			return err
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.Body.Close()
	}
	// The start's client may still hold one kept-alive connection: the
	// 64th or the 65th waits, none before.
	var held []net.Conn
	defer func() {
		for _, c := range held {
			c.Close()
		}
	}()
	var (
		waiting net.Conn
		r       *bufio.Reader
	)
	for i := 1; i <= 65 && waiting == nil; i++ {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatal(err)
		}
		rc := bufio.NewReader(c)
		wait := 10 * time.Second
		if i >= 64 {
			wait = 500 * time.Millisecond
		}
		var ne net.Error
		switch err := get(c, rc, wait); {
		case err == nil:
			held = append(held, c)
		case i >= 64 && errors.As(err, &ne) && ne.Timeout():
			waiting, r = c, rc
			defer c.Close()
		default:
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	if waiting == nil {
		t.Fatalf("%d connections served at once, want at most 64", len(held))
	}
	// One closes: the waiting one is served. (The request it sent is
	// answered once it is accepted.)
	held[0].Close()
	if err := waiting.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("the waiting connection, once one closed: %v", err)
	}
	resp.Body.Close()
}
