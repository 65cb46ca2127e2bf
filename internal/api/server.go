package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/inspect"
	"github.com/pollhook/pollhook/store"
)

// Source is what the API serves.
type Source interface {
	// Config is the configuration in force (a reload may change it): the
	// auth_token, listen, and the watches once may poll.
	Config() *config.Config
	// Nonce is the secret the daemon proves itself to the CLI with (GET
	// /api/hello); nil when it has none.
	Nonce() *Nonce
	// Deliveries lists deliveries as people see them (GET /api/deliveries).
	Deliveries(ctx context.Context, f store.Filter) ([]store.Delivery, error)
	// Delivery is an event's deliveries with their attempts.
	Delivery(ctx context.Context, eventID string) ([]inspect.Detail, error)
	// Redeliver queues deliveries again.
	Redeliver(ctx context.Context, f store.Filter) ([]store.Delivery, error)
	// History is a watch's events, newest first.
	History(ctx context.Context, watch string, limit int) ([]json.RawMessage, error)
	// Recent is the newest events of all watches, newest first.
	Recent(ctx context.Context, limit int) ([]json.RawMessage, error)
	// Watches is a row per watch: its state, its polls, its next run.
	Watches(ctx context.Context) ([]inspect.Watch, error)
	// EnableTarget resumes a target a 410 disabled.
	EnableTarget(ctx context.Context, name string) error
	// Apps and Endpoints list the applications and endpoints of
	// subscriptions; EndpointAction disables, enables or verifies one.
	Apps(ctx context.Context) ([]inspect.App, error)
	Endpoints(ctx context.Context, app string) ([]inspect.Endpoint, error)
	EndpointAction(ctx context.Context, id, action string) (inspect.Endpoint, error)
	// Poll polls the watches now, as `pollhook once` does.
	Poll(ctx context.Context, watches []*config.Watch, o PollOptions) OnceResponse
	// Reload reads the configuration file again; an invalid one is a
	// config.Errors and changes nothing.
	Reload(ctx context.Context) (ReloadReport, error)
	// Ready reports why the daemon is not ready, or nil.
	Ready(ctx context.Context) error
	// Database is the store, for the database routes (db.go).
	Database() Database
}

// NewHandler returns the local API of a daemon running version, serving
// src. pages are more routes ("GET /metrics", "GET /{$}") served behind
// the same checks: the status page and the metrics.
func NewHandler(src Source, version string, pages map[string]http.Handler) http.Handler {
	s := &server{src: src, version: version}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /api/hello", s.hello)
	mux.HandleFunc("GET /api/info", s.info)
	mux.HandleFunc("GET /api/deliveries", s.deliveries)
	mux.HandleFunc("GET /api/events/{id}/deliveries", s.delivery)
	mux.HandleFunc("POST /api/redeliver", s.redeliver)
	mux.HandleFunc("GET /api/watches", s.watches)
	mux.HandleFunc("GET /api/watches/{name}/history", s.history)
	mux.HandleFunc("GET /api/history", s.recent)
	mux.HandleFunc("POST /api/targets/{name}/enable", s.enable)
	mux.HandleFunc("GET /api/subscriptions/apps", s.apps)
	mux.HandleFunc("GET /api/subscriptions/endpoints", s.endpoints)
	mux.HandleFunc("POST /api/subscriptions/endpoints/{id}/{action}", s.endpointAction)
	mux.HandleFunc("POST /api/once", s.once)
	mux.HandleFunc("POST /-/reload", s.reload)
	mux.HandleFunc("POST /api/db/check", s.dbCheck)
	mux.HandleFunc("GET /api/db/backup", s.dbBackup)
	for pattern, h := range pages {
		mux.Handle(pattern, h)
	}
	return s.guard(mux)
}

// The local API's limits. Its users are a CLI, a browser (which opens at
// most 6 connections to a host), Prometheus and a health probe: a dozen
// connections, each asking for little. Every way a peer can hold a
// connection open is bounded, so that nobody can take the descriptors
// polls and deliveries need (issue 11: 20,400 idle keep-alive
// connections once did).
const (
	// MaxConns caps the connections the local API holds at once. Past it,
	// a new connection waits in the kernel's accept queue, which costs the
	// daemon no descriptor, until one closes. 64 is five times what the
	// API's users need, and with the default 64 polls at once and the
	// deliveries it stays well below the smallest soft open files limit
	// in common use (1024), let alone the hard limit the daemon runs with
	// (524,288 under systemd).
	MaxConns = 64
	// readHeaderTimeout bounds a request's headers, and how long a new
	// connection may stay silent.
	readHeaderTimeout = 5 * time.Second
	// readTimeout bounds a whole request, body included: bodies are JSON
	// of at most 64 KiB.
	readTimeout = 30 * time.Second
	// writeTimeout bounds a request from its headers to the end of its
	// answer. A route that takes longer (POST /api/once polls) says so
	// with allowLong.
	writeTimeout = time.Minute
	// idleTimeout bounds a kept-alive connection between requests.
	idleTimeout = 30 * time.Second
	// maxHeaderBytes bounds a request's headers: a token, and the
	// cookies a browser holds for localhost (other local servers' too).
	maxHeaderBytes = 64 << 10
	// longTimeout bounds a long route once its body is read: a poll of
	// every watch (the CLI waits 2 minutes for it).
	longTimeout = 5 * time.Minute
)

