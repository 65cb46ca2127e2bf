package poller

import (
	"net/http"
	"net/url"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/redact"
)

// watchSecrets lists the credentials of a watch: they are scrubbed from
// every error text as a last line of defence (an API may echo a token back
// in its error body).
func watchSecrets(w *config.Watch) *redact.Secrets {
	var s redact.Secrets
	s.Add(w.Bearer)
	if w.Basic != nil {
		s.AddBasic(w.Basic.Username, w.Basic.Password)
	}
	for k, v := range w.Headers {
		if http.CanonicalHeaderKey(k) == "Authorization" || redact.IsSecretName(k) {
			s.AddHeader(v) // "Bearer xyz", "token xyz"
		}
	}
	for k, v := range w.Query {
		if redact.IsSecretName(k) {
			s.Add(v)
		}
	}
	for _, raw := range []string{w.URL, w.RequestURL} {
		s.AddURL(raw)
		if u, err := url.Parse(raw); err == nil && u.User != nil {
			s.Add(u.User.Username())
		}
	}
	return &s
}
