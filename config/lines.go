package config

import (
	"strconv"
	"strings"
)

// lineIndex remembers on which line of the TOML source each key was
// written, so that validation errors can point at it. BurntSushi/toml keeps
// positions to itself, so this is a small scanner of its own: it follows
// table headers ([x], [[x]], [x.y]) and the keys assigned under them. It
// only needs to be right for well-formed files: a file that does not parse
// never reaches validation.
type lineIndex struct {
	lines map[string]int // "watch[2].schedule" -> 14
}

// at returns the line where the key at path was written, or 0.
func (ix *lineIndex) at(path string) int {
	if ix == nil {
		return 0
	}
	return ix.lines[path]
}

func indexLines(src string) *lineIndex {
	ix := &lineIndex{lines: map[string]int{}}
	counts := map[string]int{} // array table name -> elements seen
	section := ""
	inMulti := "" // the closing delimiter of a multi-line string we are in
	for n, line := range strings.Split(src, "\n") {
		lineNo := n + 1
		if inMulti != "" {
			if strings.Contains(line, inMulti) {
				inMulti = ""
			}
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		switch {
		case strings.HasPrefix(t, "[["):
			name := tableName(strings.TrimPrefix(t, "[["), "]]")
			section = name + "[" + strconv.Itoa(counts[name]) + "]"
			counts[name]++
			ix.lines[section] = lineNo
			continue
		case t[0] == '[':
			name := tableName(t[1:], "]")
			// [watch.paginate] after [[watch]] belongs to the last watch.
			if head, rest, ok := strings.Cut(name, "."); ok && counts[head] > 0 {
				name = head + "[" + strconv.Itoa(counts[head]-1) + "]." + rest
			}
			section = name
			ix.lines[section] = lineNo
			continue
		}
		eq := strings.IndexByte(t, '=')
		if eq <= 0 {
			continue
		}
		key := cleanKey(t[:eq])
		path := key
		if section != "" {
			path = section + "." + key
		}
		if _, seen := ix.lines[path]; !seen {
			ix.lines[path] = lineNo
		}
		value := strings.TrimSpace(t[eq+1:])
		for _, delim := range []string{`"""`, `'''`} {
			if strings.HasPrefix(value, delim) && !strings.Contains(value[3:], delim) {
				inMulti = delim
			}
		}
		// Keys of an inline table on the same line: headers = { A = "x" }
		if strings.HasPrefix(value, "{") {
			for _, part := range strings.Split(strings.Trim(value, "{} "), ",") {
				if k, _, ok := strings.Cut(part, "="); ok {
					sub := path + "." + cleanKey(k)
					if _, seen := ix.lines[sub]; !seen {
						ix.lines[sub] = lineNo
					}
				}
			}
		}
	}
	return ix
}

func tableName(s, closing string) string {
	if i := strings.Index(s, closing); i >= 0 {
		s = s[:i]
	}
	return cleanKey(s)
}

// cleanKey turns a TOML key as written (`"X-Env" `, `a . b`) into the dotted
// form used by the index.
func cleanKey(k string) string {
	parts := strings.Split(strings.TrimSpace(k), ".")
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if len(p) >= 2 && (p[0] == '"' || p[0] == '\'') && p[len(p)-1] == p[0] {
			p = p[1 : len(p)-1]
		}
		parts[i] = p
	}
	return strings.Join(parts, ".")
}