// Listen opens the local API's listener on addr; it holds at most
// MaxConns connections at once.
func Listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("local API: %w (set listen to another address, or \"\" to turn it off)", err)
	}
	return newLimitListener(ln, MaxConns), nil
}

// NewServer returns the http.Server for h, with the local API's timeouts
// and header limit. Requests do not end with the daemon's context (a
// shutdown lets them finish).
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return context.Background() },
	}
}

// allowLong lets the request of w, whose body has been read, run for up
// to d: past the server's read timeout, which would cancel its context
// (net/http cancels a request's context when its connection's read
// deadline passes), and its write timeout, which would cut its answer.
func allowLong(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Now().Add(d))
}

type server struct {
	src     Source
	version string
}

// guard checks every request before it is served: a loopback API answers
// loopback Host names only (DNS rebinding), a POST from another site's
// page is refused, and the auth_token, when one is set, is required on
// everything but /healthz, /readyz (which then says why it is not ready
// to the token only: a kubelet's probe cannot send one) and /api/hello
// (where the CLI checks who answers before it sends the token), as
// "Authorization: Bearer TOKEN" or "?token=TOKEN".
func (s *server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg := s.src.Config()
		if !hostAllowed(cfg.Listen, r.Host) {
			// A loopback API answers loopback names only: a web page whose
			// name was rebound to 127.0.0.1 must not read or drive it.
			writeError(w, http.StatusForbidden, fmt.Errorf("unexpected Host %q for a local API", r.Host))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			// Another site's page in the user's browser must not drive
			// the API (redeliver, once, reload) with a simple request.
			if err := sameOrigin(r); err != nil {
				writeError(w, http.StatusForbidden, err)
				return
			}
		}
		token := cfg.AuthToken // a reload may change it
		if token == "" || r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/api/hello" {
			next.ServeHTTP(w, r)
			return
		}
		if !authorized(r, token) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pollhook"`)
			writeError(w, http.StatusUnauthorized, errors.New("missing or wrong auth_token"))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorized reports whether r carries token, as "Authorization: Bearer
// TOKEN" or "?token=TOKEN" (compared in constant time).
func authorized(r *http.Request, token string) bool {
	got, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		got = r.URL.Query().Get("token")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}

// bearerToken reads "Bearer TOKEN"; the scheme is case-insensitive.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// hostAllowed reports whether a request's Host may reach an API listening
// on listen: on a loopback address, only loopback names and addresses.
func hostAllowed(listen, host string) bool {
	lh, _, err := net.SplitHostPort(listen)
	if err != nil || !config.IsLoopback(lh) {
		return true
	}
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	return config.IsLoopback(strings.Trim(h, "[]"))
}

// errCrossSite is the answer to a request posted from another site.
var errCrossSite = errors.New("cross-site request refused")

// sameOrigin stops cross-site request forgery of the API and the page's
// forms: a browser says where a request comes from in Sec-Fetch-Site and
// Origin, and another site's page cannot forge either. A request that
// carries neither (curl) is not from a browser and passes.
func sameOrigin(r *http.Request) error {
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
	default:
		return fmt.Errorf("%w (Sec-Fetch-Site: %s)", errCrossSite, site)
	}
	if origin := r.Header.Get("Origin"); origin != "" {
		u, err := url.Parse(origin)
		if err != nil || u.Host == "" || !strings.EqualFold(u.Host, r.Host) {
			return fmt.Errorf("%w (Origin %q is not this host, %q)", errCrossSite, origin, r.Host)
		}
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

// errorStatus is the HTTP status for an error of the outbox: 404 for
// store.ErrNotFound, 500 otherwise.
func errorStatus(err error) int {
	if errors.Is(err, store.ErrNotFound) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// readyz answers 200 when the database answers and the scheduler runs,
// and 503 otherwise, with the reason (starting, stopping, or a store that
// fails) when no auth_token is set or the request carries it.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.src.Ready(ctx); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		if token := s.src.Config().AuthToken; token != "" && !authorized(r, token) {
			// Open to probes: the reason is for the token's holders.
			fmt.Fprintln(w, "not ready")
			return
		}
		fmt.Fprintf(w, "not ready: %v\n", err)
		return
	}
	fmt.Fprintln(w, "ready")
}

