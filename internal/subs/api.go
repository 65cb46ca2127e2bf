package subs

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/redact"
	"github.com/pollhook/pollhook/internal/ssrf"
	"github.com/pollhook/pollhook/store"
)

// The API is a subset of Svix's (same paths, JSON field names, status
// codes and error shape) so that Svix's SDKs manage pollhook's endpoints
// unchanged. Svix's SDKs decode answers strictly (unknown fields are an
// error), so answers carry exactly Svix's fields; pollhook's own (an
// endpoint's verification status) have their own route.

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/app", s.admin(s.createApp))
	mux.HandleFunc("GET /api/v1/app", s.admin(s.listApps))
	mux.HandleFunc("GET /api/v1/app/{app}", s.forApp(false, s.getApp))
	mux.HandleFunc("DELETE /api/v1/app/{app}", s.forApp(true, s.deleteApp))
	mux.HandleFunc("POST /api/v1/app/{app}/token", s.forApp(true, s.createToken))
	mux.HandleFunc("POST /api/v1/app/{app}/endpoint", s.forApp(false, s.createEndpoint))
	mux.HandleFunc("GET /api/v1/app/{app}/endpoint", s.forApp(false, s.listEndpoints))
	mux.HandleFunc("GET /api/v1/app/{app}/endpoint/{ep}", s.forEndpoint(s.getEndpoint))
	mux.HandleFunc("PUT /api/v1/app/{app}/endpoint/{ep}", s.forEndpoint(s.putEndpoint))
	mux.HandleFunc("PATCH /api/v1/app/{app}/endpoint/{ep}", s.forEndpoint(s.patchEndpoint))
	mux.HandleFunc("DELETE /api/v1/app/{app}/endpoint/{ep}", s.forEndpoint(s.deleteEndpoint))
	mux.HandleFunc("GET /api/v1/app/{app}/endpoint/{ep}/status", s.forEndpoint(s.endpointStatus))
	mux.HandleFunc("GET /api/v1/app/{app}/endpoint/{ep}/secret", s.forEndpoint(s.getSecret))
	mux.HandleFunc("POST /api/v1/app/{app}/endpoint/{ep}/secret/rotate", s.forEndpoint(s.rotateSecret))
	mux.HandleFunc("POST /api/v1/app/{app}/endpoint/{ep}/recover", s.forEndpoint(s.recoverEndpoint))
	mux.HandleFunc("POST /api/v1/app/{app}/endpoint/{ep}/send-example", s.forEndpoint(s.sendExample))
	mux.HandleFunc("GET /api/v1/app/{app}/msg", s.forApp(false, s.listMessages))
	mux.HandleFunc("GET /api/v1/app/{app}/attempt/endpoint/{ep}", s.forEndpoint(s.listAttempts))
	mux.HandleFunc("GET /api/v1/event-type", s.anyone(s.listEventTypes))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such route: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// Error codes, as Svix names them.
const (
	codeAuth       = "authentication_failed"
	codeForbidden  = "forbidden"
	codeNotFound   = "not_found"
	codeConflict   = "conflict"
	codeValidation = "validation"
	codeTooLarge   = "payload_too_large"
	codeInternal   = "internal_error"
)

// errorOut is Svix's HttpErrorOut.
type errorOut struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// apiError is an error answer; handlers return it and serve writes it.
type apiError struct {
	status       int
	code, detail string
}

func (e *apiError) Error() string { return e.detail }

func invalid(format string, args ...any) error {
	return &apiError{http.StatusUnprocessableEntity, codeValidation, fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, codeInternal, "encode the answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, status int, code, detail string) {
	b, _ := json.Marshal(errorOut{Code: code, Detail: detail}) // two strings cannot fail
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// caller is who a request is from: the admin, or one application.
type caller struct {
	admin bool
	app   string // the app's id, for an app token
}

func (c caller) String() string {
	if c.admin {
		return "admin"
	}
	return c.app
}

// HashToken is how application tokens are stored: hex sha256.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// authenticate reads the bearer token: the admin token (compared in
// constant time) or an application's (looked up by its hash, which
// reveals nothing about the token).
func (s *Server) authenticate(r *http.Request) (caller, error) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return caller{}, &apiError{http.StatusUnauthorized, codeAuth, "missing bearer token (Authorization: Bearer TOKEN)"}
	}
	hash := HashToken(tok)
	if admin := s.config().AdminToken; admin != "" {
		want := sha256.Sum256([]byte(admin))
		if subtle.ConstantTimeCompare([]byte(hash), []byte(hex.EncodeToString(want[:]))) == 1 {
			return caller{admin: true}, nil
		}
	}
	app, err := s.db.AppByTokenHash(r.Context(), hash)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return caller{}, &apiError{http.StatusUnauthorized, codeAuth, "invalid token"}
	case err != nil:
		return caller{}, err
	}
	return caller{app: app.ID}, nil // AppByTokenHash compared the hashes in constant time
}

