package notify

import (
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
)

// Slack incoming webhooks take a Block Kit message: a header, mrkdwn
// sections and a context line, with text as the notification fallback.
// Block Kit limits (https://docs.slack.dev/reference/block-kit/): 50 blocks
// a message, 150 characters of header text, 1-3000 characters in every
// text object (a section's text, each element of a context block, which
// holds at most 10). Lines link their elements with mrkdwn's <url|text>
// (https://api.slack.com/reference/surfaces/formatting#linking-urls);
// the context line keeps the watch URL.
const (
	slackMaxBlocks  = 50
	slackMaxHeader  = 150
	slackMaxSection = 3000 // any text object
	// slackMaxChanges caps the change text of all sections together. Slack
	// documents no total for blocks, but rejects messages well under its
	// 40,000-character text limit with msg_blocks_too_long (reported near
	// 13,000 characters), so pollhook stays under that.
	slackMaxChanges = 12000
)

type slackText struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Emoji    bool   `json:"emoji,omitempty"`
	Verbatim bool   `json:"verbatim,omitempty"`
}

type slackBlock struct {
	Type     string      `json:"type"`
	Text     *slackText  `json:"text,omitempty"`
	Elements []slackText `json:"elements,omitempty"`
}

type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks"`
}

// escapeSlack escapes the three characters Slack's mrkdwn reserves: the
// same as HTML's.
func escapeSlack(s string) string { return ampLtGt.Replace(s) }

// slackLink is the context line: the watch URL linked (slackAnchor).
// When that is over a text object's 3,000 characters the link is dropped
// and the cut text shown verbatim, so that Slack does not link the cut URL
// itself.
func slackLink(c *chatText) slackText {
	text := escapeSlack(c.urlText)
	if c.link != "" {
		if l := slackAnchor(c.link, text); human.Len(l) <= slackMaxSection {
			return *mrkdwn(l)
		}
	}
	return slackText{Type: "mrkdwn", Text: text, Verbatim: true}
}

// slackAnchor is mrkdwn's <link|text>: the link target with its &
// escaped (linkTarget has encoded < > and |, so the first | is the one
// that ends the target), and text already escaped.
func slackAnchor(link, text string) string {
	return "<" + strings.ReplaceAll(link, "&", "&amp;") + "|" + text + ">"
}

// slackLine is a change line as mrkdwn outside a code block: escaped,
// guarded against opening one, and linked to its element when it has a
// link.
func slackLine(l, link string) string {
	e := guardFence(escapeSlack(l))
	if link == "" {
		return e
	}
	return slackAnchor(link, e)
}

func mrkdwn(s string) *slackText { return &slackText{Type: "mrkdwn", Text: s} }

