// Package demo is what `pollhook demo` runs the real pipeline against: a
// small releases API on loopback whose data changes on a script, and a
// receiver that verifies each webhook's Standard Webhooks signature. It
// prints nothing: it tells the CLI what happens through callbacks.
package demo

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/notify"
)

// Demo is the built-in API and receiver, served on loopback.
type Demo struct {
	// Base is the server's URL: the API is Base+"/v1/releases", the
	// receiver Base+"/hook".
	Base string
	// Secret is the receiver's signing secret, whsec_ and base64.
	Secret string

	key []byte
	api *api
	srv *http.Server
}

// Callbacks tell the CLI what happens.
type Callbacks struct {
	// Webhook is a webhook whose signature was verified.
	Webhook func(id string, ev *event.Event)
	// Rejected is a webhook the receiver refused, and why.
	Rejected func(err error)
}

// Start serves the API and the receiver on a loopback port until Close.
func Start(cb Callbacks) (*Demo, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: listen: %w", err)
	}
	key := make([]byte, 24)
	_, _ = rand.Read(key)
	d := &Demo{
		Base:   "http://" + ln.Addr().String(),
		Secret: "whsec_" + base64.StdEncoding.EncodeToString(key),
		key:    key,
		api:    newAPI(),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/releases", d.api.serve)
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		if err := Verify([][]byte{d.key}, r.Header, body, time.Now()); err != nil {
			cb.Rejected(err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		ev, err := event.Decode(body)
		if err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		cb.Webhook(r.Header.Get("webhook-id"), ev)
		w.WriteHeader(http.StatusNoContent)
	})
	d.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = d.srv.Serve(ln) }()
	return d, nil
}

// Config is the configuration the demo runs: one watch of the API,
// polled every second, keyed by tag_name with updated_at ignored,
// delivered to the receiver; its database is db and the local API off.
func (d *Demo) Config(db string) string {
	return fmt.Sprintf(`db = %q
listen = ""

[[target]]
name = "demo-receiver"
kind = "webhook"
url = %q
secret = %q

[[watch]]
name = "releases"
url = %q
schedule = "@every 1s"
select = "data.items"
key = "tag_name"
ignore = ["#.updated_at"]
notify = ["demo-receiver"]
`, db, d.Base+"/hook", d.Secret, d.Base+"/v1/releases")
}

// Mutate changes the API's data every interval until ctx ends: a new
// release, an edited name, a timestamp-only change that is ignored, a
// removed release. changed hears what each step did.
func (d *Demo) Mutate(ctx context.Context, every time.Duration, changed func(what string)) {
	d.api.mutate(ctx, every, changed)
}

// Close stops the server.
func (d *Demo) Close() error { return d.srv.Close() }

// api is a small releases API whose data changes on a script.
type api struct {
	mu       sync.Mutex
	releases []release
	next     int
	step     int
}

type release struct {
	ID        int    `json:"id"`
	Tag       string `json:"tag_name"`
	Name      string `json:"name"`
	Draft     bool   `json:"draft"`
	UpdatedAt string `json:"updated_at"`
}

func newAPI() *api {
	a := &api{next: 4}
	for i := 1; i <= 3; i++ {
		a.releases = append(a.releases, release{ID: i, Tag: fmt.Sprintf("v1.%d.0", i-1),
			Name: fmt.Sprintf("Release 1.%d", i-1), UpdatedAt: time.Now().UTC().Format(time.RFC3339)})
	}
	return a
}

func (a *api) serve(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"items": a.releases}})
}

func (a *api) mutate(ctx context.Context, every time.Duration, changed func(string)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.mu.Lock()
		now := time.Now().UTC().Format(time.RFC3339)
		var what string
		switch a.step % 4 {
		case 0:
			r := release{ID: a.next, Tag: fmt.Sprintf("v1.%d.0", a.next-1), Name: "Release 1." + strconv.Itoa(a.next-1), Draft: true, UpdatedAt: now}
			a.releases = append([]release{r}, a.releases...)
			a.next++
			what = "published a draft " + r.Tag
		case 1:
			a.releases[0].Draft = false
			a.releases[0].Name += " (stable)"
			a.releases[0].UpdatedAt = now
			what = "edited " + a.releases[0].Tag
		case 2:
			for i := range a.releases {
				a.releases[i].UpdatedAt = now
			}
			what = "touched every updated_at (ignored: no webhook expected)"
		case 3:
			gone := a.releases[len(a.releases)-1]
			a.releases = a.releases[:len(a.releases)-1]
			what = "deleted " + gone.Tag
		}
		a.step++
		a.mu.Unlock()
		changed(what)
	}
}

// Verify checks a Standard Webhooks signature: one of the signatures in
// webhook-signature must be the HMAC of id.timestamp.body under one of the
// secrets, and the timestamp within five minutes of now.
func Verify(secrets [][]byte, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("bad webhook-timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return errors.New("timestamp outside tolerance")
	}
	for _, key := range secrets {
		want := notify.Sign([][]byte{key}, id, ts, body)
		for _, got := range strings.Fields(sigs) {
			if hmac.Equal([]byte(got), []byte(want)) {
				return nil
			}
		}
	}
	return errors.New("no valid signature")
}
