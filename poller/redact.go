package poller

import (
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/pollhook/pollhook/config"
)

// redacted replaces secrets in errors, logs and events.
const redacted = "REDACTED"

// safeURL renders a URL for errors and logs: no user or password, and
// every query value replaced, since tokens often travel in the query.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{redacted}
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// PublicURL renders a watch's URL for its events (data.url): no user or
// password, and the values of credential-looking query parameters
// replaced, so a link still leads to the API.
func PublicURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		changed := false
		for k := range q {
			if config.IsSecretName(k) {
				q[k] = []string{redacted}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}

// watchSecrets lists the credentials of a watch, as written and escaped,
// longest first: they are scrubbed from every error text as a last line
// of defence (an API may echo a token back in its error body).
func watchSecrets(w *config.Watch) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 {
			out = append(out, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	add(w.Bearer)
	if w.Basic != nil {
		add(w.Basic.Password)
	}
	for k, v := range w.Headers {
		if http.CanonicalHeaderKey(k) == "Authorization" || config.IsSecretName(k) {
			add(v)
			if _, cred, ok := strings.Cut(v, " "); ok {
				add(cred) // "Bearer xyz", "token xyz"
			}
		}
	}
	for k, v := range w.Query {
		if config.IsSecretName(k) {
			add(v)
		}
	}
	for _, raw := range []string{w.URL, w.RequestURL} {
		u, err := url.Parse(raw)
		if err != nil {
			continue
		}
		if p, ok := u.User.Password(); ok {
			add(p)
		}
		if u.User != nil {
			add(u.User.Username())
		}
		for k, vs := range u.Query() {
			if config.IsSecretName(k) {
				for _, v := range vs {
					add(v)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// scrub replaces every secret in s.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, sec, redacted)
	}
	return s
}
