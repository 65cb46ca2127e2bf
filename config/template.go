package config

import (
	"encoding/json"
	"html"
	"reflect"
	"strings"
	"text/template"
	"unicode/utf8"
)

// TemplateFuncs are the helpers a target's template can call, besides
// text/template's builtins. The template's dot is the event (see
// notify.Event), so {{title .}} and {{lines .}} take it as their argument:
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
func TemplateFuncs() template.FuncMap {
	return template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
		"join": strings.Join,
		// The event lives in package notify, which imports this one; the
		// two helpers that need it reach it through its methods.
		"lines":           func(ev interface{ Lines() []string }) []string { return ev.Lines() },
		"title":           func(ev interface{ Title() string }) string { return ev.Title() },
		"truncate":        truncateRunes,
		"escape_html":     html.EscapeString,
		"escape_markdown": EscapeMarkdown,
		"upper":           strings.ToUpper,
		"lower":           strings.ToLower,
		"default":         defaultValue,
	}
}

// truncateRunes cuts s to at most n characters (runes), the last one being
// "…" when anything was cut.
func truncateRunes(n int, s string) string {
	if n <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i == n-1 {
			break
		}
		b.WriteRune(r)
		i++
	}
	b.WriteString("…")
	return b.String()
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
