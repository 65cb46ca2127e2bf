package notify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"

	"github.com/pollhook/pollhook/config"
	"github.com/pollhook/pollhook/diff"
)

// Every chat kind renders the same content: a title, a few lines about the
// event (an error, how long a watch failed), one readable line per change,
// "…and N more changes" when the message had to be cut or the event lists
// fewer changes than it counts, and a link to the watch URL. This file builds
// that content once; each kind escapes it for its format and cuts it to its
// limits.

// How long the parts of a change line may get, in characters.
const (
	maxLabel    = 80  // element label, field path
	maxTitle    = 80  // the quoted title of an added or removed element
	maxValue    = 60  // old and new values
	maxTextLine = 200 // a line of a text watch
	maxError    = 300 // the error of a failing watch
	maxURLText  = 300 // the watch URL where it is shown as text
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

// chatText is the content of a chat message, unescaped.
type chatText struct {
	title string
	// intro are lines about the event itself (error, since, sample notice).
	intro []string
	// changes has one line per listed change.
	changes []string
	// unlisted counts changes the event counts but does not list
	// (Truncated).
	unlisted int
	url      string
	tone     tone
}

func newChatText(ev *Event) *chatText {
	d := &ev.Data
	c := &chatText{title: ev.Title(), url: d.URL}
	switch ev.Type {
	case TypeFailing:
		c.tone = toneFailing
		if d.Error != "" {
			c.intro = append(c.intro, "Error: "+cut(clean(d.Error), maxError))
		}
		if d.Since != nil {
			c.intro = append(c.intro, "Failing since "+formatTime(*d.Since))
		}
	case TypeRecovered:
		c.tone = toneRecovered
		if d.Since != nil {
			c.intro = append(c.intro, fmt.Sprintf("Back after failing for %s (since %s)",
				humanDuration(ev.Timestamp.Sub(*d.Since)), formatTime(*d.Since)))
		} else {
			c.intro = append(c.intro, "Back to normal.")
		}
	case TypeTest:
		c.tone = toneTest
		c.intro = append(c.intro, "This is a test message from pollhook: if you can read it, this target works.")
	default:
		c.tone = changeTone(d.Changes)
	}
	for _, ch := range d.Changes {
		c.changes = append(c.changes, changeLine(d.Format, ch))
	}
	if d.Truncated && d.Counts != nil {
		c.unlisted = max(d.Counts.Total()-len(d.Changes), 0)
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

// Lines returns the readable lines every default chat message shows for
// the event: the lines about the event itself (a failing watch's error, for
// example), one line per change, and "…and N more changes" when the event
// counts more changes than it lists. Templates reach it as {{lines .}}.
func (e *Event) Lines() []string {
	c := newChatText(e)
	out := make([]string, 0, len(c.intro)+len(c.changes)+1)
	out = append(out, c.intro...)
	out = append(out, c.changes...)
	if c.unlisted > 0 {
		out = append(out, moreLine(c.unlisted))
	}
	return out
}

// moreLine says how many changes a message leaves out.
func moreLine(n int) string {
	if n == 1 {
		return "…and 1 more change"
	}
	return "…and " + strconv.Itoa(n) + " more changes"
}

// changeLine renders one change as a line that starts with its sign:
//
//	added element, with its title:       + v1.3.0 "Big release"
//	removed element:                     - v0.9.0
//	changed field of a keyed element:    ~ v1.2.0 name: "a" → "b"
//	changed value at an unkeyed path:    ~ 2.price: 10 → 12
//	text watches:                        + line 12: the text
func changeLine(f diff.Format, c diff.Change) string {
	sign := "~"
	switch c.Op {
	case diff.Added:
		sign = "+"
	case diff.Removed:
		sign = "-"
	}
	if f == diff.Text {
		where := "line " + cut(clean(c.Path), maxLabel)
		switch c.Op {
		case diff.Added:
			return sign + " " + where + ": " + cut(textValue(c.New), maxTextLine)
		case diff.Removed:
			return sign + " " + where + ": " + cut(textValue(c.Old), maxTextLine)
		}
		return sign + " " + where + ": " + value(c.Old) + " → " + value(c.New)
	}
	label := c.Key
	if label == "" {
		label = c.Path
	}
	if label == "" {
		label = "(root)"
	}
	label = cut(clean(label), maxLabel)
	line := sign + " " + label
	switch c.Op {
	case diff.Added, diff.Removed:
		// A part of a keyed element (a new asset of a release) says where
		// it is; a set member's own query is left out, its value shows it.
		field := dropSetMember(relativeField(c.Path, c.Key))
		if field != "" {
			line += " " + cut(clean(field), maxLabel)
		}
		v := c.New
		if c.Op == diff.Removed {
			v = c.Old
		}
		return line + summary(v, label, field != "")
	}
	if field := relativeField(c.Path, c.Key); field != "" {
		line += " " + cut(clean(field), maxLabel)
	}
	return line + ": " + value(c.Old) + " → " + value(c.New)
}

// dropSetMember removes a last path component that picks a set member,
// #(=="beta"), from a field path.
func dropSetMember(field string) string {
	comps := pathComponents(field)
	last := comps[len(comps)-1]
	if !last.query || !strings.HasPrefix(field[last.start:], "#(==") {
		return field
	}
	return strings.TrimRight(field[:last.start], ".|")
}

// summary is what an added or removed element adds to its label: its
// quoted title, or its value when it is a scalar; nothing when that would
// only repeat the label. An object without a title shows nothing, unless it
// is a part of an element (part), which its label does not describe: then
// its compact value.
func summary(raw json.RawMessage, label string, part bool) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	if raw[0] == '{' {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return ""
		}
		// Field names compare without case: APIs write Name and NAME too.
		lower := make(map[string]json.RawMessage, len(obj))
		for k, v := range obj {
			l := strings.ToLower(k)
			if _, dup := lower[l]; !dup || k == l { // "name" wins over "Name"
				lower[l] = v
			}
		}
		// The fields that name an element, in order of preference.
		for _, f := range []string{"name", "title", "summary", "tag_name", "description"} {
			var s string
			if json.Unmarshal(lower[f], &s) != nil {
				continue
			}
			s = cut(strings.TrimSpace(clean(s)), maxTitle)
			if s == "" {
				continue
			}
			if s == label {
				return ""
			}
			return ` "` + s + `"`
		}
		if part {
			return " " + value(raw)
		}
		return ""
	}
	v := value(raw)
	if q, err := marshalJSON(label); v == label || err == nil && v == string(q) {
		return ""
	}
	return " " + v
}

// value shows a JSON value compactly on one line: scalars as JSON, long
// strings and objects cut to maxValue characters.
func value(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "(none)"
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			b, err := marshalJSON(cut(clean(s), maxValue-2))
			if err == nil {
				return string(b)
			}
		}
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return cut(clean(buf.String()), maxValue)
	}
	return cut(clean(string(raw)), maxValue)
}