func slackPayload(_ *config.Target, _ *event.Event, c *chatText) (any, error) {
	m := slackMessage{
		Text: escapeSlack(c.Title),
		Blocks: []slackBlock{{Type: "header", Text: &slackText{
			Type: "plain_text", Text: human.Cut(c.Title, slackMaxHeader), Emoji: true,
		}}},
	}
	if len(c.Intro) > 0 {
		intro := cutEscaped(strings.Join(c.Intro, "\n"), slackMaxSection, escapeSlack)
		m.Blocks = append(m.Blocks, slackBlock{Type: "section", Text: mrkdwn(intro)})
	}

	// A message whose lines link their elements shows them as mrkdwn
	// lines, verbatim (no URL or name in a value becomes a link or a
	// mention), since a code block links nothing (see fitFormatted);
	// otherwise each section is a code block. A linked line fits one text
	// object, and the links take at most half of the room.
	room := linkRoom{lines: len(c.Changes), line: slackMaxSection + 1, bytes: slackMaxChanges / 2}
	f, linked := c.fitFormatted(slackLine, func(l string) string { return guardFence(escapeSlack(l)) },
		func(e string) int { return human.Len(e) + 1 }, slackMaxChanges, room)
	// Pack the lines into sections of at most 3000 characters, each its own
	// code block when unlinked. A line is at most a few hundred characters
	// even escaped, and a linked one at most a text object, so
	// slackMaxChanges keeps the sections far below the 50-block limit.
	fenceLen := len("```\n\n```")
	if linked {
		fenceLen = 0
	}
	var section []string
	size := 0
	flush := func() {
		switch {
		case len(section) == 0:
		case linked:
			m.Blocks = append(m.Blocks, slackBlock{Type: "section",
				Text: &slackText{Type: "mrkdwn", Text: strings.Join(section, "\n"), Verbatim: true}})
		default:
			m.Blocks = append(m.Blocks, slackBlock{Type: "section", Text: mrkdwn(fence("", section))})
		}
		section, size = nil, 0
	}
	for _, l := range f.lines {
		w := human.Len(l)
		if len(section) > 0 && size+1+w+fenceLen > slackMaxSection {
			flush()
		}
		if len(section) > 0 {
			size++
		}
		section = append(section, l)
		size += w
	}
	flush()
	if f.more > 0 {
		m.Blocks = append(m.Blocks, slackBlock{Type: "section", Text: mrkdwn("_" + event.MoreLine(f.more) + "_")})
	}
	if c.urlText != "" {
		m.Blocks = append(m.Blocks, slackBlock{Type: "context", Elements: []slackText{slackLink(c)}})
	}
	return m, nil
}

// Mattermost incoming webhooks take Slack's older format: text plus
// attachments, whose colour marks the kind of change. A post's message
// holds 16,383 runes and its props, where the attachments go, 760,000
// (PostMessageMaxRunesV2, PostPropsMaxUserRunes in
// mattermost/server/public/model/post.go).
//
// mattermostMaxText caps the attachment text: Mattermost documents no
// attachment limit, so pollhook keeps it under the 16,383 characters of a
// post.
const mattermostMaxText = 16000

type mattermostAttachment struct {
	Fallback  string `json:"fallback"`
	Color     string `json:"color"`
	Title     string `json:"title,omitempty"`
	TitleLink string `json:"title_link,omitempty"`
	Text      string `json:"text,omitempty"`
}

type mattermostMessage struct {
	Text        string                 `json:"text"`
	Channel     string                 `json:"channel,omitempty"`
	Username    string                 `json:"username,omitempty"`
	IconURL     string                 `json:"icon_url,omitempty"`
	Attachments []mattermostAttachment `json:"attachments"`
}

func mattermostPayload(t *config.Target, _ *event.Event, c *chatText) (any, error) {
	intro := escapedIntro(c, event.EscapeMarkdown)
	// Fixed parts: the intro, the code fence, the blank lines between them
	// and the italics around the last line.
	budget := mattermostMaxText - human.Len(intro) - len("\n\n```diff\n\n```\n\n**")
	changes, more := c.markdownChanges("diff", budget)
	a := mattermostAttachment{
		Fallback: c.Title,
		Color:    c.tone.hex(),
		Text:     joinParts(intro, changes, moreItalic(more)),
	}
	// The title link fits in the props whatever it is (maxLink).
	a.Title, a.TitleLink = c.urlText, c.link
	return mattermostMessage{
		Text:        "**" + event.EscapeMarkdown(c.Title) + "**",
		Channel:     t.Channel,
		Username:    t.Username,
		IconURL:     t.IconURL,
		Attachments: []mattermostAttachment{a},
	}, nil
}

// escapedIntro is the intro lines, each escaped, one per line.
func escapedIntro(c *chatText, esc func(string) string) string {
	lines := make([]string, len(c.Intro))
	for i, l := range c.Intro {
		lines[i] = esc(l)
	}
	return strings.Join(lines, "\n")
}

// moreItalic is the Markdown "…and N more changes" line, or "".
func moreItalic(more int) string {
	if more <= 0 {
		return ""
	}
	return "*" + event.MoreLine(more) + "*"
}

// joinParts joins the non-empty parts of a Markdown message with blank
// lines.
func joinParts(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "\n\n")
}
