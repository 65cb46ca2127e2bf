package config

import (
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"text/template"

	"github.com/pollhook/pollhook/event"
)

// Email is the settings of an email target (kind "email"), checked and
// parsed at load time from its smtp URL, from, to, tls, starttls and
// subject keys.
type Email struct {
	// Host and Port are the SMTP server's.
	Host string
	Port int
	// ImplicitTLS is smtps://: TLS from the first byte (port 465 by
	// default). Otherwise the URL is smtp:// (port 587 by default) and
	// STARTTLS is required, unless StartTLS is false.
	ImplicitTLS bool
	StartTLS    bool
	// Username and Password are the URL's user info; with a password the
	// client authenticates (AUTH), which AuthAllowed permits only over TLS
	// or to a loopback host.
	Username string
	Password string
	// TLS is the tls table (ca_file, insecure_skip_verify, client_cert,
	// client_key), nil for the system's roots.
	TLS *TLS
	// From is the sender and To the recipients, each one address as
	// net/mail formats it ("pollhook <pollhook@example.com>").
	From string
	To   []string
	// Subject, when set, replaces the default subject (the event's
	// title): a text/template over the event, like Target.Template.
	Subject     *template.Template
	SubjectText string
}

// Default SMTP ports: submission with STARTTLS (RFC 6409) and implicit
// TLS (RFC 8314).
const (
	DefaultSMTPPort  = 587
	DefaultSMTPSPort = 465
)

// Secure reports whether the connection is TLS before any mail or
// credential crosses it: smtps://, or smtp:// with STARTTLS required.
func (e *Email) Secure() bool {
	return e.ImplicitTLS || e.StartTLS
}

// AuthAllowed reports whether the client may authenticate: never over a
// connection that is not TLS, unless the server is on this machine
// (loopback), where nothing on the network can read the password.
func (e *Email) AuthAllowed() bool {
	return e.Secure() || IsLoopback(e.Host)
}

// key identifies the settings for Target.Fingerprint; the URL (host,
// port, credentials) is in the target's URL already.
func (e *Email) key() string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf("starttls=%t\x00tls=%s\x00from=%s\x00to=%s\x00subject=%s",
		e.StartTLS, e.TLS.Key(), e.From, strings.Join(e.To, "\x00"), e.SubjectText)
}

// emailTarget reads the keys of an email target, after the common ones
// (template, content_type). The smtp URL goes into
// t.URL too: the target's redaction and display already know a URL's
// password.
func (r *reader) emailTarget(s *section, t *Target) {
	e := &Email{StartTLS: true}
	t.Email = e
	if s.has("headers") {
		s.raw("headers")
		s.errorf("headers", "not a key of email targets (pollhook writes the message's headers itself)")
	}
	if s.str("smtp", &t.URL) {
		if err := e.parseSMTP(t.URL); err != nil {
			s.errorf("smtp", "%v", err)
		}
	}
	if s.str("from", &e.From) {
		if a, err := parseAddress(e.From); err != nil {
			s.errorf("from", "%v", err)
		} else {
			e.From = a
		}
	}
	s.list("to", "empty list: give at least one recipient", func(addr string) error {
		a, err := parseAddress(addr)
		if err == nil {
			e.To = append(e.To, a)
		}
		return err
	})
	if tt := s.table("tls"); tt != nil {
		e.TLS = r.readTLS(tt)
		tt.finish()
	}
	if s.boolean("starttls", &e.StartTLS) && e.ImplicitTLS {
		s.errorf("starttls", "an smtps:// URL is TLS from the start: starttls is for smtp:// URLs")
	}
	if e.Password != "" && !e.AuthAllowed() {
		s.errorf("smtp", "a password, but starttls = false: pollhook never sends credentials over a connection that is not TLS, except to this machine (localhost, or a loopback address such as 127.0.0.1 or ::1)")
	}
	if t.ContentType != "" {
		if mt, _, err := mime.ParseMediaType(t.ContentType); err != nil || mt != "text/plain" && mt != "text/html" {
			s.errorf("content_type", "an email template writes text/plain or text/html, got %q", t.ContentType)
		}
	}
	if s.str("subject", &e.SubjectText) {
		parsed, err := event.ParseTemplate(t.Name+" subject", e.SubjectText)
		if err != nil {
			s.errorf("subject", "%v", err)
		}
		e.Subject = parsed
	}
}

// parseSMTP reads an smtp:// or smtps:// URL: host, port, user and
// password. Its messages leave out the URL, which holds the password.
func (e *Email) parseSMTP(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// url's own words quote the part it stumbled on: the password.
		return errors.New("bad URL: the user and password must be URL-encoded (% as %25, / as %2F, ? as %3F, # as %23, @ as %40)")
	}
	switch u.Scheme {
	case "smtp":
		e.Port = DefaultSMTPPort
	case "smtps":
		e.ImplicitTLS, e.StartTLS, e.Port = true, false, DefaultSMTPSPort
	default:
		return fmt.Errorf("want smtp://HOST[:PORT] (STARTTLS) or smtps://HOST[:PORT] (TLS), got scheme %q", u.Scheme)
	}
	e.Host = u.Hostname()
	if e.Host == "" {
		return errors.New("bad URL: no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.ParseUint(p, 10, 16)
		if err != nil || n == 0 {
			return fmt.Errorf("bad port %q", p)
		}
		e.Port = int(n)
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want no path or query after the host and port")
	}
	if u.User != nil {
		e.Username = u.User.Username()
		e.Password, _ = u.User.Password()
		if e.Password == "" {
			return errors.New("a user without a password: write smtp://USER:PASSWORD@HOST (the password may be ${VAR} or ${file:NAME}), or no user at all")
		}
	}
	return nil
}

// parseAddress checks one email address, with or without a display name,
// and returns it as net/mail formats it, or the bare address when it has
// no name.
func parseAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("bad address %q: %v", s, err)
	}
	if a.Name == "" {
		return a.Address, nil
	}
	return a.String(), nil
}