// textValue is a line of a text watch: a JSON string, shown as is.
func textValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	return clean(s)
}

// relativeField is the part of a change's path below the element its key
// names: "name" for "#(id==1).name" with key "1". Without a key the label
// is the whole path and there is nothing to add.
//
// The diff names a keyed element by a query, #(id==1), or for a composite
// key by queries joined with "|" (#(region=="eu")#|#(sku=="a1") for key
// "eu,a1"), or by its index when no query finds exactly it. The key is that
// of the innermost keyed element, so the element is the innermost query
// whose values are the key; failing that, the outermost element, which
// leaves the most of the path visible.
func relativeField(path, key string) string {
	if key == "" || path == "@this" {
		return ""
	}
	comps := pathComponents(path)
	type element struct {
		end   int
		value string
	}
	var elems []element
	for i := 0; i < len(comps); i++ {
		c := comps[i]
		switch {
		case c.query:
			values := []string{c.value}
			for i+1 < len(comps) && comps[i+1].sep == '|' && comps[i+1].query {
				i++
				values = append(values, comps[i].value)
			}
			elems = append(elems, element{end: comps[i].end, value: strings.Join(values, ",")})
		case isIndex(path[c.start:c.end]):
			elems = append(elems, element{end: c.end})
		}
	}
	if len(elems) == 0 {
		if path == key {
			return ""
		}
		return path
	}
	end := elems[0].end
	for i := len(elems) - 1; i >= 0; i-- {
		if elems[i].value == key {
			end = elems[i].end
			break
		}
	}
	return strings.TrimLeft(path[end:], ".|")
}

// isIndex reports whether a path component is an array index.
func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// pathComponent is one component of a gjson path: path[start:end], the
// separator before it ('.', '|' or 0 for the first), and for a query
// #(...) or #(...)# the value an == query compares with.
type pathComponent struct {
	start, end int
	sep        byte
	query      bool
	value      string
}

// pathComponents splits a gjson path at the separators outside queries,
// minding backslash escapes, quotes and nested parentheses.
func pathComponents(p string) []pathComponent {
	var out []pathComponent
	add := func(start, end int, sep byte) {
		c := pathComponent{start: start, end: end, sep: sep}
		if text := p[start:end]; strings.HasPrefix(text, "#(") {
			if end := closeQuery(text, 1); end > 0 {
				c.query, c.value = true, queryValue(text[2:end])
			}
		}
		out = append(out, c)
	}
	start, sep := 0, byte(0)
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\':
			i++
		case c == '#' && i+1 < len(p) && p[i+1] == '(':
			if end := closeQuery(p, i+1); end > 0 {
				i = end
			} else {
				i = len(p)
			}
		case c == '.' || c == '|':
			add(start, i, sep)
			start, sep = i+1, c
		}
	}
	add(start, len(p), sep)
	return out
}