// serve runs h and writes its error, if any.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, h func() error) {
	r.Body = http.MaxBytesReader(w, r.Body, cmp.Or(s.config().MaxBody, config.DefaultSubsMaxBody))
	err := h()
	if err == nil {
		return
	}
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, ae.status, ae.code, ae.detail)
		return
	}
	s.log.Error("subscriptions: request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, codeInternal, "internal error")
}

func (s *Server) anyone(h func(http.ResponseWriter, *http.Request, caller) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, func() error {
			c, err := s.authenticate(r)
			if err != nil {
				return err
			}
			return h(w, r, c)
		})
	}
}

func (s *Server) admin(h func(http.ResponseWriter, *http.Request, caller) error) http.HandlerFunc {
	return s.anyone(func(w http.ResponseWriter, r *http.Request, c caller) error {
		if !c.admin {
			return &apiError{http.StatusForbidden, codeForbidden, "this needs the admin token"}
		}
		return h(w, r, c)
	})
}

type appHandler func(http.ResponseWriter, *http.Request, caller, store.App) error

// forApp resolves {app} (id or uid) for a caller allowed to act on it:
// the admin, or that application's own token. Another application's
// token gets 403 whether or not the app exists.
func (s *Server) forApp(adminOnly bool, h appHandler) http.HandlerFunc {
	return s.anyone(func(w http.ResponseWriter, r *http.Request, c caller) error {
		if adminOnly && !c.admin {
			return &apiError{http.StatusForbidden, codeForbidden, "this needs the admin token"}
		}
		app, err := s.db.App(r.Context(), r.PathValue("app"))
		switch {
		case err == nil && (c.admin || app.ID == c.app):
			return h(w, r, c, app)
		case err == nil || (errors.Is(err, store.ErrNotFound) && !c.admin):
			return &apiError{http.StatusForbidden, codeForbidden, "this token is not for application " + quote(r.PathValue("app"))}
		case errors.Is(err, store.ErrNotFound):
			return &apiError{http.StatusNotFound, codeNotFound, "no application " + quote(r.PathValue("app"))}
		}
		return err
	})
}

type endpointHandler func(http.ResponseWriter, *http.Request, caller, store.App, store.Endpoint) error

// forEndpoint resolves {ep} (id or uid) within the app: another app's
// endpoint is not found.
func (s *Server) forEndpoint(h endpointHandler) http.HandlerFunc {
	return s.forApp(false, func(w http.ResponseWriter, r *http.Request, c caller, app store.App) error {
		ep, err := s.db.Endpoint(r.Context(), app.ID, r.PathValue("ep"))
		if errors.Is(err, store.ErrNotFound) {
			return &apiError{http.StatusNotFound, codeNotFound, "no endpoint " + quote(r.PathValue("ep")) + " in application " + app.ID}
		}
		if err != nil {
			return err
		}
		return h(w, r, c, app, ep)
	})
}

// quote shows a name from a request in a detail, bounded.
func quote(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// decodeFields reads a JSON object body into its fields, refusing fields
// not in known: a misspelt filter must not silently mean "everything".
func decodeFields(r *http.Request, known ...string) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&fields); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, &apiError{http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("request body over %d bytes", tooLarge.Limit)}
		}
		return nil, invalid("body: want a JSON object: %v", err)
	}
	if dec.More() {
		return nil, invalid("body: one JSON object, nothing after it")
	}
	if fields == nil {
		return nil, invalid("body: want a JSON object, not null")
	}
	for k := range fields {
		if !slices.Contains(known, k) {
			return nil, invalid("body: unknown field %s (known: %s)", quote(k), strings.Join(known, ", "))
		}
	}
	return fields, nil
}

