package config

import (
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// lineIndex finds on which line of the TOML source a key was written, so
// that validation errors can point at it. BurntSushi/toml keeps positions
// to itself, so this is a small scanner of its own: it notes where each
// table ([x], [[x]], [x.y]) starts and ends, and reads the lines of a table
// for its keys only when a problem asks for one. It only needs to be right
// for well-formed files: a file that does not parse never reaches
// validation.
type lineIndex struct {
	src string
	// tables are the tables by path ("watch[2]", "defaults",
	// "watch[2].paginate"; "" is the top level).
	tables map[string]table
}

// table is where a table is in the source: its header's line (0 for the
// top level), and the bytes of its keys, up to the next header.
type table struct {
	line       int
	start, end int
}

// at returns the line where the key at path was written, or 0.
func (ix *lineIndex) at(path string) int {
	if ix == nil {
		return 0
	}
	if t, ok := ix.tables[path]; ok && path != "" {
		return t.line
	}
	// The key is in the table the longest prefix of path names (TOML
	// defines a table once: by its header, or by dotted keys in its
	// parent), or at the top level.
	for i := strings.LastIndexByte(path, '.'); i > 0; i = strings.LastIndexByte(path[:i], '.') {
		if t, ok := ix.tables[path[:i]]; ok {
			return ix.key(t, path[i+1:])
		}
	}
	return ix.key(ix.tables[""], path)
}

// key returns the line of t where key was first assigned, or 0. A key of
// an inline table (headers = { A = "x" }) has none: its table's line is
// the one its problems point at.
func (ix *lineIndex) key(t table, key string) int {
	found := 0
	eachLine(ix.src[t.start:t.end], t.line+1, func(no, _, _ int, s string) bool {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return true
		}
		if k := strings.TrimSpace(s[:eq]); k == key || strings.ContainsAny(k, `."'`) && cleanKey(k) == key {
			found = no
			return false
		}
		return true
	})
	return found
}

// eachLine calls fn with each line of src that is not blank, a comment or
// inside a multi-line string: its number (the first line's is first), the
// offsets where it starts and where the next line does, and the line
// trimmed. It stops when fn returns false.
func eachLine(src string, first int, fn func(no, start, next int, s string) bool) {
	inMulti := "" // the closing delimiter of a multi-line string we are in
	no := first - 1
	for rest := src; rest != ""; {
		start := len(src) - len(rest)
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		no++
		if inMulti != "" {
			if strings.Contains(line, inMulti) {
				inMulti = ""
			}
			continue
		}
		s := strings.TrimSpace(line)
		if s == "" || s[0] == '#' {
			continue
		}
		if !fn(no, start, len(src)-len(rest), s) {
			return
		}
		if eq := strings.IndexByte(s, '='); eq > 0 && s[0] != '[' && (strings.Contains(s, `"""`) || strings.Contains(s, `'''`)) {
			inMulti = multiLineStart(strings.TrimSpace(s[eq+1:]))
		}
	}
}

// multiLineStart returns the closing delimiter of the multi-line string a
// value opens and does not close on its line, or "".
func multiLineStart(value string) string {
	for _, delim := range []string{`"""`, `'''`} {
		if strings.HasPrefix(value, delim) && !strings.Contains(value[3:], delim) {
			return delim
		}
	}
	return ""
}

func indexLines(src string) *lineIndex {
	ix := &lineIndex{src: src, tables: map[string]table{}}
	counts := map[string]int{} // array table name -> elements seen
	current := ""
	ix.tables[current] = table{}
	eachLine(src, 1, func(no, start, next int, s string) bool {
		if s[0] != '[' {
			return true
		}
		var name string
		if strings.HasPrefix(s, "[[") {
			n := tableName(strings.TrimPrefix(s, "[["), "]]")
			name = n + "[" + strconv.Itoa(counts[n]) + "]"
			counts[n]++
		} else {
			name = tableName(s[1:], "]")
			// [watch.paginate] after [[watch]] belongs to the last watch.
			if head, sub, ok := strings.Cut(name, "."); ok && counts[head] > 0 {
				name = head + "[" + strconv.Itoa(counts[head]-1) + "]." + sub
			}
		}
		ix.end(current, start)
		current = name
		ix.tables[current] = table{line: no, start: next, end: len(src)}
		return true
	})
	ix.end(current, len(src))
	return ix
}

// end ends the keys of the table at path at offset end of the source.
func (ix *lineIndex) end(path string, end int) {
	t := ix.tables[path]
	t.end = end
	ix.tables[path] = t
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

// tableAt returns the path of the table line is in ("watch[2]",
// "watch[2].paginate", "defaults", "" for the top level), and whether
// line is that table's header.
func (ix *lineIndex) tableAt(line int) (path string, header bool) {
	best := 0
	for p, t := range ix.tables {
		if p != "" && t.line <= line && t.line > best {
			path, best = p, t.line
		}
	}
	return path, best == line
}

// value decodes the value of key in the table at path, as written on its
// line; nil when the key is not there or its line does not decode alone.
func (ix *lineIndex) value(path, key string) any {
	t, ok := ix.tables[path]
	no := ix.key(t, key)
	if !ok || no == 0 {
		return nil
	}
	var line string
	eachLine(ix.src[t.start:t.end], t.line+1, func(n, start, next int, s string) bool {
		if n == no {
			line = s
			return false
		}
		return true
	})
	eq := strings.IndexByte(line, '=')
	if eq < 0 {
		return nil
	}
	var m map[string]any
	if _, err := toml.Decode("v ="+line[eq+1:], &m); err != nil {
		return nil
	}
	return m["v"]
}
