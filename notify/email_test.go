package notify

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/textproto"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/testkit"
	"github.com/pollhook/pollhook/store"
)

// emailTarget loads an email target named "mail" whose keys are keys,
// with ${SMTP_PASSWORD} set to testSMTPPassword.
func emailTarget(t *testing.T, keys string) *config.Target {
	t.Helper()
	src := "[[target]]\nname = \"mail\"\nkind = \"email\"\n" + keys
	cfg, err := config.Parse(filepath.Join(t.TempDir(), "t.toml"), []byte(src), func(k string) (string, bool) {
		if k == "SMTP_PASSWORD" {
			return testSMTPPassword, true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Targets[0]
}

const testSMTPPassword = "smtp-pa55word-x7k2"

// mailpitTarget is an email target sending to m, without TLS (Mailpit on
// loopback), authenticating with the test password.
func mailpitTarget(t *testing.T, m *testkit.Mailpit, extra string) *config.Target {
	t.Helper()
	return emailTarget(t, fmt.Sprintf(`smtp = "smtp://ops:${SMTP_PASSWORD}@%s"
starttls = false
from = "pollhook <pollhook@example.com>"
to = ["ops@example.com", "Dev <dev@example.com>"]
%s`, m.SMTP, extra))
}

func waitState(t *testing.T, h *harness, ev *event.Event, target string, want string) store.Delivery {
	t.Helper()
	var d store.Delivery
	testkit.WaitUntil(t, 30*time.Second, "delivery "+want, func() bool {
		d = h.delivery(ev, target)
		return d.State == want
	})
	return d
}

func header(t *testing.T, h map[string][]string, name string) string {
	t.Helper()
	v := h[name]
	if len(v) != 1 {
		t.Errorf("header %s = %q, want one value", name, v)
		return ""
	}
	return v[0]
}

// TestEmail_deliversThroughTheOutbox: two events of one watch and one of
// another, committed to the outbox, reach Mailpit as one message each:
// the event's title as subject, both parts, the headers, and the two
// events of one watch in one thread.
func TestEmail_deliversThroughTheOutbox(t *testing.T) {
	t.Parallel()
	m := testkit.StartMailpit(t, testkit.MailpitOptions{})
	h := newHarness(t, mailpitTarget(t, m, ""))
	first := goldenLabeledEvent()
	first.ID = event.NewID(h.clock.Now())
	first.Timestamp = time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	h.commitEvent(first, "mail")
	second := h.commit("releases", "mail")
	other := h.commit("status", "mail")
	for _, ev := range []*event.Event{first, second, other} {
		d := waitState(t, h, ev, "mail", store.StateDelivered)
		if d.LastStatus != 250 {
			t.Errorf("delivery %s: last status %d, want SMTP 250", ev.ID, d.LastStatus)
		}
	}
	byID := map[string]string{} // Message-ID → Mailpit's id
	for _, msg := range m.WaitMessages(t, 3) {
		byID[msg.MessageID] = msg.ID
	}
	if len(byID) != 3 {
		t.Fatalf("%d messages, want 3", len(byID))
	}
	threads := map[string]string{}
	for i, ev := range []*event.Event{first, second, other} {
		id, ok := byID[ev.ID+"@pollhook"]
		if !ok {
			t.Fatalf("no message with the Message-ID of event %s in %v", ev.ID, byID)
		}
		got := m.Message(t, id)
		hd := m.Headers(t, id)
		if got.Subject != ev.Title() {
			t.Errorf("subject %q, want the event's title %q", got.Subject, ev.Title())
		}
		if got.From == nil || got.From.Address != "pollhook@example.com" || got.From.Name != "pollhook" {
			t.Errorf("from %+v", got.From)
		}
		if len(got.To) != 2 || got.To[0].Address != "ops@example.com" || got.To[1].Address != "dev@example.com" {
			t.Errorf("to %+v", got.To)
		}
		if want := "<" + ev.ID + "@pollhook>"; header(t, hd, "Message-Id") != want {
			t.Errorf("Message-ID %q, want %q", header(t, hd, "Message-Id"), want)
		}
		thread := header(t, hd, "In-Reply-To")
		if header(t, hd, "References") != thread || !regexp.MustCompile(`^<watch\.[A-Za-z0-9-]+@pollhook>$`).MatchString(thread) {
			t.Errorf("In-Reply-To %q, References %q: want one thread id of the watch", thread, header(t, hd, "References"))
		}
		threads[ev.Data.Watch+fmt.Sprint(i)] = thread
		if want := `"pollhook: ` + ev.Data.Watch + `" <` + ev.Data.Watch + `.pollhook.localhost>`; header(t, hd, "List-Id") != want {
			t.Errorf("List-Id %q, want %q", header(t, hd, "List-Id"), want)
		}
		if header(t, hd, "Auto-Submitted") != "auto-generated" || header(t, hd, "User-Agent") != "pollhook/test" {
			t.Errorf("Auto-Submitted %q, User-Agent %q", hd["Auto-Submitted"], hd["User-Agent"])
		}
		date, err := time.Parse(time.RFC1123Z, header(t, hd, "Date"))
		if err != nil || !date.Equal(ev.Timestamp.Truncate(time.Second)) {
			t.Errorf("Date %q (%v), want the event's time %v", hd["Date"], err, ev.Timestamp)
		}
		if ct := header(t, hd, "Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
			t.Errorf("Content-Type %q, want multipart/alternative", ct)
		}
		for _, l := range ev.Lines() {
			if !strings.Contains(got.Text, l) {
				t.Errorf("text part lacks %q:\n%s", l, got.Text)
			}
		}
	}
	if threads["releases0"] != threads["releases1"] || threads["releases0"] == threads["status2"] {
		t.Errorf("threads %v: want the two releases events in one thread, status in another", threads)
	}

	// The HTML part of the labeled event: its lines coloured as on the
	// status page, each linked to its release, the watch URL at the end.
	got := m.Message(t, byID[first.ID+"@pollhook"])
	for _, want := range []string{
		`<div style="` + emailAddStyle + `"><a href="https://github.com/github/hub/releases/tag/v2.13.0" style="color:inherit">+ v2.13.0 `,
		`<div style="` + emailChgStyle + `"><a href="https://github.com/github/hub/releases/tag/v2.12.6" style="color:inherit">~ v2.12.6 name:`,
		`<div style="` + emailDelStyle + `">- v2.11.0`,
		`<a href="https://api.github.com/repos/github/hub/releases?per_page=100">`,
		`faster &amp; &lt;safer&gt;`,
	} {
		if !strings.Contains(got.HTML, want) {
			t.Errorf("HTML part lacks %q:\n%s", want, got.HTML)
		}
	}
	if !strings.Contains(got.Text, "+ v2.13.0") || !strings.Contains(got.Text, "\n  https://github.com/github/hub/releases/tag/v2.13.0\n") {
		t.Errorf("text part lacks the line with its link below it:\n%s", got.Text)
	}
}

// TestEmail_hugeEventIsCut: an event of 5,000 changes arrives as one
// message whose HTML stays under Gmail's clipping size, cut between whole
// lines, and says how many changes it leaves out.
func TestEmail_hugeEventIsCut(t *testing.T) {
	t.Parallel()
	m := testkit.StartMailpit(t, testkit.MailpitOptions{})
	h := newHarness(t, mailpitTarget(t, m, ""))
	ev := linkedHugeEvent(5000, 7500, 0)
	ev.ID = event.NewID(h.clock.Now())
	h.commitEvent(ev, "mail")
	waitState(t, h, ev, "mail", store.StateDelivered)
	got := m.Message(t, m.WaitMessages(t, 1)[0].ID)
	if len(got.HTML) > emailMaxHTML || len(got.HTML) < emailMaxHTML*3/4 {
		t.Errorf("HTML part of %d bytes, want at most %d and most of it", len(got.HTML), emailMaxHTML)
	}
	lines := ev.Text().Changes
	kept := 0
	for kept < len(lines) && strings.Contains(got.Text, lines[kept]+"\n") {
		kept++
	}
	if kept == 0 || kept == len(lines) {
		t.Fatalf("the text part shows %d of %d lines: want it cut", kept, len(lines))
	}
	more := event.MoreLine(7500 - kept)
	if !strings.Contains(got.Text, lines[kept-1]+"\n  ") || !strings.Contains(got.Text, more+"\n") {
		t.Errorf("the text part does not end its %d lines with %q:\n…%s", kept, more, got.Text[max(0, len(got.Text)-600):])
	}
	// The lines' blocks, the "more" line's, and the block around them.
	if !strings.Contains(got.HTML, "<em>"+more+"</em>") || strings.Count(got.HTML, "<div style=") != kept+2 {
		t.Errorf("the HTML part has %d blocks, want the %d lines of the text part and %q", strings.Count(got.HTML, "<div style=")-2, kept, more)
	}
}

// TestEmail_temporaryReplyIsRetried: Mailpit answers RCPT TO with 451:
// the delivery stays pending, with the server's words and the target's
// first retry delay; once Mailpit accepts again the retry delivers the
// message, once.
func TestEmail_temporaryReplyIsRetried(t *testing.T) {
	t.Parallel()
	m := testkit.StartMailpit(t, testkit.MailpitOptions{})
	m.SetChaos(t, 451)
	h := newHarness(t, mailpitTarget(t, m, `retry = ["1m"]`))
	ev := h.commit("releases", "mail")
	var d store.Delivery
	testkit.WaitUntil(t, 30*time.Second, "a failed attempt", func() bool {
		d = h.delivery(ev, "mail")
		return d.Attempts == 1
	})
	if d.State != store.StatePending || d.LastStatus != 451 || !strings.Contains(d.LastError, "SMTP 451 (temporary)") ||
		!strings.Contains(d.LastError, "Chaos recipient error") {
		t.Errorf("after a 451: state %s, status %d, error %q", d.State, d.LastStatus, d.LastError)
	}
	if want := h.clock.Now().Add(time.Minute); !d.NextAt.Equal(want) {
		t.Errorf("next attempt at %v, want the retry delay later, %v", d.NextAt, want)
	}
	if n := len(m.Messages(t)); n != 0 {
		t.Errorf("mailpit holds %d messages after a 451", n)
	}
	m.SetChaos(t, 0)
	h.clock.Advance(time.Minute)
	d = waitState(t, h, ev, "mail", store.StateDelivered)
	if d.Attempts != 2 || len(m.WaitMessages(t, 1)) != 1 {
		t.Errorf("delivered after %d attempts, %d messages", d.Attempts, len(m.Messages(t)))
	}
}

// TestEmail_permanentReplyIsAFailedAttempt: a 5xx is recorded with the
// server's text, and the delivery becomes a dead letter at once: the
// target's retries are not spent on a refusal.
func TestEmail_permanentReplyIsAFailedAttempt(t *testing.T) {
	t.Parallel()
	m := testkit.StartMailpit(t, testkit.MailpitOptions{})
	m.SetChaos(t, 550)
	h := newHarness(t, mailpitTarget(t, m, `retry = ["1h", "1h"]`))
	ev := h.commit("releases", "mail")
	d := waitState(t, h, ev, "mail", store.StateFailed)
	if d.Attempts != 1 {
		t.Errorf("a 550 was attempted %d times, want 1", d.Attempts)
	}
	if d.LastStatus != 550 || !strings.Contains(d.LastError, "SMTP 550 (refused)") || !strings.Contains(d.LastError, "Chaos recipient error") {
		t.Errorf("status %d, error %q", d.LastStatus, d.LastError)
	}
}

// TestEmail_STARTTLS: against a Mailpit that requires STARTTLS with a test
// certificate, a target that trusts it (tls.ca_file) delivers, with its
// password; one that does not trust it fails with a certificate error,
// retried; one with starttls = false is refused by the server (530: a
// dead letter at once).
func TestEmail_STARTTLS(t *testing.T) {
	t.Parallel()
	m := testkit.StartMailpit(t, testkit.MailpitOptions{TLS: true})
	_, port, _ := net.SplitHostPort(m.SMTP)
	base := fmt.Sprintf("from = \"pollhook@example.com\"\nto = [\"ops@example.com\"]\nsmtp = \"smtp://ops:${SMTP_PASSWORD}@localhost:%s\"\n", port)
	trusted := emailTarget(t, base+fmt.Sprintf("tls = { ca_file = %q }\n", m.CA))
	untrusted := emailTarget(t, base)
	untrusted.Name = "untrusted"
	plain := emailTarget(t, fmt.Sprintf("from = \"pollhook@example.com\"\nto = [\"ops@example.com\"]\nsmtp = \"smtp://localhost:%s\"\nstarttls = false\n", port))
	plain.Name = "plain"
	h := newHarness(t, trusted, untrusted, plain)
	ev := h.commit("releases", "mail", "untrusted", "plain")
	waitState(t, h, ev, "mail", store.StateDelivered)
	if msgs := m.WaitMessages(t, 1); msgs[0].Subject != ev.Title() || msgs[0].Username != "ops" {
		t.Errorf("subject %q, authenticated as %q: want the title, as ops", msgs[0].Subject, msgs[0].Username)
	}
	var d store.Delivery
	testkit.WaitUntil(t, 30*time.Second, "failed attempts", func() bool {
		d = h.delivery(ev, "untrusted")
		return d.Attempts == 1 && h.delivery(ev, "plain").Attempts == 1
	})
	if d.State != store.StatePending || d.LastStatus != 0 || !strings.Contains(d.LastError, "certificate") {
		t.Errorf("untrusted certificate: state %s, status %d, error %q", d.State, d.LastStatus, d.LastError)
	}
	if p := h.delivery(ev, "plain"); p.State != store.StateFailed || p.LastStatus != 530 {
		t.Errorf("without STARTTLS: state %s, status %d, error %q", p.State, p.LastStatus, p.LastError)
	}
	if n := len(m.Messages(t)); n != 1 {
		t.Errorf("mailpit holds %d messages, want the trusted target's only", n)
	}
}

// TestEmail_credentialsStayOut: a wrong password is refused (535) with
// the server's words; the password is in no error or stored answer.
func TestEmail_credentialsStayOut(t *testing.T) {
	t.Parallel()
	auth := testkit.WriteFile(t, filepath.Join(t.TempDir(), "auth"), "ops:another-password\n")
	m := testkit.StartMailpit(t, testkit.MailpitOptions{AuthFile: auth})
	tg := mailpitTarget(t, m, `retry = []`)
	h := newHarness(t, tg)
	ev := h.commit("releases", "mail")
	d := waitState(t, h, ev, "mail", store.StateFailed)
	if d.LastStatus != 535 {
		t.Errorf("status %d, error %q: want 535", d.LastStatus, d.LastError)
	}
	_, attempts, err := h.db.Delivery(context.Background(), ev.ID, "mail")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range attempts {
		if strings.Contains(a.Error+a.Body, testSMTPPassword) {
			t.Errorf("attempt shows the password: %+v", a)
		}
	}
	if got := RedactURL(tg, tg.URL); strings.Contains(got, testSMTPPassword) || !strings.Contains(got, "ops:REDACTED@") {
		t.Errorf("RedactURL = %q", got)
	}
	if got := Redact(tg, "echo: "+testSMTPPassword); strings.Contains(got, testSMTPPassword) {
		t.Errorf("Redact = %q", got)
	}
}

// TestEmail_templates: the subject and body templates replace the
// default subject and body; a text/html template is the message's one
// HTML part.
func TestEmail_templates(t *testing.T) {
	t.Parallel()
	m := testkit.StartMailpit(t, testkit.MailpitOptions{})
	tg := mailpitTarget(t, m, `subject = "[{{.Data.Watch}}] {{len .Data.Changes}} changes"
template = "<p>{{escape_html (title .)}}</p>"
content_type = "text/html"`)
	h := newHarness(t, tg)
	ev := h.commit("releases", "mail")
	waitState(t, h, ev, "mail", store.StateDelivered)
	msg := m.WaitMessages(t, 1)[0]
	got, hd := m.Message(t, msg.ID), m.Headers(t, msg.ID)
	if got.Subject != "[releases] 1 changes" || strings.TrimSpace(got.HTML) != "<p>"+ev.Title()+"</p>" {
		t.Errorf("subject %q, HTML %q", got.Subject, got.HTML)
	}
	if ct := header(t, hd, "Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want the template's one HTML part", ct)
	}
}

// TestSendEmail_noAuthWithoutTLS: a target that would authenticate over
// a connection that is not TLS to another host is refused before any
// connection, whatever its configuration (which refuses it too).
func TestSendEmail_noAuthWithoutTLS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		email   config.Email
		allowed bool
	}{
		{"STARTTLS", config.Email{Host: "mail.example.com", StartTLS: true}, true},
		{"implicit TLS", config.Email{Host: "mail.example.com", ImplicitTLS: true}, true},
		{"plain to loopback", config.Email{Host: "127.0.0.1"}, true},
		{"plain to localhost", config.Email{Host: "localhost"}, true},
		{"plain to ::1", config.Email{Host: "::1"}, true},
		{"plain to another host", config.Email{Host: "mail.example.com"}, false},
		{"plain to a private address", config.Email{Host: "10.0.0.1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.email.AuthAllowed(); got != tt.allowed {
				t.Errorf("AuthAllowed = %t, want %t", got, tt.allowed)
			}
		})
	}
	e := config.Email{Host: "mail.example.com", Port: 25, Username: "u", Password: "p",
		From: "a@example.com", To: []string{"b@example.com"}}
	tg := &config.Target{Name: "mail", Kind: config.KindEmail, Email: &e}
	msg, err := RenderEmail(tg, goldenEvent(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := SendEmail(context.Background(), tg, msg); err != errAuthWithoutTLS {
		t.Errorf("SendEmail = %v, want %v", err, errAuthWithoutTLS)
	}
}

func TestWatchLabel(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, name := range []string{"releases", "a b", "a-b", "a_b", "Ünïcödé", "", strings.Repeat("x", 200)} {
		l := watchLabel(name)
		if !regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$`).MatchString(l) || len(l) > 70 {
			t.Errorf("watchLabel(%q) = %q: not a short dot-atom label", name, l)
		}
		if other, ok := seen[l]; ok {
			t.Errorf("watchLabel(%q) = watchLabel(%q) = %q", name, other, l)
		}
		seen[l] = name
	}
	if got := watchLabel("releases"); got != "releases" {
		t.Errorf("watchLabel(releases) = %q, want it as it is", got)
	}
}

// TestEmail_listIdPhrase: the List-Id's phrase names the watch, and is
// one a strict parser reads as a phrase (RFC 5322, RFC 2047 section 5):
// a quoted string, or encoded words holding none of the characters that
// end a phrase (":" "(" "<" "," ...), which every non-ASCII name meets
// in "pollhook: ".
func TestEmail_listIdPhrase(t *testing.T) {
	t.Parallel()
	word := regexp.MustCompile(`^=\?utf-8\?[bBqQ]\?[A-Za-z0-9!*+/=_-]*\?=$`)
	tg := emailTarget(t, "smtp = \"smtp://mail.example.com\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\n")
	for _, name := range []string{"releases", `say "hi"`, "café", "café (prod), <eu>: ü", "ünï/<x>\"watch\r"} {
		ev := goldenEvent()
		ev.Data.Watch = name
		msg, err := RenderEmail(tg, ev, "test")
		if err != nil {
			t.Fatal(err)
		}
		v := msg.GetGenHeader("List-Id")
		if len(v) != 1 {
			t.Fatalf("List-Id %q", v)
		}
		phrase, id, ok := strings.Cut(v[0], " <")
		if !ok || id != watchLabel(name)+".pollhook.localhost>" {
			t.Errorf("%q: List-Id %q", name, v[0])
			continue
		}
		var got string
		if strings.HasPrefix(phrase, `"`) {
			got, err = strconv.Unquote(phrase)
		} else {
			for _, w := range strings.Fields(phrase) {
				if !word.MatchString(w) {
					t.Errorf("%q: List-Id %q: %q is not an encoded word a phrase may hold", name, v[0], w)
				}
			}
			got, err = new(mime.WordDecoder).DecodeHeader(phrase)
		}
		if want := "pollhook: " + strings.ReplaceAll(name, "\r", " "); err != nil || got != want && got != "pollhook: "+name {
			t.Errorf("%q: List-Id phrase %q reads %q (%v), want %q", name, phrase, got, err, want)
		}
	}
}

