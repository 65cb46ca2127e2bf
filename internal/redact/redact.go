// Package redact keeps credentials out of what pollhook shows people and
// stores for them: errors, logs, response bodies, URLs. Watches (in
// poller) and targets (in notify) list their credentials in a Secrets,
// and every text that may echo one goes through Secrets.Replace.
package redact

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
)

// Mask is what a credential is replaced with.
const Mask = "REDACTED"

// minLen is the shortest value worth hiding everywhere: replacing shorter
// ones would garble any text while protecting nothing.
const minLen = 4

// IsSecretName reports whether a header or query parameter of that name
// carries a credential (api_key, X-Api-Key, Private-Token, sig, ...):
// its value stays out of logs, errors and URLs shown to people, and does
// not follow a redirect to another site.
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"token", "key", "secret", "sig", "auth", "pass", "cred", "session", "cookie"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}

// Secrets is a list of credentials to hide. The zero value is empty and
// ready to use.
type Secrets struct {
	list   []string
	sorted bool
}

// Add records a credential, as written and path- or query-escaped (the
// forms it takes in a URL). Values shorter than four characters are
// ignored: replacing them everywhere would garble any text while
// protecting nothing (MaskURL hides them in a URL).
func (s *Secrets) Add(v string) {
	if len(v) < minLen || v == Mask {
		return
	}
	s.list = append(s.list, v, url.PathEscape(v), url.QueryEscape(v))
	s.sorted = false
}

// AddHeader records a header value that is a credential and, for a value
// of the form "Scheme credential" ("Bearer xyz", "token xyz"), the
// credential alone; for "Basic base64", the user:password pair it
// encodes too.
func (s *Secrets) AddHeader(v string) {
	s.Add(v)
	scheme, cred, ok := strings.Cut(v, " ")
	if !ok {
		return
	}
	cred = strings.TrimSpace(cred)
	s.Add(cred)
	if strings.EqualFold(scheme, "Basic") {
		if pair, err := base64.StdEncoding.DecodeString(cred); err == nil {
			if user, pass, ok := strings.Cut(string(pair), ":"); ok {
				s.AddBasic(user, pass)
			}
		}
	}
}

// AddBasic records HTTP basic credentials in every form an echo of the
// request may show them: the password, the user:password pair, and the
// pair base64-encoded as the Authorization header carries it.
func (s *Secrets) AddBasic(user, pass string) {
	s.Add(pass)
	if pass == "" {
		return
	}
	pair := user + ":" + pass
	s.Add(pair)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		s.Add(enc.EncodeToString([]byte(pair)))
	}
}

// AddURL records the credentials a URL carries: its password, and the
// values of query parameters named like secrets (IsSecretName).
func (s *Secrets) AddURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	if p, ok := u.User.Password(); ok {
		// net/http sends userinfo as a Basic Authorization header.
		s.AddBasic(u.User.Username(), p)
	}
	for k, vs := range u.Query() {
		if IsSecretName(k) {
			for _, v := range vs {
				s.Add(v)
			}
		}
	}
}

// Replace returns text with every credential replaced by Mask, the
// longest first, so that a credential containing another is replaced
// whole.
func (s *Secrets) Replace(text string) string {
	if !s.sorted {
		sort.SliceStable(s.list, func(i, j int) bool { return len(s.list[i]) > len(s.list[j]) })
		s.sorted = true
	}
	for _, sec := range s.list {
		text = strings.ReplaceAll(text, sec, Mask)
	}
	return text
}

// URL renders a URL for errors and logs: no user or password, no
// fragment, and every query value replaced, since tokens often travel in
// the query.
func URL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			q[k] = []string{Mask}
		}
		u.RawQuery = q.Encode()
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// MaskURL renders a URL for people with its credentials replaced by Mask
// whatever their length: the password (the user stays) and the values of
// query parameters named like secrets. The rest of the URL is kept as it
// is written. An unparsable URL is returned as it is.
func MaskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), Mask)
	}
	if u.RawQuery != "" {
		params := strings.Split(u.RawQuery, "&")
		for i, p := range params {
			k, _, _ := strings.Cut(p, "=")
			if name, err := url.QueryUnescape(k); err == nil && IsSecretName(name) {
				params[i] = k + "=" + Mask
			}
		}
		u.RawQuery = strings.Join(params, "&")
	}
	return u.String()
}

// ShortURL renders a URL for a list people look through (the status
// page's watches): scheme, host and path, with "?…" standing for a query,
// where API keys go whatever their names; no user or password. An
// unparsable URL is "".
func ShortURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	s := u.Scheme + "://" + u.Host + u.EscapedPath()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}

// PublicURL renders a URL for events and links (a change event's
// data.url): no user or password, and the values of query parameters named
// like secrets replaced, so the link still leads to the API. An
// unparsable URL is "".
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
			if IsSecretName(k) {
				q[k] = []string{Mask}
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	return u.String()
}
