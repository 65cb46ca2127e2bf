package notify

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strings"

	"github.com/pollhook/pollhook/config"
)

// redacted replaces secrets in URLs and reasons shown to people.
const redacted = "REDACTED"

// RedactURL returns u, a URL of target t such as a Message.URL, with the
// target's secrets replaced by REDACTED, for logs and the CLI: its token
// (telegram's is in the path), a password in the URL, the credential part
// of incoming-webhook URLs (the last path segment of Slack, Discord and
// Mattermost hooks) and credential query parameters (key, token, sig, ...).
func RedactURL(t *config.Target, u string) string {
	secrets := targetSecrets(t)
	secrets = append(secrets, urlSecrets(t.Kind, u)...)
	return redact(u, secrets)
}

// redact replaces every secret in s, the longest first so that a secret
// containing another is replaced whole.
func redact(s string, secrets []string) string {
	sort.Slice(secrets, func(i, j int) bool { return len(secrets[i]) > len(secrets[j]) })
	for _, sec := range secrets {
		if sec != "" && sec != redacted {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// targetSecrets lists t's credentials in the forms they may appear in: as
// written, and path- or query-escaped.
func targetSecrets(t *config.Target) []string {
	var out []string
	add := func(v string) {
		if len(v) >= 4 { // too short to be a secret worth hiding everywhere
			out = append(out, v, url.PathEscape(v), url.QueryEscape(v))
		}
	}
	add(t.Token)
	for _, v := range t.Headers {
		// "Bearer abc": the credential is the part after the scheme.
		add(v)
		if _, cred, ok := strings.Cut(v, " "); ok {
			add(strings.TrimSpace(cred))
		}
	}
	for _, key := range t.Secrets {
		add(base64.StdEncoding.EncodeToString(key))
	}
	out = append(out, urlSecrets(t.Kind, t.URL)...)
	return out
}

// Redact replaces t's secrets in text: a target's error message or
// response body, before it is stored, logged or printed.
func Redact(t *config.Target, text string) string {
	return redact(text, targetSecrets(t))
}

// urlSecrets lists the credentials a target URL carries.
func urlSecrets(kind, raw string) []string {
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if p, ok := u.User.Password(); ok {
		out = append(out, p, url.QueryEscape(p))
	}
	for k, vs := range u.Query() {
		if config.IsSecretName(k) {
			for _, v := range vs {
				out = append(out, v, url.QueryEscape(v))
			}
		}
	}
	segs := strings.Split(strings.Trim(u.EscapedPath(), "/"), "/")
	last := segs[len(segs)-1]
	switch kind {
	case config.KindSlack:
		// /services/T…/B…/secret
		if len(segs) >= 4 && segs[0] == "services" {
			out = append(out, last)
		}
	case config.KindDiscord:
		// /api/webhooks/{id}/{token}
		for i, s := range segs {
			if s == "webhooks" && i+2 < len(segs) {
				out = append(out, segs[i+2])
			}
		}
	case config.KindMattermost:
		// /hooks/{key}
		if len(segs) >= 2 && segs[len(segs)-2] == "hooks" {
			out = append(out, last)
		}
	}
	return out
}
