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
//
// Each change line links its element, as an <a href> of the HTML style
// (https://core.telegram.org/bots/api#html-style), the watch URL's link
// staying at the end. Telegram documents no limit on a message's entities,
// but its developers report two: entities past the 100th are ignored
// (https://github.com/tdlib/telegram-bot-api/issues/820), and a message
// whose text and entities pass about 9,500 characters is refused with
// ENTITIES_TOO_LONG (https://github.com/tdlib/telegram-bot-api/issues/165).
// So at most 50 lines are linked, and the link targets of a message, the
// watch URL's with the lines', take at most 4,096 bytes: with the 4,096
// characters of text, under 9,500.
const (
	telegramMaxText        = 4096
	telegramMaxTitle       = 256
	telegramMaxLinkedLines = 50
	telegramMaxLinkBytes   = 4096
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
	href := c.linkUpTo(maxUndocumentedLink)
	if href != "" {
		link = anchorHTML(href, link)
	}
	fixed := visibleLen(strings.Join(head, "\n")) + len("\n\n") + visibleLen(link)
	room := linkRoom{lines: telegramMaxLinkedLines, each: maxUndocumentedLink, bytes: telegramMaxLinkBytes - len(href)}
	f := c.fitLinked(htmlLine, func(e, _ string) int { return visibleLen(e) + 1 }, telegramMaxText-fixed, room)
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
