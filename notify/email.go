package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/textproto"
	"os"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
	"github.com/pollhook/pollhook/store"
)

// Email: one message per event, sent over SMTP with go-mail. The message
// is multipart/alternative: a plain-text part (the title, the lines about
// the event, one line per change with its element's link below it, the
// watch URL) and an HTML part with the same lines coloured as the status
// page colours them, each change line linking its element. Its headers:
//
//   - Subject: the event's title (or the target's subject template);
//   - Message-ID: <EVENT_ID@pollhook>, the id every target of the event
//     shares (webhook-id), so that a retry of a message that did reach
//     the server is recognisable as the same message;
//   - In-Reply-To and References: <watch.LABEL@pollhook>, one per watch,
//     so that mail clients thread a watch's events;
//   - List-Id: "pollhook: WATCH" <LABEL.pollhook.localhost> (RFC 2919, the
//     localhost namespace of lists without a domain), to filter on;
//   - Auto-Submitted: auto-generated (RFC 3834), and
//     X-Auto-Response-Suppress: All, so that no out-of-office reply comes
//     back; Date: the event's time.
//
// Gmail clips a message whose HTML passes 102 KB ("[Message clipped]"),
// so the HTML part is kept to emailMaxHTML bytes: the change lines that
// do not fit are cut, whole, as the chat kinds cut them, and "…and N more
// changes" says how many. The text part holds the same lines, and is
// shorter than the HTML.
const emailMaxHTML = 90_000

// Colours of the status page's diff lines (internal/web's status.css),
// as inline styles: mail clients drop a <style> element more often than
// they drop inline styles.
const (
	emailLineStyle  = "padding:2px 8px;white-space:pre-wrap;word-break:break-word;"
	emailAddStyle   = emailLineStyle + "color:#146c34;background:#e8f7ed"
	emailDelStyle   = emailLineStyle + "color:#a52a1f;background:#fdeeec"
	emailChgStyle   = emailLineStyle + "color:#805400;background:#fff6dc"
	emailNoteStyle  = emailLineStyle + "color:#5f6b7a"
	emailMaxSubject = 200 // characters of a templated subject
)

// errAuthWithoutTLS is what a target that would send its password in the
// clear gets: the configuration refuses it already, and the sender checks
// again.
var errAuthWithoutTLS = errors.New("refusing to authenticate over a connection that is not TLS to a host that is not loopback")

// RenderEmail builds the message that delivers ev to the email target t.
func RenderEmail(t *config.Target, ev *event.Event, version string) (*mail.Msg, error) {
	e := t.Email
	if e == nil {
		return nil, fmt.Errorf("target %q: not an email target", t.Name)
	}
	m := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := m.From(e.From); err != nil {
		return nil, fmt.Errorf("from: %w", err)
	}
	if err := m.To(e.To...); err != nil {
		return nil, fmt.Errorf("to: %w", err)
	}
	c := newChatText(ev)
	subject := c.Title
	if e.Subject != nil {
		var buf bytes.Buffer
		if err := e.Subject.Execute(&buf, ev); err != nil {
			return nil, fmt.Errorf("subject template: %w", err)
		}
		if s := human.CutRunes(strings.Join(strings.Fields(human.Clean(buf.String())), " "), emailMaxSubject); s != "" {
			subject = s
		}
	}
	m.Subject(subject)
	label := watchLabel(ev.Data.Watch)
	m.SetMessageIDWithValue(messageIDLocal(ev.ID) + "@pollhook")
	thread := "<watch." + label + "@pollhook>"
	m.SetGenHeader(mail.HeaderInReplyTo, thread)
	m.SetGenHeader(mail.HeaderReferences, thread)
	m.SetGenHeader("List-Id", listPhrase("pollhook: "+c.Watch)+" <"+label+".pollhook.localhost>")
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	m.SetDateWithValue(ev.Timestamp)
	m.SetUserAgent("pollhook/" + version)

	if t.Template != nil {
		var buf bytes.Buffer
		if err := t.Template.Execute(&buf, ev); err != nil {
			return nil, fmt.Errorf("template: %w", err)
		}
		m.SetBodyString(emailTemplateType(t.ContentType), buf.String())
		return m, nil
	}
	text, html := emailBodies(c)
	m.SetBodyString(mail.TypeTextPlain, text)
	m.AddAlternativeString(mail.TypeTextHTML, html)
	return m, nil
}

// emailTemplateType is the part a template writes: text/html when the
// target's content_type says so, else text/plain.
func emailTemplateType(contentType string) mail.ContentType {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && mt == "text/html" {
		return mail.TypeTextHTML
	}
	return mail.TypeTextPlain
}

