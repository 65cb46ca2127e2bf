package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/store"
)

// apiServer is the daemon's local HTTP API: what the CLI's inspection
// commands use while the daemon holds the database.
type apiServer struct {
	d     *daemon
	local *local
}

func (d *daemon) apiHandler() http.Handler {
	s := &apiServer{d: d, local: d.local()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /api/info", func(w http.ResponseWriter, _ *http.Request) {
		cfg := d.config()
		path, err := filepath.Abs(cfg.File)
		if err != nil {
			path = cfg.File
		}
		writeJSON(w, http.StatusOK, daemonInfo{Version: buildVersion(), Config: path, DB: cfg.DB})
	})
	mux.HandleFunc("GET /api/deliveries", s.deliveries)
	mux.HandleFunc("GET /api/events/{id}/deliveries", s.delivery)
	mux.HandleFunc("POST /api/redeliver", s.redeliver)
	mux.HandleFunc("GET /api/watches/{name}/history", s.history)
	mux.HandleFunc("POST /api/targets/{name}/enable", s.enable)
	mux.HandleFunc("POST /api/once", s.once)
	mux.HandleFunc("POST /-/reload", d.reloadHandler)
	d.obs.routes(mux)
	return s.auth(mux)
}

// local is the daemon's own database access, with the dispatcher's hooks.
func (d *daemon) local() *local {
	return &local{db: d.db, cfg: d.config, wake: d.disp.Wake, enable: d.disp.Enable}
}

// auth requires the auth_token, when one is set, on everything but
// /healthz: as "Authorization: Bearer TOKEN" or "?token=TOKEN".
func (s *apiServer) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cfg := s.d.config()
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
		if token == "" || r.URL.Path == "/healthz" {
			next.ServeHTTP(w, r)
			return
		}
		got, ok := bearerToken(r.Header.Get("Authorization"))
		if !ok {
			got = r.URL.Query().Get("token")
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="pollhook"`)
			writeError(w, http.StatusUnauthorized, errors.New("missing or wrong auth_token"))
			return
		}
		next.ServeHTTP(w, r)
	})
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

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func errorStatus(err error) int {
	if errors.Is(err, store.ErrNotFound) {
		return http.StatusNotFound
	}
	return http.StatusInternalServerError
}

func (s *apiServer) deliveries(w http.ResponseWriter, r *http.Request) {
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
	ds, err := s.local.deliveries(r.Context(), f)
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": nonNil(ds)})
}

func (s *apiServer) delivery(w http.ResponseWriter, r *http.Request) {
	ds, err := s.local.delivery(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
}

func (s *apiServer) redeliver(w http.ResponseWriter, r *http.Request) {
	var req redeliverRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad request body: %w", err))
		return
	}
	if req.EventID == "" && req.State != store.StateFailed {
		writeError(w, http.StatusBadRequest, errors.New("name an event_id, or state \"failed\""))
		return
	}
	queued, err := s.local.redeliver(r.Context(), store.Filter{EventID: req.EventID, State: req.State, Target: req.Target})
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"queued": nonNil(queued)})
}

func (s *apiServer) history(w http.ResponseWriter, r *http.Request) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	events, err := s.local.history(r.Context(), r.PathValue("name"), limit)
	if err != nil {
		writeError(w, errorStatus(err), err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": nonNil(events)})
}

func (s *apiServer) enable(w http.ResponseWriter, r *http.Request) {
	if err := s.local.enableTarget(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *apiServer) once(w http.ResponseWriter, r *http.Request) {
	var req onceRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad request body: %w", err))
		return
	}
	watches := s.d.config().Watches
	if req.Watch != "" {
		wt := s.d.config().Watch(req.Watch)
		if wt == nil {
			writeError(w, http.StatusNotFound, fmt.Errorf("no watch named %q", req.Watch))
			return
		}
		watches = []*config.Watch{wt}
	}
	res := s.d.pollAll(r.Context(), watches, req.DryRun)
	writeJSON(w, http.StatusOK, res)
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// listen starts the local API, or returns nil when listen is "".
func (d *daemon) listen() (*http.Server, net.Listener, error) {
	if d.config().Listen == "" {
		return nil, nil, nil
	}
	ln, err := net.Listen("tcp", d.config().Listen)
	if err != nil {
		return nil, nil, fmt.Errorf("local API: %w (set listen to another address, or \"\" to turn it off)", err)
	}
	srv := &http.Server{
		Handler:           d.apiHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.Background() },
	}
	return srv, ln, nil
}
