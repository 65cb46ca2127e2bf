package notify

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/httpclient"
)

// Message is one HTTP request to a target, ready to send.
type Message struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Render builds the request that delivers ev to t. now is the time of this
// attempt: it goes into webhook-timestamp and the signature.
func Render(t *config.Target, ev *event.Event, now time.Time, version string) (*Message, error) {
	var (
		m   *Message
		err error
	)
	switch {
	case t.Kind == config.KindWebhook && t.Template != nil:
		m, err = renderTemplate(t, ev)
	case t.Kind == config.KindWebhook:
		m, err = renderWebhook(t, ev)
	default:
		// Chat kinds; a template replaces only their body (see chat.go).
		m, err = renderChat(t, ev)
	}
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", t.Kind, err)
	}
	if m.Method == "" {
		m.Method = http.MethodPost
	}
	if m.Header == nil {
		m.Header = http.Header{}
	}
	if m.Header.Get("Content-Type") == "" {
		m.Header.Set("Content-Type", "application/json")
	}
	m.Header.Set("User-Agent", "pollhook/"+version)
	for k, v := range t.Headers {
		m.Header.Set(k, v)
	}
	// Standard Webhooks headers go on every kind: they cost nothing, and a
	// receiver that knows them can deduplicate on webhook-id.
	ts := strconv.FormatInt(now.Unix(), 10)
	m.Header.Set("webhook-id", ev.ID)
	m.Header.Set("webhook-timestamp", ts)
	if len(t.Secrets) > 0 {
		m.Header.Set("webhook-signature", Sign(t.Secrets, ev.ID, ts, m.Body))
	}
	return m, nil
}

// Sign returns the webhook-signature header value for a message: one
// "v1,<base64 HMAC-SHA256 of id.timestamp.body>" per secret, space
// separated, as the Standard Webhooks spec describes for key rotation.
func Sign(secrets [][]byte, id, timestamp string, body []byte) string {
	sigs := make([]string, len(secrets))
	for i, key := range secrets {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(timestamp))
		mac.Write([]byte{'.'})
		mac.Write(body)
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	return strings.Join(sigs, " ")
}

// renderWebhook sends the event as JSON: exactly as committed to the
// outbox when it comes from there.
func renderWebhook(t *config.Target, ev *event.Event) (*Message, error) {
	body, err := ev.JSON()
	if err != nil {
		return nil, err
	}
	return &Message{URL: t.URL, Body: body}, nil
}

func renderTemplate(t *config.Target, ev *event.Event) (*Message, error) {
	m := &Message{URL: t.URL, Header: http.Header{}}
	return m, applyTemplate(t, ev, m)
}

// applyTemplate makes the target's template the body of m, with the
// target's content_type.
func applyTemplate(t *config.Target, ev *event.Event, m *Message) error {
	var buf bytes.Buffer
	if err := t.Template.Execute(&buf, ev); err != nil {
		return fmt.Errorf("template: %w", err)
	}
	m.Body = buf.Bytes()
	if t.ContentType != "" {
		m.Header.Set("Content-Type", t.ContentType)
	}
	return nil
}

// Verdict is what a target's response means for the delivery.
type Verdict struct {
	// OK: delivered.
	OK bool
	// RetryAfter, when positive, is the least time to wait before the next
	// attempt (Retry-After, a tool's retry_after).
	RetryAfter time.Duration
	// Disable: the target is gone (410 Gone and its equivalents); stop
	// sending to it until it is enabled again.
	Disable bool
	// Permanent: the target refused this delivery for good (an SMTP 5xx
	// reply): no retry, a dead letter at once, for `pollhook redeliver`
	// once the cause is fixed.
	Permanent bool
	// Reason describes a failure for logs and the CLI.
	Reason string
}

// MaxRetryAfter caps how long a Retry-After can hold a delivery back.
const MaxRetryAfter = 24 * time.Hour

// Classify reads a target's response. body is at most the first bytes of
// the response (enough for the tools that explain failures in JSON).
func Classify(t *config.Target, status int, h http.Header, body []byte, now time.Time) Verdict {
	v := Verdict{OK: status >= 200 && status < 300}
	if status == http.StatusGone {
		v.Disable = true
	}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		v.RetryAfter, _, _ = httpclient.RetryAfter(h.Get("Retry-After"), now, MaxRetryAfter)
	}
	// The tool's own words: its error description, retry_after hints, the
	// answers that mean the target is gone, and Reason (see classify.go).
	classifyKind(t, status, body, &v)
	return v
}
