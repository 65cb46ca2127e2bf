package config

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"time"

	"github.com/pollhook/pollhook/diff"
)

// Defaults of the polling settings: how pollhook treats the APIs it polls.
const (
	DefaultMaxPerHost    = 4
	DefaultMaxConcurrent = 64
	DefaultAlertAfter    = 3
	DefaultMaxPages      = 10
)

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username string
	Password string
}

// Paginate is how a watch follows a paginated API. Exactly one of Next,
// LinkHeader and Cursor is set.
type Paginate struct {
	// Next is a gjson path to the next page's URL in the body; a relative
	// URL is resolved against the page it came from.
	Next string
	// LinkHeader follows the RFC 8288 Link header's rel="next".
	LinkHeader bool
	// Cursor is a gjson path to the next cursor in the body; it is sent in
	// the query parameter Param of the watch's URL (for a graphql watch,
	// as the variable Param).
	Cursor string
	Param  string
	// MaxPages bounds the pages of one poll.
	MaxPages int
}

// TLS is a watch's TLS settings, loaded at configuration time.
type TLS struct {
	InsecureSkipVerify bool
	// CAFile, ClientCert and ClientKey are the files, as resolved paths.
	CAFile     string
	ClientCert string
	ClientKey  string
	// Config is the client TLS configuration built from them.
	Config *tls.Config
	// sum fingerprints the files' contents as loaded: a renewed
	// certificate at the same path is another setting.
	sum string
}

// Key identifies the settings: watches whose TLS has the same key can
// share one transport.
func (t *TLS) Key() string {
	if t == nil {
		return ""
	}
	return fmt.Sprintf("insecure=%t\x00ca=%s\x00cert=%s\x00key=%s\x00sum=%s", t.InsecureSkipVerify, t.CAFile, t.ClientCert, t.ClientKey, t.sum)
}

// AlertTargets returns the targets of the watch's health events
// (watch.failing, watch.recovered): errors_to when set, else notify.
func (w *Watch) AlertTargets() []string {
	if w.ErrorsTo != nil {
		return w.ErrorsTo
	}
	return w.Notify
}

// pollDefaults are the polling keys of [defaults].
type pollDefaults struct {
	jitter     time.Duration
	alertAfter int
	errorsTo   []string // nil: unset
}

// globals reads the top-level polling keys.
func (r *reader) globals(top *section, cfg *Config) {
	cfg.MaxPerHost, cfg.MaxConcurrent = DefaultMaxPerHost, DefaultMaxConcurrent
	top.integer("max_per_host", 1, &cfg.MaxPerHost)
	top.integer("max_concurrent", 1, &cfg.MaxConcurrent)
}

// pollDefaults reads the polling keys of [defaults].
func (r *reader) pollDefaults(d *section, def *pollDefaults) {
	r.jitter(d, &def.jitter)
	d.integer("alert_after", 1, &def.alertAfter)
	d.strings("errors_to", false, &def.errorsTo)
}

// jitter reads a jitter duration; unlike other durations it may be zero,
// so that a watch can turn off a jitter set in [defaults].
func (r *reader) jitter(s *section, dst *time.Duration) {
	var str string
	if !s.durationString("jitter", &str) {
		return
	}
	d, err := ParseDuration(str)
	if err != nil {
		s.errorf("jitter", "%v", err)
		return
	}
	if d < 0 {
		s.errorf("jitter", "must not be negative, got %q", str)
		return
	}
	*dst = d
}

// watchPolling reads a watch's request, TLS, pagination and health keys.
// It runs after url, method, body and headers were read.
func (r *reader) watchPolling(s *section, w *Watch, def pollDefaults) {
	w.Conditional = true
	s.boolean("conditional", &w.Conditional)
	w.Jitter = def.jitter
	r.jitter(s, &w.Jitter)
	w.AlertAfter = DefaultAlertAfter
	if def.alertAfter > 0 {
		w.AlertAfter = def.alertAfter
	}
	s.integer("alert_after", 1, &w.AlertAfter)
	w.ErrorsTo = def.errorsTo
	if s.strings("errors_to", false, &w.ErrorsTo) {
		w.errorsToOwn = true
	}

	r.requestShape(s, w)
	r.watchTLS(s, w)
	r.paginate(s, w)
}