// TestEmail_implicitTLS: smtps:// speaks TLS from the first byte, and
// authenticates over it.
func TestEmail_implicitTLS(t *testing.T) {
	t.Parallel()
	m := testkit.StartMailpit(t, testkit.MailpitOptions{ImplicitTLS: true})
	_, port, _ := net.SplitHostPort(m.SMTP)
	tg := emailTarget(t, fmt.Sprintf("from = \"pollhook@example.com\"\nto = [\"ops@example.com\"]\n"+
		"smtp = \"smtps://ops:${SMTP_PASSWORD}@127.0.0.1:%s\"\ntls = { ca_file = %q }\n", port, m.CA))
	h := newHarness(t, tg)
	ev := h.commit("releases", "mail")
	waitState(t, h, ev, "mail", store.StateDelivered)
	if msgs := m.WaitMessages(t, 1); msgs[0].Username != "ops" {
		t.Errorf("authenticated as %q, want ops", msgs[0].Username)
	}
}

// TestSendEmail_stopsWithItsContext: a server that never answers holds
// an attempt until its timeout, or until its context ends (shutdown),
// not longer, in whatever command it waits.
func TestSendEmail_stopsWithItsContext(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close() // silent: no greeting, ever
			accepted <- struct{}{}
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	tg := emailTarget(t, fmt.Sprintf("from = \"a@example.com\"\nto = [\"b@example.com\"]\nsmtp = \"smtp://127.0.0.1:%s\"\nstarttls = false\ntimeout = \"1h\"\n", port))
	msg, err := RenderEmail(tg, goldenEvent(), "test")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-accepted // the attempt is connected, and waits for the greeting
		cancel()
	}()
	if _, err := SendEmail(ctx, tg, msg); !errors.Is(err, context.Canceled) {
		t.Errorf("SendEmail = %v, want it cancelled", err)
	}

	tg.Timeout = 100 * time.Millisecond
	if _, err := SendEmail(context.Background(), tg, msg); err == nil || !strings.Contains(err.Error(), "no answer within 100ms") {
		t.Errorf("SendEmail = %v, want no answer within the timeout", err)
	}
}

