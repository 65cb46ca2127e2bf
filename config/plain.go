package config

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Most [[watch]] sections are written plainly: a header, then one key a
// line, each a bare key with a string, an integer, a boolean or a
// one-line array of strings, and comments. BurntSushi/toml spends most
// of a large file's reading on them (its lexer hands each token to its
// parser through a channel, and it keeps a key list and a position per
// key that the reader does not use): plainWatches decodes such a part
// itself, in a fifth of the time, and gives up on anything else, which
// BurntSushi/toml then decodes. What it accepts it decodes as
// BurntSushi/toml does, to the same tree (FuzzPlainWatches holds it to
// that); where TOML's rules are subtle (escapes, multi-line strings,
// numbers other than plain decimals, dotted or quoted keys, sub-tables,
// a key set twice, control characters) it gives up rather than decide.

// plainWatches decodes part, a run of [[watch]] sections, into the
// tables toml.Decode makes of them, or reports false when part is not
// written plainly.
func plainWatches(part string) ([]map[string]any, bool) {
	var watches []map[string]any
	var cur map[string]any
	for i := 0; i < len(part); {
		end := lineEnd(part, i)
		line := part[i:end]
		if end < len(part) {
			line = strings.TrimSuffix(line, "\r") // a CRLF line's; a CR at the end is not one
		}
		i = end + 1
		j := skipBlank(line, 0)
		switch {
		case j == len(line):
			continue
		case line[j] == '#':
			if !plainText(line[j:]) {
				return nil, false
			}
			continue
		case strings.HasPrefix(line[j:], "[[watch]]"):
			if !plainRest(line, j+len("[[watch]]")) {
				return nil, false
			}
			cur = map[string]any{}
			watches = append(watches, cur)
			continue
		case cur == nil:
			return nil, false
		}
		k := j
		for k < len(line) && isBareKeyChar(line[k]) {
			k++
		}
		key := line[j:k]
		if key == "" {
			return nil, false
		}
		if _, set := cur[key]; set {
			return nil, false
		}
		k = skipBlank(line, k)
		if k == len(line) || line[k] != '=' {
			return nil, false
		}
		v, next, ok := plainValue(line, skipBlank(line, k+1))
		if !ok || !plainRest(line, next) {
			return nil, false
		}
		cur[key] = v
	}
	return watches, len(watches) > 0
}

// plainValue reads the value at line[i:]: a one-line string without
// escapes, a decimal integer, a boolean, or a one-line array of such
// strings. It returns the value and where it ends.
func plainValue(line string, i int) (any, int, bool) {
	if i == len(line) {
		return nil, 0, false
	}
	switch c := line[i]; {
	case c == '"' || c == '\'':
		return plainString(line, i)
	case c == '[':
		arr := []any{}
		j := skipBlank(line, i+1)
		for j < len(line) && line[j] != ']' {
			s, next, ok := plainString(line, j)
			if !ok {
				return nil, 0, false
			}
			arr = append(arr, s)
			j = skipBlank(line, next)
			if j < len(line) && line[j] == ',' {
				j = skipBlank(line, j+1)
			} else if j < len(line) && line[j] != ']' {
				return nil, 0, false
			}
		}
		if j == len(line) {
			return nil, 0, false
		}
		return arr, j + 1, true
	case strings.HasPrefix(line[i:], "true"):
		return true, i + len("true"), true
	case strings.HasPrefix(line[i:], "false"):
		return false, i + len("false"), true
	default:
		j := i
		if c == '+' || c == '-' {
			j++
		}
		digits := j
		for j < len(line) && line[j] >= '0' && line[j] <= '9' {
			j++
		}
		if j == digits || line[digits] == '0' && j-digits > 1 {
			return nil, 0, false // no digits, or a leading zero
		}
		n, err := strconv.ParseInt(line[i:j], 10, 64)
		if err != nil {
			return nil, 0, false
		}
		return n, j, true
	}
}

// plainString reads the one-line string at line[i:] (where the file's
// scanner, skipString, says it ends): basic without an escape, or
// literal, and with no control character but tabs.
func plainString(line string, i int) (string, int, bool) {
	if i == len(line) || line[i] != '"' && line[i] != '\'' {
		return "", 0, false
	}
	q := line[i]
	end, ok := skipString(line, i)
	if !ok || strings.HasPrefix(line[i:], string([]byte{q, q, q})) {
		return "", 0, false // left open, or multi-line
	}
	s := line[i+1 : end-1]
	if q == '"' && strings.IndexByte(s, '\\') >= 0 || !plainText(s) {
		return "", 0, false
	}
	return s, end, true
}

// plainRest reports whether line[i:] holds nothing but blanks and a
// comment.
func plainRest(line string, i int) bool {
	i = skipBlank(line, i)
	return i == len(line) || line[i] == '#' && plainText(line[i:])
}

// plainText reports whether s is valid UTF-8 without control characters
// but tabs, as TOML's strings and comments must be.
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}