// requestShape reads bearer, basic, query, content_type, graphql and
// variables, and builds RequestURL and, for graphql, Body.
func (r *reader) requestShape(s *section, w *Watch) {
	s.str("bearer", &w.Bearer)
	if b := s.table("basic"); b != nil {
		w.Basic = &BasicAuth{}
		if !b.str("username", &w.Basic.Username) && !b.has("username") {
			b.errorf("username", "missing")
		}
		b.str("password", &w.Basic.Password)
		b.finish()
	}
	if w.Bearer != "" && w.Basic != nil {
		s.errorf("basic", "bearer and basic both set: choose one")
	}
	if w.Bearer != "" || w.Basic != nil {
		for _, k := range slices.Sorted(maps.Keys(w.Headers)) {
			if http.CanonicalHeaderKey(k) == "Authorization" {
				s.errorf("headers."+k, "conflicts with bearer/basic, which set Authorization")
			}
		}
	}

	w.RequestURL = w.URL
	if s.stringMap("query", &w.Query) && len(w.Query) > 0 {
		if u, err := url.Parse(w.URL); err == nil {
			q := u.Query()
			for k, v := range w.Query {
				q.Set(k, v) // the query table wins over the same key in url
			}
			u.RawQuery = q.Encode()
			w.RequestURL = u.String()
		}
	}

	if s.str("content_type", &w.ContentType) && w.Body == "" && !s.has("graphql") {
		s.errorf("content_type", "set without body")
	}
	if w.Body != "" && w.ContentType == "" {
		w.ContentType = "application/json"
	}

	if !s.str("graphql", &w.GraphQL) {
		if s.has("variables") {
			s.raw("variables")
			s.errorf("variables", "set without graphql")
		}
		return
	}
	if s.has("body") {
		s.errorf("graphql", "conflicts with body: graphql builds the body")
	}
	if s.has("content_type") {
		s.errorf("content_type", "conflicts with graphql, which sends application/json")
	}
	if s.has("method") && w.Method != http.MethodPost {
		s.errorf("method", "graphql requests are POST, not %s", w.Method)
	}
	if v, ok := s.raw("variables"); ok {
		m, isTable := v.(map[string]any)
		if !isTable {
			s.errorf("variables", "want a table, got %s", typeName(v))
		} else if vars, err := jsonValue(m, s.r.vars); err != nil {
			s.errorf("variables", "%v", err)
		} else {
			w.Variables = vars.(map[string]any)
		}
	}
	body, err := GraphQLBody(w.GraphQL, w.Variables)
	if err != nil {
		s.errorf("variables", "%v", err)
	}
	w.Method, w.Body, w.ContentType = http.MethodPost, string(body), "application/json"
}

// GraphQLBody is the JSON request of a GraphQL query.
func GraphQLBody(query string, variables map[string]any) ([]byte, error) {
	body, err := json.Marshal(struct {
		Query     string         `json:"query"`
		Variables map[string]any `json:"variables,omitempty"`
	}{query, variables})
	if err != nil {
		return nil, fmt.Errorf("encode graphql request: %w", err)
	}
	return body, nil
}

