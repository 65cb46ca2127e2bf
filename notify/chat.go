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
)

// Every chat kind renders the same content: a title, a few lines about the
// event (an error, how long a watch failed), one readable line per change,
// "…and N more changes" when the message had to be cut or the event lists
// fewer changes than it counts, and a link to the watch URL. The event
// package writes that content once (event.Text); each kind escapes it for
// its format and cuts it to its limits.

// maxURLText is how long the watch URL may get where it is shown as text,
// in characters.
const maxURLText = 300

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
	url  string
	tone tone
}

func newChatText(ev *event.Event) *chatText {
	c := &chatText{Text: ev.Text(), url: ev.Data.URL}
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
	return c
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
	lines := make([]string, 0, len(c.Changes))
	used := 0
	for _, l := range c.Changes {
		e := esc(l)
		w := cost(e)
		if used+w > budget {
			break
		}
		lines = append(lines, e)
		used += w
	}
	for {
		more := len(c.Changes) - len(lines) + c.Unlisted
		if more == 0 || used+cost(esc(event.MoreLine(more))) <= budget || len(lines) == 0 {
			return fitted{lines: lines, more: more}
		}
		last := lines[len(lines)-1]
		lines = lines[:len(lines)-1]
		used -= cost(last)
	}
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

// escapeHTML escapes text for HTML content (Telegram, Matrix, Google Chat).
func escapeHTML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// escapeAttr escapes text for a double-quoted HTML attribute.
func escapeAttr(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
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