func (s *server) info(w http.ResponseWriter, _ *http.Request) {
	cfg := s.src.Config()
	path, err := filepath.Abs(cfg.File)
	if err != nil {
		path = cfg.File
	}
	writeJSON(w, http.StatusOK, Info{Version: s.version, Config: path, DB: cfg.DB, Shard: cfg.Sharding.Spec.String()})
}

func (s *server) deliveries(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.Filter{State: q.Get("state"), Target: q.Get("target"), Watch: q.Get("watch"), EventID: q.Get("event_id")}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("bad limit %q", l))
			return
		}
		f.Limit = n
	}
	ds, err := s.src.Deliveries(r.Context(), f)
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": nonNil(ds)})
}

func (s *server) delivery(w http.ResponseWriter, r *http.Request) {
	ds, err := s.src.Delivery(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}

func (s *server) redeliver(w http.ResponseWriter, r *http.Request) {
	var req RedeliverRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad request body: %w", err))
		return
	}
	if req.EventID == "" && req.State != store.StateFailed {
		writeError(w, http.StatusBadRequest, errors.New("name an event_id, or state \"failed\""))
		return
	}
	queued, err := s.src.Redeliver(r.Context(), store.Filter{EventID: req.EventID, State: req.State, Target: req.Target})
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queued": nonNil(queued)})
}

func (s *server) history(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	events, err := s.src.History(r.Context(), r.PathValue("name"), limit)
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": nonNil(events)})
}

// recent is GET /api/history: the newest events of all watches.
func (s *server) recent(w http.ResponseWriter, r *http.Request) {
	limit := 0
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("bad limit %q", l))
			return
		}
		limit = n
	}
	events, err := s.src.Recent(r.Context(), limit)
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": nonNil(events)})
}

// watches is GET /api/watches: a row per watch, in the configuration's
// order; or, asked with state, q, page or per_page, a page of them as the
// status page lists them (inspect.PageWatches).
func (s *server) watches(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	paged := q.Has("state") || q.Has("q") || q.Has("page") || q.Has("per_page")
	wq, err := inspect.ParseWatchQuery(q)
	if paged && err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	rows, err := s.src.Watches(r.Context())
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	if paged {
		writeJSON(w, http.StatusOK, inspect.PageWatches(rows, wq))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"watches": nonNil(rows)})
}

func (s *server) enable(w http.ResponseWriter, r *http.Request) {
	if err := s.src.EnableTarget(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) apps(w http.ResponseWriter, r *http.Request) {
	apps, err := s.src.Apps(r.Context())
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"apps": nonNil(apps)})
}

func (s *server) endpoints(w http.ResponseWriter, r *http.Request) {
	eps, err := s.src.Endpoints(r.Context(), r.URL.Query().Get("app"))
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"endpoints": nonNil(eps)})
}

func (s *server) endpointAction(w http.ResponseWriter, r *http.Request) {
	e, err := s.src.EndpointAction(r.Context(), r.PathValue("id"), r.PathValue("action"))
	switch {
	case errors.Is(err, inspect.ErrUnknownAction):
		writeError(w, http.StatusNotFound, err)
	case err != nil:
		writeError(w, errorStatus(err), err)
	default:
		writeJSON(w, http.StatusOK, e)
	}
}

func (s *server) once(w http.ResponseWriter, r *http.Request) {
	var req OnceRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad request body: %w", err))
		return
	}
	cfg := s.src.Config()
	watches := cfg.Watches
	if req.Watch != "" {
		wt := cfg.Watch(req.Watch)
		if wt == nil {
			writeError(w, http.StatusNotFound, fmt.Errorf("no watch named %q", req.Watch))
			return
		}
		watches = []*config.Watch{wt}
	}
	allowLong(w, longTimeout)
	writeJSON(w, http.StatusOK, s.src.Poll(r.Context(), watches, PollOptions{DryRun: req.DryRun, Show: req.Show}))
}

// reload is POST /-/reload: 200 with what changed, or 400 with every
// problem of the new file (the old configuration keeps running).
func (s *server) reload(w http.ResponseWriter, r *http.Request) {
	rep, err := s.src.Reload(r.Context())
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			msgs := make([]string, len(errs))
			for i, e := range errs {
				msgs[i] = e.Error()
			}
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid configuration; still running the previous one", "errors": msgs})
			return
		}
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}