// emailBodies are the text and HTML parts of the default message.
func emailBodies(c *chatText) (string, string) {
	var head, foot strings.Builder
	title := escapeHTML(c.Title)
	head.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>` + title + "</title></head>\n" +
		`<body style="margin:0;padding:16px;color:#1b2330;background:#ffffff;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif">` + "\n" +
		`<h1 style="font-size:18px;margin:0 0 12px">` + title + "</h1>\n")
	for _, l := range c.Intro {
		head.WriteString(`<p style="margin:0 0 8px">` + escapeHTML(l) + "</p>\n")
	}
	head.WriteString(`<div style="font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px">` + "\n")
	foot.WriteString("</div>\n")
	if c.urlText != "" {
		link := escapeHTML(c.urlText)
		if href := c.linkUpTo(emailMaxHTML / 4); href != "" {
			link = anchorHTML(href, link)
		}
		foot.WriteString(`<p style="margin:12px 0 0;font-size:13px;color:#5f6b7a">` + link + "</p>\n")
	}
	foot.WriteString("</body></html>\n")

	// On the wire, and in what a client reads, every line ends in CRLF.
	crlf := func(s string) int { return len(s) + strings.Count(s, "\n") }
	budget := emailMaxHTML - crlf(head.String()) - crlf(foot.String()) - len("<em></em>")
	cost := func(l, link string) int { return crlf(emailHTMLLine(l, link)) }
	f := c.fitLinked(func(l, _ string) string { return l }, cost, budget, linkRoom{lines: len(c.Changes), bytes: budget / 2})

	var text, html strings.Builder
	text.WriteString(c.Title + "\n\n")
	for _, l := range c.Intro {
		text.WriteString(l + "\n")
	}
	if len(c.Intro) > 0 {
		text.WriteString("\n")
	}
	html.WriteString(head.String())
	for i, l := range f.lines {
		text.WriteString(l + "\n")
		if f.links[i] != "" {
			text.WriteString("  " + f.links[i] + "\n")
		}
		html.WriteString(emailHTMLLine(l, f.links[i]))
	}
	if f.more > 0 {
		more := event.MoreLine(f.more)
		text.WriteString(more + "\n")
		html.WriteString(`<div style="` + emailNoteStyle + `"><em>` + more + "</em></div>\n")
	}
	if c.urlText != "" {
		text.WriteString("\n" + c.urlText + "\n")
	}
	html.WriteString(foot.String())
	return text.String(), html.String()
}

// emailHTMLLine is a change line of the HTML part: a block coloured by its
// sign, as the status page colours it, its text linked to its element when
// it has a link.
func emailHTMLLine(l, link string) string {
	style := emailNoteStyle
	switch {
	case strings.HasPrefix(l, "+ "):
		style = emailAddStyle
	case strings.HasPrefix(l, "- "):
		style = emailDelStyle
	case strings.HasPrefix(l, "~ "):
		style = emailChgStyle
	}
	text := escapeHTML(l)
	if link != "" {
		text = `<a href="` + escapeAttr(link) + `" style="color:inherit">` + text + "</a>"
	}
	return `<div style="` + style + `">` + text + "</div>\n"
}

// watchLabel is a watch's name as a dot-atom label, for its thread's
// Message-ID and its List-Id: letters, digits and hyphens kept, anything
// else a hyphen, and, when that changed the name (or it is too long), a
// hash of the name after it, so that two watches never share a label.
func watchLabel(watch string) string {
	const maxLabel = 60
	var b strings.Builder
	for _, r := range watch {
		if r < 0x80 && (r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	label := b.String()
	if label == watch && label != "" && len(label) <= maxLabel {
		return label
	}
	sum := sha256.Sum256([]byte(watch))
	if len(label) > maxLabel {
		label = label[:maxLabel]
	}
	if label = strings.Trim(label, "-"); label == "" {
		label = "watch"
	}
	return label + "-" + hex.EncodeToString(sum[:4])
}

// messageIDLocal is an event id as the left part of a Message-ID: as it
// is when it is a dot-atom (pollhook's ids are), else its hash.
func messageIDLocal(id string) string {
	atom := id != ""
	for _, r := range id {
		if !(r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			atom = false
			break
		}
	}
	if atom {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:16])
}

// listPhrase is s as the display phrase of a header: a quoted string when
// it is printable ASCII, else RFC 2047 encoded words. They are base64
// ("B"): a "Q" word keeps ":", "(", "<", "," and quotes as they are,
// which may not appear in an encoded word of a phrase (RFC 2047 section
// 5), and a strict parser stops there.
func listPhrase(s string) string {
	for _, r := range s {
		if r < ' ' || r > '~' {
			return mime.BEncoding.Encode("utf-8", s)
		}
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// SendEmail sends m to the email target t's server under the target's
// timeout, and returns the server's final reply ("250 2.0.0 Ok: queued
// as …"). smtps:// is TLS from the start; smtp:// requires STARTTLS
// unless the target turned it off. The password is sent only over TLS,
// or to a loopback host. The connection is closed when ctx ends or the
// timeout passes, whatever command it is in. Errors are go-mail's
// (SendError with the server's reply, dial and TLS errors), or ctx's
// when it ended; they may echo the target's credentials: pass them
// through Redact.
func SendEmail(ctx context.Context, t *config.Target, m *mail.Msg) (string, error) {
	e := t.Email
	if e == nil {
		return "", fmt.Errorf("target %q: not an email target", t.Name)
	}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if e.TLS != nil {
		tlsConfig = e.TLS.Config.Clone()
	}
	tlsConfig.ServerName = e.Host
	ctx, cancel := context.WithTimeout(ctx, t.AttemptTimeout())
	defer cancel()
	dial, release := attemptDialer(ctx, e, tlsConfig)
	defer release()
	opts := []mail.Option{mail.WithTimeout(t.AttemptTimeout()), mail.WithTLSConfig(tlsConfig),
		mail.WithDialContextFunc(dial), mail.WithPort(e.Port)}
	switch {
	case e.ImplicitTLS:
		opts = append(opts, mail.WithSSL()) // the dialer does the TLS
	case e.StartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if e.Password != "" {
		if !e.AuthAllowed() {
			return "", errAuthWithoutTLS
		}
		// The strongest mechanism the server offers. PLAIN and LOGIN
		// send the password as it is: over TLS, or over a loopback
		// connection, where nothing on the network reads it (go-mail's
		// PLAIN checks again that the connection is TLS or to localhost).
		plain, login := mail.SMTPAuthPlain, mail.SMTPAuthLogin
		if !e.Secure() {
			plain, login = mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc
		}
		opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1,
			mail.SMTPAuthCramMD5, plain, login), mail.WithUsername(e.Username), mail.WithPassword(e.Password))
	}
	client, err := mail.NewClient(e.Host, opts...)
	if err != nil {
		return "", fmt.Errorf("smtp client: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, m); err != nil {
		switch {
		case errors.Is(ctx.Err(), context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
			return "", fmt.Errorf("no answer within %s", t.AttemptTimeout())
		case ctx.Err() != nil:
			return "", ctx.Err()
		}
		return "", err
	}
	return "250 " + m.ServerResponse(), nil
}

// attemptDialer returns the dial function of one attempt, which connects
// (with TLS for smtps://) and closes the connection when ctx ends: go-mail
// bounds each command by its timeout, but heeds ctx only while it dials.
// release stops the watch once the attempt is over.
func attemptDialer(ctx context.Context, e *config.Email, tlsConfig *tls.Config) (mail.DialContextFunc, func()) {
	stop := func() bool { return false }
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		var conn net.Conn
		var err error
		if e.ImplicitTLS {
			conn, err = (&tls.Dialer{NetDialer: &d, Config: tlsConfig}).DialContext(dctx, network, addr)
		} else {
			conn, err = d.DialContext(dctx, network, addr)
		}
		if err != nil {
			return nil, err
		}
		stop = context.AfterFunc(ctx, func() { conn.Close() })
		return conn, nil
	}
	return dial, func() { stop() }
}

// smtpReply is the code of the server's reply an error carries, 0 for
// none (a connection or TLS error).
func smtpReply(err error) int {
	var se *mail.SendError
	if errors.As(err, &se) && se.ErrorCode() != 0 {
		return se.ErrorCode()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// ClassifyEmail reads the outcome of SendEmail as the outbox does for
// every target: nil is delivered; a 4xx reply (421, 450, 451: the server
// asks to try later) and a connection or TLS error are failed attempts,
// retried on the target's schedule; a 5xx reply (the server refused: a
// recipient it does not know, a wrong password, a relay it denies) is a
// failed attempt that is not retried (Permanent), as SMTP means it. The
// reason is the server's own words, redacted. It returns the reply's code
// too (0 without one).
func ClassifyEmail(t *config.Target, err error) (int, Verdict) {
	if err == nil {
		return 250, Verdict{OK: true}
	}
	code := smtpReply(err)
	detail := human.OneLine(err.Error(), maxReason)
	var reason string
	switch {
	case code >= 400 && code < 500:
		reason = fmt.Sprintf("SMTP %d (temporary): %s", code, detail)
	case code >= 500:
		reason = fmt.Sprintf("SMTP %d (refused): %s", code, detail)
	default:
		reason = detail
	}
	return code, Verdict{Reason: Redact(t, reason), Permanent: code >= 500}
}

// attemptEmail is attempt for an email target: render, send, classify.
func (d *Dispatcher) attemptEmail(ctx context.Context, t *config.Target, ev *event.Event, at time.Time) (store.Attempt, Verdict) {
	a := store.Attempt{At: at}
	m, err := d.renderEmail(t, ev)
	if err != nil {
		a.Error = err.Error()
		return a, Verdict{Reason: a.Error}
	}
	reply, err := SendEmail(ctx, t, m)
	a.Latency = d.clock.Now().Sub(at)
	code, v := ClassifyEmail(t, err)
	a.Status = code
	a.Body = Redact(t, clip([]byte(reply), store.MaxAttemptBody))
	a.Error = v.Reason
	return a, v
}

// renderEmail is RenderEmail with a panic turned into a failed attempt.
func (d *Dispatcher) renderEmail(t *config.Target, ev *event.Event) (m *mail.Msg, err error) {
	defer d.recoverRender(t, ev, &err)
	return RenderEmail(t, ev, d.version)
}
