package notify

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/internal/redact"
)

// RedactURL returns u, a URL of target t such as a Message.URL, with the
// target's secrets replaced by REDACTED, for logs and the CLI: its token
// (telegram's is in the path), a password in the URL, the credential part
// of incoming-webhook URLs (the last path segment of Slack, Discord and
// Mattermost hooks) and credential query parameters (key, token, sig, ...).
func RedactURL(t *config.Target, u string) string {
	s := targetSecrets(t)
	addHookSecrets(s, t.Kind, u)
	return s.Replace(redact.MaskURL(u))
}

// Redact replaces t's secrets in text: a target's error message or
// response body, before it is stored, logged or printed.
func Redact(t *config.Target, text string) string {
	if text == "" {
		return "" // most 2xx answers: no need to list the secrets
	}
	return targetSecrets(t).Replace(text)
}

// targetSecrets lists t's credentials: its token, its header values (a
// target's headers are usually credentials), its signing secrets, what
// its URL carries and, for an email target, its password as SMTP AUTH
// encodes it.
func targetSecrets(t *config.Target) *redact.Secrets {
	var s redact.Secrets
	s.Add(t.Token)
	for _, v := range t.Headers {
		s.AddHeader(v)
	}
	for _, key := range t.Secrets {
		s.Add(base64.StdEncoding.EncodeToString(key))
	}
	s.AddURL(t.URL)
	addHookSecrets(&s, t.Kind, t.URL)
	if e := t.Email; e != nil && e.Password != "" {
		// What SMTP AUTH sends, which a server's refusal may quote, each
		// base64-encoded: PLAIN's "\x00user\x00password" (and the form
		// with the user as authorization identity), LOGIN's password.
		for _, v := range []string{"\x00" + e.Username + "\x00" + e.Password,
			e.Username + "\x00" + e.Username + "\x00" + e.Password, e.Password} {
			s.Add(base64.StdEncoding.EncodeToString([]byte(v)))
		}
	}
	return &s
}

// addHookSecrets adds the credential part of an incoming-webhook URL: the
// URL is itself the credential of these kinds.
func addHookSecrets(s *redact.Secrets, kind, raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	last := segs[len(segs)-1]
	switch kind {
	case config.KindSlack:
		// /services/T…/B…/secret
		if len(segs) >= 4 && segs[0] == "services" {
			s.Add(last)
		}
	case config.KindDiscord:
		// /api/webhooks/{id}/{token}
		for i, seg := range segs {
			if seg == "webhooks" && i+2 < len(segs) {
				s.Add(segs[i+2])
			}
		}
	case config.KindMattermost:
		// /hooks/{key}
		if len(segs) >= 2 && segs[len(segs)-2] == "hooks" {
			s.Add(last)
		}
	}
}
