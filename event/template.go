package event

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"reflect"
	"strings"
	"text/template"
	"time"

	"github.com/pollhook/pollhook/internal/human"
)

// Funcs are the helpers a target's template can call, besides
// text/template's builtins. The template's dot is the Event, so
// {{title .}} and {{lines .}} take it as their argument:
//
//	json V               V as compact JSON
//	join LIST SEP        strings.Join
//	lines EVENT          the readable change lines of the default messages,
//	                     as a list of strings ("+ v1.3.0 \"Big release\"")
//	title EVENT          the one-line summary ("releases changed: 1 added")
//	truncate N S         S cut to at most N characters, ending in "…" when
//	                     cut; never splits a character
//	escape_html S        S with & < > " ' as HTML entities (Telegram HTML,
//	                     Matrix formatted_body, Google Chat cards)
//	escape_markdown S    S with Markdown punctuation backslash-escaped
//	                     (Discord, Mattermost, Gotify)
//	upper S, lower S     case conversion
//	default DEF V        V, or DEF when V is empty (nil, "", 0, false, an
//	                     empty list or map)
//
// truncate and default take their main argument last, so they work in
// pipelines: {{.Data.Error | truncate 200 | default "unknown error"}}.
func Funcs() template.FuncMap {
	return template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"join":            strings.Join,
		"lines":           (*Event).Lines,
		"title":           (*Event).Title,
		"truncate":        func(n int, s string) string { return human.CutRunes(s, n) },
		"escape_html":     html.EscapeString,
		"escape_markdown": EscapeMarkdown,
		"upper":           strings.ToUpper,
		"lower":           strings.ToLower,
		"default":         defaultValue,
	}
}

// ParseTemplate parses a target's template with Funcs, then renders it
// once with each type of event a target gets (a change, a failing and a
// recovered watch): a template that parses but cannot render, such as a
// misspelt field, is an error when the configuration is loaded rather
// than a failure of every delivery until it is dead.
func ParseTemplate(name, src string) (*template.Template, error) {
	tmpl, err := template.New(name).Funcs(Funcs()).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, err
	}
	for _, ev := range templateSamples(time.Now()) {
		if err := tmpl.Execute(io.Discard, ev); err != nil {
			return tmpl, fmt.Errorf("cannot render a %s event: %w", ev.Type, err)
		}
	}
	return tmpl, nil
}

// templateSamples are the events ParseTemplate renders a template with:
// one of each type a watch sends (a change, a split watch's element
// change, a truncated poll, a failing and a recovered watch).
func templateSamples(now time.Time) []*Event {
	const watch, url = "releases", "https://api.example.com/v1/releases"
	out := []*Event{}
	for _, typ := range Types() {
		if typ == TypeTest {
			continue
		}
		ev, _ := SampleOf(typ, watch, url, false, now)
		out = append(out, ev)
		if typ == TypeChanged {
			out = append(out, ElementSample(watch, url, now))
		}
	}
	return out
}

// EscapeMarkdown backslash-escapes the ASCII punctuation that Markdown
// (CommonMark and its chat dialects) gives a meaning to. CommonMark allows a
// backslash before any ASCII punctuation, so escaping more than needed is
// harmless. It is the escape_markdown template helper, and what the chat
// kinds use for their Markdown text.
func EscapeMarkdown(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if strings.ContainsRune("\\`*_{}[]()<>#+-.!|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// defaultValue returns v unless it is empty, and def then.
func defaultValue(def, v any) any {
	if v == nil {
		return def
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.Array, reflect.String:
		if rv.Len() == 0 {
			return def
		}
		return v
	}
	if rv.IsZero() {
		return def
	}
	return v
}