// closeQuery returns the index of the ')' closing the '(' at open, or -1.
func closeQuery(p string, open int) int {
	depth, inStr := 0, false
	for j := open; j < len(p); j++ {
		c := p[j]
		if inStr {
			switch c {
			case '\\':
				j++
			case '"':
				inStr = false
			}
			continue
		}
		switch c {
		case '"':
			inStr = true
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// queryValue returns the value an == query compares with: `v1.2.0` for
// `tag_name=="v1.2.0"`.
func queryValue(q string) string {
	_, rhs, ok := strings.Cut(q, "==")
	if !ok {
		return ""
	}
	rhs = strings.TrimSpace(rhs)
	var s string
	if strings.HasPrefix(rhs, `"`) && json.Unmarshal([]byte(rhs), &s) == nil {
		return s
	}
	return rhs
}

// clean makes s one valid UTF-8 line: control characters and line
// separators become spaces, invalid bytes U+FFFD.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		if r == '\u2028' || r == '\u2029' || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// textLen measures s in UTF-16 code units: what JavaScript and most chat
// tools call characters. It is never less than the number of code points,
// so a limit kept in these units is kept in either.
func textLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// cut shortens s to at most n characters (textLen), ending in "…" when
// anything was cut. It cuts between runes, never inside one.
func cut(s string, n int) string {
	if textLen(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	budget := n - 1 // room for "…"
	used := 0
	for i, r := range s {
		w := utf16.RuneLen(r)
		if used+w > budget {
			return s[:i] + "…"
		}
		used += w
	}
	return s
}

// formatTime shows a time for people, in UTC.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// humanDuration shows a duration with its two largest units: "2h 15m",
// "3d 4h", "45s".
func humanDuration(d time.Duration) string {
	if d < time.Second {
		return "less than a second"
	}
	d = d.Round(time.Second)
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	for i, u := range units {
		if d < u.size {
			continue
		}
		s := strconv.FormatInt(int64(d/u.size), 10) + u.name
		if i+1 < len(units) {
			if rest := d % u.size / units[i+1].size; rest > 0 {
				s += " " + strconv.FormatInt(int64(rest), 10) + units[i+1].name
			}
		}
		return s
	}
	return "0s" // unreachable: d >= 1s
}

// fitted is the part of a message's change lines that fits its limit.
type fitted struct {
	// lines are the kept change lines, escaped.
	lines []string
	// more is how many changes the message does not show: those cut here
	// and those the event does not list. The message ends with
	// moreLine(more) when it is positive.
	more int
}

// fit escapes the change lines and keeps as many as fit in budget, where
// cost measures one escaped line with its separator. When any change is
// left out, the escaped "…and N more changes" line must fit too. Lines are
// escaped before they are measured, and only whole lines are dropped, so a
// cut never splits a character or an escape.
func (c *chatText) fit(esc func(string) string, cost func(string) int, budget int) fitted {
	lines := make([]string, 0, len(c.changes))
	used := 0
	for _, l := range c.changes {
		e := esc(l)
		w := cost(e)
		if used+w > budget {
			break
		}
		lines = append(lines, e)
		used += w
	}
	for {
		more := len(c.changes) - len(lines) + c.unlisted
		if more == 0 || used+cost(esc(moreLine(more))) <= budget || len(lines) == 0 {
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
	route func(t *config.Target, ev *Event) (*Message, error)
	// payload is the default body, marshalled as JSON.
	payload func(t *config.Target, ev *Event, c *chatText) (any, error)
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
func renderChat(t *config.Target, ev *Event) (*Message, error) {
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
func postToURL(t *config.Target, _ *Event) (*Message, error) {
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

// SampleEvent returns a realistic change event of type pollhook.test, with
// one change of each kind, for `pollhook test-target` and the tests. Its id
// is new on every call, so a tool that deduplicates (Matrix) shows each
// test.
func SampleEvent(watch, url string, now time.Time) *Event {
	return &Event{
		ID:        NewID(now),
		Type:      TypeTest,
		Timestamp: now,
		Data: Data{
			Watch:  watch,
			URL:    url,
			Seq:    1,
			Format: diff.JSON,
			Changes: []diff.Change{
				{
					Op: diff.Added, Path: `#(tag_name=="v1.3.0")`, Key: "v1.3.0",
					New: json.RawMessage(`{"tag_name":"v1.3.0","name":"Big release: faster & <safer>","draft":false}`),
				},
				{
					Op: diff.Changed, Path: `#(tag_name=="v1.2.0").name`, Key: "v1.2.0",
					Old: json.RawMessage(`"Release 1.2"`), New: json.RawMessage(`"Release 1.2 (LTS)"`),
				},
				{
					Op: diff.Removed, Path: `#(tag_name=="v0.9.0")`, Key: "v0.9.0",
					Old: json.RawMessage(`{"tag_name":"v0.9.0","name":"v0.9.0","draft":true}`),
				},
			},
			Counts: &diff.Counts{Added: 1, Removed: 1, Changed: 1},
		},
	}
}
