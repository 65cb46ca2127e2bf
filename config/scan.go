package config

import "strings"

// tomlLine is a line of a TOML file whose first token is outside every
// string, array and inline table: a table's header, or a key's line.
type tomlLine struct {
	no    int // its number
	start int // where it starts
	first int // where its first token is
	// header: the line is a table's header ([a.b], or [[a]] when array),
	// keys its name's keys, unquoted (a quoted key's escapes are left as
	// written).
	header bool
	array  bool
	keys   []string
}

// next returns where the line after l's starts in src.
func (l tomlLine) next(src string) int {
	return min(lineEnd(src, l.first)+1, len(src))
}

// scanLines calls fn with each tomlLine of src in turn, numbering them
// from first, until fn returns false. Blank lines, comments, and the
// lines of a multi-line string, array or inline table after its first
// are not tomlLines. It returns false when src is not TOML it can follow
// to the end (a string or a bracket left open, a ] or } that closes
// nothing, a header it cannot read), having called fn for the lines
// before the trouble.
func scanLines(src string, first int, fn func(tomlLine) bool) bool {
	// The bytes that change what the scanner is in; it skips the rest.
	var special [256]bool
	for _, c := range []byte("\n#\"'[]{}") {
		special[c] = true
	}
	depth := 0 // of arrays and inline tables
	no := first
	for i := 0; i < len(src); no++ {
		// At a line's start.
		start := i
		i = skipBlank(src, i)
		if i < len(src) && depth == 0 && src[i] != '\n' && src[i] != '#' && src[i] != '\r' {
			l := tomlLine{no: no, start: start, first: i}
			if src[i] == '[' {
				var ok bool
				if l.keys, l.array, ok = readHeader(src, i); !ok {
					return false
				}
				l.header = true
				i = lineEnd(src, i)
			}
			if !fn(l) {
				return true
			}
		}
		// To the line's end.
	line:
		for i < len(src) {
			for i < len(src) && !special[src[i]] {
				i++
			}
			if i == len(src) {
				break
			}
			switch src[i] {
			case '\n':
				i++
				break line
			case '#':
				i = lineEnd(src, i)
			case '"', '\'':
				next, ok := skipString(src, i)
				if !ok {
					return false
				}
				no += strings.Count(src[i:next], "\n")
				i = next
			case '[', '{':
				depth++
				i++
			case ']', '}':
				if depth--; depth < 0 {
					return false
				}
				i++
			}
		}
	}
	return depth == 0
}

// lineEnd returns the offset of the newline that ends the line i is in,
// or len(src).
func lineEnd(src string, i int) int {
	if j := strings.IndexByte(src[i:], '\n'); j >= 0 {
		return i + j
	}
	return len(src)
}

// skipString returns the offset just past the string that starts at i
// (basic or literal, one-line or multi-line); false when it does not end
// where TOML says it must.
func skipString(src string, i int) (int, bool) {
	q := src[i]
	delim := `"""`
	if q == '\'' {
		delim = `'''`
	}
	if strings.HasPrefix(src[i:], delim) {
		// Multi-line: it ends at the first three quotes not escaped; up
		// to two more quotes right after belong to the string.
		for j := i + 3; j < len(src); j++ {
			switch {
			case q == '"' && src[j] == '\\':
				j++
			case strings.HasPrefix(src[j:], delim):
				j += 3
				for k := 0; k < 2 && j < len(src) && src[j] == q; k++ {
					j++
				}
				return j, true
			}
		}
		return 0, false
	}
	// One line: the first quote ends it, but one escaped in a basic
	// string.
	k := strings.IndexByte(src[i+1:], q)
	if k < 0 {
		return 0, false
	}
	body := src[i+1 : i+1+k]
	if strings.IndexByte(body, '\n') >= 0 {
		return 0, false
	}
	if q == '\'' || strings.IndexByte(body, '\\') < 0 {
		return i + 1 + k + 1, true
	}
	// Escapes: step over them, to the quote that is not one.
	for j := i + 1; j < len(src); j++ {
		switch src[j] {
		case '\n':
			return 0, false
		case '\\':
			j++
		case q:
			return j + 1, true
		}
	}
	return 0, false
}

// readHeader reads the header that starts at i ([name] or [[name]]):
// its name's keys, and whether it is an array's. False when the line is
// not a header it can read.
func readHeader(src string, i int) (keys []string, array, ok bool) {
	array = strings.HasPrefix(src[i:], "[[")
	j := i + 1
	if array {
		j++
	}
	keys, j, ok = readKey(src, j)
	if !ok {
		return nil, false, false
	}
	closing := "]"
	if array {
		closing = "]]"
	}
	if !strings.HasPrefix(src[j:], closing) {
		return nil, false, false
	}
	j = skipBlank(src, j+len(closing))
	if rest := src[j:]; rest != "" && rest[0] != '\n' && rest[0] != '#' && !strings.HasPrefix(rest, "\r\n") {
		return nil, false, false
	}
	return keys, array, true
}

// readKey reads the dotted key that starts at j (blanks before it and
// around its dots allowed, its parts bare or quoted): its parts, unquoted
// (a quoted part's escapes are left as written), and the offset past it
// and the blanks after it. False when there is no key there it can read.
func readKey(src string, j int) (keys []string, next int, ok bool) {
	for {
		j = skipBlank(src, j)
		if j >= len(src) {
			return nil, 0, false
		}
		var key string
		switch src[j] {
		case '"', '\'':
			if strings.HasPrefix(src[j:], `"""`) || strings.HasPrefix(src[j:], `'''`) {
				return nil, 0, false // not a key
			}
			end, ok := skipString(src, j)
			if !ok {
				return nil, 0, false
			}
			key, j = src[j+1:end-1], end
		default:
			k := j
			for k < len(src) && isBareKeyChar(src[k]) {
				k++
			}
			if k == j {
				return nil, 0, false
			}
			key, j = src[j:k], k
		}
		keys = append(keys, key)
		j = skipBlank(src, j)
		if j < len(src) && src[j] == '.' {
			j++
			continue
		}
		return keys, j, true
	}
}

func skipBlank(src string, j int) int {
	for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
		j++
	}
	return j
}

func isBareKeyChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
