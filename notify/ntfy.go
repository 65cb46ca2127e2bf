package notify

import (
	"net/http"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
)

// ntfy takes JSON published to the server's root URL, with the topic in the
// body. Messages over 4096 bytes are turned into attachments
// (https://docs.ntfy.sh/publish/#limitations), so pollhook keeps the message
// under that; and ntfy reads a JSON body of at most twice that limit,
// answering 413 to a longer one (transformBodyJSON in ntfy's
// server/server.go), so the whole body stays under 8192 bytes, of which the
// click link takes at most half. The text is plain: no escaping.
const (
	ntfyMaxMessage = 4096
	ntfyMaxBody    = 2 * ntfyMaxMessage
)

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
	// A notification has one click action
	// (https://docs.ntfy.sh/publish/#click-action): the first element's
	// link instead of the watch URL, which the message shows too.
	c = c.firstElement()
	head := strings.Join(c.Intro, "\n")
	m := ntfyMessage{
		Topic:    t.Topic,
		Title:    c.Title,
		Tags:     t.Tags,
		Priority: t.Priority,
		Click:    c.linkUpTo(ntfyMaxBody / 2),
	}
	build := func(lines []string, more int) {
		var parts []string
		if head != "" {
			parts = append(parts, head)
		}
		parts = append(parts, lines...)
		if more > 0 {
			parts = append(parts, event.MoreLine(more))
		}
		msg := strings.Join(parts, "\n")
		if c.urlText != "" {
			msg += "\n\n" + c.urlText
		}
		m.Message = strings.TrimLeft(msg, "\n")
	}
	build(nil, 0)
	skeleton, err := marshalJSON(m)
	if err != nil {
		return nil, err
	}
	// A line costs its JSON and a \n (two bytes in JSON): never less than
	// its bytes and a newline in the message, so one budget keeps both
	// limits.
	budget := min(ntfyMaxMessage-len(m.Message), ntfyMaxBody-len(skeleton)) - 1
	f := c.fit(func(l string) string { return l }, func(l string) int { return jsonLen(l) + len(`\n`) }, budget)
	build(f.lines, f.more)
	return m, nil
}
