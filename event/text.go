package event

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/pollhook/pollhook/diff"
	"github.com/pollhook/pollhook/internal/human"
)

// How long the parts of a line may get, in characters.
const (
	maxLabel    = 80  // element label, field path
	maxTitle    = 80  // the quoted title of an added or removed element
	maxValue    = 60  // old and new values
	maxTextLine = 200 // a line of a text watch
	maxError    = 300 // the error of a failing watch
	maxWatch    = 100 // the watch name, in Text's title
)

// Text is an event's readable content, unescaped: what every default chat
// message shows (each kind escapes it and cuts it to its limits), and what
// the CLI, the status page and {{lines .}} show.
type Text struct {
	// Watch is the watch name as a message shows it: one line, cut to 100
	// characters.
	Watch string
	// Title is the one-line summary (Title), with Watch for the name.
	Title string
	// Intro are lines about the event itself: a failing watch's error,
	// how long it failed, the notice of a test event.
	Intro []string
	// Changes has one line per listed change, starting with its sign.
	Changes []string
	// Links has one entry per line of Changes: the URL of the element the
	// change belongs to (the watch's link option), as the API gave it, or
	// "" when there is none or it is not an http or https URL. A chat kind
	// percent-encodes it for its format, and drops one too long for it.
	Links []string
	// Unlisted counts the changes the event counts but does not list (a
	// truncated event).
	Unlisted int
	// Home is, for an event about one element of a split watch, that
	// element's own URL (as Links has them), or "": what a message links
	// in place of the watch URL, the API's JSON.
	Home string
}

// Text returns the event's readable content.
func (e *Event) Text() Text {
	d := &e.Data
	t := Text{Watch: human.Cut(human.Clean(d.Watch), maxWatch)}
	t.Title = e.title(t.Watch)
	switch e.Type {
	case TypeFailing:
		if d.Error != "" {
			t.Intro = append(t.Intro, "Error: "+human.Cut(human.Clean(d.Error), maxError))
		}
		if d.Since != nil {
			t.Intro = append(t.Intro, "Failing since "+human.Time(*d.Since))
		}
	case TypeRecovered:
		if d.Since != nil {
			t.Intro = append(t.Intro, fmt.Sprintf("Back after failing for %s (since %s)",
				human.Duration(e.Timestamp.Sub(*d.Since)), human.Time(*d.Since)))
		} else {
			t.Intro = append(t.Intro, "Back to normal.")
		}
	case TypeTest:
		t.Intro = append(t.Intro, "This is a test message from pollhook: if you can read it, this target works.")
	case TypeTruncated:
		t.Intro = append(t.Intro, d.truncatedIntro()...)
	case TypeSubscriptionDisabled:
		line := "Its deliveries failed"
		if d.Since != nil {
			line += " since " + human.Time(*d.Since)
		}
		if d.App != "" {
			line += "; application " + human.Cut(human.Clean(d.App), maxWatch)
		}
		t.Intro = append(t.Intro, line+".")
		if d.Error != "" {
			t.Intro = append(t.Intro, "Last error: "+human.Cut(human.Clean(d.Error), maxError))
		}
	}
	switch {
	case d.element():
		t.Changes = d.elementLines()
		for _, c := range d.Changes[:len(t.Changes)] {
			t.Links = append(t.Links, elementLink(c.Link))
		}
		t.Home = elementLink(d.Link)
	default:
		for _, c := range d.Changes {
			t.Changes = append(t.Changes, changeLine(d.Format, c))
			t.Links = append(t.Links, elementLink(c.Link))
		}
	}
	if d.Truncated && d.Counts != nil && e.Type != TypeTruncated {
		t.Unlisted = max(d.Counts.Total()-len(d.Changes), 0)
	}
	return t
}

