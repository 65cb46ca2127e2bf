package testkit

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// Secret is the signing secret of the targets the test configurations
// write.
const Secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// A releases API's data before and after a change: release 2 removed, 3
// added, 1 renamed, and every updated_at touched (ignored).
const (
	ReleasesV1 = `{"data":{"items":[{"id":1,"name":"a","updated_at":"t1"},{"id":2,"name":"b","updated_at":"t1"}]}}`
	ReleasesV2 = `{"data":{"items":[{"id":3,"name":"c","updated_at":"t2"},{"id":1,"name":"a2","updated_at":"t2"}]}}`
)

// API is a JSON API whose body the test sets, counting its requests.
type API struct {
	mu   sync.Mutex
	body string
	hits int
}

// NewAPI returns an API answering body.
func NewAPI(body string) *API { return &API{body: body} }

// Set changes the body.
func (a *API) Set(body string) {
	a.mu.Lock()
	a.body = body
	a.mu.Unlock()
}

// Count is how many requests the API answered.
func (a *API) Count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits
}

// ServeHTTP answers the body as JSON.
func (a *API) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	a.hits++
	body := a.body
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, body)
}

// Hook is one request a Receiver got.
type Hook struct {
	Header http.Header
	Body   []byte
}

// Receiver records webhooks and answers with the status it is told (200
// by default).
type Receiver struct {
	mu     sync.Mutex
	status int
	got    []Hook
}

// NewReceiver returns a Receiver answering status (0: 200).
func NewReceiver(status int) *Receiver { return &Receiver{status: status} }

// SetStatus changes the status it answers.
func (r *Receiver) SetStatus(s int) {
	r.mu.Lock()
	r.status = s
	r.mu.Unlock()
}

// Status is the status it answers.
func (r *Receiver) Status() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Hooks returns what it got so far, in order.
func (r *Receiver) Hooks() []Hook {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Hook(nil), r.got...)
}

// ServeHTTP records the request and answers the status.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.got = append(r.got, Hook{Header: req.Header.Clone(), Body: body})
	r.mu.Unlock()
	w.WriteHeader(r.Status())
}

// FreeAddr returns a loopback address with a port nothing listens on now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// WriteFile writes src to path and returns path.
func WriteFile(t testing.TB, path, src string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// WriteConfig writes dir/pollhook.toml: one signed target "hook" at
// hookURL and one watch "releases" of apiURL polled every second, keyed by
// id with updated_at ignored; the database is dir/state.db and the local
// API off.
func WriteConfig(t testing.TB, dir, apiURL, hookURL string) string {
	t.Helper()
	return WriteFile(t, filepath.Join(dir, "pollhook.toml"), fmt.Sprintf(`db = "state.db"
listen = ""   # tests must not depend on (or collide at) the default port

[[target]]
name = "hook"
url = %q
secret = %q

[[watch]]
name = "releases"
url = %q
schedule = "@every 1s"
select = "data.items"
key = "id"
ignore = ["#.updated_at"]
notify = ["hook"]
`, hookURL, Secret, apiURL))
}

// CheckChangeHook asserts that h is the webhook of ReleasesV1 ->
// ReleasesV2, with a signature the official Standard Webhooks library
// accepts, and returns its event id and seq.
func CheckChangeHook(t testing.TB, h Hook) (id string, seq uint64) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(Secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(h.Body, h.Header); err != nil {
		t.Errorf("standard-webhooks rejects the webhook: %v", err)
	}
	var ev struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		Data struct {
			Watch   string `json:"watch"`
			Seq     uint64 `json:"seq"`
			Changes []struct {
				Op   string          `json:"op"`
				Path string          `json:"path"`
				Old  json.RawMessage `json:"old"`
				New  json.RawMessage `json:"new"`
			} `json:"changes"`
		} `json:"data"`
	}
	if err := json.Unmarshal(h.Body, &ev); err != nil {
		t.Fatalf("payload: %v\n%s", err, h.Body)
	}
	if h.Header.Get("webhook-id") != ev.ID || ev.Type != "watch.changed" || ev.Data.Watch != "releases" {
		t.Errorf("webhook-id %q, payload %s", h.Header.Get("webhook-id"), h.Body)
	}
	var got []string
	for _, c := range ev.Data.Changes {
		got = append(got, fmt.Sprintf("%s %s %s %s", c.Op, c.Path, c.Old, c.New))
	}
	want := []string{
		`added #(id==3)  {"id":3,"name":"c","updated_at":"t2"}`,
		`changed #(id==1).name "a" "a2"`,
		`removed #(id==2) {"id":2,"name":"b","updated_at":"t1"} `,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	return ev.ID, ev.Data.Seq
}

// RunFunc runs pollhook's command line in-process (cli.Run without the
// version): what StartDaemon starts `pollhook run` with.
type RunFunc func(ctx context.Context, args []string, stdout, stderr io.Writer) int

// Daemon is a daemon a test runs in-process with its local API on.
type Daemon struct {
	// Base is http://127.0.0.1:PORT of its listen address.
	Base   string
	Config string
	Token  string
	Stderr *SyncBuffer
	// Stop stops the daemon and checks it exits 0; the test's cleanup
	// calls it too (it runs once).
	Stop func()
}

// StartDaemon runs `pollhook run --config cfg` with run until the test
// ends, and waits for its local API at listen (dialled on 127.0.0.1
// whatever host it binds) to be ready.
func StartDaemon(t testing.TB, run RunFunc, cfg, listen, token string) *Daemon {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d := &Daemon{Config: cfg, Token: token, Stderr: &SyncBuffer{}}
	_, port, _ := strings.Cut(listen, ":")
	d.Base = "http://127.0.0.1:" + port
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"run", "--config", cfg}, io.Discard, d.Stderr) }()
	d.Stop = sync.OnceFunc(func() {
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Errorf("daemon exit %d\n%s", code, d.Stderr.String())
			}
		case <-time.After(15 * time.Second):
			t.Error("daemon did not stop")
		}
	})
	t.Cleanup(d.Stop)
	WaitUntil(t, 10*time.Second, "local API", func() bool {
		return strings.Contains(d.Stderr.String(), "local API listening")
	})
	WaitUntil(t, 10*time.Second, "scheduler", func() bool {
		status, _ := d.Get(t, "/readyz", "bearer")
		return status == http.StatusOK
	})
	return d
}

// Get fetches path with the token as a Bearer header when auth is
// "bearer", and returns the status and body.
func (d *Daemon) Get(t testing.TB, path, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.Base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth == "bearer" && d.Token != "" {
		req.Header.Set("Authorization", "Bearer "+d.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}
