package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/event"
	"github.com/pollhook/pollhook/internal/human"
)

// Every chat kind renders the same content: a title, a few lines about the
// event (an error, how long a watch failed), one readable line per change,
// "…and N more changes" when the message had to be cut or the event lists
// fewer changes than it counts, and a link to the watch URL. The event
// package writes that content once (event.Text), every part of it bounded
// whatever the input: the watch name is cut to 100 characters, an error to
// 300, each part of a change line to 80. Each kind escapes it for its
// format and cuts it to its limits, so every field of every kind stays
// inside what the tool documents.
//
// The watch URL is the one part that comes whole, and it may be any
// length. Where it is shown as text it is cut to maxURLText characters.
// Where it is a link's target it is never cut: a cut URL leads somewhere
// else (another query, another resource), so a URL too long for the link
// is dropped from it and only its cut text is shown. A link is dropped
// when it is longer than maxLink, when it would not fit the field that
// holds it (Slack's 3,000-character text objects), when the tool documents
// no limit for it and it is longer than 2,048 characters (Discord, Telegram:
// both refuse a whole message over one bad field), and when it would take
// more than half of a message's room, which is the changes'.
//
// A watch with a link option gives its elements their own URLs
// (event.Text.Links), and a message links them instead of sending people
// to the API's JSON. The kinds whose messages can link a line link every
// change line to its element, and keep the watch URL's link: Slack
// (<url|line> in mrkdwn), Discord and Mattermost (a Markdown link after
// the line), Teams (text runs), Google Chat, Telegram and Matrix (HTML).
// Slack, Discord and Mattermost show the lines in a code block, which
// links nothing, so a message that links a line shows its lines as
// formatted text instead; without links they stay as they were. The kinds
// that carry one link (ntfy and gotify, whose notifications open one click
// URL) link the first element's instead of the watch URL (firstElement).
// An element's link goes through linkTarget like the watch URL: one that
// is not http or https, or too long, is dropped and never cut, and the
// line is shown unlinked. The links of the lines take at most half of the
// room for the lines (linkRoom): where they would take more, the lines
// after are shown unlinked rather than left out, since the changes are
// what a message is for.

const (
	// maxURLText is how long the watch URL may get where it is shown as
	// text, in characters.
	maxURLText = 300
	// maxLink is the longest link target pollhook sends, in bytes: RFC
	// 9110 §4.1 asks senders and recipients to support URIs of at least
	// 8,000 octets, and promises nothing longer.
	maxLink = 8000
	// maxUndocumentedLink is the longest link target pollhook sends where
	// a tool documents no limit for it.
	maxUndocumentedLink = 2048
)

// tone is what kind of news an event is; kinds with colours use it.
type tone int

const (
	toneChanged tone = iota
	toneAdded
	toneRemoved
	toneFailing
	toneRecovered
	toneTest
)

// Colours per tone, as 0xRRGGBB.
const (
	colourGreen = 0x2EB67D
	colourRed   = 0xE01E5A
	colourAmber = 0xECB22E
	colourBlue  = 0x1D9BD1
)

func (t tone) colour() int {
	switch t {
	case toneAdded, toneRecovered:
		return colourGreen
	case toneRemoved, toneFailing:
		return colourRed
	case toneTest:
		return colourBlue
	}
	return colourAmber
}

// hex is the colour as "#RRGGBB".
func (t tone) hex() string { return fmt.Sprintf("#%06X", t.colour()) }

// chatText is the content of a chat message, unescaped: the event's Text,
// its link and its tone.
type chatText struct {
	event.Text
	// urlText is the watch URL as text: one line, cut to maxURLText; ""
	// when the event has no URL.
	urlText string
	// link is the watch URL as a link target (see linkTarget), or "" when
	// it cannot be one.
	link string
	tone tone
}

func newChatText(ev *event.Event) *chatText {
	c := &chatText{Text: ev.Text(), urlText: human.Cut(human.Clean(ev.Data.URL), maxURLText),
		link: linkTarget(ev.Data.URL)}
	switch ev.Type {
	case event.TypeFailing:
		c.tone = toneFailing
	case event.TypeRecovered:
		c.tone = toneRecovered
	case event.TypeTest:
		c.tone = toneTest
	default:
		c.tone = changeTone(ev.Data.Changes)
	}
	if c.Home != "" {
		// An event about one element (split) links the element's page
		// rather than the API's JSON.
		return c.linking(c.Home)
	}
	return c
}