// field decodes fields[name] into v when present; null leaves v as is and
// reports null.
func field(fields map[string]json.RawMessage, name string, v any) (present, null bool, err error) {
	raw, ok := fields[name]
	if !ok {
		return false, false, nil
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return true, true, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, false, invalid("%s: %v", name, err)
	}
	return true, false, nil
}

func checkUID(uid string) error {
	if !runOf(uid, 1, 256, func(c byte) bool { return isAlnum(c) || c == '-' || c == '_' || c == '.' }) {
		return invalid("uid: 1 to 256 letters, digits, '-', '_' or '.'")
	}
	if strings.HasPrefix(uid, "app_") || strings.HasPrefix(uid, "ep_") {
		return invalid("uid: must not start with app_ or ep_ (those are ids)")
	}
	return nil
}

// logWrite records a write with the application it changed.
func (s *Server) logWrite(c caller, app, op string, args ...any) {
	s.log.Info("subscriptions: "+op, append([]any{"app", app, "by", c.String()}, args...)...)
}

// Applications.

type appOut struct {
	ID        string            `json:"id"`
	UID       string            `json:"uid,omitempty"`
	Name      string            `json:"name"`
	Metadata  map[string]string `json:"metadata"`
	CreatedAt time.Time         `json:"createdAt"`
	UpdatedAt time.Time         `json:"updatedAt"`
}

func toAppOut(a store.App) appOut {
	return appOut{ID: a.ID, UID: a.UID, Name: a.Name, Metadata: metadata(a.Metadata), CreatedAt: a.Created, UpdatedAt: a.Updated}
}

// metadata is m as Svix answers it: {} rather than null.
func metadata(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request, c caller) error {
	f, err := decodeFields(r, "name", "uid", "metadata", "rateLimit")
	if err != nil {
		return err
	}
	if _, null, err := field(f, "rateLimit", new(int)); err != nil {
		return err
	} else if _, ok := f["rateLimit"]; ok && !null {
		return invalid("rateLimit: applications have none here: set it per endpoint")
	}
	var a store.App
	if _, _, err := field(f, "name", &a.Name); err != nil {
		return err
	}
	if strings.TrimSpace(a.Name) == "" {
		return invalid("name: required")
	}
	if _, null, err := field(f, "uid", &a.UID); err != nil {
		return err
	} else if _, ok := f["uid"]; ok && !null {
		if err := checkUID(a.UID); err != nil {
			return err
		}
	}
	if _, _, err := field(f, "metadata", &a.Metadata); err != nil {
		return err
	}
	out, err := s.db.CreateApp(r.Context(), a)
	if errors.Is(err, store.ErrExists) {
		if r.URL.Query().Get("get_if_exists") == "true" && a.UID != "" {
			if old, err := s.db.App(r.Context(), a.UID); err == nil {
				writeJSON(w, http.StatusOK, toAppOut(old))
				return nil
			}
		}
		return &apiError{http.StatusConflict, codeConflict, "an application with this uid exists"}
	}
	if err != nil {
		return err
	}
	s.logWrite(c, out.ID, "application created", "uid", out.UID)
	writeJSON(w, http.StatusCreated, toAppOut(out))
	return nil
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request, _ caller) error {
	apps, err := s.db.Apps(r.Context())
	if err != nil {
		return err
	}
	out := make([]appOut, len(apps))
	for i, a := range apps {
		out[i] = toAppOut(a)
	}
	return writePage(w, r, out, func(a appOut) string { return a.ID })
}

func (s *Server) getApp(w http.ResponseWriter, _ *http.Request, _ caller, app store.App) error {
	writeJSON(w, http.StatusOK, toAppOut(app))
	return nil
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request, c caller, app store.App) error {
	if err := s.db.DeleteApp(r.Context(), app.ID); err != nil {
		return err
	}
	s.logWrite(c, app.ID, "application deleted")
	s.refresh(r.Context())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tokenOut is the answer to a token request: the only time the token is
// shown.
type tokenOut struct {
	Token string `json:"token"`
}

// createToken gives the application a new token, replacing its old one.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, c caller, app store.App) error {
	tok := "appsk_" + randomText(32)
	if _, err := s.db.UpdateApp(r.Context(), app.ID, func(a *store.App) error {
		a.TokenHash = HashToken(tok)
		return nil
	}); err != nil {
		return err
	}
	s.logWrite(c, app.ID, "application token issued")
	writeJSON(w, http.StatusCreated, tokenOut{Token: tok})
	return nil
}