// Lines returns the readable lines every default chat message shows for
// the event: the lines about the event itself (a failing watch's error, for
// example), one line per change, and "…and N more changes" when the event
// counts more changes than it lists. Templates reach it as {{lines .}}.
func (e *Event) Lines() []string {
	lines := e.Text().Lines()
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

// Line is one of an event's readable lines, with the link of the element
// it is about ("" when it has none; see Text.Links).
type Line struct {
	Text, Link string
}

// Link is the first of Links that is not "": what the kinds that link a
// message rather than each of its lines link.
func (t Text) Link() string {
	for _, l := range t.Links {
		if l != "" {
			return l
		}
	}
	return ""
}

// Lines returns the readable lines of Event.Lines, each with its link: a
// change line has its element's, the others none.
func (t Text) Lines() []Line {
	out := make([]Line, 0, len(t.Intro)+len(t.Changes)+1)
	for _, l := range t.Intro {
		out = append(out, Line{Text: l})
	}
	for i, l := range t.Changes {
		line := Line{Text: l}
		if i < len(t.Links) { // a Text made by hand may have no links
			line.Link = t.Links[i]
		}
		out = append(out, line)
	}
	if t.Unlisted > 0 {
		out = append(out, Line{Text: MoreLine(t.Unlisted)})
	}
	return out
}

// MoreLine says how many changes a message leaves out: "…and 3 more
// changes".
func MoreLine(n int) string {
	if n == 1 {
		return "…and 1 more change"
	}
	return "…and " + strconv.Itoa(n) + " more changes"
}

// elementLink is an element's link (a change's or an element event's),
// when it is an http or https URL: any other scheme (javascript:, data:)
// is no link that a message should carry.
func elementLink(link string) string {
	lower := strings.ToLower(link)
	if strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://") {
		return link
	}
	return ""
}

// elementLabel is the label of the element a change belongs to as lines
// and titles show it: one line without the spaces around it, cut to
// maxLabel characters; "" when it has none, or a blank one, and for text
// watches, which have no elements.
func elementLabel(f diff.Format, c diff.Change) string {
	if f == diff.Text {
		return ""
	}
	return human.Cut(strings.TrimSpace(human.Clean(c.Label)), maxLabel)
}

// changeLine renders one change as a line that starts with its sign:
//
//	added element, with its title:       + v1.3.0 "Big release"
//	removed element:                     - v0.9.0
//	changed field of a keyed element:    ~ v1.2.0 name: "a" → "b"
//	changed value at an unkeyed path:    ~ 2.price: 10 → 12
//	text watches:                        + line 12: the text
//
// An element with a label is named by it instead of its key
// (+ hub 2.13.0, ~ Bridge Fire AcresBurned: 300 → 411); the key still finds
// the element in the path, so the field after the label is the same.
func changeLine(f diff.Format, c diff.Change) string {
	sign := "~"
	switch c.Op {
	case diff.Added:
		sign = "+"
	case diff.Removed:
		sign = "-"
	}
	if f == diff.Text {
		where := "line " + human.Cut(human.Clean(c.Path), maxLabel)
		switch c.Op {
		case diff.Added:
			return sign + " " + where + ": " + human.Cut(textValue(c.New), maxTextLine)
		case diff.Removed:
			return sign + " " + where + ": " + human.Cut(textValue(c.Old), maxTextLine)
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
	label = human.Cut(human.Clean(label), maxLabel)
	field := relativeField(c.Path, c.Key)
	if l := elementLabel(f, c); l != "" {
		label = l
		if c.Key == "" && c.Path != "@this" {
			// Without a key, the path was the name: keep it.
			field = c.Path
		}
	}
	line := sign + " " + label
	switch c.Op {
	case diff.Added, diff.Removed:
		// A part of a keyed element (a new asset of a release) says where
		// it is; a set member's own query is left out, its value shows it.
		field := dropSetMember(field)
		if field != "" {
			line += " " + human.Cut(human.Clean(field), maxLabel)
		}
		v := c.New
		if c.Op == diff.Removed {
			v = c.Old
		}
		return line + summary(v, label, field != "")
	}
	if field != "" {
		line += " " + human.Cut(human.Clean(field), maxLabel)
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
			s = human.Cut(strings.TrimSpace(human.Clean(s)), maxTitle)
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
	if q, err := quoteJSON(label); v == label || err == nil && v == q {
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
			// Quoted as JSON, so control characters show as the escapes
			// they are in the API's answer (and the C1 ones, which JSON
			// leaves raw, as escapes that mean the same).
			if q, err := quoteJSON(human.Cut(strings.ToValidUTF8(s, "\uFFFD"), maxValue-2)); err == nil {
				return human.Printable(q)
			}
		}
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return human.Cut(human.Clean(buf.String()), maxValue)
	}
	return human.Cut(human.Clean(string(raw)), maxValue)
}

// textValue is a line of a text watch: a JSON string, shown as is but for
// tabs (spaces) and other control characters, shown as \uXXXX escapes
// (Printable).
func textValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		s = string(raw)
	}
	return human.Printable(blanks.Replace(s))
}

// blanks turns tabs and newlines into spaces (textValue); built once, as
// a Replacer is safe for concurrent use.
var blanks = strings.NewReplacer("\t", " ", "\n", " ")

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

// quoteJSON is s as a JSON string, with <, > and & as they are.
func quoteJSON(s string) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}