// linkTarget is u as the target of a link: u with every byte that a URL
// cannot carry as it is (RFC 3986 §2: controls, space, non-ASCII and
// "<>\^`{|}) percent-encoded, as browsers do, so that no format's escaping
// can be broken by it. It is "" when u is not an http or https URL, or is
// longer than maxLink.
func linkTarget(u string) string {
	if lower := strings.ToLower(u); !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(u) && b.Len() <= maxLink; i++ {
		c := u[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"<>\\^`{|}", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	if b.Len() > maxLink {
		return ""
	}
	return b.String()
}

// firstElement is c for the kinds that link one thing: the first element
// link of the changes (event.Text.Link) in place of the watch URL, as the
// link and as its text. When no change has a link, or the first one cannot
// be a link target, c links the watch URL as before.
func (c *chatText) firstElement() *chatText { return c.linking(c.Link()) }

// linking is c with u as its link and its text in place of the watch
// URL, or c when u cannot be a link target.
func (c *chatText) linking(u string) *chatText {
	link := linkTarget(u)
	if link == "" {
		return c
	}
	e := *c
	e.urlText, e.link = human.Cut(human.Clean(u), maxURLText), link
	return &e
}

// linkUpTo is the link when it is at most n bytes long, and "" otherwise.
func (c *chatText) linkUpTo(n int) string {
	if len(c.link) > n {
		return ""
	}
	return c.link
}

// changeTone is green when every change adds, red when every change
// removes, amber otherwise.
func changeTone(changes []diff.Change) tone {
	var added, removed, other int
	for _, c := range changes {
		switch c.Op {
		case diff.Added:
			added++
		case diff.Removed:
			removed++
		default:
			other++
		}
	}
	switch {
	case added > 0 && removed == 0 && other == 0:
		return toneAdded
	case removed > 0 && added == 0 && other == 0:
		return toneRemoved
	}
	return toneChanged
}

// fitted is the part of a message's change lines that fits its limit.
type fitted struct {
	// lines are the kept change lines, escaped.
	lines []string
	// links are, for each kept line, the target of its link (see
	// linkTarget), or "" when it has none.
	links []string
	// more is how many changes the message does not show: those cut here
	// and those the event does not list. The message ends with
	// event.MoreLine(more) when it is positive.
	more int
}

// fit escapes the change lines and keeps as many as fit in budget, where
// cost measures one escaped line with its separator. When any change is
// left out, the escaped "…and N more changes" line must fit too. Lines are
// escaped before they are measured, and only whole lines are dropped, so a
// cut never splits a character or an escape.
func (c *chatText) fit(esc func(string) string, cost func(string) int, budget int) fitted {
	return c.fitLinked(func(l, _ string) string { return esc(l) },
		func(e, _ string) int { return cost(e) }, budget, linkRoom{})
}

// linkRoom is how much of a message the links of its change lines may
// take: at most lines linked lines, each target at most each bytes long
// (0: any that linkTarget allows), each linked line costing at most line
// (0: no limit; what one text object holds, for Slack), and all the links
// together at most bytes. What a link takes is what it adds to the cost of
// its line, escaping and markup included, and never less than the length
// of its target: Telegram's cost counts only the text people see, and its
// limit is on the targets.
type linkRoom struct {
	lines, each, line, bytes int
}

// fitLinked is fit for the kinds that link each line to its element:
// render escapes a line with its link target ("" for none), and cost
// measures a rendered line with its separator. A line is linked when its
// link is a valid target, the room has space for it and the line fits
// linked; otherwise it is shown unlinked. Lines are never left out for
// their links: the links take at most room.bytes, and the lines keep the
// rest of the budget.
func (c *chatText) fitLinked(render func(line, link string) string, cost func(rendered, link string) int, budget int, room linkRoom) fitted {
	var f fitted
	var costs []int
	used, linked, linkBytes := 0, 0, 0
	for i, l := range c.Changes {
		e, link := render(l, ""), ""
		w := cost(e, "")
		if linked < room.lines && i < len(c.Links) && c.Links[i] != "" {
			// Targets are made here, for the lines a message may show,
			// not for every line of a huge event.
			if t := linkTarget(c.Links[i]); t != "" && (room.each == 0 || len(t) <= room.each) {
				le := render(l, t)
				lw := cost(le, t)
				extra := max(lw-w, len(t))
				if linkBytes+extra <= room.bytes && (room.line == 0 || lw <= room.line) && used+lw <= budget {
					e, w, link = le, lw, t
					linked++
					linkBytes += extra
				}
			}
		}
		if used+w > budget {
			break
		}
		f.lines = append(f.lines, e)
		f.links = append(f.links, link)
		costs = append(costs, w)
		used += w
	}
	for {
		f.more = len(c.Changes) - len(f.lines) + c.Unlisted
		if f.more == 0 || used+cost(render(event.MoreLine(f.more), ""), "") <= budget || len(f.lines) == 0 {
			return f
		}
		n := len(f.lines) - 1
		used -= costs[n]
		f.lines, f.links, costs = f.lines[:n], f.links[:n], costs[:n]
	}
}

// linked reports whether any kept line is linked.
func (f fitted) linked() bool {
	for _, l := range f.links {
		if l != "" {
			return true
		}
	}
	return false
}

// htmlLine is an escaped change line, wrapped in a link to its element
// when it has one (Telegram, Matrix, Google Chat: linkTarget leaves no "
// or < in a target, escapeAttr makes sure).
func htmlLine(l, link string) string {
	e := escapeHTML(l)
	if link == "" {
		return e
	}
	return anchorHTML(link, e)
}

// fitFormatted is fit for the kinds that show unlinked lines in a code
// block (Slack, Discord, Mattermost), where nothing can be linked: it fits
// the lines both as the code block's (block escapes a line for it) and as
// formatted text, each line linked while room allows (line renders it),
// and returns the formatted lines, and true, when they link a line and
// show at least half as many lines as the code block would. Linking costs
// the links and the escaping that a code block does not need, and it may
// not cost more than half of the changes shown. cost measures a rendered
// line with its separator.
func (c *chatText) fitFormatted(line func(l, link string) string, block func(string) string, cost func(string) int, budget int, room linkRoom) (fitted, bool) {
	plain := c.fit(block, cost, budget)
	if c.Link() == "" {
		return plain, false
	}
	f := c.fitLinked(line, func(e, _ string) int { return cost(e) }, budget, room)
	if !f.linked() || 2*len(f.lines) < len(plain.lines) {
		return plain, false
	}
	return f, true
}

// markdownChanges are the change lines of a Markdown message (Discord,
// Mattermost) within budget characters, and how many changes it leaves
// out: Markdown lines (markdownLine) when they link their elements (see
// fitFormatted), and otherwise a code block in lang, as they always were.
func (c *chatText) markdownChanges(lang string, budget int) (string, int) {
	room := linkRoom{lines: len(c.Changes), each: maxUndocumentedLink, bytes: budget / 2}
	f, linked := c.fitFormatted(markdownLine, guardFence, func(e string) int { return human.Len(e) + 1 }, budget, room)
	if linked {
		return strings.Join(f.lines, "\n"), f.more
	}
	return fence(lang, f.lines), f.more
}

// markdownLine is a change line as a line of Markdown: escaped, and when
// it has a link followed by " [↗](<target>)". The line itself is no link
// text: Discord's parser takes no link whose text holds an unmatched [ or
// looks like a URL, both common in values, so the link has a text of its
// own. In the target, linkTarget leaves nothing that ends <…>, and ( and )
// are percent-encoded, since Discord ends a target at the first ).
func markdownLine(l, link string) string {
	e := event.EscapeMarkdown(l)
	if link == "" {
		return e
	}
	return e + " [↗](<" + parens.Replace(link) + ">)"
}

// renderer is one chat kind: where its requests go and its default body.
type renderer struct {
	// route sets the method, URL and auth headers.
	route func(t *config.Target, ev *event.Event) (*Message, error)
	// payload is the default body, marshalled as JSON.
	payload func(t *config.Target, ev *event.Event, c *chatText) (any, error)
}

func rendererFor(kind string) (renderer, bool) {
	switch kind {
	case config.KindSlack:
		return renderer{postToURL, slackPayload}, true
	case config.KindMattermost:
		return renderer{postToURL, mattermostPayload}, true
	case config.KindDiscord:
		return renderer{discordRoute, discordPayload}, true
	case config.KindTeams:
		return renderer{postToURL, teamsPayload}, true
	case config.KindGoogleChat:
		return renderer{postToURL, googleChatPayload}, true
	case config.KindTelegram:
		return renderer{telegramRoute, telegramPayload}, true
	case config.KindNtfy:
		return renderer{ntfyRoute, ntfyPayload}, true
	case config.KindMatrix:
		return renderer{matrixRoute, matrixPayload}, true
	case config.KindGotify:
		return renderer{gotifyRoute, gotifyPayload}, true
	}
	return renderer{}, false
}

// renderChat renders ev for a chat kind. A target's template replaces the
// body only: the kind still decides the method, the URL and the auth
// headers.
func renderChat(t *config.Target, ev *event.Event) (*Message, error) {
	r, ok := rendererFor(t.Kind)
	if !ok {
		return nil, fmt.Errorf("target %q: no renderer for kind %q", t.Name, t.Kind)
	}
	m, err := r.route(t, ev)
	if err != nil {
		return nil, err
	}
	if m.Header == nil {
		m.Header = http.Header{}
	}
	if t.Template != nil {
		return m, applyTemplate(t, ev, m)
	}
	p, err := r.payload(t, ev, newChatText(ev))
	if err != nil {
		return nil, err
	}
	if m.Body, err = marshalJSON(p); err != nil {
		return nil, fmt.Errorf("marshal: %w", err)
	}
	m.Header.Set("Content-Type", "application/json")
	return m, nil
}

// postToURL is the route of the incoming-webhook kinds: POST to the
// configured URL, which is itself the credential.
func postToURL(t *config.Target, _ *event.Event) (*Message, error) {
	return &Message{Method: http.MethodPost, URL: t.URL}, nil
}

// marshalJSON marshals v without escaping <, > and & (chat payloads are
// full of them, and \u003c is three times as long as <).
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonLen is the length of s as a JSON string, without the quotes.
func jsonLen(s string) int {
	b, err := marshalJSON(s)
	if err != nil {
		return 6 * len(s) // cannot happen for a string; be safe anyway
	}
	return len(b) - 2
}

// The escapers, built once: a Replacer is safe for concurrent use, and
// building one costs more than most of the lines it escapes (cutEscaped
// escapes rune by rune).
var (
	// ampLtGt escapes the three characters both HTML content and Slack's
	// mrkdwn reserve.
	ampLtGt  = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	attrRepl = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	// parens are what Discord ends a Markdown link target at.
	parens = strings.NewReplacer("(", "%28", ")", "%29")
)

// escapeHTML escapes text for HTML content (Telegram, Matrix, Google Chat).
func escapeHTML(s string) string { return ampLtGt.Replace(s) }

// escapeAttr escapes text for a double-quoted HTML attribute.
func escapeAttr(s string) string { return attrRepl.Replace(s) }

// anchorHTML is an HTML link to link around text, already escaped.
func anchorHTML(link, text string) string {
	return `<a href="` + escapeAttr(link) + `">` + text + "</a>"
}

// cutEscaped escapes s with esc, cut so that the escaped text is at most n
// characters (human.Len) and ends in "…" when cut. esc must escape each
// character on its own (HTML entities, Slack's, Markdown's backslashes), so
// that a cut never splits an escape.
func cutEscaped(s string, n int, esc func(string) string) string {
	if e := esc(s); human.Len(e) <= n {
		return e
	}
	var b strings.Builder
	used := 0
	for _, r := range s {
		e := esc(string(r))
		if w := human.Len(e); used+w <= n-1 {
			b.WriteString(e)
			used += w
			continue
		}
		break
	}
	return b.String() + "…"
}

// guardFence keeps a line from closing the ``` code block it is shown in,
// by putting zero-width spaces between backticks.
func guardFence(s string) string {
	return strings.ReplaceAll(s, "```", "`\u200b`\u200b`")
}

// fence wraps lines in a Markdown code block; lang may be "".
func fence(lang string, lines []string) string {
	if len(lines) == 0 {
		return ""
	}
	return "```" + lang + "\n" + strings.Join(lines, "\n") + "\n```"
}