// randomText is n random bytes, base64url without padding.
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

// newSecret is a signing secret as Svix makes them: whsec_ and 24 random
// bytes in base64.
func newSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

// secretField is the secret a request gives in field name, checked, or a
// new one when it gives none.
func secretField(f map[string]json.RawMessage, name string) (string, error) {
	var given string
	present, null, err := field(f, name, &given)
	if err != nil || !present || null {
		return newSecret(), err
	}
	return checkSecret(name, given)
}

// checkSecret validates a consumer-chosen secret and returns it with the
// whsec_ prefix.
func checkSecret(name, key string) (string, error) {
	if !runOf(strings.TrimPrefix(key, "whsec_"), 32, 100, func(c byte) bool { return isAlnum(c) || c == '+' || c == '/' || c == '=' }) {
		return "", invalid("%s: want whsec_ and 32 to 100 base64 characters", name)
	}
	if !strings.HasPrefix(key, "whsec_") {
		key = "whsec_" + key
	}
	if _, err := config.DecodeSecret(key); err != nil {
		return "", invalid("%s: %v", name, err)
	}
	return key, nil
}

// Endpoints.

type endpointOut struct {
	ID          string            `json:"id"`
	UID         string            `json:"uid,omitempty"`
	URL         string            `json:"url"`
	Description string            `json:"description"`
	FilterTypes []string          `json:"filterTypes,omitempty"`
	Channels    []string          `json:"channels,omitempty"`
	Disabled    bool              `json:"disabled"`
	RateLimit   int               `json:"rateLimit,omitempty"`
	Metadata    map[string]string `json:"metadata"`
	Version     int               `json:"version"`
	CreatedAt   time.Time         `json:"createdAt"`
	UpdatedAt   time.Time         `json:"updatedAt"`
}

func toEndpointOut(e store.Endpoint) endpointOut {
	return endpointOut{
		ID: e.ID, UID: e.UID, URL: e.URL, Description: e.Description, FilterTypes: e.FilterTypes,
		Channels: e.Channels, Disabled: e.Disabled, RateLimit: e.RateLimit, Metadata: metadata(e.Metadata),
		Version: max(1, e.Version), CreatedAt: e.Created, UpdatedAt: e.Updated,
	}
}

// endpointFields are the fields of Svix's EndpointIn / EndpointUpdate /
// EndpointPatch that pollhook takes.
var endpointFields = []string{"url", "description", "filterTypes", "channels", "disabled", "rateLimit", "uid", "metadata", "version", "secret"}

