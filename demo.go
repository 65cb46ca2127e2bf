package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/notify"
	"github.com/pollhook/pollhook/store"
)

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", stderr)
	duration := fs.Duration("duration", 0, "stop after this long (default: until Ctrl-C)")
	every := fs.Duration("every", 3*time.Second, "how often the demo API's data changes")
	verbose := fs.Bool("v", false, "show the daemon's debug log")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs("demo", pos); err != nil {
		return err
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	return runDemo(ctx, *every, stdout, newLogger(stderr, level))
}

// runDemo wires the real pipeline to a built-in API and receiver on
// loopback: scheduler, fetch, diff, bbolt outbox, signed delivery.
func runDemo(ctx context.Context, every time.Duration, stdout io.Writer, log *slog.Logger) error {
	dir, err := os.MkdirTemp("", "pollhook-demo-")
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	defer os.RemoveAll(dir)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("demo: listen: %w", err)
	}
	base := "http://" + ln.Addr().String()
	secretKey := make([]byte, 24)
	_, _ = rand.Read(secretKey)
	secret := "whsec_" + base64.StdEncoding.EncodeToString(secretKey)

	api := newDemoAPI()
	var out sync.Mutex
	printf := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(stdout, format, args...)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/releases", api.serve)
	mux.HandleFunc("POST /hook", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, "read body", http.StatusBadRequest)
			return
		}
		if err := verifyWebhook([][]byte{secretKey}, r.Header, body, time.Now()); err != nil {
			printf("receiver: REJECTED a webhook: %v\n", err)
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var ev event.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		printf("\nreceiver: POST /hook  webhook-id %s  signature verified ✓\n", r.Header.Get("webhook-id"))
		printf("  %s (seq %d)\n", ev.Title(), ev.Data.Seq)
		for _, line := range ev.Lines() {
			printf("    %s\n", line)
		}
		for _, c := range ev.Data.Changes {
			printf("    %s %s", c.Op, c.Path)
			if c.Old != nil {
				printf("  old %s", c.Old)
			}
			if c.New != nil {
				printf("  new %s", c.New)
			}
			printf("\n")
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	src := fmt.Sprintf(`db = %q
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
`, dir+"/pollhook.db", base+"/hook", secret, base+"/v1/releases")
	cfg, err := config.Parse("demo.toml", []byte(src), func(string) (string, bool) { return "", false })
	if err != nil {
		return fmt.Errorf("demo config: %w", err)
	}

	printf("pollhook demo: a built-in API on %s whose releases change every %s,\n", base, every)
	printf("polled every second, diffed by tag_name (updated_at ignored), delivered as signed webhooks\n")
	printf("to a built-in receiver that verifies each signature. Ctrl-C stops it.\n\n")
	printf("this is the configuration it runs:\n\n%s\n", indent(strings.Replace(src, secret, "whsec_…", 1)))

	d, err := newDaemon(ctx, cfg, log, store.DefaultLockTimeout)
	if err != nil {
		return err
	}
	go api.mutate(ctx, every, printf)
	return d.serve(ctx)
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n    ") + "\n"
}

// demoAPI is a small releases API whose data changes on a script.
type demoAPI struct {
	mu       sync.Mutex
	releases []demoRelease
	next     int
	step     int
}

type demoRelease struct {
	ID        int    `json:"id"`
	Tag       string `json:"tag_name"`
	Name      string `json:"name"`
	Draft     bool   `json:"draft"`
	UpdatedAt string `json:"updated_at"`
}

func newDemoAPI() *demoAPI {
	a := &demoAPI{next: 4}
	for i := 1; i <= 3; i++ {
		a.releases = append(a.releases, demoRelease{ID: i, Tag: fmt.Sprintf("v1.%d.0", i-1),
			Name: fmt.Sprintf("Release 1.%d", i-1), UpdatedAt: time.Now().UTC().Format(time.RFC3339)})
	}
	return a
}

func (a *demoAPI) serve(w http.ResponseWriter, _ *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"items": a.releases}})
}

// mutate changes the data every interval: a new release, an edited name,
// a removed release, and a timestamp-only change that is ignored.
func (a *demoAPI) mutate(ctx context.Context, every time.Duration, printf func(string, ...any)) {
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
			r := demoRelease{ID: a.next, Tag: fmt.Sprintf("v1.%d.0", a.next-1), Name: "Release 1." + strconv.Itoa(a.next-1), Draft: true, UpdatedAt: now}
			a.releases = append([]demoRelease{r}, a.releases...)
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
		printf("\napi: %s\n", what)
	}
}

// verifyWebhook checks a Standard Webhooks signature: one of the
// signatures in webhook-signature must be the HMAC of id.timestamp.body
// under one of the secrets, and the timestamp within five minutes.
func verifyWebhook(secrets [][]byte, h http.Header, body []byte, now time.Time) error {
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
