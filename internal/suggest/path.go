package suggest

import (
	"strings"
	"unicode"
)

// A step of a generalized path: a member by name, every element of an
// array ("#"), or every member of the map being watched ("*").
type step struct {
	kind byte // 'm', '#' or '*'
	name string
}

// path is a generalized path into the selected value: the path of one
// value in every element at once ("#.assets.#.download_count").
type path []step

// with returns p followed by s, sharing nothing with p.
func (p path) with(s step) path {
	q := make(path, len(p)+1)
	copy(q, p)
	q[len(p)] = s
	return q
}

// inElements reports whether p goes through the elements of an array or
// the members of a map: a value of each element, not of the answer.
func (p path) inElements() bool {
	for _, s := range p {
		if s.kind != 'm' {
			return true
		}
	}
	return false
}

// String is p as a gjson path: members escaped, "#" and "*" as they are;
// "" for the root.
func (p path) String() string {
	var b strings.Builder
	for i, s := range p {
		if i > 0 {
			b.WriteByte('.')
		}
		switch s.kind {
		case '#', '*':
			b.WriteByte(s.kind)
		default:
			b.WriteString(escapeName(s.name))
		}
	}
	return b.String()
}

// escapeName escapes a member name for a gjson path (select, ignore,
// keys, label, link): "\" before every character a path reads as syntax.
func escapeName(name string) string {
	return escape(name, `\.*?|#@!()[]{}=<>%"`)
}

// escapeKeyField escapes a member name for a key: its field separators
// and the characters keys refuse unescaped.
func escapeKeyField(name string) string {
	return escape(name, `\,.*?#|()@`)
}

func escape(s, special string) string {
	if !strings.ContainsAny(s, special) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(special, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// words splits a member name into lowercase words, at separators and at
// case changes: "UniqueId" → unique id, "html_url" → html url,
// "lastModified" → last modified, "HTMLUrl" → html url.
func words(name string) []string {
	var out []string
	rs := []rune(name)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsUpper(r) && (unicode.IsLower(prev) || unicode.IsDigit(prev)):
			flush(i)
			start = i
		case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			flush(i)
			start = i
		}
	}
	flush(len(rs))
	return out
}

// normalized is a member name's words run together: "tag_name" and
// "TagName" are both "tagname".
func normalized(name string) string {
	return strings.Join(words(name), "")
}