// applyEndpoint sets e from the fields of a request. full (create, PUT)
// resets the fields not given to their defaults; a PATCH leaves them.
// It returns whether the URL changed.
func (s *Server) applyEndpoint(ctx context.Context, e *store.Endpoint, f map[string]json.RawMessage, full bool) (urlChanged bool, err error) {
	cfg := s.config()
	var url string
	if present, null, err := field(f, "url", &url); err != nil {
		return false, err
	} else if null || !present && full {
		// An endpoint is its URL: it cannot be taken away.
		return false, invalid("url: required")
	} else if present {
		if len(url) > 65536 {
			return false, invalid("url: longer than 65536 bytes")
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := s.checkURL(cctx, url)
		cancel()
		if err != nil {
			return false, invalid("url: %v", err)
		}
		urlChanged = url != e.URL || e.Status == store.EndpointFailed
		e.URL = url
	}

	if full {
		e.Description, e.FilterTypes, e.Channels, e.Disabled, e.RateLimit = "", nil, nil, false, 0
		e.UID, e.Metadata, e.Version = "", nil, 1
	}
	if _, _, err := field(f, "description", &e.Description); err != nil {
		return false, err
	}
	if len(e.Description) > 4096 {
		return false, invalid("description: longer than 4096 bytes")
	}
	if err := listField(f, "filterTypes", &e.FilterTypes, event.WatchTypes(), "watch event type", 0); err != nil {
		return false, err
	}
	if err := listField(f, "channels", &e.Channels, cfg.AllowWatches, "subscribable watch (allow_watches)", 10); err != nil {
		return false, err
	}
	if _, _, err := field(f, "disabled", &e.Disabled); err != nil {
		return false, err
	}
	if present, null, err := field(f, "rateLimit", &e.RateLimit); err != nil {
		return false, err
	} else if null {
		e.RateLimit = 0
	} else if present && (e.RateLimit < 1 || e.RateLimit > 65535) {
		return false, invalid("rateLimit: 1 to 65535 messages a second, or null for none")
	}
	if present, null, err := field(f, "uid", &e.UID); err != nil {
		return false, err
	} else if null {
		e.UID = ""
	} else if present {
		if err := checkUID(e.UID); err != nil {
			return false, err
		}
	}
	if _, null, err := field(f, "metadata", &e.Metadata); err != nil {
		return false, err
	} else if null {
		e.Metadata = nil
	}
	if present, _, err := field(f, "version", &e.Version); err != nil {
		return false, err
	} else if present && (e.Version < 1 || e.Version > 65535) {
		return false, invalid("version: 1 to 65535")
	}
	return urlChanged, nil
}

// checkURL is the SSRF check of an endpoint URL, under the current
// configuration.
func (s *Server) checkURL(ctx context.Context, url string) error {
	cfg := s.config()
	return ssrf.CheckURL(ctx, s.resolver, url, cfg.HTTPSOnly, cfg.AllowCIDRs)
}

// listField reads a list of names that must each be in allowed: absent
// keeps *dst (PATCH) or the reset value, null means all, [] is refused
// (Svix: at least one item; "none" is not a subscription).
func listField(f map[string]json.RawMessage, name string, dst *[]string, allowed []string, what string, maxItems int) error {
	var list []string
	present, null, err := field(f, name, &list)
	switch {
	case err != nil:
		return err
	case !present:
		return nil
	case null:
		*dst = nil
		return nil
	case len(list) == 0:
		return invalid("%s: [] is not allowed: leave it out or null for all, or name at least one %s", name, what)
	case maxItems > 0 && len(list) > maxItems:
		return invalid("%s: at most %d", name, maxItems)
	}
	seen := map[string]bool{}
	for _, v := range list {
		if !slices.Contains(allowed, v) {
			if len(allowed) == 0 {
				return invalid("%s: %s is not a %s: there are none", name, quote(v), what)
			}
			return invalid("%s: %s is not a %s (want one of %s)", name, quote(v), what, strings.Join(allowed, ", "))
		}
		if seen[v] {
			return invalid("%s: %s given twice", name, quote(v))
		}
		seen[v] = true
	}
	*dst = list
	return nil
}

func (s *Server) createEndpoint(w http.ResponseWriter, r *http.Request, c caller, app store.App) error {
	f, err := decodeFields(r, endpointFields...)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	e := store.Endpoint{App: app.ID, Status: store.EndpointPending, NextVerify: now}
	if _, err := s.applyEndpoint(r.Context(), &e, f, true); err != nil {
		return err
	}
	key, err := secretField(f, "secret")
	if err != nil {
		return err
	}
	e.Secrets = []store.EndpointSecret{{Key: key}}
	out, err := s.db.CreateEndpoint(r.Context(), e, s.config().MaxEndpointsPerApp)
	switch {
	case errors.Is(err, store.ErrQuota):
		return invalid("this application has %d endpoints, the most allowed (max_endpoints_per_app)", s.config().MaxEndpointsPerApp)
	case errors.Is(err, store.ErrExists):
		return &apiError{http.StatusConflict, codeConflict, "an endpoint with this uid exists"}
	case err != nil:
		return err
	}
	s.logWrite(c, app.ID, "endpoint created", "endpoint", out.ID, "url", redact.URL(out.URL))
	s.refresh(r.Context())
	s.poke()
	writeJSON(w, http.StatusCreated, toEndpointOut(out))
	return nil
}

func (s *Server) listEndpoints(w http.ResponseWriter, r *http.Request, _ caller, app store.App) error {
	eps, err := s.db.Endpoints(r.Context(), app.ID)
	if err != nil {
		return err
	}
	out := make([]endpointOut, len(eps))
	for i, e := range eps {
		out[i] = toEndpointOut(e)
	}
	return writePage(w, r, out, func(e endpointOut) string { return e.ID })
}

func (s *Server) getEndpoint(w http.ResponseWriter, _ *http.Request, _ caller, _ store.App, ep store.Endpoint) error {
	writeJSON(w, http.StatusOK, toEndpointOut(ep))
	return nil
}

func (s *Server) putEndpoint(w http.ResponseWriter, r *http.Request, c caller, app store.App, ep store.Endpoint) error {
	return s.updateEndpoint(w, r, c, app, ep, true)
}

func (s *Server) patchEndpoint(w http.ResponseWriter, r *http.Request, c caller, app store.App, ep store.Endpoint) error {
	return s.updateEndpoint(w, r, c, app, ep, false)
}

// updateEndpoint is PUT (full) and PATCH. A new URL sends the endpoint
// back to pending: it is verified again before it gets traffic.
func (s *Server) updateEndpoint(w http.ResponseWriter, r *http.Request, c caller, app store.App, ep store.Endpoint, full bool) error {
	f, err := decodeFields(r, endpointFields...)
	if err != nil {
		return err
	}
	if _, ok := f["secret"]; ok {
		return invalid("secret: change it with POST .../secret/rotate")
	}
	// Validate (and resolve the URL) outside the store's transaction.
	next := ep
	urlChanged, err := s.applyEndpoint(r.Context(), &next, f, full)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	out, err := s.db.UpdateEndpoint(r.Context(), app.ID, ep.ID, func(e *store.Endpoint) error {
		if e.URL != ep.URL {
			return &apiError{http.StatusConflict, codeConflict, "the endpoint changed meanwhile: try again"}
		}
		if e.Disabled && !next.Disabled && e.DisabledReason == store.DisabledByOperator && !c.admin {
			if _, asked := f["disabled"]; asked {
				return &apiError{http.StatusForbidden, codeForbidden, "the operator disabled this endpoint: only the operator can enable it"}
			}
			next.Disabled = true // a PUT that leaves disabled out keeps it
		}
		e.URL, e.Description, e.FilterTypes, e.Channels = next.URL, next.Description, next.FilterTypes, next.Channels
		if e.Disabled && !next.Disabled {
			// Enabled again: its failures so far no longer count towards
			// disable_after, or it would be disabled again at once.
			e.DisabledReason, e.FailingSince = "", time.Time{}
		}
		e.Disabled, e.RateLimit, e.UID, e.Metadata, e.Version = next.Disabled, next.RateLimit, next.UID, next.Metadata, next.Version
		if urlChanged {
			e.Status, e.StatusReason, e.VerifyAttempts, e.NextVerify, e.AllowedRate = store.EndpointPending, "", 0, now, 0
		}
		return nil
	})
	switch {
	case errors.Is(err, store.ErrExists):
		return &apiError{http.StatusConflict, codeConflict, "an endpoint with this uid exists"}
	case err != nil:
		return err
	}
	s.logWrite(c, app.ID, "endpoint updated", "endpoint", out.ID, "url", redact.URL(out.URL), "reverify", urlChanged)
	s.refresh(r.Context())
	s.poke() // a new URL, or an enabled pending endpoint, is due now
	writeJSON(w, http.StatusOK, toEndpointOut(out))
	return nil
}

func (s *Server) deleteEndpoint(w http.ResponseWriter, r *http.Request, c caller, app store.App, ep store.Endpoint) error {
	if err := s.db.DeleteEndpoint(r.Context(), app.ID, ep.ID); err != nil {
		return err
	}
	s.logWrite(c, app.ID, "endpoint deleted", "endpoint", ep.ID)
	s.refresh(r.Context())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// statusOut is pollhook's own: an endpoint's verification status.
type statusOut struct {
	Status         string     `json:"status"`
	Reason         string     `json:"reason,omitempty"`
	AllowedRate    int        `json:"allowedRate,omitempty"`
	VerifyAttempts int        `json:"verifyAttempts"`
	NextVerify     *time.Time `json:"nextVerify,omitempty"`
	Disabled       bool       `json:"disabled"`
	DisabledReason string     `json:"disabledReason,omitempty"`
}

func (s *Server) endpointStatus(w http.ResponseWriter, _ *http.Request, _ caller, _ store.App, ep store.Endpoint) error {
	out := statusOut{
		Status: ep.Status, Reason: ep.StatusReason, AllowedRate: ep.AllowedRate, VerifyAttempts: ep.VerifyAttempts,
		Disabled: ep.Disabled, DisabledReason: ep.DisabledReason,
	}
	if ep.Status == store.EndpointPending && !ep.NextVerify.IsZero() {
		out.NextVerify = &ep.NextVerify
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Secrets.

type secretOut struct {
	Key string `json:"key"`
}

func (s *Server) getSecret(w http.ResponseWriter, _ *http.Request, _ caller, _ store.App, ep store.Endpoint) error {
	if len(ep.Secrets) == 0 {
		return &apiError{http.StatusNotFound, codeNotFound, "the endpoint has no secret"}
	}
	writeJSON(w, http.StatusOK, secretOut{Key: ep.Secrets[0].Key})
	return nil
}

// rotationOverlap is how long a rotated-out secret keeps signing beside
// the new one, so the consumer can switch without losing a message.
const rotationOverlap = 24 * time.Hour

func (s *Server) rotateSecret(w http.ResponseWriter, r *http.Request, c caller, app store.App, ep store.Endpoint) error {
	f, err := decodeFields(r, "key")
	if err != nil {
		return err
	}
	key, err := secretField(f, "key")
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if _, err := s.db.UpdateEndpoint(r.Context(), app.ID, ep.ID, func(e *store.Endpoint) error {
		// The new secret and the one it replaces, for rotationOverlap:
		// as Svix does, a rotation ends the overlap of the one before, so
		// rotating again and again cannot pile up signatures.
		kept := []store.EndpointSecret{{Key: key}}
		if len(e.Secrets) > 0 {
			kept = append(kept, store.EndpointSecret{Key: e.Secrets[0].Key, Expires: now.Add(rotationOverlap)})
		}
		e.Secrets = kept
		return nil
	}); err != nil {
		return err
	}
	s.logWrite(c, app.ID, "endpoint secret rotated", "endpoint", ep.ID)
	s.refresh(r.Context())
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Paging.

// listOut is Svix's ListResponse.
type listOut[T any] struct {
	Data     []T     `json:"data"`
	Iterator *string `json:"iterator"`
	Done     bool    `json:"done"`
}

const (
	defaultLimit = 50
	maxLimit     = 250
)

// writePage answers one page of items (sorted ascending by id): limit
// (1 to 250, default 50), iterator (the last id of the previous page) and
// order (ascending, the default, or descending).
func writePage[T any](w http.ResponseWriter, r *http.Request, items []T, id func(T) string) error {
	q := r.URL.Query()
	limit, err := queryLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	switch q.Get("order") {
	case "", "ascending":
	case "descending":
		items = slices.Clone(items)
		slices.Reverse(items)
	default:
		return invalid("order: ascending or descending")
	}
	desc := q.Get("order") == "descending"
	if it := q.Get("iterator"); it != "" {
		i := 0
		for i < len(items) && (!desc && id(items[i]) <= it || desc && id(items[i]) >= it) {
			i++
		}
		items = items[i:]
	}
	writeJSON(w, http.StatusOK, pageOf(items, limit, id))
	return nil
}

// pageOf is the first limit items, with the iterator to the rest.
func pageOf[T any](items []T, limit int, id func(T) string) listOut[T] {
	out := listOut[T]{Data: items, Done: true}
	if len(items) > limit {
		out.Data, out.Done = items[:limit], false
	}
	if out.Data == nil {
		out.Data = []T{}
	}
	if len(out.Data) > 0 {
		it := id(out.Data[len(out.Data)-1])
		out.Iterator = &it
	}
	return out
}

func queryLimit(v string) (int, error) {
	if v == "" {
		return defaultLimit, nil
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n < 1 || n > maxLimit || fmt.Sprint(n) != v {
		return 0, invalid("limit: 1 to %d", maxLimit)
	}
	return n, nil
}

// runOf reports whether s is lo to hi bytes, each of them ok. (Checked by
// hand: as regular expressions, the counted repetitions of the uid's and
// the secret's patterns compiled to a thousand states, at every start of
// the binary, whatever its command.)
func runOf(s string, lo, hi int, ok func(byte) bool) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