// TestEmailBodies_hostileInput: for every hostile event (huge URLs and
// names, a 1 MiB error, control characters, links everywhere), the HTML
// part stays within its limit, holds no markup but pollhook's own (all
// of the event's text escaped), and the text part is no longer; the
// subject and the List-Id stay one short line.
//
// Not parallel: its events hold megabytes, which must not be live while
// TestDispatcher_PendingHeapBound measures the heap.
func TestEmailBodies_hostileInput(t *testing.T) {
	ours := regexp.MustCompile(`<!DOCTYPE html>|<meta charset="utf-8">|</?(html|head|body|title|h1|p|em|div|a)( (style|href)="[^"<>]*")*>`)
	for _, h := range append(hostileEvents(), struct {
		name string
		ev   *event.Event
	}{"5,000 linked changes", linkedHugeEvent(5000, 5000, 0)}) {
		t.Run(h.name, func(t *testing.T) {
			text, html := emailBodies(newChatText(h.ev))
			if len(html) > emailMaxHTML || len(text) > len(html) {
				t.Errorf("HTML %d bytes (limit %d), text %d", len(html), emailMaxHTML, len(text))
			}
			if rest := ours.ReplaceAllString(html, ""); strings.ContainsAny(rest, "<>") {
				i := strings.IndexAny(rest, "<>")
				t.Errorf("markup that is not pollhook's: …%s…", rest[max(0, i-80):min(len(rest), i+80)])
			}
			if !strings.Contains(text, h.ev.Text().Title) {
				t.Errorf("the text part lacks the title")
			}
			tg := emailTarget(t, "smtp = \"smtp://mail.example.com\"\nfrom = \"a@example.com\"\nto = [\"b@example.com\"]\n")
			msg, err := RenderEmail(tg, h.ev, "test")
			if err != nil {
				t.Fatal(err)
			}
			var raw strings.Builder
			if _, err := msg.WriteTo(&raw); err != nil {
				t.Fatal(err)
			}
			head, _, _ := strings.Cut(raw.String(), "\r\n\r\n")
			for _, line := range strings.Split(head, "\r\n") {
				if len(line) > 998 || strings.ContainsAny(line, "\x00\r\n") {
					t.Errorf("a header line of %d bytes: %.120q", len(line), line)
				}
			}
		})
	}
}

