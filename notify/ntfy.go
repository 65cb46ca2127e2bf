package notify

import (
	"net/http"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
)

// ntfy takes JSON published to the server's root URL, with the topic in the
// body. Messages over 4096 bytes are turned into attachments, so pollhook
// keeps the message under that. The text is plain: no escaping.
const ntfyMaxMessage = 4096

type ntfyMessage struct {
	Topic    string   `json:"topic"`
	Title    string   `json:"title"`
	Message  string   `json:"message"`
	Tags     []string `json:"tags,omitempty"`
	Priority int      `json:"priority,omitempty"`
	Click    string   `json:"click,omitempty"`
}

func ntfyRoute(t *config.Target, _ *event.Event) (*Message, error) {
	m := &Message{Method: http.MethodPost, URL: t.URL, Header: http.Header{}}
	if t.Token != "" {
		m.Header.Set("Authorization", "Bearer "+t.Token)
	}
	return m, nil
}

func ntfyPayload(t *config.Target, _ *event.Event, c *chatText) (any, error) {
	head := strings.Join(c.Intro, "\n")
	budget := ntfyMaxMessage - len(head) - len("\n\n") - len(c.url) - 1
	f := c.fit(func(l string) string { return l }, func(l string) int { return len(l) + 1 }, budget)
	var parts []string
	if head != "" {
		parts = append(parts, head)
	}
	parts = append(parts, f.lines...)
	if f.more > 0 {
		parts = append(parts, event.MoreLine(f.more))
	}
	msg := strings.Join(parts, "\n")
	if c.url != "" {
		msg += "\n\n" + c.url
	}
	return ntfyMessage{
		Topic:    t.Topic,
		Title:    c.Title,
		Message:  strings.TrimLeft(msg, "\n"),
		Tags:     t.Tags,
		Priority: t.Priority,
		Click:    c.url,
	}, nil
}
