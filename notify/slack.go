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
// holds at most 10).
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

// escapeSlack escapes the three characters Slack's mrkdwn reserves.
func escapeSlack(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// slackLink is the context line: <link|text>, the link target with its &
// escaped (linkTarget has encoded < > and |). When that is over a text
// object's 3,000 characters the link is dropped and the cut text shown
// verbatim, so that Slack does not link the cut URL itself.
func slackLink(c *chatText) slackText {
	text := escapeSlack(c.urlText)
	if c.link != "" {
		l := "<" + strings.ReplaceAll(c.link, "&", "&amp;") + "|" + text + ">"
		if human.Len(l) <= slackMaxSection {
			return *mrkdwn(l)
		}
	}
	return slackText{Type: "mrkdwn", Text: text, Verbatim: true}
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

	esc := func(l string) string { return guardFence(escapeSlack(l)) }
	f := c.fit(esc, func(e string) int { return human.Len(e) + 1 }, slackMaxChanges)
	// Pack the lines into sections of at most 3000 characters, each its own
	// code block. A line is at most a few hundred characters even escaped,
	// so every section holds several, and slackMaxChanges keeps the
	// sections far below the 50-block limit.
	const fenceLen = len("```\n\n```")
	var section []string
	size := 0
	flush := func() {
		if len(section) > 0 {
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
	f := c.fit(guardFence, func(e string) int { return human.Len(e) + 1 }, budget)
	a := mattermostAttachment{
		Fallback: c.Title,
		Color:    c.tone.hex(),
		Text:     joinParts(intro, fence("diff", f.lines), moreItalic(f.more)),
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