// TestEmailBodies_healthEvents: a failing watch's message says why and
// since when; a recovered one says it is back.
func TestEmailBodies_healthEvents(t *testing.T) {
	t.Parallel()
	since := testNow.Add(-3 * time.Hour)
	failing := &event.Event{ID: "msg_01JNE3Q4Z8N5V7W9Y1A3C5E7G9", Type: event.TypeFailing, Timestamp: testNow,
		Data: event.Data{Watch: "releases", URL: "https://api.example.com/r", Seq: 4, Error: "HTTP 502: <bad gateway>", Failures: 3, Since: &since}}
	recovered := &event.Event{ID: "msg_01JNE3Q4Z8N5V7W9Y1A3C5E7GA", Type: event.TypeRecovered, Timestamp: testNow,
		Data: event.Data{Watch: "releases", URL: "https://api.example.com/r", Seq: 5, Since: &since}}
	for _, tt := range []struct {
		ev         *event.Event
		title      string
		text, html []string
	}{
		{failing, "releases is failing (3 polls in a row)",
			[]string{"Error: HTTP 502: <bad gateway>\nFailing since "},
			[]string{"<p style=\"margin:0 0 8px\">Error: HTTP 502: &lt;bad gateway&gt;</p>", `<a href="https://api.example.com/r">`}},
		{recovered, "releases recovered", []string{"Back after failing for 3h"}, []string{"Back after failing for 3h"}},
	} {
		text, html := emailBodies(newChatText(tt.ev))
		if !strings.HasPrefix(text, tt.title+"\n\n") || !strings.Contains(html, "<h1 style=\"font-size:18px;margin:0 0 12px\">"+tt.title+"</h1>") {
			t.Errorf("%s: title missing:\n%s\n%s", tt.ev.Type, text, html)
		}
		for _, w := range tt.text {
			if !strings.Contains(text, w) {
				t.Errorf("%s: text part lacks %q:\n%s", tt.ev.Type, w, text)
			}
		}
		for _, w := range tt.html {
			if !strings.Contains(html, w) {
				t.Errorf("%s: HTML part lacks %q:\n%s", tt.ev.Type, w, html)
			}
		}
	}
}

