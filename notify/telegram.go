package notify

import (
	"html"
	"net/http"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
)

// Telegram's Bot API sendMessage takes text of 1-4096 characters after
// entity parsing (https://core.telegram.org/bots/api#sendmessage): the limit
// counts what the reader sees, not the HTML. Lines are HTML-escaped (< > &
// as entities) for parse_mode HTML. A link's URL has no documented limit:
// it is kept to maxUndocumentedLink.
const (
	telegramMaxText  = 4096
	telegramMaxTitle = 256
)

type telegramMessage struct {
	ChatID             string              `json:"chat_id"`
	Text               string              `json:"text"`
	ParseMode          string              `json:"parse_mode"`
	LinkPreviewOptions telegramLinkPreview `json:"link_preview_options"`
}

type telegramLinkPreview struct {
	IsDisabled bool `json:"is_disabled"`
}

// telegramRoute posts to {url}/bot{token}/sendMessage. The token is in the
// URL: show Message.URL only through RedactURL.
func telegramRoute(t *config.Target, _ *event.Event) (*Message, error) {
	base := strings.TrimRight(t.URL, "/")
	if base == "" {
		base = config.DefaultTelegramURL
	}
	return &Message{Method: http.MethodPost, URL: base + "/bot" + t.Token + "/sendMessage"}, nil
}

// visibleLen is the length of an HTML fragment once Telegram has parsed
// its tags and entities.
func visibleLen(h string) int {
	var b strings.Builder
	inTag := false
	for _, r := range h {
		switch {
		case r == '<':
			inTag = true
		case r == '>' && inTag:
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	return human.Len(html.UnescapeString(b.String()))
}

func telegramPayload(t *config.Target, _ *event.Event, c *chatText) (any, error) {
	head := []string{"<b>" + escapeHTML(human.Cut(c.Title, telegramMaxTitle)) + "</b>"}
	for _, l := range c.Intro {
		head = append(head, escapeHTML(l))
	}
	link := escapeHTML(c.urlText)
	if href := c.linkUpTo(maxUndocumentedLink); href != "" {
		link = `<a href="` + escapeAttr(href) + `">` + link + "</a>"
	}
	fixed := visibleLen(strings.Join(head, "\n")) + len("\n\n") + visibleLen(link)
	f := c.fit(escapeHTML, func(e string) int { return visibleLen(e) + 1 }, telegramMaxText-fixed)
	body := append(head, f.lines...)
	if f.more > 0 {
		body = append(body, "<i>"+event.MoreLine(f.more)+"</i>")
	}
	text := strings.Join(body, "\n")
	if link != "" {
		text += "\n\n" + link
	}
	return telegramMessage{
		ChatID:             t.ChatID,
		Text:               text,
		ParseMode:          "HTML",
		LinkPreviewOptions: telegramLinkPreview{IsDisabled: true},
	}, nil
}