// jsonValue turns a decoded TOML value into one encoding/json can encode,
// expanding ${VAR} in strings. Dates become RFC 3339 strings.
func jsonValue(v any, env vars) (any, error) {
	switch t := v.(type) {
	case string:
		return expand(t, env)
	case int64, float64, bool:
		return t, nil
	case time.Time:
		return t.Format(time.RFC3339Nano), nil
	case []map[string]any:
		out := make([]any, len(t))
		for i, e := range t {
			x, err := jsonValue(e, env)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			x, err := jsonValue(e, env)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	case map[string]any:
		out := make(map[string]any, len(t))
		// In the keys' order: the error is the first key's that fails,
		// the same on every read.
		for _, k := range slices.Sorted(maps.Keys(t)) {
			e := t[k]
			x, err := jsonValue(e, env)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
			out[k] = x
		}
		return out, nil
	case fmt.Stringer: // local dates and times
		return t.String(), nil
	}
	return nil, fmt.Errorf("unsupported value %s", typeName(v))
}

// watchTLS reads a watch's TLS keys (see readTLS).
func (r *reader) watchTLS(s *section, w *Watch) {
	w.TLS = r.readTLS(s)
}

// readTLS reads insecure_skip_verify, ca_file, client_cert and
// client_key, and loads the files now, so that a missing or bad file is a
// configuration error. It returns nil when none is set, or one is wrong.
func (r *reader) readTLS(s *section) *TLS {
	t := &TLS{}
	s.boolean("insecure_skip_verify", &t.InsecureSkipVerify)
	s.str("ca_file", &t.CAFile)
	s.str("client_cert", &t.ClientCert)
	s.str("client_key", &t.ClientKey)
	if !t.InsecureSkipVerify && t.CAFile == "" && t.ClientCert == "" && t.ClientKey == "" {
		return nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.InsecureSkipVerify}
	good := true
	sum := sha256.New()
	if t.CAFile != "" {
		t.CAFile = r.path(t.CAFile)
		pem, err := readRegular(t.CAFile, maxPEMFile)
		if err != nil {
			s.errorf("ca_file", "%v", err)
			good = false
		} else {
			sum.Write(pem)
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				s.errorf("ca_file", "no PEM certificate in %s", t.CAFile)
				good = false
			}
			cfg.RootCAs = pool
		}
	}
	switch {
	case t.ClientCert != "" && t.ClientKey == "":
		s.errorf("client_cert", "set without client_key")
		good = false
	case t.ClientKey != "" && t.ClientCert == "":
		s.errorf("client_key", "set without client_cert")
		good = false
	case t.ClientCert != "":
		t.ClientCert, t.ClientKey = r.path(t.ClientCert), r.path(t.ClientKey)
		pair, err := loadKeyPair(t.ClientCert, t.ClientKey)
		if err != nil {
			s.errorf("client_cert", "load client certificate: %v", err)
			good = false
		}
		for _, der := range pair.Certificate {
			sum.Write(der)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if !good {
		return nil
	}
	t.Config, t.sum = cfg, hex.EncodeToString(sum.Sum(nil)[:12])
	return t
}

// maxPEMFile bounds ca_file, client_cert and client_key. A system's whole
// CA bundle is about 200 KiB.
const maxPEMFile = 1 << 20

// loadKeyPair is tls.LoadX509KeyPair, reading the files with readRegular.
func loadKeyPair(certFile, keyFile string) (tls.Certificate, error) {
	cert, err := readRegular(certFile, maxPEMFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	key, err := readRegular(keyFile, maxPEMFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.X509KeyPair(cert, key)
}

// path resolves a file name against the configuration's folder.
func (r *reader) path(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(filepath.Dir(r.file), p)
}

// paginate reads the paginate table.
func (r *reader) paginate(s *section, w *Watch) {
	t := s.table("paginate")
	if t == nil {
		return
	}
	p := &Paginate{MaxPages: DefaultMaxPages}
	var modes []string
	if t.str("next", &p.Next) {
		modes = append(modes, "next")
		checkGJSON(t, "next", p.Next)
	}
	if t.boolean("link_header", &p.LinkHeader) && p.LinkHeader {
		modes = append(modes, "link_header")
	}
	if t.str("cursor", &p.Cursor) {
		modes = append(modes, "cursor")
		checkGJSON(t, "cursor", p.Cursor)
		switch {
		case !t.has("param"):
			t.errorf("param", "missing (cursor needs the query parameter to send it in)")
		case t.str("param", &p.Param) && p.Param == "":
			t.errorf("param", "must not be empty")
		}
	} else if t.has("param") {
		t.raw("param")
		t.errorf("param", "set without cursor")
	}
	t.integer("max_pages", 1, &p.MaxPages)
	switch len(modes) {
	case 0:
		s.errorf("paginate", "want one of next, link_header = true, or cursor")
	case 1:
		w.Paginate = p
	default:
		t.errorf(modes[1], "conflicts with %s: choose one way to paginate", modes[0])
	}
	t.finish()
}

// checkGJSON reports a bad gjson path with diff's own path checker: one
// that paginate runs on an answer before it is checked.
func checkGJSON(s *section, key, path string) {
	if err := diff.CheckPlainPath(path); err != nil {
		s.errorf(key, "%v", err)
	}
}

// checkErrorsTo reports unknown targets in errors_to, in [defaults] once
// and in the watches that set their own.
func (r *reader) checkErrorsTo(cfg *Config, watches []watchRef, def pollDefaults) {
	for _, n := range def.errorsTo {
		if cfg.Target(n) == nil {
			r.section(nil, "defaults", "defaults").errorf("errors_to", "no target named %q", n)
		}
	}
	for i, w := range watches {
		if !w.errorsToOwn {
			continue
		}
		for _, n := range w.errorsTo {
			if cfg.Target(n) == nil {
				s := r.section(nil, fmt.Sprintf("watch[%d]", i), fmt.Sprintf("watch %q", w.name))
				s.errorf("errors_to", "no target named %q", n)
			}
		}
	}
}