// echoAuthServer is an SMTP server on loopback that offers the one
// authentication mechanism mech and refuses the credentials by quoting
// the line that carried them, as a careless server's error may: the
// base64 of AUTH PLAIN's "\x00user\x00password", or LOGIN's password.
func echoAuthServer(t *testing.T, mech string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	serve := func(c net.Conn) {
		defer c.Close()
		tp := textproto.NewConn(c)
		tp.PrintfLine("220 echo ESMTP")
		step := 0
		for {
			l, err := tp.ReadLine()
			if err != nil {
				return
			}
			switch {
			case strings.HasPrefix(l, "EHLO"):
				tp.PrintfLine("250-echo\r\n250 AUTH %s", mech)
			case l == "AUTH LOGIN":
				tp.PrintfLine("334 VXNlcm5hbWU6") // Username:
			case strings.HasPrefix(l, "AUTH "):
				tp.PrintfLine("535 5.7.8 refused: %s", l)
			case strings.HasPrefix(l, "QUIT"):
				tp.PrintfLine("221 bye")
				return
			case step == 0:
				step++
				tp.PrintfLine("334 UGFzc3dvcmQ6") // Password:
			default:
				tp.PrintfLine("535 5.7.8 refused: %s", l)
			}
		}
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return ln.Addr().String()
}

// TestEmail_echoedAuthIsRedacted: a server that quotes the AUTH line in
// its refusal shows the password base64-encoded; the attempt's reason,
// which deliveries, the log and test-target show, must not carry it in
// that form either.
func TestEmail_echoedAuthIsRedacted(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		t.Run(mech, func(t *testing.T) {
			t.Parallel()
			tg := emailTarget(t, fmt.Sprintf(`smtp = "smtp://ops:${SMTP_PASSWORD}@%s"
starttls = false
from = "pollhook@example.com"
to = ["ops@example.com"]`, echoAuthServer(t, mech)))
			msg, err := RenderEmail(tg, goldenEvent(), "test")
			if err != nil {
				t.Fatal(err)
			}
			_, err = SendEmail(context.Background(), tg, msg)
			code, v := ClassifyEmail(tg, err)
			if code != 535 || !strings.Contains(v.Reason, "refused: ") {
				t.Fatalf("code %d, reason %q: want the server's 535", code, v.Reason)
			}
			for _, form := range []string{testSMTPPassword,
				base64.StdEncoding.EncodeToString([]byte("\x00ops\x00" + testSMTPPassword)),
				base64.StdEncoding.EncodeToString([]byte(testSMTPPassword))} {
				if strings.Contains(v.Reason, form) {
					t.Errorf("reason %q shows the password as %q", v.Reason, form)
				}
			}
		})
	}
}
