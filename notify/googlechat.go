package notify

import (
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
)

// Google Chat space webhooks take a message with text and cardsV2. A
// message, text and cards together, may be 32,000 bytes
// (https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages/create);
// pollhook keeps 2,000 in reserve, and the button's link takes at most
// half of the rest. Card text takes a small HTML subset (<b>, <i>, <br>,
// <a>, <font>), so lines are HTML-escaped, and each change line links its
// element with <a href> ("Format a card message",
// https://developers.google.com/workspace/chat/format-messages); the Open
// button keeps the watch URL. The lines' links take at most half of the
// room left for the lines.
const googleChatMaxBytes = 30000

type googleChatMessage struct {
	Text    string           `json:"text"`
	CardsV2 []googleChatCard `json:"cardsV2"`
}

type googleChatCard struct {
	CardID string       `json:"cardId"`
	Card   googleChatUI `json:"card"`
}

type googleChatUI struct {
	Header   googleChatHeader    `json:"header"`
	Sections []googleChatSection `json:"sections"`
}

type googleChatHeader struct {
	Title    string `json:"title"`
	Subtitle string `json:"subtitle,omitempty"`
}

type googleChatSection struct {
	Widgets []googleChatWidget `json:"widgets"`
}

type googleChatWidget struct {
	TextParagraph *googleChatParagraph `json:"textParagraph,omitempty"`
	ButtonList    *googleChatButtons   `json:"buttonList,omitempty"`
}

type googleChatParagraph struct {
	Text string `json:"text"`
}

type googleChatButtons struct {
	Buttons []googleChatButton `json:"buttons"`
}

type googleChatButton struct {
	Text    string            `json:"text"`
	OnClick googleChatOnClick `json:"onClick"`
}

type googleChatOnClick struct {
	OpenLink googleChatLink `json:"openLink"`
}

type googleChatLink struct {
	URL string `json:"url"`
}

func googleChatPayload(_ *config.Target, _ *event.Event, c *chatText) (any, error) {
	ui := googleChatUI{Header: googleChatHeader{Title: c.Title, Subtitle: c.urlText}}
	var widgets []googleChatWidget
	if link := c.linkUpTo(googleChatMaxBytes / 2); link != "" {
		widgets = append(widgets, googleChatWidget{ButtonList: &googleChatButtons{Buttons: []googleChatButton{{
			Text: "Open", OnClick: googleChatOnClick{OpenLink: googleChatLink{URL: link}},
		}}}})
	}
	intro := make([]string, len(c.Intro))
	for i, l := range c.Intro {
		intro[i] = escapeHTML(l)
	}
	msg := googleChatMessage{Text: c.Title}
	build := func(paragraph string) {
		ws := widgets
		if paragraph != "" {
			ws = append([]googleChatWidget{{TextParagraph: &googleChatParagraph{Text: paragraph}}}, widgets...)
		}
		ui.Sections = []googleChatSection{{Widgets: ws}}
		msg.CardsV2 = []googleChatCard{{CardID: "pollhook-" + c.Watch, Card: ui}}
	}

	build(strings.Join(intro, "<br>"))
	skeleton, err := marshalJSON(msg)
	if err != nil {
		return nil, err
	}
	cost := func(e string) int { return jsonLen(e) + len("<br>") }
	// Reserve what the paragraph widget adds when the intro is empty, and
	// the italics around the last line.
	budget := googleChatMaxBytes - len(skeleton) - len(`{"textParagraph":{"text":""}},`) - len("<i></i>")
	room := linkRoom{lines: len(c.Changes), bytes: budget / 2}
	f := c.fitLinked(htmlLine, func(e, _ string) int { return cost(e) }, budget, room)
	lines := append(intro, f.lines...)
	if f.more > 0 {
		lines = append(lines, "<i>"+event.MoreLine(f.more)+"</i>")
	}
	build(strings.Join(lines, "<br>"))
	return msg, nil
}
