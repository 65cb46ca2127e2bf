package notify

import (
	"net/http"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
)

// Gotify: POST {url}/message with the application token in X-Gotify-Key
// (not in the query, where it would end up in logs). The message is
// Markdown, as the client::display extra says. Gotify documents no length
// limit; pollhook keeps messages under 16,000 bytes, which phones still
// show whole.
const gotifyMaxMessage = 16000

type gotifyMessage struct {
	Title    string       `json:"title"`
	Message  string       `json:"message"`
	Priority *int         `json:"priority,omitempty"`
	Extras   gotifyExtras `json:"extras"`
}

type gotifyExtras struct {
	Display      gotifyDisplay       `json:"client::display"`
	Notification *gotifyNotification `json:"client::notification,omitempty"`
}

type gotifyDisplay struct {
	ContentType string `json:"contentType"`
}

type gotifyNotification struct {
	Click gotifyClick `json:"click"`
}

type gotifyClick struct {
	URL string `json:"url"`
}

func gotifyRoute(t *config.Target, _ *event.Event) (*Message, error) {
	h := http.Header{}
	h.Set("X-Gotify-Key", t.Token)
	return &Message{Method: http.MethodPost, URL: strings.TrimRight(t.URL, "/") + "/message", Header: h}, nil
}

// markdownLink shows the watch URL: as a CommonMark autolink when the link
// is the URL as shown, as a link with the cut text when the URL is longer,
// and as the cut text alone when the link would take more than half of the
// message.
func markdownLink(c *chatText) string {
	switch {
	case c.link == "":
		return event.EscapeMarkdown(c.urlText)
	case c.link == c.urlText:
		return "<" + c.link + ">"
	}
	// linkTarget leaves no < > or space in a link: <…> holds it whole.
	if l := "[" + event.EscapeMarkdown(c.urlText) + "](<" + c.link + ">)"; len(l) <= gotifyMaxMessage/2 {
		return l
	}
	return event.EscapeMarkdown(c.urlText)
}

func gotifyPayload(t *config.Target, _ *event.Event, c *chatText) (any, error) {
	// The lines are a code block, and a notification has one click URL
	// (client::notification, https://gotify.net/docs/msgextras): both the
	// message's link and the click go to the first element instead of the
	// watch URL.
	c = c.firstElement()
	intro := escapedIntro(c, event.EscapeMarkdown)
	link := markdownLink(c)
	budget := gotifyMaxMessage - len(intro) - len(link) - len("\n\n```\n\n```\n\n**\n\n")
	f := c.fit(guardFence, func(l string) int { return len(l) + 1 }, budget)
	m := gotifyMessage{
		Title:   c.Title,
		Message: joinParts(intro, fence("", f.lines), moreItalic(f.more), link),
		Extras:  gotifyExtras{Display: gotifyDisplay{ContentType: "text/markdown"}},
	}
	if t.Priority > 0 {
		p := t.Priority
		m.Priority = &p
	}
	if c.link != "" {
		m.Extras.Notification = &gotifyNotification{Click: gotifyClick{URL: c.link}}
	}
	return m, nil
}
